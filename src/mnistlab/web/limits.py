"""The limits every request meets before any image is decoded.

The size of a body is limited *while it is read*: a ``Content-Length`` over the
limit is refused before a byte of the body is read, and a chunked body (which
declares no length) is counted as it arrives and refused as soon as it passes
the limit. Reading everything first and measuring afterwards would let one
client fill the server's memory.
"""

from __future__ import annotations

from typing import Literal

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mnistlab.web.problems import ApiError, error_response

#: What ``POST /api/predict`` accepts, said the same way in every error.
ACCEPTED_TYPES = (
    "image/* (image/png, image/jpeg, ...), application/octet-stream or multipart/form-data"
)

BodyKind = Literal["raw", "multipart"]


def _megabytes(n: int) -> str:
    return f"{n / 1_048_576:.1f} MiB" if n >= 1_048_576 else f"{n:,} bytes"


def body_too_large(limit: int) -> ApiError:
    """Return the error for a body over ``limit`` bytes."""
    return ApiError(
        413,
        "body_too_large",
        f"the request body is larger than the limit of {_megabytes(limit)}; "
        "send a smaller image (a digit needs no more than a few hundred pixels a side)",
    )


class BodyLimitMiddleware:
    """Refuse request bodies larger than ``max_body_bytes``, while reading them.

    Parameters
    ----------
    app : ASGI application
        The application to wrap.
    max_body_bytes : int
        The largest body accepted, in bytes.
    """

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_body_bytes
        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            problem: ApiError | None = None
            if not declared.strip().isdigit():
                problem = ApiError(
                    400, "bad_content_length", f"Content-Length {declared!r} is not a number"
                )
            elif int(declared) > limit:
                problem = body_too_large(limit)
            if problem is not None:
                # Answer at once: the body is never read.
                response = error_response(problem.status, problem.code, problem.message)
                await response(scope, receive, send)
                return

        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise body_too_large(limit)
            return message

        await self.app(scope, counting_receive, send)


def body_kind(content_type: str | None) -> BodyKind:
    """Tell how to read a prediction request from its ``Content-Type``.

    Parameters
    ----------
    content_type : str or None
        The request's ``Content-Type`` header.

    Returns
    -------
    {"raw", "multipart"}
        ``"raw"``: the body is the image file itself; ``"multipart"``: a form
        upload whose file field holds it.

    Raises
    ------
    ApiError
        415 for a missing or any other content type.

    Example
    -------
    >>> body_kind("image/png; charset=binary")
    'raw'
    """
    if content_type is None or not content_type.strip():
        raise ApiError(
            415,
            "unsupported_media_type",
            f"the request has no Content-Type; send {ACCEPTED_TYPES}",
        )
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == "multipart/form-data":
        return "multipart"
    if media_type == "application/octet-stream" or (
        media_type.startswith("image/") and len(media_type) > len("image/")
    ):
        return "raw"
    raise ApiError(
        415,
        "unsupported_media_type",
        f"Content-Type {media_type!r} is not accepted; send {ACCEPTED_TYPES}",
    )
