"""The FastAPI application: the draw-a-digit page and its JSON API.

:func:`create_app` builds the application around one model that is already
loaded, so tests drive it in-process with ``TestClient`` and ``mnistlab serve``
runs the same object under uvicorn. Every route and every error answers JSON
in one shape (see :mod:`mnistlab.web.problems`); the page and its scripts are
served by the app itself, from the package, and fetch nothing from elsewhere.
"""

from __future__ import annotations

import html
import threading
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.datastructures import MutableHeaders, UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mnistlab import __version__
from mnistlab.data.registry import get_dataset_spec
from mnistlab.models.base import N_PIXELS
from mnistlab.models.confidence import judge
from mnistlab.models.records import ModelRecord
from mnistlab.models.store import TRAINED, ModelStore, TrainedModel
from mnistlab.preprocess import DEFAULT_MAX_PIXELS, preprocess
from mnistlab.web.batching import BatchingPredictor
from mnistlab.web.docs import render_docs
from mnistlab.web.limits import ACCEPTED_TYPES, BodyLimitMiddleware, body_kind
from mnistlab.web.problems import ApiError, install_error_handlers

if TYPE_CHECKING:
    from mnistlab.data import DatasetSpec
    from mnistlab.preprocess import Framing

#: The largest request body accepted by default: a phone photo fits, a flood does not.
DEFAULT_MAX_BODY_BYTES = 10 * 1_048_576
#: How many images are decoded at once; more requests wait their turn, so memory
#: stays bounded by this many decoded images. The model itself runs one batch at a time.
DEFAULT_WORKERS = 4

# The page may load and contact nothing but this server.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

_IMAGE_BODY = {"type": "string", "format": "binary"}
_PREDICT_BODY = {
    "required": True,
    "description": "The image file itself, or a form upload with the image in field `file`.",
    "content": {
        "image/png": {"schema": _IMAGE_BODY},
        "image/jpeg": {"schema": _IMAGE_BODY},
        "application/octet-stream": {"schema": _IMAGE_BODY},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {"file": _IMAGE_BODY},
                "required": ["file"],
            }
        },
    },
}


class ErrorDetail(BaseModel):
    """What went wrong."""

    status: int = Field(description="The HTTP status.")
    code: str = Field(description="A short machine-readable name, e.g. `body_too_large`.")
    message: str = Field(description="One line for people: what was wrong and what to do.")


class ErrorResponse(BaseModel):
    """The one shape of every error."""

    error: ErrorDetail


_ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": text}
    for status, text in {
        400: "Empty body or a malformed upload",
        413: "Body larger than the limit",
        415: "Content type not accepted",
        422: "Not an image, damaged, too many pixels, or no ink",
    }.items()
}


class Prediction(BaseModel):
    """The model's answer for one image."""

    digit: int = Field(description="The most probable class: the digit for MNIST.", ge=0, le=9)
    label: str = Field(
        description="The name of that class in the model's data set: `7` for MNIST, "
        "`Sneaker` for Fashion-MNIST."
    )
    probabilities: list[float] = Field(description="The probability of each class 0–9.")
    model: str = Field(description="The name of the model that answered.")
    dataset: str = Field(description="The data set the model was trained on (`serve -d`).")
    input: list[list[int]] = Field(
        description="The 28×28 image the model saw, rows of 0–255, ink bright on dark."
    )
    unsure: bool = Field(
        description="The image may not be a digit of the model's data set: a top probability "
        "below 50%, or ink unlike the data set's (`mnistlab.models.confidence`)."
    )
    unsure_reason: str | None = Field(description="Why it is unsure; null when sure.")


class ModelInfo(BaseModel):
    """A trained model, as its record describes it."""

    name: str = Field(description="What `mnistlab serve --model` takes.")
    family: str = Field(description="How it is built: `classical`, `cnn` or `ensemble`.")
    dataset: str = Field(description="The data set it was trained on.")
    created: str = Field(description="When training finished (ISO 8601, UTC).")
    n_train: int = Field(description="How many training images it saw.")
    test_accuracy: float | None = Field(
        description="Accuracy on the 10,000 test images; null before `mnistlab evaluate`."
    )
    robust_accuracy: float | None = Field(
        default=None,
        description="Mean accuracy over the robustness benchmark (the leaderboard's "
        '"robust"); null until `mnistlab robustness` measured this model file.',
    )
    state: str = Field(
        description="`trained` (its file matches its record), `file missing` or `damaged`."
    )


