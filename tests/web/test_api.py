"""The web app's JSON API: good predictions, every bad input, and a real server.

The app is driven in-process with ``TestClient`` around the real ``knn-tuned``
model (trained on 10,000 real MNIST images); the last tests run it under
uvicorn on a loopback port and talk to it over real sockets.
"""

from __future__ import annotations

import http.client
import io
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from mnistlab.config import Locations
from mnistlab.data import Dataset
from mnistlab.models.records import RobustnessRecord
from mnistlab.models.store import ModelStore, TrainedModel
from mnistlab.preprocess import preprocess
from mnistlab.web.app import create_app
from tests.web.servers import digit_png, running_server, slowed, trained_model

LIMIT = 256 * 1024
STATIC = Path(__file__).parents[2] / "src" / "mnistlab" / "web" / "static"


@pytest.fixture(scope="module")
def model(mnist: Dataset, locations: Locations) -> TrainedModel:
    return trained_model(mnist, locations)


@pytest.fixture(scope="module")
def client(model: TrainedModel, locations: Locations) -> Iterator[TestClient]:
    app = create_app(model=model, store=ModelStore(locations.models_dir), max_body_bytes=LIMIT)
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def seven(mnist: Dataset) -> bytes:
    """The first test image (a 7) as a dark-on-white 224×224 PNG."""
    return digit_png(mnist.X_test[0])


@pytest.fixture(scope="module")
def huge_png() -> bytes:
    """A real, valid 20,000×20,000 PNG: 400 million pixels in 90 KB."""
    buffer = io.BytesIO()
    Image.new("1", (20_000, 20_000), 1).save(buffer, format="PNG")
    return buffer.getvalue()


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _assert_prediction(body: dict[str, Any], model: TrainedModel, image: bytes) -> None:
    expected_input = preprocess(image)
    assert np.array_equal(np.array(body["input"], dtype=np.uint8), expected_input)
    expected = model.classifier.predict_proba(expected_input.reshape(1, 784))[0]
    assert np.allclose(body["probabilities"], expected)
    assert sum(body["probabilities"]) == pytest.approx(1.0)
    assert body["digit"] == int(np.argmax(expected))
    assert body["model"] == "knn-tuned"


def _still_answers(client: TestClient, seven: bytes) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    response = client.post("/api/predict", content=seven, headers={"content-type": "image/png"})
    assert response.status_code == 200 and response.json()["digit"] == 7


def test_predict_raw_image_bytes(client: TestClient, model: TrainedModel, seven: bytes) -> None:
    response = client.post("/api/predict", content=seven, headers={"content-type": "image/png"})
    assert response.status_code == 200
    body = response.json()
    assert body["digit"] == 7
    assert len(body["input"]) == 28 and all(len(row) == 28 for row in body["input"])
    _assert_prediction(body, model, seven)


def test_predict_multipart_upload_and_octet_stream_agree(
    client: TestClient, mnist: Dataset, model: TrainedModel
) -> None:
    for index in range(1, 6):
        image = digit_png(mnist.X_test[index], scale=5)
        upload = client.post("/api/predict", files={"file": ("digit.png", image, "image/png")})
        raw = client.post(
            "/api/predict", content=image, headers={"content-type": "application/octet-stream"}
        )
        assert upload.status_code == raw.status_code == 200
        assert upload.json() == raw.json()
        _assert_prediction(upload.json(), model, image)


def test_a_digit_is_sure_and_noise_is_unsure(client: TestClient, seven: bytes) -> None:
    sure = client.post("/api/predict", content=seven, headers={"content-type": "image/png"})
    assert sure.status_code == 200
    assert (sure.json()["unsure"], sure.json()["unsure_reason"]) == (False, None)
    noise = np.random.default_rng(0).integers(0, 256, (28, 28), dtype=np.uint8)
    unsure = client.post(
        "/api/predict", content=_png(Image.fromarray(noise)), headers={"content-type": "image/png"}
    )
    assert unsure.status_code == 200
    assert unsure.json()["unsure"] is True and "ink" in unsure.json()["unsure_reason"]


def test_the_page_shows_a_note_when_unsure() -> None:
    page = (STATIC / "index.html").read_text()
    script = (STATIC / "app.js").read_text()
    assert 'id="unsure"' in page
    assert "answer.unsure_reason" in script and "unsureNote.hidden = !answer.unsure" in script


