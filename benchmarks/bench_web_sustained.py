"""Hold ``mnistlab serve`` under sustained load on loopback: no errors, and flat memory.

The server is the real command in its own process (``bench_web.start_server``),
serving ``--model`` from ``--models-dir``; without ``--models-dir`` a
``knn-tuned`` is trained on all 60,000 training images into a temporary
directory first (training it only stores the images). ``--concurrency``
clients (32) send real MNIST test digits as the page sends drawings (140×140
PNG, dark on white) over keep-alive connections for ``--seconds`` (600),
stopping early at ``--max-requests``; every answer is checked
(``bench_web.run_load``). Meanwhile the resident memory of the server's whole
process tree is sampled every ``--every`` seconds (psutil).

``mnistlab serve`` caps glibc's heaps at two (:mod:`mnistlab.web.malloc`);
``--malloc-arena-max 16`` gives it glibc's own default on 2 cores back.

Memory is judged after the warm-up (the first ``--warmup`` seconds, default
a tenth of the run, at most 60 s: caches, thread pools and the allocator's
arenas fill then): the slope of a least-squares line through the later
samples, in MB per minute, is near zero when memory is flat. The result is
written atomically as JSON (``--json``, default ``docs/web_sustained.json``,
read by ``scripts/reliability.py``) and summarised on stdout. The exit code
is 1 if any request failed or memory grew by more than ``--max-slope`` MB per
minute (memory that stays within ``--noise-mb`` after the warm-up is flat
whatever its slope: over a short run, allocator noise alone makes a slope).

Example
-------
::

    python benchmarks/bench_web_sustained.py --data-dir ../shared/data/mnist --seconds 600
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import psutil

from bench_web import (
    DATA_DIR_HELP,
    DEFAULT_DATA_DIR,
    LoadResult,
    canvas_pngs,
    free_port,
    run_load,
    start_server,
    stop_server,
    wait_until_up,
)
from mnistlab.files import atomic_write
from mnistlab.web.malloc import ARENA_ENV, SERVER_ARENAS

HERE = Path(__file__).resolve().parent
DEFAULT_JSON = HERE.parent / "docs" / "web_sustained.json"
TRAINED_MODEL = "knn-tuned"


@dataclass(frozen=True)
class MemoryTrace:
    """Resident memory of the server's process tree over the run."""

    samples: list[tuple[float, float]]  # (seconds since the load started, MB)
    warmup_seconds: float

    def at(self, seconds: float) -> float:
        """The sample nearest to ``seconds``."""
        return min(self.samples, key=lambda s: abs(s[0] - seconds))[1]

    def after_warmup(self) -> list[tuple[float, float]]:
        """The samples taken after the warm-up."""
        return [s for s in self.samples if s[0] >= self.warmup_seconds]

    def slope_mb_per_minute(self, since: float | None = None) -> float:
        """Least-squares slope of memory against time after ``since`` (default: the warm-up).

        0 if there are fewer than 3 samples.
        """
        start = self.warmup_seconds if since is None else since
        later = [s for s in self.samples if s[0] >= start]
        if len(later) < 3:
            return 0.0
        times = [t / 60 for t, _ in later]
        mbs = [mb for _, mb in later]
        return float(statistics.linear_regression(times, mbs).slope)


def tree_rss_mb(process: psutil.Process) -> float:
    """Resident memory of ``process`` and all its descendants, in MB."""
    total = 0
    for member in [process, *process.children(recursive=True)]:
        # a child may end between listing and reading
        with contextlib.suppress(psutil.NoSuchProcess):
            total += member.memory_info().rss
    return total / 2**20


def sample_memory(
    pid: int, every: float, stop: threading.Event, samples: list[tuple[float, float]]
) -> None:
    """Append (seconds, MB) to ``samples`` every ``every`` seconds until ``stop`` is set."""
    process = psutil.Process(pid)
    started = time.monotonic()
    while True:
        try:
            samples.append((time.monotonic() - started, tree_rss_mb(process)))
        except psutil.NoSuchProcess:
            return
        if stop.wait(every):
            break
    samples.append((time.monotonic() - started, tree_rss_mb(process)))


def server_environment(args: argparse.Namespace) -> dict[str, str]:
    """Environment variables set for the server beyond this process's own."""
    if args.malloc_arena_max is None:
        return {}
    return {ARENA_ENV: str(args.malloc_arena_max)}


