"""The classification chapter as a plain scikit-learn script: the reference.

This is the study the way people run the notebook (Géron, *Hands-On Machine
Learning*, 3rd ed., chapter 3): one estimator call after another, default
``n_jobs``, no caching, no shortcuts. It is the peer that ``mnistlab study`` is
timed against and the oracle its numbers must equal.

It computes nothing with mnistlab on purpose: an oracle that shares code with
the thing it checks would share its bugs. The data are read from the four IDX
``.gz`` files of ``--data-dir`` (without it, mnistlab's own data chain delivers
the same verified bytes: the only use of mnistlab here) and shaped exactly
like ``fetch_openml('mnist_784', as_frame=False)`` returns them (``X`` float64,
``y`` an object array of the strings ``'0'``–``'9'``), because the book's code
compares ``y == '5'``.

Every step returns its numbers as plain Python; long curves are summarised by
length, first and last values and a SHA-256 of their float64 bytes, so two runs
can be compared exactly without storing megabytes of JSON.

Example
-------
Run a quick check on a subset, then the real thing (about 45 minutes)::

    python benchmarks/reference_chapter.py --n-train 3000 --n-test 500
    python benchmarks/reference_chapter.py --json reference.json
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import scipy
import sklearn
from sklearn.base import clone
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import (
    confusion_matrix,
    f1_score,
    precision_recall_curve,
    precision_score,
    recall_score,
    roc_auc_score,
    roc_curve,
)
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    cross_val_predict,
    cross_val_score,
)
from sklearn.multiclass import OneVsRestClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

REPO = Path(__file__).resolve().parent.parent
#: No directory: mnistlab's own chain (MNISTLAB_DATA_DIR, its cache, then remote sources).
DEFAULT_DATA_DIR: Path | None = None
FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}
STEP_NAMES = (
    "look",
    "binary",
    "cross_validation",
    "confusion",
    "precision_recall",
    "decision_threshold",
    "tradeoff",
    "roc",
    "forest",
    "multiclass",
    "error_analysis",
    "multilabel",
    "denoising",
    "tuning",
)

Namespace = dict[str, Any]


# --------------------------------------------------------------------------- data


def read_idx_gz(path: Path) -> np.ndarray:
    """Read one gzip-compressed IDX file of unsigned bytes into an array.

    Parameters
    ----------
    path : Path
        A ``*-ubyte.gz`` file.

    Returns
    -------
    ndarray of uint8
        Shaped as the header says.

    Raises
    ------
    ValueError
        When the header or the length disagree with the data.
    """
    raw = gzip.decompress(path.read_bytes())
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{path}: not an IDX file of unsigned bytes")
    ndim = raw[3]
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    data = np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path}: header says {shape}, found {data.size} bytes")
    return data.reshape(shape)


def load_mnist(data_dir: Path | None) -> tuple[np.ndarray, np.ndarray]:
    """Return ``X, y`` as ``fetch_openml('mnist_784', as_frame=False)`` does.

    Parameters
    ----------
    data_dir : Path or None
        Directory holding the four MNIST IDX ``.gz`` files; ``None`` for the
        verified bytes of mnistlab's own data chain.

    Returns
    -------
    X : ndarray of shape (70000, 784), float64
        Training images first, then the test images, rows flattened row by row.
    y : ndarray of shape (70000,), object
        The labels as Python strings ``'0'``–``'9'``.
    """
    if data_dir is None:
        from mnistlab.data import load  # the data only: nothing is computed with mnistlab

        data = load("mnist")
        images, labels = np.asarray(data.images), np.asarray(data.labels)
    else:
        parts = {key: read_idx_gz(data_dir / name) for key, name in FILES.items()}
        images = np.concatenate([parts["train_images"], parts["test_images"]])
        labels = np.concatenate([parts["train_labels"], parts["test_labels"]])
    X = images.reshape(len(images), 784).astype(np.float64)
    y = np.array([str(int(v)) for v in labels], dtype=object)
    return X, y


# ----------------------------------------------------------------------- helpers


def plain(value: Any) -> Any:
    """Turn numpy scalars and arrays (also nested in dicts/lists) into plain Python."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def summarize(array: Any) -> dict[str, Any]:
    """Summarise a long array: length, first/last values and SHA-256 of float64 bytes."""
    a = np.ascontiguousarray(np.asarray(array, dtype=np.float64)).ravel()
    return {
        "length": int(a.size),
        "first": float(a[0]) if a.size else None,
        "last": float(a[-1]) if a.size else None,
        "sha256": hashlib.sha256(a.tobytes()).hexdigest(),
    }


