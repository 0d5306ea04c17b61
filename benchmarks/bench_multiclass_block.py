"""Time the study's multiclass block (steps 10–11) against the same seven fits on n_jobs threads.

Steps 10 and 11 need seven ten-class ``SGDClassifier(random_state=42)`` fits:
three cross-validation folds on StandardScaler-scaled pixels, one fit on all
training images and three folds on raw pixels. Two ways to run them, side by
side in one invocation:

- **threads**: each fit uses both cores through scikit-learn's own
  ``n_jobs=2`` (its ten one-versus-rest problems on two threads), one fit
  after the other;
- **mnistlab**: the study's own computation,
  ``mnistlab.study.compute_linear.multiclass_sgd``, which fits through the
  compiled loop (``mnistlab.sgd``) and shares the seven fits between the
  cores.

Both sides then compute the block's numbers (the full fit's prediction and
decision scores for the first image, the six fold accuracies and the scaled
out-of-fold predictions), which must be identical: a single difference fails
the benchmark. Runs alternate (threads, mnistlab, mnistlab, threads, ...).
The compiled loop is loaded (or compiled) once before the clock starts.

Example
-------
All 60,000 training images (about 12 minutes on 2 fast cores)::

    python benchmarks/bench_multiclass_block.py --data-dir ../shared/data/mnist

The quick study's subset (10,000 stratified training images)::

    python benchmarks/bench_multiclass_block.py --quick --repeats 3
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier
from sklearn.preprocessing import StandardScaler

from mnistlab.config import Locations
from mnistlab.data import load
from mnistlab.sgd import fit_sgd
from mnistlab.study import StudyData, StudySettings
from mnistlab.study.compute_linear import multiclass_sgd
from mnistlab.study.context import SOME_DIGIT_INDEX, StudyContext
from mnistlab.study.folds import split_folds

DATA_DIR_HELP = "a directory of the four IDX files (default: the tool's own data chain)"
#: The cores both sides use.
N_JOBS = 2

Block = tuple[dict[str, Any], dict[str, np.ndarray]]


def threads_block(ctx: StudyContext) -> Block:
    """The block's numbers from seven plain fits, each on ``n_jobs`` threads, in turn."""
    X, y = ctx.X_train, ctx.y_train
    X_scaled = StandardScaler().fit_transform(X)
    sgd = SGDClassifier(random_state=42, n_jobs=N_JOBS)
    splits = split_folds(X, y, cv=3)

    def fold_accuracies(data: np.ndarray, out_of_fold: np.ndarray | None) -> list[float]:
        accuracies = []
        for train, test in splits:
            predicted = clone(sgd).fit(data[train], y[train]).predict(data[test])
            if out_of_fold is not None:
                out_of_fold[test] = predicted
            accuracies.append(float(np.average(y[test] == predicted)))
        return accuracies

    scaled_oof = np.empty(len(y), dtype=y.dtype)
    scaled = fold_accuracies(X_scaled, scaled_oof)
    full = clone(sgd).fit(X, y)
    first = X[SOME_DIGIT_INDEX : SOME_DIGIT_INDEX + 1]
    values = {
        "prediction": int(full.predict(first)[0]),
        "decision_scores": full.decision_function(first)[0].tolist(),
        "cv_accuracies": fold_accuracies(X, None),
        "scaled_cv_accuracies": scaled,
    }
    return values, {"scaled_oof_predict": scaled_oof}


def mnistlab_block(ctx: StudyContext) -> Block:
    """The block's numbers as the study computes them."""
    entry = multiclass_sgd(ctx, {})
    return entry.values, entry.arrays


def same(a: Block, b: Block) -> bool:
    """Whether two blocks hold the very same numbers."""
    return (
        a[0] == b[0]
        and a[1].keys() == b[1].keys()
        and all(np.array_equal(a[1][key], b[1][key]) for key in a[1])
    )


def timed(block: Any, ctx: StudyContext) -> tuple[float, Block]:
    """Wall time of one block, and its numbers."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        numbers = block(ctx)
        return time.perf_counter() - start, numbers


def main(argv: list[str] | None = None) -> int:
    """Command line: alternate the two sides, compare their numbers, print the ratio of medians."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=None, help=DATA_DIR_HELP)
    parser.add_argument("--quick", action="store_true", help="the quick study's subset")
    parser.add_argument("--repeats", type=int, default=1, help="runs of each side (default: 1)")
    args = parser.parse_args(argv)

    data = StudyData.from_dataset(
        load("mnist", locations=Locations.resolve(data_dir=args.data_dir))
    )
    if args.quick:
        data = data.stratified()
    ctx = StudyContext(data, StudySettings(n_jobs=N_JOBS))
    print(f"the multiclass block on {len(ctx.y_train):,} MNIST training images, {N_JOBS} cores")
    print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}"
    )
    warm = SGDClassifier(random_state=42, max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit_sgd(warm, ctx.X_train[:50], ctx.y_train[:50])

    runs: dict[str, list[float]] = {"threads": [], "mnistlab": []}
    blocks = {"threads": threads_block, "mnistlab": mnistlab_block}
    failed = False
    for repeat in range(args.repeats):
        order = ["threads", "mnistlab"] if repeat % 2 == 0 else ["mnistlab", "threads"]
        numbers: dict[str, Block] = {}
        for side in order:
            seconds, numbers[side] = timed(blocks[side], ctx)
            runs[side].append(seconds)
            print(f"  run {repeat + 1}: {side:<9} {seconds:8.2f} s", flush=True)
        ok = same(numbers["threads"], numbers["mnistlab"])
        failed |= not ok
        print(f"  run {repeat + 1}: {'identical numbers' if ok else 'DIFFERENT NUMBERS'}")

    plain, ours = statistics.median(runs["threads"]), statistics.median(runs["mnistlab"])
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print()
    print(f"{'median of ' + str(args.repeats):<30}{'threads s':>11}{'mnistlab s':>12}{'ratio':>8}")
    print(f"{'steps 10-11, seven fits':<30}{plain:>11.2f}{ours:>12.2f}{plain / ours:>8.2f}")
    if failed:
        print("FAILED: the two sides' numbers differ")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
