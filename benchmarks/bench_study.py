"""Time ``mnistlab study`` against the plain chapter, in one run, and check every number.

Each side runs in its own process, measured the same way: wall time, CPU time of
the whole process tree (its joblib workers included) and peak resident memory
of the tree (sampled from /proc). Runs alternate (reference, study, study,
reference, ...) so that a slow patch of the machine hurts both sides alike.
After the runs, every number of the reference is compared with the study's
(long curves by the SHA-256 of their float64 bytes); a single difference makes
the benchmark fail, because a fast study that gives other numbers is no study.

Example
-------
The full comparison (about an hour on 2 cores)::

    python benchmarks/bench_study.py --data-dir ../shared/data/mnist

A quick check on a subset::

    python benchmarks/bench_study.py --n-train 3000 --n-test 500
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
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
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


# ------------------------------------------------------------------ measuring


@dataclass(frozen=True)
class Measurement:
    """What one run of one side cost."""

    wall: float
    cpu: float
    peak_rss_mb: float


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


def _tree_rss_bytes(root: int) -> int:
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/statm") as handle:
                total += int(handle.read().split()[1]) * PAGE_SIZE
        except OSError:
            continue
        stack.extend(_children(pid))
    return total


def measure(command: list[str], *, log: Path) -> Measurement:
    """Run ``command``; return its wall time, tree CPU time and peak tree RSS."""
    peak = 0
    with log.open("w") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.wait(0.25):
                peak = max(peak, _tree_rss_bytes(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        # wait4 gives the child's own usage plus that of every descendant it
        # reaped: joblib's workers are counted, which time.process_time is not.
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        done.set()
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}); see {log}")
    return Measurement(wall, usage.ru_utime + usage.ru_stime, peak / 2**20)


# ------------------------------------------------------------------ comparing


def sha256_of(array: Any) -> str:
    """SHA-256 of the float64 bytes of ``array``, as the reference summarises curves."""
    a = np.ascontiguousarray(np.asarray(array, dtype=np.float64)).ravel()
    return hashlib.sha256(a.tobytes()).hexdigest()


def _labels(values: Any) -> Any:
    """The reference keeps the chapter's string labels; the study uses integers."""
    if isinstance(values, list):
        return [_labels(v) for v in values]
    if isinstance(values, str) and values.isdigit():
        return int(values)
    return values


def _curve(result: dict[str, Any]) -> str:
    return str(result["sha256"])


# (reference step, reference key, how to read the reference value,
#  study step, how to read the study's value from (values, arrays))
Getter = Callable[[dict[str, Any], dict[str, np.ndarray]], Any]


def _v(key: str) -> Getter:
    return lambda values, arrays: values[key]


def _a(key: str) -> Getter:
    return lambda values, arrays: sha256_of(arrays[key])


def _same(x: Any) -> Any:
    return x


def _only(x: Any) -> Any:
    """The chapter predicts ``[some_digit]``: one row comes back, wrapped in a list."""
    return x[0]


def _only_label(x: Any) -> Any:
    return _labels(x[0])