# ------------------------------------------------------------------------- steps
# Each step reads and extends the namespace ``ns`` the way notebook cells share
# variables, and returns the numbers it shows.


def step_look(ns: Namespace) -> dict[str, Any]:
    """Step 1: the shapes, the first digit and the first hundred labels."""
    X, y = ns["X"], ns["y"]
    ns["some_digit"] = some_digit = X[0]
    return {
        "X_shape": list(X.shape),
        "y_shape": list(y.shape),
        "y0": y[0],
        "some_digit": summarize(some_digit),
        "first_100_labels": list(y[:100]),
    }


def step_binary(ns: Namespace) -> dict[str, Any]:
    """Step 2: the 5-detector fitted on the whole training set."""
    X_train, y_train, y_test = ns["X_train"], ns["y_train"], ns["y_test"]
    ns["y_train_5"] = y_train_5 = y_train == "5"
    ns["y_test_5"] = y_test == "5"
    ns["sgd_clf"] = sgd_clf = SGDClassifier(random_state=42)
    sgd_clf.fit(X_train, y_train_5)
    return {
        "n_positive_train": int(y_train_5.sum()),
        "n_positive_test": int(ns["y_test_5"].sum()),
        "predict_some_digit": plain(sgd_clf.predict([ns["some_digit"]])),
    }


def step_cross_validation(ns: Namespace) -> dict[str, Any]:
    """Step 3: 3-fold accuracy with ``cross_val_score`` and by hand."""
    X_train, y_train_5, sgd_clf = ns["X_train"], ns["y_train_5"], ns["sgd_clf"]
    scores = cross_val_score(sgd_clf, X_train, y_train_5, cv=3, scoring="accuracy")
    skfolds = StratifiedKFold(n_splits=3)
    by_hand = []
    for train_index, test_index in skfolds.split(X_train, y_train_5):
        clone_clf = clone(sgd_clf)
        clone_clf.fit(X_train[train_index], y_train_5[train_index])
        y_pred = clone_clf.predict(X_train[test_index])
        n_correct = sum(y_pred == y_train_5[test_index])
        by_hand.append(n_correct / len(y_pred))
    return {"cross_val_score": plain(scores), "by_hand": plain(by_hand)}


def step_confusion(ns: Namespace) -> dict[str, Any]:
    """Step 4: confusion matrix of the out-of-fold predictions."""
    ns["y_train_pred"] = y_train_pred = cross_val_predict(
        ns["sgd_clf"], ns["X_train"], ns["y_train_5"], cv=3
    )
    ns["cm"] = cm = confusion_matrix(ns["y_train_5"], y_train_pred)
    perfect = confusion_matrix(ns["y_train_5"], ns["y_train_5"])
    return {"confusion_matrix": plain(cm), "perfect_confusion_matrix": plain(perfect)}


def step_precision_recall(ns: Namespace) -> dict[str, Any]:
    """Step 5: precision, recall and F1 of the out-of-fold predictions."""
    y_train_5, y_train_pred, cm = ns["y_train_5"], ns["y_train_pred"], ns["cm"]
    return {
        "precision": plain(precision_score(y_train_5, y_train_pred)),
        "recall": plain(recall_score(y_train_5, y_train_pred)),
        "f1": plain(f1_score(y_train_5, y_train_pred)),
        "precision_from_cm": plain(cm[1, 1] / (cm[0, 1] + cm[1, 1])),
        "recall_from_cm": plain(cm[1, 1] / (cm[1, 0] + cm[1, 1])),
    }


def step_decision_threshold(ns: Namespace) -> dict[str, Any]:
    """Step 6: the first digit's decision score, judged at thresholds 0 and 3000."""
    y_scores = ns["sgd_clf"].decision_function([ns["some_digit"]])
    threshold = 0
    y_some_digit_pred = y_scores > threshold
    at_zero = plain(y_some_digit_pred)
    threshold = 3000
    y_some_digit_pred = y_scores > threshold
    return {
        "decision_score": plain(y_scores),
        "pred_at_0": at_zero,
        "pred_at_3000": plain(y_some_digit_pred),
    }