class ModelsResponse(BaseModel):
    """The model that answers, and every model saved beside it."""

    serving: ModelInfo = Field(description="The model that answers `POST /api/predict`.")
    available: list[ModelInfo] = Field(
        description="Every trained model of the same data set in its store."
    )
    dataset: str = Field(description="The data set served (`mnistlab serve -d`).")
    class_names: list[str] = Field(
        description="The name of each class 0–9: `0`…`9` for MNIST, `T-shirt/top`… for "
        "Fashion-MNIST."
    )


class Health(BaseModel):
    """The server is up and its model is loaded."""

    status: str = Field(description="Always `ok` when the server answers.")
    model: str = Field(description="The model it serves.")
    dataset: str = Field(description="The data set of that model.")
    version: str = Field(description="The mnistlab version.")


def _model_info(record: ModelRecord, state: str = TRAINED) -> ModelInfo:
    return ModelInfo(
        name=record.name,
        family=record.family,
        dataset=record.dataset,
        created=record.created,
        n_train=record.n_train,
        test_accuracy=record.test_accuracy,
        robust_accuracy=record.robust_accuracy,
        state=state,
    )


class _SecurityHeaders:
    """Add the headers that keep every response to itself (pure ASGI, no buffering)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
            await send(message)

        await self.app(scope, receive, send_with_headers)


class _Predictor:
    """Preprocess in worker threads, a bounded number at a time; predict in shared batches."""

    def __init__(
        self,
        model: TrainedModel,
        labels: tuple[str, ...],
        *,
        framing: Framing,
        max_pixels: int,
        workers: int,
    ) -> None:
        self.model = model
        self.labels = labels
        self.framing: Framing = framing
        self.max_pixels = max_pixels
        self._decoding = threading.BoundedSemaphore(workers)
        self._batcher = BatchingPredictor(model.classifier)

    def predict(self, data: bytes) -> Prediction:
        with self._decoding:
            digit = preprocess(data, framing=self.framing, max_pixels=self.max_pixels)
        p = self._batcher.predict(np.ascontiguousarray(digit, dtype=np.uint8).reshape(N_PIXELS))
        confidence = judge(digit, p, self.model.record.dataset)
        best = int(np.argmax(p))
        return Prediction(
            digit=best,
            label=self.labels[best],
            probabilities=[float(v) for v in p],
            model=self.model.name,
            dataset=self.model.record.dataset,
            input=digit.tolist(),
            unsure=confidence.unsure,
            unsure_reason=confidence.reason,
        )


def _digits(spec: DatasetSpec) -> bool:
    return spec.class_names == tuple(str(d) for d in range(len(spec.class_names)))


def render_page(page: str, spec: DatasetSpec) -> str:
    """The page for the data set ``spec``: MNIST's as it is, another's with its class names.

    The page says "digit" throughout; for a data set whose classes are not the
    digits, the bars carry the class names and the headings name the data set.

    Example
    -------
    >>> "Sneaker" in render_page(PAGE, get_dataset_spec("fashion-mnist"))  # doctest: +SKIP
    True
    """
    if _digits(spec):
        return page
    for index, name in enumerate(spec.class_names):
        page = page.replace(
            f'<span class="label">{index}</span>', f'<span class="label">{html.escape(name)}</span>'
        )
    title = html.escape(spec.title)
    replacements = {
        "<title>mnistlab: draw a digit</title>": f"<title>mnistlab: draw a {title} image</title>",
        "<h1>Draw a digit</h1>": f"<h1>Draw a {title} image</h1>",
        '<h2 id="draw-title">Your digit</h2>': '<h2 id="draw-title">Your drawing</h2>',
        "draw one digit from 0 to 9": f"draw one {title} image",
        "Draw one digit, large and centred.": "Draw one item, large and centred.",
        "of a handwritten digit.": "of one item.",
        'aria-label="Predicted digit"': 'aria-label="Predicted class"',
        "Draw a digit to see": "Draw to see",
        'aria-label="Probability of each digit"': 'aria-label="Probability of each class"',
        "as in MNIST": f"as in {title}",
    }
    for old, new in replacements.items():
        page = page.replace(old, new)
    return page.replace("<body>", f'<body data-dataset="{html.escape(spec.name)}">', 1)


async def _read_image(request: Request) -> bytes:
    kind = body_kind(request.headers.get("content-type"))
    if kind == "raw":
        data = await request.body()
    else:
        try:
            form = await request.form(max_files=1, max_fields=10)
        except StarletteHTTPException as exc:
            raise ApiError(
                400,
                "bad_multipart",
                f"the multipart form cannot be read ({exc.detail}); "
                "send the image in a file field named 'file'",
            ) from None
        uploads = [v for v in form.values() if isinstance(v, UploadFile)]
        if not uploads:
            raise ApiError(
                400,
                "no_file",
                "the multipart form has no file; send the image in a file field named 'file'",
            )
        data = await uploads[0].read()
    if not data:
        raise ApiError(
            400, "empty_body", f"the request has no image (empty body); send {ACCEPTED_TYPES}"
        )
    return data


def create_app(
    *,
    model: TrainedModel,
    store: ModelStore | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    workers: int = DEFAULT_WORKERS,
) -> FastAPI:
    """Build the web application around a loaded model.

    Parameters
    ----------
    model : TrainedModel
        The model that answers every prediction, loaded once by the caller;
        its data set (its record's) gives the class names the app answers with
        and the framing of the images it is given (``DatasetSpec.framing``).
    store : ModelStore, optional
        The store it came from (the store of that data set); ``GET /api/models``
        lists its other models.
    max_body_bytes : int, default 10 MiB
        The largest request body; larger ones get a 413 before they are read.
    max_pixels : int
        The most pixels an image may have; checked from its header before decoding.
    workers : int, default 4
        How many images are decoded at once. Decoding and prediction run in
        worker threads, so the event loop keeps answering other requests;
        images that arrive together are predicted in one call of the model
        (see :mod:`mnistlab.web.batching`).

    Returns
    -------
    FastAPI

    Example
    -------
    >>> app = create_app(model=ModelStore(dir).load("knn-tuned"))  # doctest: +SKIP
    >>> uvicorn.run(app, host="127.0.0.1", port=8000)              # doctest: +SKIP
    """
    if max_body_bytes < 1 or max_pixels < 1 or workers < 1:
        raise ValueError("max_body_bytes, max_pixels and workers must be positive")
    spec = get_dataset_spec(model.record.dataset)
    if store is not None and store.dataset != spec.name:
        raise ValueError(f"the store holds models of {store.dataset}, not {spec.name}")
    predictor = _Predictor(
        model, spec.class_names, framing=spec.framing, max_pixels=max_pixels, workers=workers
    )
    app = FastAPI(
        title="mnistlab",
        version=__version__,
        summary="Draw or upload a handwritten digit and see what an MNIST model makes of it.",
        docs_url=None,  # FastAPI's docs pages load scripts from a CDN; ours are served here
        redoc_url=None,
    )
    install_error_handlers(app)
    page = render_page(
        (resources.files("mnistlab.web") / "static" / "index.html").read_text("utf-8"), spec
    )
    app.mount("/static", StaticFiles(packages=[("mnistlab.web", "static")]), name="static")

    @app.get("/", include_in_schema=False)
    async def index() -> HTMLResponse:
        return HTMLResponse(page)

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(render_docs(app.openapi()))

    @app.post(
        "/api/predict",
        response_model=Prediction,
        responses=_ERROR_RESPONSES,
        openapi_extra={"requestBody": _PREDICT_BODY},
        summary="Classify one handwritten digit",
    )
    async def predict(request: Request) -> Prediction:
        """Make the image MNIST-like (grey, cropped, 20×20 in 28×28, centred) and classify it.

        For a data set of objects (Fashion-MNIST) the image is a photo of one
        item, framed as Fashion-MNIST's were made: trimmed, longest edge 28,
        centred, light on black.

        Send the image file as the body (`image/*` or `application/octet-stream`)
        or as a form upload (`multipart/form-data`, field `file`).
        """
        data = await _read_image(request)
        return await run_in_threadpool(predictor.predict, data)

    @app.get("/api/models", response_model=ModelsResponse, summary="The models")
    async def models() -> ModelsResponse:
        """The model that answers predictions, and every trained model in its store."""
        if store is None:
            available = [_model_info(model.record)]
        else:
            statuses = await run_in_threadpool(store.statuses)
            available = [_model_info(s.record, s.state) for s in statuses]
        return ModelsResponse(
            serving=_model_info(model.record),
            available=available,
            dataset=spec.name,
            class_names=list(spec.class_names),
        )

    @app.get("/healthz", response_model=Health, summary="Liveness")
    async def healthz() -> Health:
        """The server is up and its model is loaded."""
        return Health(status="ok", model=model.name, dataset=spec.name, version=__version__)

    app.add_middleware(BodyLimitMiddleware, max_body_bytes=max_body_bytes)
    app.add_middleware(_SecurityHeaders)
    return app