CHECKS: list[tuple[str, str, Callable[[Any], Any], str, Getter]] = [
    ("look", "y0", _labels, "look", _v("some_digit_label")),
    ("look", "first_100_labels", _labels, "look", _v("first_100_labels")),
    ("binary", "n_positive_train", _same, "binary", _v("n_positive_train")),
    ("binary", "n_positive_test", _same, "binary", _v("n_positive_test")),
    ("binary", "predict_some_digit", _only, "binary", _v("prediction")),
    ("cross_validation", "cross_val_score", _same, "cross_validation", _v("cv_accuracies")),
    ("cross_validation", "by_hand", _same, "cross_validation", _v("manual_accuracies")),
    ("confusion", "confusion_matrix", _same, "confusion", _v("confusion_matrix")),
    ("precision_recall", "precision", _same, "precision_recall", _v("precision")),
    ("precision_recall", "recall", _same, "precision_recall", _v("recall")),
    ("precision_recall", "f1", _same, "precision_recall", _v("f1")),
    ("decision_threshold", "decision_score", _only, "decision_threshold", _v("decision_score")),
    ("decision_threshold", "pred_at_0", _only, "decision_threshold", _v("prediction_at_0")),
    (
        "decision_threshold",
        "pred_at_3000",
        _only,
        "decision_threshold",
        _v("prediction_at_raised"),
    ),
    ("tradeoff", "threshold_for_90_precision", _same, "tradeoff", _v("threshold")),
    ("tradeoff", "precision_at_90", _same, "tradeoff", _v("precision")),
    ("tradeoff", "recall_at_90_precision", _same, "tradeoff", _v("recall")),
    ("tradeoff", "precisions", _curve, "tradeoff", _a("precisions")),
    ("tradeoff", "recalls", _curve, "tradeoff", _a("recalls")),
    ("tradeoff", "thresholds", _curve, "tradeoff", _a("thresholds")),
    ("roc", "fpr", _curve, "roc", _a("fpr")),
    ("roc", "tpr", _curve, "roc", _a("tpr")),
    ("roc", "idx_for_threshold_at_90", _same, "roc", _v("threshold_index")),
    ("roc", "fpr_90", _same, "roc", _v("fpr_at_threshold")),
    ("roc", "tpr_90", _same, "roc", _v("tpr_at_threshold")),
    ("roc", "roc_auc", _same, "roc", _v("roc_auc")),
    ("forest", "probas_first_two", _same, "forest", _v("first_probabilities")),
    ("forest", "f1", _same, "forest", _v("f1")),
    ("forest", "precision", _same, "forest", _v("precision")),
    ("forest", "recall", _same, "forest", _v("recall")),
    ("forest", "roc_auc", _same, "forest", _v("roc_auc")),
    ("forest", "precisions", _curve, "forest", _a("precisions")),
    ("forest", "recalls", _curve, "forest", _a("recalls")),
    ("forest", "thresholds", _curve, "forest", _a("thresholds")),
    ("multiclass", "svc_predict", _only_label, "multiclass", _v("svc_prediction")),
    ("multiclass", "svc_decision_scores", _only, "multiclass", _v("svc_decision_scores")),
    ("multiclass", "svc_argmax", _same, "multiclass", _v("svc_argmax")),
    ("multiclass", "svc_classes", _labels, "multiclass", _v("svc_classes")),
    ("multiclass", "ovr_predict", _only_label, "multiclass", _v("ovr_prediction")),
    ("multiclass", "ovr_n_estimators", _same, "multiclass", _v("ovr_n_estimators")),
    ("multiclass", "sgd_predict", _only_label, "multiclass", _v("sgd_prediction")),
    ("multiclass", "sgd_decision_scores", _only, "multiclass", _v("sgd_decision_scores")),
    ("multiclass", "sgd_cross_val_score", _same, "multiclass", _v("sgd_cv_accuracies")),
    (
        "multiclass",
        "sgd_scaled_cross_val_score",
        _same,
        "multiclass",
        _v("sgd_scaled_cv_accuracies"),
    ),
    ("error_analysis", "confusion_matrix", _same, "error_analysis", _v("confusion_matrix")),
    ("error_analysis", "confusion_true", _same, "error_analysis", _v("normalized_by_true")),
    ("error_analysis", "errors_true", _same, "error_analysis", _v("errors_normalized_by_true")),
    ("error_analysis", "errors_pred", _same, "error_analysis", _v("errors_normalized_by_pred")),
    ("multilabel", "predict_some_digit", _only, "multilabel", _v("prediction")),
    ("multilabel", "f1_macro", _same, "multilabel", _v("f1_macro")),
    ("multilabel", "f1_weighted", _same, "multilabel", _v("f1_weighted")),
    ("denoising", "noisy_test_digit", _curve, "denoising", _a("noisy")),
    ("denoising", "clean_digit", _curve, "denoising", _a("cleaned")),
    ("tuning", "baseline_accuracy", _same, "tuning", _v("default_test_accuracy")),
    ("tuning", "params", _same, "tuning", _v("candidates")),
    ("tuning", "mean_test_scores", _same, "tuning", _v("mean_test_scores")),
    ("tuning", "best_params", _same, "tuning", _v("best_params")),
    ("tuning", "best_score", _same, "tuning", _v("best_score")),
    ("tuning", "tuned_accuracy", _same, "tuning", _v("tuned_test_accuracy")),
]