def step_tradeoff(ns: Namespace) -> dict[str, Any]:
    """Step 7: out-of-fold scores, the PR curve and the 90%-precision threshold."""
    y_train_5 = ns["y_train_5"]
    ns["y_scores"] = y_scores = cross_val_predict(
        ns["sgd_clf"], ns["X_train"], y_train_5, cv=3, method="decision_function"
    )
    precisions, recalls, thresholds = precision_recall_curve(y_train_5, y_scores)
    ns["precisions"], ns["recalls"] = precisions, recalls
    idx_for_90_precision = (precisions >= 0.90).argmax()
    threshold_for_90_precision = thresholds[idx_for_90_precision]
    ns["threshold_for_90_precision"] = threshold_for_90_precision
    y_train_pred_90 = y_scores >= threshold_for_90_precision
    return {
        "y_scores": summarize(y_scores),
        "precisions": summarize(precisions),
        "recalls": summarize(recalls),
        "thresholds": summarize(thresholds),
        "idx_for_90_precision": plain(idx_for_90_precision),
        "threshold_for_90_precision": plain(threshold_for_90_precision),
        "precision_at_90": plain(precision_score(y_train_5, y_train_pred_90)),
        "recall_at_90_precision": plain(recall_score(y_train_5, y_train_pred_90)),
    }


def step_roc(ns: Namespace) -> dict[str, Any]:
    """Step 8: ROC curve, the point of the 90%-precision threshold, and AUC."""
    y_train_5, y_scores = ns["y_train_5"], ns["y_scores"]
    fpr, tpr, thresholds = roc_curve(y_train_5, y_scores)
    idx_for_threshold_at_90 = (thresholds <= ns["threshold_for_90_precision"]).argmax()
    tpr_90, fpr_90 = tpr[idx_for_threshold_at_90], fpr[idx_for_threshold_at_90]
    return {
        "fpr": summarize(fpr),
        "tpr": summarize(tpr),
        "thresholds": summarize(thresholds),
        "idx_for_threshold_at_90": plain(idx_for_threshold_at_90),
        "tpr_90": plain(tpr_90),
        "fpr_90": plain(fpr_90),
        "roc_auc": plain(roc_auc_score(y_train_5, y_scores)),
    }


def step_forest(ns: Namespace) -> dict[str, Any]:
    """Step 9: the random forest's out-of-fold probabilities against SGD."""
    y_train_5 = ns["y_train_5"]
    forest_clf = RandomForestClassifier(random_state=42)
    y_probas_forest = cross_val_predict(
        forest_clf, ns["X_train"], y_train_5, cv=3, method="predict_proba"
    )
    y_scores_forest = y_probas_forest[:, 1]
    precisions_forest, recalls_forest, thresholds_forest = precision_recall_curve(
        y_train_5, y_scores_forest
    )
    y_train_pred_forest = y_probas_forest[:, 1] >= 0.5
    return {
        "probas_first_two": plain(y_probas_forest[:2]),
        "precisions": summarize(precisions_forest),
        "recalls": summarize(recalls_forest),
        "thresholds": summarize(thresholds_forest),
        "f1": plain(f1_score(y_train_5, y_train_pred_forest)),
        "precision": plain(precision_score(y_train_5, y_train_pred_forest)),
        "recall": plain(recall_score(y_train_5, y_train_pred_forest)),
        "roc_auc": plain(roc_auc_score(y_train_5, y_scores_forest)),
    }


def step_multiclass(ns: Namespace) -> dict[str, Any]:
    """Step 10: SVC (one-versus-one), one-versus-rest, and SGD on ten classes."""
    X_train, y_train, some_digit = ns["X_train"], ns["y_train"], ns["some_digit"]
    svm_clf = SVC(random_state=42)
    svm_clf.fit(X_train[:2000], y_train[:2000])
    svc_pred = svm_clf.predict([some_digit])
    some_digit_scores = svm_clf.decision_function([some_digit])
    class_id = some_digit_scores.argmax()

    ovr_clf = OneVsRestClassifier(SVC(random_state=42))
    ovr_clf.fit(X_train[:2000], y_train[:2000])
    ovr_pred = ovr_clf.predict([some_digit])

    sgd_clf = SGDClassifier(random_state=42)
    sgd_clf.fit(X_train, y_train)
    sgd_pred = sgd_clf.predict([some_digit])
    sgd_scores = sgd_clf.decision_function([some_digit])
    sgd_cv = cross_val_score(sgd_clf, X_train, y_train, cv=3, scoring="accuracy")

    scaler = StandardScaler()
    ns["X_train_scaled"] = X_train_scaled = scaler.fit_transform(X_train.astype("float64"))
    ns["sgd_multi"] = sgd_clf
    scaled_cv = cross_val_score(sgd_clf, X_train_scaled, y_train, cv=3, scoring="accuracy")
    return {
        "svc_predict": plain(svc_pred),
        "svc_decision_scores": plain(some_digit_scores),
        "svc_argmax": plain(class_id),
        "svc_classes": plain(svm_clf.classes_),
        "svc_class_of_argmax": plain(svm_clf.classes_[class_id]),
        "ovr_predict": plain(ovr_pred),
        "ovr_n_estimators": len(ovr_clf.estimators_),
        "sgd_predict": plain(sgd_pred),
        "sgd_decision_scores": plain(sgd_scores),
        "sgd_cross_val_score": plain(sgd_cv),
        "sgd_scaled_cross_val_score": plain(scaled_cv),
    }


