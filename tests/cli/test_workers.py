"""joblib's workers, started by the command line, leave Ctrl-C to the command."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from typing import Any

import pytest

from mnistlab.cli.workers import BACKEND_NAME, ctrl_c_held
from mnistlab.private_apis import PUBLIC_APIS_ONLY_ENV

#: Runs a joblib Parallel call the way a command does and prints, for the
#: parent's main thread and each worker, whether SIGINT is blocked there.
PARALLEL_SCRIPT = """
import json, os, signal, sys
from joblib import Parallel, delayed
from joblib.parallel import BACKENDS, get_active_backend
from mnistlab.cli.workers import start_workers_without_ctrl_c

def blocks_ctrl_c(_):
    return os.getpid(), signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, [])

if sys.argv[1] == "command":
    start_workers_without_ctrl_c()
workers = dict(Parallel(n_jobs=2)(delayed(blocks_ctrl_c)(i) for i in range(8)))
main = signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, [])
default = type(get_active_backend()[0]).__name__
print(json.dumps({"main": main, "workers": list(workers.values()),
                  "registered": sorted(BACKENDS), "default": default}))
"""


def _masks(mode: str, *, public_apis_only: bool = False) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k != PUBLIC_APIS_ONLY_ENV}
    if public_apis_only:
        env[PUBLIC_APIS_ONLY_ENV] = "1"
    done = subprocess.run(
        [sys.executable, "-c", PARALLEL_SCRIPT, mode],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout)


def test_the_commands_workers_start_with_ctrl_c_blocked_and_the_command_keeps_it() -> None:
    masks = _masks("command")
    assert masks["workers"] and all(masks["workers"]), masks
    assert masks["main"] is False


def test_without_it_workers_get_ctrl_c_as_joblib_leaves_them() -> None:
    masks = _masks("library")
    assert masks["workers"] and not any(masks["workers"]), masks


def test_the_backend_is_registered_as_the_default_for_the_command() -> None:
    masks = _masks("command")
    assert BACKEND_NAME in masks["registered"]
    assert masks["default"] == "LokyWithoutCtrlC"


def test_on_the_public_path_the_command_leaves_joblib_as_it_is() -> None:
    # With MNISTLAB_PUBLIC_APIS_ONLY=1 joblib's undocumented LokyBackend is not
    # subclassed: nothing is registered, and workers get Ctrl-C as in a library.
    masks = _masks("command", public_apis_only=True)
    assert BACKEND_NAME not in masks["registered"]
    assert masks["default"] == "LokyBackend"
    assert masks["workers"] and not any(masks["workers"]), masks


def test_a_ctrl_c_held_back_is_delivered_when_the_block_ends() -> None:
    # Sent to this thread: a signal sent to the process may be taken by any
    # other thread that does not block it (and then reaches Python at once).
    # Python's own handler for the test: a run started in the background of a
    # shell inherits SIGINT ignored, and an ignored signal is never delivered.
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    reached_the_end = False
    try:
        with pytest.raises(KeyboardInterrupt), ctrl_c_held():
            signal.pthread_kill(threading.get_ident(), signal.SIGINT)
            assert signal.SIGINT in signal.sigpending()
            reached_the_end = True
    finally:
        signal.signal(signal.SIGINT, before)
    assert reached_the_end
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])
