"""The server's runtime as a library: ``mnistlab.web.serve`` and its parts, without the command."""

from __future__ import annotations

import gc
import os
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, ClassVar

import pytest

from mnistlab import system
from mnistlab.config import MODELS_DIR_ENV, Locations
from mnistlab.data import Dataset
from mnistlab.errors import ConfigError, ModelNotTrainedError
from mnistlab.private_apis import public_apis_only, usable
from mnistlab.web.processes import (
    MAX_DEFAULT_WORKERS,
    PRIVATE_SUPERVISOR,
    WORKER_MODEL_ENV,
    default_workers,
    run_worker_processes,
    server_processes,
    worker_app,
)
from mnistlab.web.server import ServerStart, serve
from mnistlab.web.sockets import listen, url
from tests.web.servers import trained_model, wait_for_health


def test_the_start_line_names_the_model_the_address_and_the_processes() -> None:
    one = ServerStart(model="knn-tuned", url=url("127.0.0.1", 8000), processes=1)
    assert str(one) == (
        "Serving model knn-tuned on http://127.0.0.1:8000/ with 1 process "
        "(API docs at /docs; Ctrl-C to stop)"
    )
    assert "on http://[::1]:80/ with 3 processes" in str(ServerStart("cnn", url("::1", 80), 3))


@pytest.mark.parametrize(("cpus", "expected"), [(1, 1), (2, 2), (64, MAX_DEFAULT_WORKERS)])
def test_one_process_per_cpu_by_default_within_the_cap(
    cpus: int, expected: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(system, "cpu_count", lambda: cpus)
    assert default_workers() == expected


def test_several_processes_only_where_the_supervisor_may_be_used() -> None:
    with public_apis_only():
        assert server_processes(3) == 1
    assert server_processes(1) == 1
    if usable(PRIVATE_SUPERVISOR):
        assert server_processes(3) == 3
    with pytest.raises(ConfigError, match="workers must be at least 1"):
        server_processes(0)


def test_a_port_out_of_range_and_a_taken_port_are_one_line_errors() -> None:
    with pytest.raises(ConfigError, match="not a TCP port"):
        listen("127.0.0.1", 70_000)
    with listen("127.0.0.1", 0) as taken:
        port = taken.getsockname()[1]
        assert taken.get_inheritable()
        with pytest.raises(ConfigError, match=f"cannot listen on 127.0.0.1:{port}"):
            listen("127.0.0.1", port)


def test_without_a_trained_model_nothing_listens(tmp_path: Path) -> None:
    started: list[ServerStart] = []
    with pytest.raises(ModelNotTrainedError, match="mnistlab train"):
        serve(models_dir=tmp_path / "none", port=0, on_start=started.append)
    assert started == []
    with pytest.raises(ConfigError, match="workers must be at least 1"):
        serve(models_dir=tmp_path / "none", workers=0, on_start=started.append)


class _Supervisor:
    """Stands in for uvicorn's ``Multiprocess``: records what its processes would see."""

    seen: ClassVar[dict[str, Any]] = {}

    def __init__(self, config: Any, sockets: list[socket.socket]) -> None:
        self.config = config
        self.sockets = sockets

    def run(self) -> None:
        _Supervisor.seen = {
            "app": self.config.app,
            "factory": self.config.factory,
            "workers": self.config.workers,
            "port": self.config.port,
            "sockets": self.sockets,
            "model": os.environ.get(WORKER_MODEL_ENV),
            "models_dir": os.environ.get(MODELS_DIR_ENV),
        }


def test_worker_processes_learn_the_model_from_the_environment_for_their_run_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn.supervisors

    monkeypatch.setattr(uvicorn.supervisors, "Multiprocess", _Supervisor)
    monkeypatch.delenv(WORKER_MODEL_ENV, raising=False)
    before = os.environ.get(MODELS_DIR_ENV)
    with listen("127.0.0.1", 0) as sock:
        run_worker_processes(sock, model="cnn", models_dir=tmp_path, host="127.0.0.1", workers=3)
        assert _Supervisor.seen == {
            "app": "mnistlab.web.processes:worker_app",
            "factory": True,
            "workers": 3,
            "port": sock.getsockname()[1],
            "sockets": [sock],
            "model": "cnn",
            "models_dir": str(tmp_path),
        }
    assert WORKER_MODEL_ENV not in os.environ
    assert os.environ.get(MODELS_DIR_ENV) == before


def test_a_worker_leaves_what_it_loaded_out_of_the_garbage_collector(
    mnist: Dataset, locations: Locations, monkeypatch: pytest.MonkeyPatch
) -> None:
    trained_model(mnist, locations)
    monkeypatch.setenv(WORKER_MODEL_ENV, "knn-tuned")
    monkeypatch.setenv(MODELS_DIR_ENV, str(locations.models_dir))
    gc.unfreeze()
    try:
        app = worker_app()
        # The app, its model and every module loaded so far are frozen;
        # what requests allocate afterwards is collected as before.
        collected = gc.get_objects()  # the generations the collector still walks
        assert gc.get_freeze_count() > len(sys.modules)
        assert all(obj is not app for obj in collected)
        later = [object()]
        assert any(obj is later for obj in gc.get_objects())
    finally:
        gc.unfreeze()


# What a notebook cell does: serve on a free port and be told where, until
# interrupted (uvicorn stops cleanly, then raises the interrupt, as a kernel shows).
_NOTEBOOK = textwrap.dedent(
    """
    import signal
    import sys
    from mnistlab.web import serve

    # Ctrl-C as in a notebook, even when this test run started in the background,
    # where SIGINT is ignored and every child inherits that.
    signal.signal(signal.SIGINT, signal.default_int_handler)

    def say_where(start):
        print(start.url, flush=True)

    try:
        serve(models_dir=sys.argv[1], port=0, workers=1, on_start=say_where)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
    """
)


@pytest.mark.slow
def test_a_notebook_serves_on_a_free_port_and_is_told_where(
    mnist: Dataset, locations: Locations
) -> None:
    trained_model(mnist, locations)
    process = subprocess.Popen(
        [sys.executable, "-c", _NOTEBOOK, str(locations.models_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        address = process.stdout.readline().strip()  # printed once the socket listens
        assert address.startswith("http://127.0.0.1:") and address.endswith("/")
        port = int(address.rsplit(":", 1)[1].rstrip("/"))
        conn, health = wait_for_health(process, port)
        assert health is not None and health["model"] == "knn-tuned"
        conn.close()
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert out.strip() == "interrupted" and process.returncode == 0
    assert "Traceback" not in err
