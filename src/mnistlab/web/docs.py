"""The API's documentation page, rendered from its OpenAPI document.

FastAPI's own ``/docs`` and ``/redoc`` load their scripts from a CDN; this app
serves everything itself, so ``/docs`` is a plain HTML page made here from
``/openapi.json``: each endpoint with its summary, description, request body
types and responses.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

_METHODS = ("get", "post", "put", "patch", "delete")


def _text(markdown: str) -> str:
    """Escape a description; its `code spans` become <code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escape(markdown))


def _schema_name(schema: dict[str, Any]) -> str:
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return ref.rsplit("/", 1)[-1]
    kind = schema.get("type")
    if kind == "array":
        return f"array of {_schema_name(schema.get('items', {}))}"
    fmt = schema.get("format")
    return f"{kind} ({fmt})" if fmt else str(kind or "any")


def _operation(path: str, method: str, op: dict[str, Any]) -> str:
    parts = [
        f'<section class="endpoint" id="{escape(method)}-{escape(path.strip("/"))}">',
        f"<h2><code>{escape(method.upper())} {escape(path)}</code></h2>",
    ]
    if op.get("summary"):
        parts.append(f"<p><strong>{escape(op['summary'])}</strong></p>")
    if op.get("description"):
        for para in str(op["description"]).split("\n\n"):
            parts.append(f"<p>{_text(para.strip())}</p>")
    body = op.get("requestBody")
    if isinstance(body, dict):
        types = ", ".join(f"<code>{escape(t)}</code>" for t in body.get("content", {}))
        parts.append(f"<p>Request body: {types}</p>")
    rows = []
    for status, response in sorted(op.get("responses", {}).items()):
        content = response.get("content", {}).get("application/json", {})
        schema = _schema_name(content.get("schema", {})) if content else ""
        rows.append(
            f"<tr><td>{escape(str(status))}</td><td>{escape(response.get('description', ''))}"
            f"</td><td>{escape(schema)}</td></tr>"
        )
    if rows:
        parts.append(
            "<table><thead><tr><th>Status</th><th>Meaning</th><th>JSON body</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
        )
    parts.append("</section>")
    return "\n".join(parts)


def _schema(name: str, schema: dict[str, Any]) -> str:
    rows = []
    required = set(schema.get("required", []))
    for field, spec in schema.get("properties", {}).items():
        kind = (
            _schema_name(spec)
            if "anyOf" not in spec
            else " or ".join(_schema_name(option) for option in spec["anyOf"])
        )
        rows.append(
            f"<tr><td><code>{escape(field)}</code>{'' if field in required else ' (optional)'}"
            f"</td><td>{escape(kind)}</td><td>{_text(spec.get('description', ''))}</td></tr>"
        )
    return (
        f'<section class="endpoint" id="schema-{escape(name)}"><h2>{escape(name)}</h2>'
        f"<p>{_text(schema.get('description', ''))}</p>"
        "<table><thead><tr><th>Field</th><th>Type</th><th>Meaning</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def render_docs(openapi: dict[str, Any]) -> str:
    """Return the HTML documentation page of an OpenAPI document.

    Parameters
    ----------
    openapi : dict
        The document, as ``FastAPI.openapi()`` returns it.

    Returns
    -------
    str
        A complete HTML page that loads only ``/static/app.css``.
    """
    info = openapi.get("info", {})
    title = f"{info.get('title', 'API')} {info.get('version', '')}".strip()
    sections = [
        _operation(path, method, op)
        for path, item in openapi.get("paths", {}).items()
        for method, op in item.items()
        if method in _METHODS
    ]
    schemas = [
        _schema(name, schema)
        for name, schema in openapi.get("components", {}).get("schemas", {}).items()
        if not name.startswith(("HTTPValidationError", "ValidationError"))
    ]
    summary = escape(info.get("summary", ""))
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/app.css">
</head>
<body class="docs">
<header><h1>{escape(title)} API</h1><p>{summary}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a>. The page: <a href="/">/</a>.
Every error is JSON: <code>{{"error": {{"status", "code", "message"}}}}</code>.</p></header>
<main>
{"".join(sections)}
<h2>JSON bodies</h2>
{"".join(schemas)}
</main>
</body>
</html>
"""