def _plain(value: Any) -> Any:
    """Bring both sides to plain Python so that == compares values, not types."""
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def compare(reference: dict[str, Any], study: dict[str, Any]) -> list[str]:
    """Return one line per number that differs (empty when all are identical)."""
    problems = []
    for ref_step, ref_key, read_ref, step, read_ours in CHECKS:
        expected = _plain(read_ref(reference["steps"][ref_step]["numbers"][ref_key]))
        values, arrays = study[step]
        got = _plain(read_ours(values, arrays))
        if expected != got:
            problems.append(f"{ref_step}.{ref_key}: reference {expected!r} != study {got!r}")
    return problems


def idx_files_from_chain(directory: Path) -> Path:
    """Write the four IDX files of the MNIST the tool's own chain delivers; both sides read them."""
    import gzip

    from mnistlab.data import get_dataset_spec, idx_bytes, load
    from mnistlab.data.registry import IDX_FILES
    from mnistlab.data.verify import split_arrays

    data = load("mnist")
    parts = split_arrays(get_dataset_spec("mnist"), data.images, data.labels)
    directory.mkdir(parents=True, exist_ok=True)
    for f in IDX_FILES:
        (directory / f.gz_name).write_bytes(gzip.compress(idx_bytes(parts[f.key]), 1))
    return directory


def study_values(data_dir: Path, cache_dir: Path, n_train: int, n_test: int) -> dict[str, Any]:
    """Read the study's numbers and arrays back from the cache of the timed run."""
    from mnistlab.config import Locations
    from mnistlab.data import load
    from mnistlab.study import StudyData, run_study

    locations = Locations.resolve(data_dir=data_dir, cache_dir=cache_dir)
    data = StudyData.from_dataset(load("mnist", locations=locations, source="local"))
    if (n_train, n_test) != (data.X_train.shape[0], data.X_test.shape[0]):
        data = data.head(n_train, n_test)
    results = run_study(data, cache_dir=cache_dir)
    # Step 1 only reads the data: it has nothing to cache and is always recomputed.
    stale = [name for name, step in results.steps.items() if not step.cached and name != "look"]
    if stale:
        raise SystemExit(f"the timed run left no cache for {stale}: cannot compare its numbers")
    return {name: (step.values, step.arrays) for name, step in results.steps.items()}


# ------------------------------------------------------------------ reporting

# Steps that share fitted models are timed together: the study fits the SGD
# 5-detector's folds once for steps 2–8, where the chapter spreads the same fits
# over steps 3, 4 and 7; steps 10 and 11 share the multiclass SGD fits.
STAGES: list[tuple[str, tuple[str, ...]]] = [
    ("1 look", ("look",)),
    (
        "2-8 SGD 5-detector",
        (
            "binary",
            "cross_validation",
            "confusion",
            "precision_recall",
            "decision_threshold",
            "tradeoff",
            "roc",
        ),
    ),
    ("9 random forest", ("forest",)),
    ("10-11 multiclass, errors", ("multiclass", "error_analysis")),
    ("12 multilabel KNN", ("multilabel",)),
    ("13 denoising KNN", ("denoising",)),
    ("14 KNN accuracy, grid", ("tuning",)),
]


def _median(xs: list[float]) -> float:
    return statistics.median(xs)


