"""What the web tests share: a trained model, test digits as image files, a real server.

The model is the real ``knn-tuned`` trained on the first 10,000 training images
into the test run's temporary models directory, once per run; the server is
uvicorn on a free loopback port, in a thread, with the app under test. A server
started as a process of its own is waited for with :func:`wait_for_health`.
"""

from __future__ import annotations

import http.client
import io
import json
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from fastapi import FastAPI
from numpy.typing import NDArray
from PIL import Image

from mnistlab.config import Locations
from mnistlab.data import Dataset
from mnistlab.models.base import DigitClassifier
from mnistlab.models.store import ModelStore, TrainedModel
from mnistlab.models.training import train_model
from mnistlab.web.sockets import listen

MODEL = "knn-tuned"


def trained_model(mnist: Dataset, locations: Locations) -> TrainedModel:
    """Return the test model, training it into the run's models directory once."""
    store = ModelStore(locations.models_dir)
    if MODEL not in {r.name for r in store.records()}:
        train_model(MODEL, mnist, store=store, n_train=10_000)
    return store.load(MODEL)


def digit_png(pixels: np.ndarray, *, scale: int = 8) -> bytes:
    """Return a real MNIST digit as a person's drawing: dark ink on white, scaled up, PNG."""
    image = 255 - np.kron(pixels.reshape(28, 28), np.ones((scale, scale), dtype=np.uint8))
    buffer = io.BytesIO()
    Image.fromarray(image.astype(np.uint8), mode="L").save(buffer, format="PNG")
    return buffer.getvalue()


class SlowClassifier:
    """The real model, made slower: long enough to see who waits for it."""

    def __init__(self, inner: DigitClassifier, *, delay: float) -> None:
        self.inner = inner
        self.delay = delay

    def predict_proba(self, images: NDArray[np.uint8]) -> NDArray[np.float64]:
        time.sleep(self.delay)
        return self.inner.predict_proba(images)


def slowed(model: TrainedModel, *, delay: float) -> TrainedModel:
    """Return ``model`` with a classifier that waits ``delay`` seconds before each call."""
    slow = SlowClassifier(model.classifier, delay=delay)
    return TrainedModel(record=model.record, classifier=slow, path=model.path)


@contextmanager
def running_server(app: FastAPI) -> Iterator[str]:
    """Run ``app`` under uvicorn on a free loopback port; yield its base URL."""
    import uvicorn

    sock = listen("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()


def free_port() -> int:
    """A TCP port of loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_health(
    process: subprocess.Popen[Any], port: int
) -> tuple[http.client.HTTPConnection, Any]:
    """The first answer of /healthz from a server ``process`` on ``port`` (``None`` if none came
    within a minute, or the process ended), and its connection."""
    deadline = time.monotonic() + 60
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    while time.monotonic() < deadline and process.poll() is None:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            return conn, json.loads(conn.getresponse().read())
        except OSError:
            time.sleep(0.2)
    return conn, None