def test_models_health_and_openapi(client: TestClient) -> None:
    models = client.get("/api/models").json()
    assert models["serving"]["name"] == "knn-tuned"
    assert {m["state"] for m in models["available"]} <= {"trained", "file missing", "damaged"}
    assert models["serving"]["n_train"] == 10_000
    assert "knn-tuned" in [m["name"] for m in models["available"]]
    assert client.get("/healthz").json()["model"] == "knn-tuned"
    schema = client.get("/openapi.json").json()
    assert {"/api/predict", "/api/models", "/healthz"} <= set(schema["paths"])
    body = schema["paths"]["/api/predict"]["post"]["requestBody"]["content"]
    assert {"image/png", "application/octet-stream", "multipart/form-data"} <= set(body)
    assert {"413", "415", "422"} <= set(schema["paths"]["/api/predict"]["post"]["responses"])
    docs = client.get("/docs")
    assert docs.status_code == 200 and "POST /api/predict" in docs.text


def test_models_carry_the_robust_score_of_their_own_file(
    model: TrainedModel, tmp_path: Path
) -> None:
    store = ModelStore(tmp_path / "models")
    saved = store.save(model.classifier, model.record)
    app = create_app(model=store.load(saved.name), store=store, max_body_bytes=LIMIT)
    with TestClient(app) as fresh:
        before = fresh.get("/api/models").json()
        assert before["serving"]["robust_accuracy"] is None
        store.update_robustness(saved.name, RobustnessRecord(0.9, 0.88, 0.93, 100, 0, saved.sha256))
        after = fresh.get("/api/models").json()
    assert [m["robust_accuracy"] for m in after["available"]] == [0.9]


