"""Real ``mnistlab`` processes for the fault tests: commands, signals, and what they leave.

The fault tests start the command line as a user's shell would (a new process
group, as a terminal job has), stop it with a signal at a seeded random moment,
run it at the same time as another, or under a file-size limit, and then look
at every file it could have touched.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from mnistlab.config import Locations
from tests.reliability.fuzzing import cases

MNISTLAB = (sys.executable, "-m", "mnistlab")
#: The cheapest steps of the study that still compute and cache several results.
CHEAP_STEPS = "look,binary,multilabel,denoising,tuning"
CHEAP_LIMIT = "3000,500"
#: A run of the cheap study or of a cheap model takes well under this, even on a busy machine.
RUN_TIMEOUT = 300


def fault_cases(default: int, *, most: int) -> int:
    """Cases of a test that starts real processes: ``default``, more in a reliability run.

    ``MNISTLAB_RELIABILITY_CASES`` asks for many cases (hundreds for the fuzz
    tests); a case here costs seconds, so it is capped at ``most``.
    """
    return min(cases(default), max(default, most))


def warm_cache(cache: Path, locations: Locations) -> Path:
    """A new cache directory whose data set is the session's verified one (linked, not copied)."""
    (cache / "datasets").mkdir(parents=True, exist_ok=True)
    (cache / "datasets" / "mnist.npz").symlink_to(locations.cache_dir / "datasets" / "mnist.npz")
    return cache


def study_command(
    mnist_dir: Path, cache: Path, out: Path, *extra: str, steps: str = CHEAP_STEPS
) -> list[str]:
    """The cheap study (or ``steps``) into ``out``, with the cache ``cache``."""
    return [
        *MNISTLAB,
        "study",
        "--steps",
        steps,
        "--limit",
        CHEAP_LIMIT,
        "--data-dir",
        str(mnist_dir),
        "--cache-dir",
        str(cache),
        "--out",
        str(out),
        *extra,
    ]


def train_command(
    model: str, mnist_dir: Path, cache: Path, models: Path, n_train: int = 3000
) -> list[str]:
    """``mnistlab train MODEL --n-train N`` into the models directory ``models``."""
    return [
        *MNISTLAB,
        "train",
        model,
        "--n-train",
        str(n_train),
        "--data-dir",
        str(mnist_dir),
        "--cache-dir",
        str(cache),
        "--models-dir",
        str(models),
    ]


def _as_a_terminal_job() -> None:
    # A job started in the background inherits SIGINT ignored, and then Python
    # never turns it into KeyboardInterrupt; under nohup SIGHUP is ignored, and
    # mnistlab rightly keeps it so: undo both, as a terminal has them.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


def start(
    command: Sequence[str], *, preexec: Callable[[], None] | None = None
) -> subprocess.Popen[str]:
    """Start ``command`` in its own process group, as a shell starts a job."""

    def prepare() -> None:
        _as_a_terminal_job()
        if preexec is not None:
            preexec()

    return subprocess.Popen(
        list(command),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=prepare,
    )


def run(
    command: Sequence[str], *, preexec: Callable[[], None] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``command`` to its end and return what it printed."""
    proc = start(command, preexec=preexec)
    stdout, stderr = proc.communicate(timeout=RUN_TIMEOUT)
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


def file_size_limit(limit: int) -> Callable[[], None]:
    """A ``preexec`` that caps every file the process writes at ``limit`` bytes.

    Past the limit the kernel refuses the write with ``EFBIG``, as a full disk
    refuses it with ``ENOSPC``; SIGXFSZ is ignored so that the write fails
    rather than the process being killed.
    """

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def _caught_signals(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigCgt:"):
            return int(line.split()[1], 16)
    return 0


def wait_until_handling(proc: subprocess.Popen[str], signum: int, timeout: float = 60) -> None:
    """Wait until ``proc`` has a handler for ``signum`` (its entry point has run).

    Before that moment the process is a bare interpreter starting up, which a
    signal ends the way it ends any program; the random moments are drawn after it.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if _caught_signals(proc.pid) & (1 << (signum - 1)):
                return
        except FileNotFoundError:
            return
        time.sleep(0.005)


def send(proc: subprocess.Popen[str], signum: int) -> None:
    """Send ``signum`` as people do: SIGINT to the whole job (Ctrl-C), others to the process."""
    try:
        if signum == signal.SIGINT:
            os.killpg(proc.pid, signum)
        else:
            proc.send_signal(signum)
    except ProcessLookupError:
        pass  # it has already finished


def group_alive(pgid: int) -> bool:
    """Whether any process of the group ``pgid`` still runs."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_group_gone(pgid: int, timeout: float = 30) -> bool:
    """Wait until no process of the group is left (worker processes included)."""
    deadline = time.monotonic() + timeout
    while group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not group_alive(pgid)


def leftovers(*roots: Path) -> list[Path]:
    """Temporary files and directories under ``roots``: every hidden name but a lock file.

    ``atomic_write``, the model store and the report writer all work under
    hidden names beside their target (``.name.XXXX.tmp``, ``.report.old-XXXX``).
    """
    found: list[Path] = []
    for root in roots:
        if root.exists():
            found += [p for p in root.rglob(".*") if not p.name.endswith(".lock")]
    return sorted(found)


def our_tracebacks(stderr: str) -> list[str]:
    """The tracebacks in ``stderr``: the command's and its workers' alike.

    Ctrl-C reaches the whole job, workers included; the command's workers
    leave it to the command (:mod:`mnistlab.cli.workers`), so none may print one.
    """
    return stderr.split("Traceback (most recent call last):")[1:]


def step_values(report: Path) -> dict[str, Any]:
    """The numbers of a report's steps, without timings or cache flags."""
    document = json.loads((report / "results.json").read_text(encoding="utf-8"))
    return {name: step["values"] for name, step in document["steps"].items()}


def directory_snapshot(directory: Path) -> dict[str, bytes]:
    """Every file under ``directory`` with its bytes, by relative path."""
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }
