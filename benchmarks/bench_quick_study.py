"""Time the quick study cold: every step on a stratified 10,000/2,000 subset, fresh cache.

Each run calls ``run_study(data, quick=True)`` through the library with an
empty cache directory, so every computation runs. The data is loaded once,
before the clock starts. Prints each run's wall time, the median, and the
median wall time of each step (steps 2–8 share one computation, which the
first of them runs; the same for steps 10–11 and 14's grid search), and the
load average before the first run, since a shared machine slows every run.

Example
-------
Three cold runs of the quick study::

    python benchmarks/bench_quick_study.py --repeats 3

Another subset size::

    python benchmarks/bench_quick_study.py --n-train 20000 --n-test 4000
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from mnistlab.config import Locations
from mnistlab.data import load
from mnistlab.study import STEPS, StudyData, StudySettings, run_study
from mnistlab.study.subset import QUICK_N_TEST, QUICK_N_TRAIN

DATA_DIR_HELP = "a directory of the four IDX files (default: the tool's own data chain)"
#: The target for the quick study, cold, on 2 cores.
TARGET_SECONDS = 60.0


def cold_run(data: StudyData, n_train: int, n_test: int) -> tuple[float, dict[str, float]]:
    """Run the whole subset study once with an empty cache; its wall time and each step's."""
    with tempfile.TemporaryDirectory(prefix="bench-quick-") as cache:
        t0 = time.perf_counter()
        results = run_study(
            data, StudySettings(), cache_dir=Path(cache), n_train=n_train, n_test=n_test
        )
        wall = time.perf_counter() - t0
    return wall, {name: step.seconds for name, step in results.steps.items()}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print the runs, the median and each step's median."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=None, help=DATA_DIR_HELP)
    parser.add_argument("--repeats", type=int, default=3, help="cold runs (default: 3)")
    parser.add_argument("--n-train", type=int, default=QUICK_N_TRAIN)
    parser.add_argument("--n-test", type=int, default=QUICK_N_TEST)
    args = parser.parse_args(argv)

    data = StudyData.from_dataset(
        load("mnist", locations=Locations.resolve(data_dir=args.data_dir))
    )
    print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load average before: {os.getloadavg()[0]:.2f}"
    )
    walls: list[float] = []
    steps: dict[str, list[float]] = {}
    for run in range(1, args.repeats + 1):
        wall, per_step = cold_run(data, args.n_train, args.n_test)
        walls.append(wall)
        for name, seconds in per_step.items():
            steps.setdefault(name, []).append(seconds)
        slowest = sorted(per_step.items(), key=lambda item: -item[1])[:4]
        print(f"run {run}: {wall:.1f} s (" + ", ".join(f"{n} {t:.1f} s" for n, t in slowest) + ")")

    print(f"\nsteps (wall, median of {args.repeats})      s")
    for spec in STEPS:
        print(f"{spec.number:>2} {spec.name:<26} {statistics.median(steps[spec.name]):8.2f}")
    median = statistics.median(walls)
    verdict = "under" if median < TARGET_SECONDS else "over"
    print(
        f"\nsubset study {args.n_train:,}/{args.n_test:,}, cold, median of {args.repeats}: "
        f"{median:.1f} s ({verdict} the {TARGET_SECONDS:.0f} s target)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