def step_error_analysis(ns: Namespace) -> dict[str, Any]:
    """Step 11: confusion matrices of the scaled multiclass SGD, and the 3/5 grid."""
    y_train = ns["y_train"]
    y_train_pred = cross_val_predict(ns["sgd_multi"], ns["X_train_scaled"], y_train, cv=3)
    sample_weight = y_train_pred != y_train
    cl_a, cl_b = "3", "5"
    counts = {
        f"{a}{b}": int(((y_train == a) & (y_train_pred == b)).sum())
        for a in (cl_a, cl_b)
        for b in (cl_a, cl_b)
    }
    return {
        "y_train_pred": summarize(y_train_pred.astype(np.int64)),
        "confusion_matrix": plain(confusion_matrix(y_train, y_train_pred)),
        "confusion_true": plain(confusion_matrix(y_train, y_train_pred, normalize="true")),
        "errors_true": plain(
            confusion_matrix(y_train, y_train_pred, sample_weight=sample_weight, normalize="true")
        ),
        "errors_pred": plain(
            confusion_matrix(y_train, y_train_pred, sample_weight=sample_weight, normalize="pred")
        ),
        "pair_counts": counts,
    }


def step_multilabel(ns: Namespace) -> dict[str, Any]:
    """Step 12: KNN on two labels per image (large digit, odd digit)."""
    X_train, y_train = ns["X_train"], ns["y_train"]
    y_train_large = y_train.astype("int8") >= 7
    y_train_odd = y_train.astype("int8") % 2 == 1
    y_multilabel = np.c_[y_train_large, y_train_odd]
    knn_clf = KNeighborsClassifier()
    knn_clf.fit(X_train, y_multilabel)
    pred = knn_clf.predict([ns["some_digit"]])
    y_train_knn_pred = cross_val_predict(knn_clf, X_train, y_multilabel, cv=3)
    return {
        "predict_some_digit": plain(pred),
        "f1_macro": plain(f1_score(y_multilabel, y_train_knn_pred, average="macro")),
        "f1_weighted": plain(f1_score(y_multilabel, y_train_knn_pred, average="weighted")),
        "y_train_knn_pred": summarize(y_train_knn_pred),
    }


def step_denoising(ns: Namespace) -> dict[str, Any]:
    """Step 13: KNN from noisy images to clean ones (multioutput)."""
    X_train, X_test = ns["X_train"], ns["X_test"]
    np.random.seed(42)
    noise = np.random.randint(0, 100, (len(X_train), 784))
    X_train_mod = X_train + noise
    noise = np.random.randint(0, 100, (len(X_test), 784))
    X_test_mod = X_test + noise
    y_train_mod = X_train
    knn_clf = KNeighborsClassifier()
    knn_clf.fit(X_train_mod, y_train_mod)
    clean_digit = knn_clf.predict([X_test_mod[0]])
    return {
        "X_train_mod": summarize(X_train_mod),
        "X_test_mod": summarize(X_test_mod),
        "noisy_test_digit": summarize(X_test_mod[0]),
        "clean_digit": summarize(clean_digit),
        "clean_digit_values": plain(clean_digit.ravel()),
    }


def step_tuning(ns: Namespace) -> dict[str, Any]:
    """Step 14: KNN test accuracy, then a grid search and the tuned test accuracy."""
    X_train, y_train, X_test, y_test = ns["X_train"], ns["y_train"], ns["X_test"], ns["y_test"]
    knn_clf = KNeighborsClassifier()
    knn_clf.fit(X_train, y_train)
    baseline_accuracy = knn_clf.score(X_test, y_test)

    param_grid = [{"weights": ["uniform", "distance"], "n_neighbors": [3, 4, 5, 6]}]
    grid_search = GridSearchCV(KNeighborsClassifier(), param_grid, cv=5)
    grid_search.fit(X_train[:10_000], y_train[:10_000])
    grid_search.best_estimator_.fit(X_train, y_train)
    tuned_accuracy = grid_search.score(X_test, y_test)
    return {
        "baseline_accuracy": plain(baseline_accuracy),
        "best_params": plain(grid_search.best_params_),
        "best_score": plain(grid_search.best_score_),
        "mean_test_scores": plain(grid_search.cv_results_["mean_test_score"]),
        "params": plain(grid_search.cv_results_["params"]),
        "tuned_accuracy": plain(tuned_accuracy),
    }


