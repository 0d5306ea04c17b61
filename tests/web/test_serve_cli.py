"""``mnistlab serve``: its one-line errors, and the real command serving on loopback."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from mnistlab.cli.app import run
from mnistlab.config import Locations
from mnistlab.data import Dataset
from mnistlab.private_apis import PUBLIC_APIS_ONLY_ENV
from tests.web.servers import digit_png, free_port, trained_model, wait_for_health


def test_no_trained_model_says_how_to_train_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "none").mkdir()
    code = run(["serve", "--models-dir", str(tmp_path / "none")])
    err = capsys.readouterr().err
    assert code == 2
    assert "no trained model in" in err and "mnistlab train" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_model_that_is_not_trained_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(["serve", "--model", "svc-rbf", "--models-dir", str(tmp_path)])
    assert code == 2
    assert "mnistlab train svc-rbf" in capsys.readouterr().err


def test_a_port_in_use_is_one_line(
    mnist: Dataset, locations: Locations, capsys: pytest.CaptureFixture[str]
) -> None:
    trained_model(mnist, locations)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        code = run(["serve", "--port", str(port), "--models-dir", str(locations.models_dir)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in err and "--port" in err


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_the_command_serves_the_default_model_until_interrupted(
    mnist: Dataset, locations: Locations, workers: int
) -> None:
    trained_model(mnist, locations)
    port = free_port()
    env = {**os.environ, "MNISTLAB_MODELS_DIR": str(locations.models_dir)}
    process = subprocess.Popen(
        [sys.executable, "-m", "mnistlab", "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        conn, health = wait_for_health(process, port)
        assert health == {
            "status": "ok",
            "model": "knn-tuned",
            "dataset": "mnist",
            "version": health["version"],
        }
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request(
            "POST",
            "/api/predict",
            body=digit_png(mnist.X_test[0]),
            headers={"Content-Type": "image/png"},
        )
        assert json.loads(conn.getresponse().read())["digit"] == 7
        if workers > 1:  # every worker loaded the model and answers
            for _ in range(10):
                conn.request("GET", "/healthz")
                assert json.loads(conn.getresponse().read())["model"] == "knn-tuned"
            children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text()
            assert len(children.split()) >= workers
        conn.request("GET", "/")
        assert conn.getresponse().read().startswith(b"<!doctype html>")
        conn.close()
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    assert process.returncode in (0, 130)
    assert f"Serving model knn-tuned on http://127.0.0.1:{port}/" in err.decode()
    assert b"Traceback" not in err


@pytest.mark.slow
def test_on_the_public_path_several_workers_become_one_process_with_the_same_answers(
    mnist: Dataset, locations: Locations
) -> None:
    # MNISTLAB_PUBLIC_APIS_ONLY=1: no uvicorn Multiprocess (one process serves),
    # and the model's KNN asks KNeighborsClassifier itself: the same digit.
    trained_model(mnist, locations)
    port = free_port()
    env = {
        **os.environ,
        "MNISTLAB_MODELS_DIR": str(locations.models_dir),
        PUBLIC_APIS_ONLY_ENV: "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "mnistlab", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        conn, health = wait_for_health(process, port)
        assert health is not None and health["model"] == "knn-tuned"
        answers = []
        for index in range(5):
            conn.request(
                "POST",
                "/api/predict",
                body=digit_png(mnist.X_test[index]),
                headers={"Content-Type": "image/png"},
            )
            answers.append(json.loads(conn.getresponse().read()))
        conn.close()
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text()
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    text = err.decode()
    assert [a["digit"] for a in answers] == [7, 2, 1, 0, 4]
    # The same responses, to the last bit of every probability, as the app on the
    # private paths (this process) gives.
    from fastapi.testclient import TestClient

    from mnistlab.models.store import ModelStore
    from mnistlab.web.app import create_app

    store = ModelStore(locations.models_dir)
    with TestClient(create_app(model=store.load("knn-tuned"), store=store)) as client:
        expected = [
            client.post(
                "/api/predict",
                content=digit_png(mnist.X_test[index]),
                headers={"Content-Type": "image/png"},
            ).json()
            for index in range(5)
        ]
    assert answers == expected
    assert children.split() == []  # no worker processes
    assert f"Serving model knn-tuned on http://127.0.0.1:{port}/ with 1 process" in text
    assert "not using uvicorn-multiprocess" in text and "not using sklearn-argkmin" in text
    assert text.count("not using uvicorn-multiprocess") == 1
    assert "Traceback" not in text
    assert process.returncode in (0, 130)
