"""joblib's workers, started by the command line, leave Ctrl-C to the command."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from typing import Any

import pytest

from mnistlab.cli.workers import ctrl_c_held

#: Runs a joblib Parallel call the way a command does and prints, for the
#: parent's main thread and each worker, whether SIGINT is blocked there.
PARALLEL_SCRIPT = """
import json, os, signal, sys
from joblib import Parallel, delayed
from mnistlab.cli.workers import start_workers_without_ctrl_c

def blocks_ctrl_c(_):
    return os.getpid(), signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, [])

if sys.argv[1] == "command":
    start_workers_without_ctrl_c()
workers = dict(Parallel(n_jobs=2)(delayed(blocks_ctrl_c)(i) for i in range(8)))
main = signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, [])
print(json.dumps({"main": main, "workers": list(workers.values())}))
"""


def _masks(mode: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", PARALLEL_SCRIPT, mode],
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


def test_a_ctrl_c_held_back_is_delivered_when_the_block_ends() -> None:
    # Sent to this thread: a signal sent to the process may be taken by any
    # other thread that does not block it (and then reaches Python at once).
    reached_the_end = False
    with pytest.raises(KeyboardInterrupt), ctrl_c_held():
        signal.pthread_kill(threading.get_ident(), signal.SIGINT)
        assert signal.SIGINT in signal.sigpending()
        reached_the_end = True
    assert reached_the_end
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])