def main(argv: list[str] | None = None) -> int:
    """Command line: alternate the two sides, compare numbers, print ratios of medians."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help=DATA_DIR_HELP)
    parser.add_argument("--n-train", type=int, default=60_000)
    parser.add_argument("--n-test", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=1, help="runs of each side")
    parser.add_argument("--json", type=Path, default=None, help="write all measurements here")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="mnistlab-bench-"))
    data_dir = args.data_dir.resolve() if args.data_dir else idx_files_from_chain(work / "mnist")
    ref_json = work / "reference.json"
    reference_cmd = [
        sys.executable,
        str(HERE / "reference_chapter.py"),
        "--data-dir",
        str(data_dir),
        "--n-train",
        str(args.n_train),
        "--n-test",
        str(args.n_test),
        "--json",
        str(ref_json),
    ]

    def study_cmd(run: int) -> list[str]:
        cmd = [sys.executable, "-m", "mnistlab", "study", "--no-cache"]
        cmd += ["--data-dir", str(data_dir), "--cache-dir", str(work / f"cache{run}")]
        cmd += ["--out", str(work / f"report{run}")]
        if (args.n_train, args.n_test) != (60_000, 10_000):
            cmd += ["--limit", f"{args.n_train},{args.n_test}"]
        return cmd

    ref_runs: list[Measurement] = []
    our_runs: list[Measurement] = []
    ref_steps: list[dict[str, Any]] = []
    our_steps: list[dict[str, Any]] = []
    for run in range(args.repeats):
        order = ["reference", "study"] if run % 2 == 0 else ["study", "reference"]
        for side in order:
            print(f"run {run + 1}/{args.repeats}: {side} ...", flush=True)
            if side == "reference":
                ref_runs.append(measure(reference_cmd, log=work / f"reference{run}.log"))
                ref_steps.append(json.loads(ref_json.read_text()))
            else:
                our_runs.append(measure(study_cmd(run), log=work / f"study{run}.log"))
                report = json.loads((work / f"report{run}" / "results.json").read_text())
                our_steps.append(report)
            print(f"  {_format(ref_runs[-1] if side == 'reference' else our_runs[-1])}")

    problems = compare(
        ref_steps[-1],
        study_values(data_dir, work / f"cache{args.repeats - 1}", args.n_train, args.n_test),
    )

    print()
    print(f"{'steps (wall, median)':<30}{'reference s':>13}{'mnistlab s':>13}{'ratio':>9}")
    for label, names in STAGES:
        ref_s = _median([sum(r["steps"][n]["wall"] for n in names) for r in ref_steps])
        our_s = _median([sum(r["steps"][n]["seconds"] for n in names) for r in our_steps])
        ratio = ref_s / our_s if our_s > 0 else float("inf")
        print(f"{label:<30}{ref_s:>13.2f}{our_s:>13.2f}{ratio:>9.2f}")
    rows = [
        ("wall time (s)", [m.wall for m in ref_runs], [m.wall for m in our_runs]),
        ("CPU time (s)", [m.cpu for m in ref_runs], [m.cpu for m in our_runs]),
        ("peak memory (MB)", [m.peak_rss_mb for m in ref_runs], [m.peak_rss_mb for m in our_runs]),
    ]
    print()
    print(f"{'whole run, median':<22}{'reference':>13}{'mnistlab':>13}{'ratio':>9}")
    for label, ref, ours in rows:
        r, o = _median(ref), _median(ours)
        print(f"{label:<22}{r:>13.1f}{o:>13.1f}{r / o:>9.2f}")
    print()
    identical = len(CHECKS) - len(problems)
    print(f"numbers compared: {identical} identical, {len(problems)} differing")
    for line in problems:
        print(f"  DIFFERENT {line}")
    if args.json is not None:
        args.json.write_text(
            json.dumps(
                {
                    "reference": [m.__dict__ for m in ref_runs],
                    "study": [m.__dict__ for m in our_runs],
                    "differences": problems,
                },
                indent=2,
            )
            + "\n"
        )
    return 1 if problems else 0


def _format(m: Measurement) -> str:
    return f"wall {m.wall:.1f} s, cpu {m.cpu:.1f} s, peak {m.peak_rss_mb:.0f} MB"


if __name__ == "__main__":
    sys.exit(main())
