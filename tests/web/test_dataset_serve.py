"""``mnistlab serve -d fashion-mnist``: the page and the API speak the data set's class names.

A real ``knn-tuned`` is trained on 2,000 real Fashion-MNIST images; the app is
driven in-process, and the real command serves it on loopback.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mnistlab.data import Dataset, get_dataset_spec
from mnistlab.models.store import ModelStore, TrainedModel
from mnistlab.models.training import train_model
from mnistlab.web.app import create_app
from tests.web.servers import digit_png, free_port, wait_for_health

MODEL = "knn-tuned"
FASHION = get_dataset_spec("fashion-mnist")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, fashion_mnist: Dataset) -> ModelStore:
    store = ModelStore(tmp_path_factory.mktemp("models"), "fashion-mnist")
    train_model(MODEL, fashion_mnist, store=store, n_train=2_000)
    return store


@pytest.fixture(scope="module")
def model(store: ModelStore) -> TrainedModel:
    return store.load(MODEL)


@pytest.fixture(scope="module")
def client(model: TrainedModel, store: ModelStore) -> Iterator[TestClient]:
    with TestClient(create_app(model=model, store=store)) as c:
        yield c


def test_predictions_carry_the_class_name(client: TestClient, fashion_mnist: Dataset) -> None:
    answer = client.post(
        "/api/predict",
        content=digit_png(fashion_mnist.X_test[0]),
        headers={"content-type": "image/png"},
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["dataset"] == "fashion-mnist"
    assert body["label"] == FASHION.class_names[body["digit"]]
    assert len(body["probabilities"]) == 10 and body["model"] == MODEL


def test_models_and_health_name_the_data_set(client: TestClient) -> None:
    models = client.get("/api/models").json()
    assert models["dataset"] == "fashion-mnist"
    assert models["class_names"] == list(FASHION.class_names)
    assert models["serving"]["dataset"] == "fashion-mnist"
    assert [m["name"] for m in models["available"]] == [MODEL]
    assert client.get("/healthz").json()["dataset"] == "fashion-mnist"


def test_the_page_says_class_names_not_digits(client: TestClient) -> None:
    page = client.get("/").text
    for name in FASHION.class_names:
        assert f'<span class="label">{name}</span>' in page
    assert "Draw a Fashion-MNIST image" in page and "Draw a digit" not in page
    assert 'data-dataset="fashion-mnist"' in page


def test_a_store_of_another_data_set_is_refused(model: TrainedModel, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="models of mnist, not fashion-mnist"):
        create_app(model=model, store=ModelStore(tmp_path))


@pytest.mark.parametrize("workers", [1, pytest.param(2, marks=pytest.mark.slow)])
def test_the_command_serves_fashion_mnist_with_class_names(
    store: ModelStore, fashion_mnist: Dataset, workers: int
) -> None:
    port = free_port()
    env = {**os.environ, "MNISTLAB_MODELS_DIR": str(store.root)}
    process = subprocess.Popen(
        [sys.executable, "-m", "mnistlab", "serve", "-d", "fashion-mnist", "--port", str(port),
         "--workers", str(workers)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        conn, health = wait_for_health(process, port)
        assert health is not None, process.stderr.read() if process.stderr else ""
        assert (health["model"], health["dataset"]) == (MODEL, "fashion-mnist")
        for _ in range(workers):  # each worker process loads the Fashion-MNIST model
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request(
                "POST",
                "/api/predict",
                body=digit_png(fashion_mnist.X_test[1]),
                headers={"Content-Type": "image/png"},
            )
            body = json.loads(conn.getresponse().read())
            assert body["dataset"] == "fashion-mnist"
            assert body["label"] in FASHION.class_names
            conn.close()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/")
        assert "Sneaker" in conn.getresponse().read().decode()
        conn.close()
    finally:
        process.send_signal(signal.SIGINT)
        try:
            _, err = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            _, err = process.communicate()
    assert b"Serving model knn-tuned of fashion-mnist" in err
