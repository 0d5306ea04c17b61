"""The one envelope of every ``--json`` output, and the schema of each kind.

Every command's JSON is one object ``{"schema": 1, "kind": KIND, ...}``; the
fields of each kind are described in ``docs/json.md`` and, for programs, as
JSON Schema objects in :data:`SCHEMAS`. Paths are absolute. Field names are the
web API's where they mean the same thing (``digit``, ``probabilities``,
``model``, ``name``, ``family``, ``created``, ``n_train``, ``test_accuracy``).

:func:`check` validates a document against its schema with the subset of JSON
Schema used here (``type``, ``required``, ``properties``, ``items``, ``enum``,
``const``); it is for tests and for callers that want to be sure of a document.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["SCHEMAS", "SCHEMA_VERSION", "check", "dumps", "envelope"]

#: The version of the envelope and of every kind's fields; raised on an incompatible change.
SCHEMA_VERSION = 1

_NUMBER = {"type": "number"}
_INT = {"type": "integer"}
_STR = {"type": "string"}
_STATE = {"type": "string", "enum": ["trained", "file missing", "damaged", "not trained"]}
_BOOL = {"type": "boolean"}
_PATH = {"type": "string", "description": "an absolute path"}


def _maybe(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "type": [schema["type"], "null"]}


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "required": list(properties) if required is None else required,
        "properties": properties,
    }


def _kind(kind: str, properties: dict[str, Any]) -> dict[str, Any]:
    return _object({"schema": {"const": SCHEMA_VERSION}, "kind": {"const": kind}, **properties})


_MODEL_ROW = _object(
    {
        "name": _STR,
        "summary": _STR,
        "family": _STR,
        "trained": _BOOL,
        "state": _STATE,
        "file": _maybe(_PATH),
        "created": _maybe(_STR),
        "dataset": _maybe(_STR),
        "data_checksum": _maybe(_STR),
        "n_train": _maybe(_INT),
        "sha256": _maybe(_STR),
        "test_accuracy": _maybe(_NUMBER),
        "robust_accuracy": _maybe(_NUMBER),
    }
)
_ROBUSTNESS_MEANS = _object(
    {
        "overall_mean": _maybe(_NUMBER),
        "mnist_c_mean": _maybe(_NUMBER),
        "photo_mean": _maybe(_NUMBER),
        "n_images": _INT,
        "seed": _INT,
    }
)
_LEADERBOARD_ROW = _object(
    {
        "rank": _maybe(_INT),
        "name": _STR,
        "summary": _STR,
        "test_accuracy": _maybe(_NUMBER),
        "robust_accuracy": _maybe(_NUMBER),
        "n_errors": _maybe(_INT),
        "train_seconds": _NUMBER,
        "predict_seconds_batch": _maybe(_NUMBER),
        "predict_ms_single": _maybe(_NUMBER),
        "n_train": _INT,
        "created": _STR,
        "state": {**_STATE, "enum": ["trained", "file missing", "damaged"]},
        "robustness": _maybe(_ROBUSTNESS_MEANS),
    }
)
_TOP = _object({"digit": _INT, "label": _STR, "probability": _NUMBER})
_ERROR = _object({"code": _STR, "message": _STR})
_PREDICTION_ROW = _object(
    {
        "image": _PATH,
        "digit": _maybe(_INT),
        "label": _maybe(_STR),
        "probability": _maybe(_NUMBER),
        "probabilities": _maybe({"type": "array", "items": _NUMBER}),
        "top": {"type": "array", "items": _TOP},
        "saved_input": _maybe(_PATH),
        "unsure": _maybe(_BOOL),
        "unsure_reason": _maybe(_STR),
        "error": {"type": ["object", "null"], **{k: v for k, v in _ERROR.items() if k != "type"}},
    }
)
_NUMBERS = {"type": "array", "items": _NUMBER}

#: The JSON Schema of each kind of ``--json`` output, by kind.
SCHEMAS: dict[str, dict[str, Any]] = {
    "models": _kind(
        "models",
        {
            "dataset": _STR,
            "models_dir": _PATH,
            "models": {"type": "array", "items": _MODEL_ROW},
        },
    ),
    "leaderboard": _kind(
        "leaderboard",
        {
            "dataset": _STR,
            "models_dir": _PATH,
            "models": {"type": "array", "items": _LEADERBOARD_ROW},
        },
    ),
    "evaluation": _kind(
        "evaluation",
        {
            "model": _STR,
            "dataset": _STR,
            "load_seconds": _NUMBER,
            "test_accuracy": _NUMBER,
            "n_errors": _INT,
            "n_test": _INT,
            "confusion": {"type": "array", "items": {"type": "array", "items": _INT}},
            "precision": _NUMBERS,
            "recall": _NUMBERS,
            "f1": _NUMBERS,
            "predict_seconds_batch": _NUMBER,
            "predict_ms_single": _NUMBER,
            "misclassified": {
                "type": "array",
                "items": _object(
                    {"index": _INT, "true": _INT, "predicted": _INT, "probability": _NUMBER}
                ),
            },
        },
    ),
    "prediction": _kind(
        "prediction",
        {
            "model": _STR,
            "dataset": _STR,
            "class_names": {"type": "array", "items": _STR},
            "results": {"type": "array", "items": _PREDICTION_ROW},
        },
    ),
    "tune": _kind(
        "tune",
        {
            "model": _STR,
            "dataset": _STR,
            "data_checksum": _STR,
            "grid": {"type": "object"},
            "n_images": _INT,
            "folds": _INT,
            "seed": _INT,
            "where": _STR,
            "elapsed_seconds": _NUMBER,
            "rows": {
                "type": "array",
                "items": _object(
                    {
                        "settings": {"type": "object"},
                        "mean": _NUMBER,
                        "std": _NUMBER,
                        "scores": _NUMBERS,
                    }
                ),
            },
            "best_settings": {"type": "object"},
            "versions": {"type": "object"},
            "files": _object({"csv": _PATH, "json": _PATH}),
        },
    ),
    "data-info": _kind(
        "data-info",
        {
            "dataset": _STR,
            "n_images": _INT,
            "n_train": _INT,
            "n_test": _INT,
            "image_shape": {"type": "array", "items": _INT},
            "dtype": _STR,
            "classes": {
                "type": "array",
                "items": _object({"label": _INT, "name": _STR, "train": _INT, "test": _INT}),
            },
            "files": {
                "type": "array",
                "items": _object({"file": _STR, "md5": _STR, "ok": _BOOL}),
            },
            "checksum": _STR,
            "source": _STR,
            "cache_path": _maybe(_PATH),
        },
    ),
}


# ``data-list`` (``mnistlab data list --json``): the built-in and the added data sets.
SCHEMAS["data-list"] = _kind(
    "data-list",
    {
        "datasets_dir": _PATH,
        "datasets": {
            "type": "array",
            "items": _object(
                {
                    "name": _STR,
                    "title": _STR,
                    "builtin": _BOOL,
                    "classes": {"type": "array", "items": _STR},
                    "n_train": _INT,
                    "n_test": _INT,
                    "source": _STR,
                    "directory": _maybe(_PATH),
                }
            ),
        },
    },
)


# ``robustness`` (``mnistlab robustness MODEL --json``): accuracy under each corruption.
_MAYBE_NUMBER = _maybe(_NUMBER)
_ROBUSTNESS_RESULT: dict[str, Any] = {
    "model": _STR,
    "dataset": _STR,
    "n_images": _INT,
    "seed": _INT,
    "clean_accuracy": _MAYBE_NUMBER,
    "mnist_c_mean": _MAYBE_NUMBER,
    "photo_mean": _MAYBE_NUMBER,
    "overall_mean": _MAYBE_NUMBER,
    "scores": {
        "type": "array",
        "items": _object(
            {
                "name": _STR,
                "kind": {"enum": ["clean", "corruption", "photo"]},
                "parameter": _STR,
                "accuracy": _NUMBER,
                "n_images": _INT,
                "unread": _INT,
            }
        ),
    },
}
SCHEMAS["robustness"] = _kind("robustness", _ROBUSTNESS_RESULT)
# ``robustness-comparison`` (``mnistlab robustness MODEL MODEL ... --json``): several models
# scored on the same images, each result as in ``robustness``.
SCHEMAS["robustness-comparison"] = _kind(
    "robustness-comparison",
    {
        "dataset": _STR,
        "n_images": _INT,
        "seed": _INT,
        "models": {"type": "array", "items": _STR},
        "results": {"type": "array", "items": _object(_ROBUSTNESS_RESULT)},
    },
)


def envelope(kind: str, **fields: Any) -> dict[str, Any]:
    """Return ``fields`` in the envelope of ``kind``: ``{"schema": 1, "kind": kind, ...}``.

    Example
    -------
    >>> envelope("models", models_dir="/srv/models", models=[])
    {'schema': 1, 'kind': 'models', 'models_dir': '/srv/models', 'models': []}
    """
    if kind not in SCHEMAS:
        raise KeyError(f"no JSON schema for kind {kind!r}")
    return {"schema": SCHEMA_VERSION, "kind": kind, **fields}


def dumps(document: dict[str, Any]) -> str:
    """Return ``document`` as the indented JSON text a command prints."""
    return json.dumps(document, indent=2, ensure_ascii=False)


_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}


def _is(value: Any, name: str) -> bool:
    if isinstance(value, bool) and name in ("integer", "number"):
        return False
    return isinstance(value, _TYPES[name])


def check(document: Any, schema: dict[str, Any], where: str = "$") -> list[str]:
    """Return what in ``document`` disagrees with ``schema`` (empty when it conforms).

    Example
    -------
    >>> check({"a": 1}, {"type": "object", "required": ["a", "b"]})
    ['$: missing key b']
    """
    problems: list[str] = []
    if "const" in schema and document != schema["const"]:
        problems.append(f"{where}: expected {schema['const']!r}, got {document!r}")
    if "enum" in schema and document not in schema["enum"]:
        problems.append(f"{where}: {document!r} is not one of {schema['enum']!r}")
    if "type" in schema:
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is(document, name) for name in names):
            return [*problems, f"{where}: expected {' or '.join(names)}, got {document!r}"]
    if isinstance(document, dict):
        problems += [
            f"{where}: missing key {key}"
            for key in schema.get("required", ())
            if key not in document
        ]
        for key, sub in schema.get("properties", {}).items():
            if key in document:
                problems += check(document[key], sub, f"{where}.{key}")
    if isinstance(document, list) and "items" in schema:
        for index, item in enumerate(document):
            problems += check(item, schema["items"], f"{where}[{index}]")
    return problems