def server_heaps(args: argparse.Namespace) -> str:
    """How many glibc heaps the server may keep, and who decided it."""
    if args.malloc_arena_max is not None:
        return f"{ARENA_ENV}={args.malloc_arena_max} (set by --malloc-arena-max)"
    if ARENA_ENV in os.environ:
        return f"{ARENA_ENV}={os.environ[ARENA_ENV]} (inherited)"
    return f"{ARENA_ENV}={SERVER_ARENAS} (serve's own cap)"


def mnistlab_commit() -> str:
    """The commit of the code under test (``-dirty`` with uncommitted changes), or "unknown"."""
    try:
        described = subprocess.run(
            ["git", "-C", str(HERE), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return described.stdout.strip()


def train_default_model(data_dir: Path | None, models_dir: Path) -> None:
    """Train ``knn-tuned`` on all 60,000 training images into ``models_dir``."""
    from mnistlab.config import Locations
    from mnistlab.data import load
    from mnistlab.models.store import ModelStore
    from mnistlab.models.training import train_model

    data = load("mnist", locations=Locations.resolve(data_dir=data_dir))
    train_model(TRAINED_MODEL, data, store=ModelStore(models_dir))


def sustain(args: argparse.Namespace, models_dir: Path) -> dict[str, object]:
    """Start the server, hold it under load while sampling memory, stop it; return the result."""
    from mnistlab.models.store import ModelStore

    store = ModelStore(models_dir)
    name = args.model or store.default_name()
    record = store.record(name)
    bodies, labels = canvas_pngs(args.data_dir, 200, 140)
    port = free_port()
    load_before = os.getloadavg()
    # start_server's process inherits this environment.
    os.environ.update(server_environment(args))
    process = start_server("mnistlab", models_dir, name, port, args.workers)
    samples: list[tuple[float, float]] = []
    stop = threading.Event()
    try:
        wait_until_up(port, process, timeout=180)
        rss_start = tree_rss_mb(psutil.Process(process.pid))
        sampler = threading.Thread(
            target=sample_memory, args=(process.pid, args.every, stop, samples), daemon=True
        )
        sampler.start()
        result = run_load(
            f"mnistlab serve --workers {args.workers}",
            port,
            bodies,
            labels,
            requests=args.max_requests,
            concurrency=args.concurrency,
            time_limit=args.seconds,
        )
        stop.set()
        sampler.join()
    finally:
        stop.set()
        stop_server(process)
    warmup = args.warmup if args.warmup is not None else min(60.0, args.seconds / 10)
    trace = MemoryTrace(samples, warmup)
    return report(args, name, record.family, record.n_train, result, trace, rss_start, load_before)


def report(
    args: argparse.Namespace,
    name: str,
    family: str,
    n_train: int,
    result: LoadResult,
    trace: MemoryTrace,
    rss_start: float,
    load_before: tuple[float, float, float],
) -> dict[str, object]:
    """The JSON-ready summary of one sustained run."""
    slope = trace.slope_mb_per_minute()
    # A leak grows for as long as requests come; memory that a burst of work
    # pushed up (allocator arenas, buffers sized by the largest batch) stays
    # at its new level. The slope of the last half tells the two apart.
    half = trace.warmup_seconds + (trace.samples[-1][0] - trace.warmup_seconds) / 2
    slope_last_half = trace.slope_mb_per_minute(since=half)
    after = trace.after_warmup()
    # Over a short run a few pages of allocator noise make a steep slope; memory
    # that stays within ``noise_mb`` after the warm-up is flat whatever the slope.
    spread = max(mb for _, mb in after) - min(mb for _, mb in after) if after else 0.0
    return {
        "command": " ".join(["python", *map(shlex.quote, sys.argv)]),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_before": [round(v, 2) for v in load_before],
            "load_average_after": [round(v, 2) for v in os.getloadavg()],
        },
        "model": {"name": name, "family": family, "n_train": n_train},
        "concurrency": args.concurrency,
        "workers": args.workers,
        "seconds_asked": args.seconds,
        "max_requests": args.max_requests,
        "seconds": round(result.seconds, 2),
        "requests": result.requests,
        "errors": result.errors,
        "wrong_digits": result.wrong_digits,
        "throughput_per_second": round(result.requests / result.seconds, 2),
        "latency_ms": {
            "p50": round(result.percentile(50), 2),
            "p95": round(result.percentile(95), 2),
            "p99": round(result.percentile(99), 2),
            "max": round(max(result.latencies_ms), 2),
            "mean": round(statistics.fmean(result.latencies_ms), 2),
        },
        "rss_mb": {
            "start": round(rss_start, 1),
            "after_warmup": round(trace.at(trace.warmup_seconds), 1),
            "end": round(trace.samples[-1][1], 1),
            "peak": round(max(mb for _, mb in trace.samples), 1),
            "min_after_warmup": round(min(mb for _, mb in after), 1) if after else None,
            "max_after_warmup": round(max(mb for _, mb in after), 1) if after else None,
        },
        "warmup_seconds": trace.warmup_seconds,
        "rss_slope_mb_per_minute": round(slope, 3),
        "rss_slope_last_half_mb_per_minute": round(slope_last_half, 3),
        "server_environment": server_environment(args),
        "server_heaps": server_heaps(args),
        "mnistlab_commit": mnistlab_commit(),
        "max_slope_mb_per_minute": args.max_slope,
        "noise_mb": args.noise_mb,
        "flat_memory": abs(slope) <= args.max_slope or spread <= args.noise_mb,
        "rss_samples": [[round(t, 1), round(mb, 1)] for t, mb in trace.samples],
    }


def summary(result: dict[str, object]) -> str:
    """A few lines for a person."""
    lat = cast(dict[str, float], result["latency_ms"])
    rss = cast(dict[str, float], result["rss_mb"])
    return "\n".join(
        [
            f"{result['requests']} requests in {result['seconds']} s "
            f"({result['throughput_per_second']}/s) at concurrency {result['concurrency']}, "
            f"{result['errors']} errors, model {cast(dict[str, str], result['model'])['name']}",
            f"latency ms: p50 {lat['p50']}  p95 {lat['p95']}  p99 {lat['p99']}  max {lat['max']}",
            f"server RSS MB: start {rss['start']}, after warm-up ({result['warmup_seconds']} s) "
            f"{rss['after_warmup']}, end {rss['end']}, peak {rss['peak']}; slope after "
            f"warm-up {result['rss_slope_mb_per_minute']} MB/min, over the last half "
            f"{result['rss_slope_last_half_mb_per_minute']} MB/min "
            f"({'flat' if result['flat_memory'] else 'GROWING'})",
        ]
    )


def main() -> int:
    """Parse options, run, write the JSON, print the summary."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help=DATA_DIR_HELP)
    parser.add_argument(
        "--models-dir",
        type=Path,
        default=None,
        help=f"default: train {TRAINED_MODEL} on 60,000 images into a temporary directory",
    )
    parser.add_argument("--model", default=None, help="default: the store's default model")
    parser.add_argument("--seconds", type=float, default=600, help="how long to hold the load")
    parser.add_argument("--max-requests", type=int, default=1_000_000, help="stop after these")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1, help="mnistlab serve --workers")
    parser.add_argument("--every", type=float, default=2.0, help="seconds between RSS samples")
    parser.add_argument("--warmup", type=float, default=None, help="seconds; default 10%%, ≤60")
    parser.add_argument("--max-slope", type=float, default=1.0, help="MB/min still 'flat'")
    parser.add_argument(
        "--noise-mb", type=float, default=5.0, help="movement after warm-up that is still 'flat'"
    )
    parser.add_argument(
        "--malloc-arena-max",
        type=int,
        default=None,
        help="set MALLOC_ARENA_MAX for the server (glibc's most per-thread heaps); "
        "serve caps it at 2 unless it is set, and 16 is glibc's own default on 2 cores",
    )
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where the result goes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mnistlab-sustained-") as scratch:
        models_dir = args.models_dir
        if models_dir is None:
            models_dir = Path(scratch) / "models"
            train_default_model(args.data_dir, models_dir)
        result = sustain(args, models_dir)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(args.json) as f:
        f.write((json.dumps(result, indent=2) + "\n").encode("utf-8"))
    print(summary(result))
    print(f"written to {args.json}")
    return 0 if result["errors"] == 0 and result["flat_memory"] else 1


if __name__ == "__main__":
    sys.exit(main())