def test_page_and_assets_are_served_and_fetch_nothing_from_elsewhere(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and '<canvas id="pad"' in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    for name in ("app.js", "app.css"):
        asset = client.get(f"/static/{name}")
        assert asset.status_code == 200 and asset.headers["x-content-type-options"] == "nosniff"
    texts = [page.text, client.get("/docs").text] + [p.read_text() for p in STATIC.iterdir()]
    for text in texts:
        assert re.findall(r"https?://", text) == []
        assert "//cdn" not in text and "@import" not in text


BAD_INPUTS = [
    # id, request keyword arguments (or a fixture name for the body), status, code, message
    ("empty body", {"content": b""}, 400, "empty_body", "empty body"),
    ("not an image", {"content": b"hello, this is text"}, 422, "bad_image", "not an image"),
    ("truncated PNG", "truncated", 422, "bad_image", "damaged or truncated"),
    ("20000x20000 image", "huge", 422, "bad_image", "too large"),
    ("oversized body", {"content": b"\x89PNG" + b"0" * LIMIT}, 413, "body_too_large", "limit"),
    ("wrong content type", {"type": "text/plain"}, 415, "unsupported_media_type", "text/plain"),
    ("JSON content type", {"type": "application/json"}, 415, "unsupported_media_type", "json"),
    ("no content type", {"type": None}, 415, "unsupported_media_type", "no Content-Type"),
    ("blank image", "blank", 422, "bad_image", "no ink"),
    (
        "form without a file",
        {"files": {"digit": (None, "7")}},
        400,
        "no_file",
        "field named 'file'",
    ),
    ("empty upload", {"files": {"file": ("d.png", b"", "image/png")}}, 400, "empty_body", "empty"),
]


@pytest.mark.parametrize(
    ("request_kwargs", "status", "code", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in BAD_INPUTS],
)
def test_every_bad_input_is_a_clear_json_4xx(
    client: TestClient,
    seven: bytes,
    huge_png: bytes,
    request_kwargs: dict[str, Any] | str,
    status: int,
    code: str,
    message: str,
) -> None:
    bodies = {
        "truncated": seven[: len(seven) // 2],
        "huge": huge_png,
        "blank": _png(Image.new("L", (200, 200), 255)),
    }
    kwargs: dict[str, Any]
    if isinstance(request_kwargs, str):
        kwargs = {"content": bodies[request_kwargs], "headers": {"content-type": "image/png"}}
    elif "type" in request_kwargs:
        media = request_kwargs["type"]
        kwargs = {"content": seven, "headers": {"content-type": media} if media else {}}
    elif "content" in request_kwargs:
        kwargs = {**request_kwargs, "headers": {"content-type": "image/png"}}
    else:
        kwargs = dict(request_kwargs)
    response = client.post("/api/predict", **kwargs)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert error["status"] == status and error["code"] == code
    assert message.lower() in error["message"].lower()
    assert "Traceback" not in response.text
    _still_answers(client, seven)


def test_a_chunked_body_is_counted_while_it_arrives(client: TestClient, seven: bytes) -> None:
    sent: list[int] = []

    def chunks() -> Iterator[bytes]:
        for _ in range(1000):  # 16 MB if all of it were read
            sent.append(1)
            yield b"\x00" * 16_384

    response = client.post("/api/predict", content=chunks(), headers={"content-type": "image/png"})
    assert response.status_code == 413 and response.json()["error"]["code"] == "body_too_large"
    _still_answers(client, seven)


def test_malformed_multipart_unknown_path_and_wrong_method(
    client: TestClient, seven: bytes
) -> None:
    broken = client.post(
        "/api/predict",
        content=b"--other\r\nnot a part\r\n",
        headers={"content-type": "multipart/form-data; boundary=zzz"},
    )
    assert broken.status_code == 400 and broken.json()["error"]["code"] == "bad_multipart"
    assert client.get("/api/nothing").json()["error"]["code"] == "not_found"
    wrong = client.get("/api/predict")
    assert wrong.status_code == 405 and "POST" in wrong.headers["allow"]
    assert wrong.json()["error"]["code"] == "method_not_allowed"
    _still_answers(client, seven)


def test_pixel_limit_is_the_apps_setting(model: TrainedModel, seven: bytes) -> None:
    app = create_app(model=model, max_pixels=10_000)  # the 224×224 seven has 50,176
    with TestClient(app) as small:
        response = small.post("/api/predict", content=seven, headers={"content-type": "image/png"})
    assert response.status_code == 422
    assert "224×224" in response.json()["error"]["message"]


class _FailingClassifier:
    """A model with a bug: its error must reach the log, not the client."""

    def predict_proba(self, images: np.ndarray) -> np.ndarray:
        raise RuntimeError("secret internal detail at /home/someone/model.py line 12")


def test_a_bug_is_a_json_500_without_internals(
    model: TrainedModel, seven: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    broken = TrainedModel(record=model.record, classifier=_FailingClassifier(), path=model.path)
    with TestClient(create_app(model=broken), raise_server_exceptions=False) as c:
        response = c.post("/api/predict", content=seven, headers={"content-type": "image/png"})
        assert response.status_code == 500
        assert response.json()["error"]["code"] == "internal_error"
        assert "secret" not in response.text and "Traceback" not in response.text
        assert c.get("/healthz").status_code == 200


# --- a real server on loopback ---------------------------------------------------------


def _request(
    base: str,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


@pytest.fixture(scope="module")
def server(model: TrainedModel) -> Iterator[str]:
    with running_server(create_app(model=model, max_body_bytes=LIMIT)) as base:
        yield base


def test_real_server_predicts_refuses_and_keeps_answering(
    server: str, seven: bytes, huge_png: bytes
) -> None:
    status, body = _request(server, "POST", "/api/predict", seven, {"Content-Type": "image/png"})
    assert status == 200 and body["digit"] == 7
    for bad, media, expected in [
        (b"", "image/png", 400),
        (b"not an image", "image/png", 422),
        (seven[:300], "image/png", 422),
        (huge_png, "image/png", 422),
        (seven, "text/plain", 415),
    ]:
        status, body = _request(server, "POST", "/api/predict", bad, {"Content-Type": media})
        assert status == expected and body["error"]["message"]
    assert _request(server, "GET", "/healthz")[0] == 200


def test_real_server_refuses_a_declared_huge_body_before_reading_it(server: str) -> None:
    host, port = server.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        # Headers only: a server that waited for the gigabyte would never answer.
        sock.sendall(
            b"POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\n"
            b"Content-Length: 1000000000\r\n\r\n"
        )
        reply = b""
        started = time.monotonic()
        while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            reply += chunk
        assert time.monotonic() - started < 5
    head, _, payload = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413")
    assert json.loads(payload)["error"]["code"] == "body_too_large"
    assert _request(server, "GET", "/healthz")[0] == 200


@pytest.mark.slow
def test_a_running_prediction_does_not_block_other_requests(
    model: TrainedModel, seven: bytes
) -> None:
    with running_server(create_app(model=slowed(model, delay=1.0))) as base:
        results: list[int] = []
        worker = threading.Thread(
            target=lambda: results.append(
                _request(base, "POST", "/api/predict", seven, {"Content-Type": "image/png"})[0]
            )
        )
        worker.start()
        time.sleep(0.3)  # the prediction is now sleeping in its worker thread
        started = time.monotonic()
        assert _request(base, "GET", "/healthz")[0] == 200
        assert time.monotonic() - started < 0.5
        assert worker.is_alive()  # the health check did not wait for the prediction
        worker.join(timeout=30)
    assert results == [200]