STEPS: dict[str, Callable[[Namespace], dict[str, Any]]] = {
    "look": step_look,
    "binary": step_binary,
    "cross_validation": step_cross_validation,
    "confusion": step_confusion,
    "precision_recall": step_precision_recall,
    "decision_threshold": step_decision_threshold,
    "tradeoff": step_tradeoff,
    "roc": step_roc,
    "forest": step_forest,
    "multiclass": step_multiclass,
    "error_analysis": step_error_analysis,
    "multilabel": step_multilabel,
    "denoising": step_denoising,
    "tuning": step_tuning,
}


# --------------------------------------------------------------------------- run


def run_chapter(
    X: np.ndarray,
    y: np.ndarray,
    *,
    n_train: int = 60_000,
    n_test: int = 10_000,
    steps: list[str] | None = None,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run the chapter's steps in order, timing each one.

    Parameters
    ----------
    X, y : ndarray
        All 70,000 rows as :func:`load_mnist` returns them.
    n_train, n_test : int
        Use the first ``n_train`` training rows and the first ``n_test`` test rows.
    steps : list of str, optional
        Run only up to the last of these (earlier steps still run: later cells
        need their variables). Default: all fourteen.
    log : callable, optional
        Called with one line per finished step.

    Returns
    -------
    dict
        ``{"steps": {name: {"numbers": ..., "wall": s, "cpu": s}}, "total_wall",
        "total_cpu", "n_train", "n_test", "versions"}``.

    Example
    -------
    >>> X, y = load_mnist(DEFAULT_DATA_DIR)  # doctest: +SKIP
    >>> out = run_chapter(X, y, n_train=3000, n_test=500, steps=["binary"])  # doctest: +SKIP
    """
    X_train, X_test = X[:60_000][:n_train], X[60_000:][:n_test]
    y_train, y_test = y[:60_000][:n_train], y[60_000:][:n_test]
    ns: Namespace = {
        "X": X,
        "y": y,
        "X_train": X_train,
        "X_test": X_test,
        "y_train": y_train,
        "y_test": y_test,
    }
    wanted = steps or list(STEPS)
    unknown = [s for s in wanted if s not in STEPS]
    if unknown:
        raise ValueError(f"unknown steps {unknown}; known: {', '.join(STEPS)}")
    last = max(STEP_NAMES.index(s) for s in wanted)
    results: dict[str, Any] = {}
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for name in STEP_NAMES[: last + 1]:
        w, c = time.perf_counter(), time.process_time()
        numbers = STEPS[name](ns)
        results[name] = {
            "numbers": plain(numbers),
            "wall": time.perf_counter() - w,
            "cpu": time.process_time() - c,
        }
        if log is not None:
            log(f"{name:<20} {results[name]['wall']:8.2f} s wall {results[name]['cpu']:8.2f} s cpu")
    return {
        "steps": results,
        "total_wall": time.perf_counter() - wall0,
        "total_cpu": time.process_time() - cpu0,
        "n_train": len(X_train),
        "n_test": len(X_test),
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "scikit-learn": sklearn.__version__,
        },
    }


def main(argv: list[str] | None = None) -> int:
    """Command line: run the chapter and optionally write its results as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="default: mnistlab's data chain"
    )
    parser.add_argument("--n-train", type=int, default=60_000)
    parser.add_argument("--n-test", type=int, default=10_000)
    parser.add_argument("--steps", default="", help="comma-separated step names (default all)")
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    args = parser.parse_args(argv)

    w, c = time.perf_counter(), time.process_time()
    X, y = load_mnist(args.data_dir)
    load = {"wall": time.perf_counter() - w, "cpu": time.process_time() - c}
    print(f"{'load':<20} {load['wall']:8.2f} s wall {load['cpu']:8.2f} s cpu", flush=True)
    steps = [s for s in args.steps.split(",") if s] or None
    out = run_chapter(
        X,
        y,
        n_train=args.n_train,
        n_test=args.n_test,
        steps=steps,
        log=lambda line: print(line, flush=True),
    )
    out["load"] = load
    out["data_dir"] = str(args.data_dir) if args.data_dir else "mnistlab data chain"
    print(f"{'total':<20} {out['total_wall']:8.2f} s wall {out['total_cpu']:8.2f} s cpu")
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
