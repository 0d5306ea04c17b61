"""Every error of the web app in one JSON shape, and the handlers that render it.

A client gets ``{"error": {"status": 413, "code": "body_too_large", "message": "..."}}``
for anything that goes wrong, whatever raised it: a request the app refuses, an
image that cannot be read, a path that does not exist, or a bug. A bug is logged
with its traceback on the server and answered with a generic message: the
traceback never reaches the client.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from mnistlab.errors import ImageInputError

#: How a status without a more specific code is named in the JSON error.
_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    500: "internal_error",
}


class ApiError(Exception):
    """A request the web app refuses, with the HTTP status and code to answer with.

    It is the web layer's own: it never leaves ``mnistlab.web``, which turns it
    into the one JSON error shape.

    Parameters
    ----------
    status : int
        The HTTP status, 4xx.
    code : str
        A short machine-readable name, such as ``"empty_body"``.
    message : str
        One line for people: what was wrong and what to send instead.
    """

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def error_response(
    status: int, code: str | None, message: str, *, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """Return the one JSON shape of every error.

    Parameters
    ----------
    status : int
        The HTTP status.
    code : str or None
        A short machine-readable name; ``None`` names it after the status.
    message : str
        One line for people.
    headers : dict, optional
        Extra response headers (``Allow`` for a 405, for example).

    Returns
    -------
    JSONResponse
    """
    name = code or _CODES.get(status) or HTTPStatus(status).phrase.lower().replace(" ", "_")
    return JSONResponse(
        {"error": {"status": status, "code": name, "message": message}},
        status_code=status,
        headers=headers,
    )


async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
    return error_response(exc.status, exc.code, exc.message)


async def _image_error(request: Request, exc: ImageInputError) -> JSONResponse:
    # The image was received but cannot be used: not an image, damaged, too
    # many pixels, or blank. The message of ImageInputError says which.
    return error_response(422, "bad_image", str(exc))


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    if exc.status_code == 404:
        detail = f"no such page or endpoint: {request.url.path}; see /docs for the API"
    elif exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}; see /docs for the API"
    return error_response(exc.status_code, None, detail, headers=exc.headers)


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', 'invalid')}"
        for e in exc.errors()
    )
    return error_response(422, "invalid_request", f"the request is not valid: {problems}")


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # Starlette re-raises the exception after this response, so the server
    # logs the traceback; the client gets one line and no internals.
    return error_response(500, "internal_error", "internal error; the server log has the details")


def install_error_handlers(app: FastAPI) -> None:
    """Make ``app`` answer every error in the one JSON shape.

    Parameters
    ----------
    app : FastAPI
        The application to install the handlers on.
    """
    # Starlette types a handler as taking any Exception; each of these is
    # registered for its own class only, so the narrower signature holds.
    handlers: list[tuple[type[Exception], Any]] = [
        (ApiError, _api_error),
        (ImageInputError, _image_error),
        (StarletteHTTPException, _http_error),
        (RequestValidationError, _validation_error),
        (Exception, _unexpected),
    ]
    for exc_class, handler in handlers:
        app.add_exception_handler(exc_class, handler)
