"""Time mnistlab.sgd.fit_sgd against SGDClassifier.fit on MNIST, in one run.

Both sides fit ``SGDClassifier(random_state=42)`` on the same float64 training
images: ten classes on raw pixels, ten classes on StandardScaler-scaled pixels
and "is it a 5?" on raw pixels, on one thread each, then ten classes on two
threads (``n_threads=2`` against ``SGDClassifier(n_jobs=2)``). Runs alternate
(plain, ours, ours, plain, ...) so that a slow patch of a shared machine hurts
both sides alike, and every run's ``coef_``, ``intercept_``, ``n_iter_`` and
``t_`` are compared bit for bit: a single differing bit fails the benchmark.
The compiled loop is compiled (or loaded from numba's cache) once before the
timed runs; that first-call cost is printed separately.

Example
-------
The full comparison (the 60,000 training images; long on 2 cores)::

    python benchmarks/bench_sgd_kernel.py --data-dir ../shared/data/mnist

A quick check on a subset::

    python benchmarks/bench_sgd_kernel.py --n-train 5000 --repeats 3

Only the ten-class fits on scaled pixels, at the quick study's fold size::

    python benchmarks/bench_sgd_kernel.py --n-train 6667 --only "scaled" --repeats 1
"""

from __future__ import annotations

import argparse
import functools
import gzip
import os
import platform
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier
from sklearn.preprocessing import StandardScaler

DEFAULT_DATA_DIR: Path | None = None
DATA_DIR_HELP = "a directory of the four IDX files (default: the tool's own data chain)"


def load_mnist(data_dir: Path | None, n_train: int) -> tuple[np.ndarray, np.ndarray]:
    """The first n_train training images (float64) and their labels."""
    if data_dir is None:
        from mnistlab.data import load

        data = load("mnist")
        images, labels = data.X_train, data.y_train
    else:
        images = _idx(data_dir / "train-images-idx3-ubyte.gz", 16).reshape(-1, 28 * 28)
        labels = _idx(data_dir / "train-labels-idx1-ubyte.gz", 8)
    return images[:n_train].astype(np.float64), labels[:n_train].astype(np.int64)


def _idx(path: Path, header: int) -> np.ndarray:
    # An IDX file of unsigned bytes: a fixed header, then the values.
    return np.frombuffer(gzip.decompress(path.read_bytes()), dtype=np.uint8, offset=header)


def _fit_plain(estimator: SGDClassifier, X: np.ndarray, y: np.ndarray) -> SGDClassifier:
    return clone(estimator).fit(X, y)


def timed(fit: Callable[[], SGDClassifier]) -> tuple[float, SGDClassifier]:
    """Wall time of one fit, and the fitted estimator."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        fitted = fit()
        return time.perf_counter() - start, fitted


def same(a: SGDClassifier, b: SGDClassifier) -> bool:
    """Whether two fits agree bit for bit."""
    return (
        np.array_equal(a.coef_, b.coef_)
        and np.array_equal(a.intercept_, b.intercept_)
        and a.n_iter_ == b.n_iter_
        and a.t_ == b.t_
    )


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    """Command line: alternate the two sides, compare the fits, print ratios of medians."""
    from mnistlab.sgd import fit_sgd
    from mnistlab.sgd.fit import kernel_supports

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help=DATA_DIR_HELP)
    parser.add_argument("--n-train", type=int, default=60_000)
    parser.add_argument("--repeats", type=int, default=3, help="runs of each side")
    parser.add_argument(
        "--only", default="", help="run only the cases whose name contains this (e.g. scaled)"
    )
    args = parser.parse_args(argv)

    X, y = load_mnist(args.data_dir, args.n_train)
    scaled = StandardScaler().fit_transform(X)
    cases = [
        ("ten classes, raw", X, y, 1),
        ("ten classes, scaled", scaled, y, 1),
        ("5 or not, raw", X, y == 5, 1),
        ("ten classes, raw, 2 thr", X, y, 2),
        ("ten classes, scaled, 2 thr", scaled, y, 2),
    ]
    cases = [case for case in cases if args.only in case[0]]
    print(f"SGDClassifier(random_state=42) on {len(X)} MNIST training images")
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, load {_load()}")

    tiny = SGDClassifier(random_state=42, max_iter=1)
    reason = kernel_supports(tiny, X[:20], y[:20])
    if reason is not None:
        print(f"the compiled loop does not apply: {reason}")
        return 1
    first, _ = timed(functools.partial(fit_sgd, tiny, X[:20], y[:20]))
    print(f"first call (numba compile or cache load): {first:.2f} s")

    medians: list[tuple[str, float, float, int]] = []
    failed = False
    for label, data, target, threads in cases:
        plain_est = SGDClassifier(random_state=42, n_jobs=threads if threads > 1 else None)
        plain_runs: list[float] = []
        our_runs: list[float] = []
        n_iter = 0
        for repeat in range(args.repeats):
            sides = ["plain", "ours"] if repeat % 2 == 0 else ["ours", "plain"]
            fits: dict[str, SGDClassifier] = {}
            for side in sides:
                if side == "plain":
                    seconds, fits[side] = timed(
                        functools.partial(_fit_plain, plain_est, data, target)
                    )
                    plain_runs.append(seconds)
                else:
                    seconds, fits[side] = timed(
                        functools.partial(fit_sgd, plain_est, data, target, n_threads=threads)
                    )
                    our_runs.append(seconds)
            n_iter = fits["plain"].n_iter_
            ok = same(fits["plain"], fits["ours"])
            failed |= not ok
            print(
                f"  {label:<28} run {repeat + 1}: plain {plain_runs[-1]:7.2f} s, "
                f"ours {our_runs[-1]:7.2f} s, n_iter_ {n_iter}, "
                f"{'bit-identical' if ok else 'DIFFERENT'}"
            )
        medians.append((label, statistics.median(plain_runs), statistics.median(our_runs), n_iter))

    print(f"load average after: {_load()}")
    print()
    print(f"{'median of ' + str(args.repeats):<30}{'plain s':>10}{'ours s':>10}{'ratio':>8}")
    for label, plain, ours, _ in medians:
        print(f"{label:<30}{plain:>10.2f}{ours:>10.2f}{plain / ours:>8.2f}")
    if failed:
        print("FAILED: a fit differs from SGDClassifier's")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
