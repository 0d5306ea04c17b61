"""Time FastKNeighborsClassifier against KNeighborsClassifier on MNIST, in one run.

Both sides fit on the 60,000 training images and predict the 10,000 test
images, as float64 arrays (what ``fetch_openml`` gives and the chapter uses).
Runs alternate (plain, ours, ours, plain, ...) so that a slow patch of a shared
machine hurts both sides alike, and every run's predictions are compared: a
single differing label makes the benchmark fail. Prints each run, the medians
and their ratios, for predict alone (the target: at least 2× on 10,000 queries)
and for fit + predict.

Example
-------
The full comparison (a few minutes on 2 cores)::

    python benchmarks/bench_knn.py --data-dir ../shared/data/mnist

A quick check on a subset::

    python benchmarks/bench_knn.py --n-train 10000 --n-test 2000 --repeats 3
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
#: No directory: the tool's own chain (MNISTLAB_DATA_DIR, the cache, then remote sources).
DEFAULT_DATA_DIR: Path | None = None
DATA_DIR_HELP = "a directory of the four IDX files (default: the tool's own data chain)"


@dataclass(frozen=True)
class Run:
    """One fit and one predict of one side."""

    fit: float
    predict: float
    cpu: float

    @property
    def total(self) -> float:
        return self.fit + self.predict


def time_side(
    make: Callable[[], Any], X: np.ndarray, y: np.ndarray, Q: np.ndarray
) -> tuple[Run, Any]:
    """Fit ``make()`` on (X, y) and predict Q; return the times and the predictions."""
    cpu = time.process_time()
    start = time.perf_counter()
    clf = make().fit(X, y)
    fitted = time.perf_counter()
    predictions = clf.predict(Q)
    done = time.perf_counter()
    return Run(fitted - start, done - fitted, time.process_time() - cpu), predictions


def load_mnist(data_dir: Path | None, n_train: int, n_test: int) -> tuple[np.ndarray, ...]:
    """The first n_train training and n_test test images (float64) and labels."""
    from mnistlab.config import Locations
    from mnistlab.data import load

    if data_dir is None:
        data = load("mnist")
    else:
        cache_dir = Path(tempfile.mkdtemp(prefix="mnistlab-bench-knn-"))
        locations = Locations.resolve(data_dir=data_dir, cache_dir=cache_dir)
        data = load("mnist", locations=locations, source="local")
    return (
        data.X_train[:n_train].astype(np.float64),
        data.y_train[:n_train],
        data.X_test[:n_test].astype(np.float64),
    )


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def openmp_threads(pools: list[dict[str, Any]]) -> int:
    """The threads of the OpenMP pools loaded (scikit-learn's search runs on them)."""
    return max((int(p["num_threads"]) for p in pools if p["user_api"] == "openmp"), default=1)


def main(argv: list[str] | None = None) -> int:
    """Command line: alternate the two sides, compare predictions, print ratios of medians."""
    from sklearn import __version__ as sklearn_version
    from sklearn.neighbors import KNeighborsClassifier
    from threadpoolctl import threadpool_info

    from mnistlab.knn import FastKNeighborsClassifier

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help=DATA_DIR_HELP)
    parser.add_argument("--n-train", type=int, default=60_000)
    parser.add_argument("--n-test", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=7, help="runs of each side")
    parser.add_argument("--k", type=int, default=5, help="n_neighbors")
    parser.add_argument("--weights", choices=["uniform", "distance"], default="uniform")
    args = parser.parse_args(argv)

    X, y, Q = load_mnist(args.data_dir and args.data_dir.resolve(), args.n_train, args.n_test)
    sides: dict[str, Callable[[], Any]] = {
        "plain": lambda: KNeighborsClassifier(n_neighbors=args.k, weights=args.weights),
        "ours": lambda: FastKNeighborsClassifier(n_neighbors=args.k, weights=args.weights),
    }
    print(f"KNN, k={args.k}, weights={args.weights}: {len(Q)} queries against {len(X)} rows")
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"scikit-learn {sklearn_version}, {os.cpu_count()} CPUs, "
        f"OpenMP threads {openmp_threads(threadpool_info())}"
    )
    print(f"load average before: {_load()}")
    # Untimed warm-up: first calls load libraries and start thread pools.
    for make in sides.values():
        time_side(make, X[:2000], y[:2000], Q[:200])

    runs: dict[str, list[Run]] = {"plain": [], "ours": []}
    differing = 0
    for repeat in range(args.repeats):
        order = ["plain", "ours"] if repeat % 2 == 0 else ["ours", "plain"]
        predictions = {}
        for side in order:
            run, predictions[side] = time_side(sides[side], X, y, Q)
            runs[side].append(run)
            print(
                f"run {repeat + 1}/{args.repeats} {side:<5}  fit {run.fit:7.2f} s  "
                f"predict {run.predict:7.2f} s  CPU {run.cpu:7.2f} s",
                flush=True,
            )
        same = predictions["plain"].dtype == predictions["ours"].dtype and np.array_equal(
            predictions["plain"], predictions["ours"]
        )
        differing += not same
        if not same:
            n = int(np.sum(predictions["plain"] != predictions["ours"]))
            print(f"  DIFFERENT predictions in run {repeat + 1}: {n} labels")
    print(f"load average after: {_load()}")

    print()
    title = f"median of {args.repeats} runs"
    print(f"{title:<22}{'plain s':>10}{'ours s':>10}{'ratio':>8}")
    for label, value in [
        ("predict", lambda r: r.predict),
        ("fit", lambda r: r.fit),
        ("fit + predict", lambda r: r.total),
        ("CPU, fit + predict", lambda r: r.cpu),
    ]:
        plain = statistics.median(value(r) for r in runs["plain"])
        ours = statistics.median(value(r) for r in runs["ours"])
        print(f"{label:<22}{plain:>10.2f}{ours:>10.2f}{plain / ours:>8.2f}")
    print()
    print(
        f"runs: {args.repeats - differing} with identical predictions, "
        f"{differing} with different ones"
    )
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
