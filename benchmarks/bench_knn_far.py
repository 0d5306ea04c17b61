"""Time the exact KNN search on images unlike any training image, with and without the direct path.

``FastKNeighborsClassifier`` screens out most training rows and gathers the
rest for exact distances. Under some MNIST-C corruptions (a grey background,
salt and pepper) the screen rules out almost nothing; a chunk of such queries
then takes every exact distance from one matrix product instead
(``mnistlab.knn.screen.DIRECT_SHARE``). This script predicts corrupted test
images both ways in one run — the screened path alone (``DIRECT_SHARE``
infinite, as before the direct path existed) and the default — alternating
the two, checks that the probabilities are identical, and prints the median
time of each, their ratio, and the peak memory each call added above the
process's resident memory before it (sampled every 20 ms).

Example
-------
::

    python benchmarks/bench_knn_far.py --data-dir ../shared/data/mnist --repeats 3

``--n-train 60000`` is ``knn-tuned``'s size; ``knn-shift`` searches 300,000 rows, where the
screened path alone needed 24.7 GB for 1,000 brightened images before it gathered its
candidates in bounded blocks (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from pathlib import Path

import numpy as np

from bench_knn import DATA_DIR_HELP, DEFAULT_DATA_DIR, load_mnist
from mnistlab.knn import FastKNeighborsClassifier
from mnistlab.knn import screen as screen_module
from mnistlab.robustness.corruptions import get_corruption


def resident_gb() -> float:
    """The process's resident memory in GB (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 1e9


def timed_call(model: FastKNeighborsClassifier, Q: np.ndarray) -> tuple[float, float, np.ndarray]:
    """(seconds, peak GB above the memory before, probabilities) of one ``predict_proba``."""
    before, peak, done = resident_gb(), [0.0], threading.Event()

    def watch() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], resident_gb())
            time.sleep(0.02)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    start = time.perf_counter()
    probabilities = model.predict_proba(Q)
    seconds = time.perf_counter() - start
    done.set()
    watcher.join()
    return seconds, max(peak[0], resident_gb()) - before, probabilities


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help=DATA_DIR_HELP)
    parser.add_argument("--n-train", type=int, default=60_000)
    parser.add_argument("--n-test", type=int, default=1_000)
    parser.add_argument("--repeats", type=int, default=3, help="runs of each side")
    parser.add_argument(
        "--corruptions", default="brightness,impulse_noise,shot_noise,rotate",
        help="MNIST-C corruptions to apply to the test images (comma-separated)",
    )  # fmt: skip
    args = parser.parse_args()
    X, y, Q = load_mnist(args.data_dir, args.n_train, args.n_test)
    X_pixels = X.astype(np.uint8)
    print(f"{args.n_train:,} training rows, {args.n_test:,} queries, {args.repeats} runs each")
    print(f"{'corruption':<15} {'screened s':>10} {'default s':>10} {'ratio':>6} "
          f"{'screened GB':>11} {'default GB':>10}")  # fmt: skip
    default_share = screen_module.DIRECT_SHARE
    for name in args.corruptions.split(","):
        queries = get_corruption(name)(Q.astype(np.uint8), 0)
        model = FastKNeighborsClassifier(n_neighbors=4, weights="distance").fit(X_pixels, y)
        model.predict_proba(queries[:8])  # build the screen outside the timed calls
        runs: dict[str, list[tuple[float, float]]] = {"screened": [], "default": []}
        answers: dict[str, np.ndarray] = {}
        for _ in range(args.repeats):
            for side, share in (("screened", np.inf), ("default", default_share)):
                screen_module.DIRECT_SHARE = share
                seconds, gb, answers[side] = timed_call(model, queries)
                runs[side].append((seconds, gb))
        screen_module.DIRECT_SHARE = default_share
        if not np.array_equal(answers["screened"], answers["default"]):
            print(f"{name}: the two paths disagree")
            return 1
        med = {side: statistics.median(s for s, _ in r) for side, r in runs.items()}
        gb = {side: max(g for _, g in r) for side, r in runs.items()}
        print(f"{name:<15} {med['screened']:>10.2f} {med['default']:>10.2f} "
              f"{med['screened'] / med['default']:>6.2f} {gb['screened']:>11.2f} "
              f"{gb['default']:>10.2f}")  # fmt: skip
    print("identical probabilities on every corruption")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
