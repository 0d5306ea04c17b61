"""The complete study on the full MNIST, the way a user runs it, checked against plain sklearn.

It takes about a quarter of an hour, so it runs only when ``MNISTLAB_FULL_STUDY=1``
(CI sets it; so can you). The study runs once, cold, as a real ``mnistlab study``
process; then ``results.json`` is checked for every step and every key, the
numbers that plain scikit-learn can recompute in a minute or two on the full
data are recomputed and compared exactly, and a second run must come from the
cache.
"""

from __future__ import annotations

import html
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import f1_score, precision_recall_curve, roc_auc_score
from sklearn.model_selection import GridSearchCV, cross_val_predict
from sklearn.neighbors import KNeighborsClassifier

from mnistlab.book import BOOK
from mnistlab.config import CACHE_DIR_ENV, DATA_DIR_ENV, Locations
from mnistlab.data import Dataset
from mnistlab.versions import release
from tests.test_examples_notebook import run_chapter

pytestmark = [
    pytest.mark.full,
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("MNISTLAB_FULL_STUDY") != "1",
        reason="the full-data study takes ~15 minutes; set MNISTLAB_FULL_STUDY=1 to run it",
    ),
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
]

EXPECTED_KEYS: dict[str, tuple[str, ...]] = {
    "look": (
        "n_train",
        "n_test",
        "n_pixels",
        "pixel_min",
        "pixel_max",
        "some_digit_index",
        "some_digit_label",
        "some_digit_name",
        "first_100_labels",
        "train_class_counts",
    ),
    "binary": ("positive_class", "n_positive_train", "n_positive_test", "prediction"),
    "cross_validation": ("cv_accuracies", "manual_accuracies", "mean_accuracy", "agree"),
    "confusion": ("confusion_matrix",),
    "precision_recall": ("precision", "recall", "f1"),
    "decision_threshold": (
        "decision_score",
        "prediction_at_0",
        "raised_threshold",
        "prediction_at_raised",
    ),
    "tradeoff": ("target_precision", "threshold", "precision", "recall", "n_thresholds"),
    "roc": ("threshold", "threshold_index", "fpr_at_threshold", "tpr_at_threshold", "roc_auc"),
    "forest": (
        "first_probabilities",
        "probability_threshold",
        "f1",
        "precision",
        "recall",
        "roc_auc",
        "sgd_roc_auc",
    ),
    "multiclass": (
        "train_size",
        "svc_prediction",
        "svc_decision_scores",
        "svc_argmax",
        "svc_classes",
        "svc_decision_shape",
        "ovr_prediction",
        "ovr_n_estimators",
        "sgd_prediction",
        "sgd_decision_scores",
        "sgd_cv_accuracies",
        "sgd_scaled_cv_accuracies",
    ),
    "error_analysis": (
        "confusion_matrix",
        "normalized_by_true",
        "errors_normalized_by_true",
        "errors_normalized_by_pred",
        "accuracy",
        "class_pair",
        "pair_counts",
    ),
    "multilabel": ("labels", "prediction", "f1_macro", "f1_weighted"),
    "denoising": ("index", "label", "mean_abs_error_noisy", "mean_abs_error_cleaned"),
    "tuning": (
        "default_test_accuracy",
        "grid_train_size",
        "candidates",
        "mean_test_scores",
        "split_scores",
        "best_params",
        "best_score",
        "tuned_test_accuracy",
    ),
}

# Every figure of MISSION.md, by the step that draws it.
EXPECTED_FIGURES: dict[str, set[str]] = {
    "look": {"some_digit", "first_100_digits"},
    "tradeoff": {"precision_recall_vs_threshold", "precision_vs_recall"},
    "roc": {"roc_curve"},
    "forest": {"precision_recall_forest_vs_sgd"},
    "error_analysis": {
        "confusion_matrix",
        "confusion_matrix_normalized",
        "confusion_matrix_raw_and_normalized",
        "confusion_matrix_errors",
        "class_pair_3_5",
    },
    "denoising": {"denoising"},
}


def run_study_command(out: Path, locations: Locations, *args: str) -> dict[str, Any]:
    """Run ``mnistlab study --out OUT ARGS`` as a user would; return its results.json."""
    env = dict(os.environ)
    env[DATA_DIR_ENV] = str(locations.data_dir) if locations.data_dir else ""
    env[CACHE_DIR_ENV] = str(locations.cache_dir)
    proc = subprocess.run(
        [sys.executable, "-m", "mnistlab", "study", "--out", str(out), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    assert str(out / "index.html") in proc.stdout.replace("\n", "")
    results: dict[str, Any] = json.loads((out / "results.json").read_text())
    return results


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory, locations: Locations) -> Path:
    out = tmp_path_factory.mktemp("full") / "report"
    run_study_command(out, locations)
    return out


@pytest.fixture(scope="module")
def results(report: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((report / "results.json").read_text())
    return loaded


@pytest.fixture(scope="module")
def chapter(mnist: Dataset) -> dict[str, np.ndarray]:
    """The chapter's own arrays: float64 pixels, as ``fetch_openml`` gives them."""
    X, y = mnist.as_openml()
    return {
        "X_train": X[:60_000],
        "X_test": X[60_000:],
        "y_train": y[:60_000],
        "y_test": y[60_000:],
    }


def test_every_step_and_every_key(results: dict[str, Any]) -> None:
    assert list(results["steps"]) == list(EXPECTED_KEYS)
    for name, keys in EXPECTED_KEYS.items():
        step = results["steps"][name]
        assert set(keys) <= set(step["values"]), name
        assert step["seconds"] >= 0
    assert results["data"]["n_train"] == 60_000 and results["data"]["n_test"] == 10_000
    assert len(results["checksum"]) == 64
    assert {"numpy", "scikit-learn", "mnistlab"} <= set(results["versions"])


def test_every_figure_is_a_file_and_in_the_page(report: Path, results: dict[str, Any]) -> None:
    html = (report / "index.html").read_text()
    for step, slugs in EXPECTED_FIGURES.items():
        drawn = {f["slug"] for f in results["figures"][step]}
        assert slugs <= drawn, step
        for figure in results["figures"][step]:
            assert (report / figure["png"]).stat().st_size > 1000
            assert (report / figure["svg"]).stat().st_size > 1000
    assert html.count("data:image/png;base64,") >= sum(len(s) for s in EXPECTED_FIGURES.values())


def test_known_facts_of_mnist(results: dict[str, Any]) -> None:
    look = results["steps"]["look"]["values"]
    assert look["train_class_counts"] == [
        5923,
        6742,
        5958,
        6131,
        5842,
        5421,
        5918,
        6265,
        5851,
        5949,
    ]
    assert look["some_digit_label"] == 5
    assert results["steps"]["multiclass"]["values"]["ovr_n_estimators"] == 10


def test_binary_sgd_equals_plain_sklearn(results: dict[str, Any], chapter: dict) -> None:
    X, y5 = chapter["X_train"], chapter["y_train"] == "5"
    scores = cross_val_predict(
        SGDClassifier(random_state=42), X, y5, cv=3, method="decision_function"
    )
    precisions, _, thresholds = precision_recall_curve(y5, scores)
    threshold = thresholds[(precisions >= 0.90).argmax()]
    steps = results["steps"]
    assert steps["tradeoff"]["values"]["threshold"] == threshold
    assert steps["tradeoff"]["values"]["n_thresholds"] == len(thresholds)
    assert steps["roc"]["values"]["roc_auc"] == roc_auc_score(y5, scores)
    accuracies = [float(np.mean((scores[test] > 0) == y5[test])) for _, test in _folds(X, y5)]
    assert steps["cross_validation"]["values"]["cv_accuracies"] == accuracies


#: What plain scikit-learn 1.9.1 computes for the ten-class SGD of steps 10 and 11 on the
#: full MNIST (``benchmarks/bench_study.py``, whose reference side is the chapter as a plain
#: script). Refitting it here would take ten minutes, so its numbers are recorded: the study
#: fits these models with mnistlab.sgd's compiled loop, and they must be the same models.
PLAIN_TEN_CLASS_SGD = {
    "sgd_prediction": 3,
    "sgd_cv_accuracies": [0.87745, 0.85835, 0.8698],
    "sgd_scaled_cv_accuracies": [0.89835, 0.8902, 0.90095],
}
PLAIN_TEN_CLASS_SCORES = [
    -31893.030954190526,
    -19047.5556653433,
    -9530.639507393267,
    1823.7315403079076,
    -22320.148228778264,
    -1385.804788945628,
    -26188.910709508506,
    -16147.513239972779,
    -4604.354912743627,
    -12050.767298003786,
]
#: The accuracy of the scaled model's cross_val_predict (step 11's confusion matrix).
PLAIN_SCALED_OOF_ACCURACY = 0.8965


def test_ten_class_sgd_equals_plain_sklearns_recorded_numbers(results: dict[str, Any]) -> None:
    import sklearn

    if not (1, 8) <= (release(sklearn.__version__) or (0,))[:2] <= (1, 9):
        pytest.skip("the numbers were recorded with scikit-learn 1.9 (the stopping rule of 1.8)")
    values = results["steps"]["multiclass"]["values"]
    for key, recorded in PLAIN_TEN_CLASS_SGD.items():
        assert values[key] == recorded, key
    # A score is one dot product, whose last bits depend on the BLAS's kernel for the CPU;
    # a different model would differ in far more than that.
    np.testing.assert_allclose(values["sgd_decision_scores"], PLAIN_TEN_CLASS_SCORES, rtol=1e-12)
    errors = results["steps"]["error_analysis"]["values"]
    assert errors["accuracy"] == PLAIN_SCALED_OOF_ACCURACY


def _folds(X: np.ndarray, y: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import StratifiedKFold

    return list(StratifiedKFold(n_splits=3).split(X, y))


def test_knn_steps_equal_plain_sklearn(results: dict[str, Any], chapter: dict) -> None:
    X_train, y_train = chapter["X_train"], chapter["y_train"]
    X_test, y_test = chapter["X_test"], chapter["y_test"]
    tuning = results["steps"]["tuning"]["values"]

    default = KNeighborsClassifier().fit(X_train, y_train)
    assert tuning["default_test_accuracy"] == default.score(X_test, y_test)

    grid = GridSearchCV(
        KNeighborsClassifier(),
        [{"weights": ["uniform", "distance"], "n_neighbors": [3, 4, 5, 6]}],
        cv=5,
    ).fit(X_train[:10_000], y_train[:10_000])
    assert tuning["best_params"] == grid.best_params_
    assert tuning["best_score"] == grid.best_score_
    assert tuning["mean_test_scores"] == grid.cv_results_["mean_test_score"].tolist()

    tuned = grid.best_estimator_.fit(X_train, y_train)
    assert tuning["tuned_test_accuracy"] == tuned.score(X_test, y_test)


def test_multilabel_equals_plain_sklearn(results: dict[str, Any], chapter: dict) -> None:
    y_int = chapter["y_train"].astype("int8")
    y_multilabel = np.c_[y_int >= 7, y_int % 2 == 1]
    pred = cross_val_predict(KNeighborsClassifier(), chapter["X_train"], y_multilabel, cv=3)
    values = results["steps"]["multilabel"]["values"]
    assert values["f1_macro"] == f1_score(y_multilabel, pred, average="macro")
    assert values["f1_weighted"] == f1_score(y_multilabel, pred, average="weighted")


#: The printed numbers that scikit-learn 1.8's new SGD stopping rule changes (BOOK.md).
SGD_CHANGED = {
    ("multiclass", "sgd_decision_scores", (1,)),
    ("multiclass", "sgd_cv_accuracies", (0,)),
    ("multiclass", "sgd_cv_accuracies", (2,)),
    ("multiclass", "sgd_scaled_cv_accuracies", (0,)),
    ("multiclass", "sgd_scaled_cv_accuracies", (1,)),
    ("multiclass", "sgd_scaled_cv_accuracies", (2,)),
}
#: "56% of misclassified 7s are actually 9s" reads a column as a row (BOOK.md).
SENTENCE_56 = ("error_analysis", "errors_normalized_by_true", (7, 9))
#: Printed in full, and one unit in the last place off with scikit-learn 1.8 and 1.9: the
#: book's F1 is 2PR/(P+R) of precision and recall, theirs comes from the counts
#: (2TP/(2TP+FP+FN)), and the two roundings differ here. BOOK.md does not list it (yet),
#: so the comparison must say it has no known reason.
F1_FROM_COUNTS = {("precision_recall", "f1", ()), ("multilabel", "f1_macro", ())}


def test_the_book_beside_every_printed_number(report: Path, results: dict[str, Any]) -> None:
    # pyproject requires scikit-learn >= 1.8, so its stopping rule is the one at work.
    assert (release(results["versions"]["scikit-learn"]) or (0,)) >= (1, 8)
    book = results["book"]
    assert book["compared"] is True and book["skipped"] is None and book["not_run"] == 0
    assert len(book["numbers"]) == len(BOOK)
    differing = {
        (n["step"], n["key"], tuple(n["index"])): n["verdict"]
        for n in book["numbers"]
        if n["verdict"].startswith("differs")
    }
    assert differing == dict.fromkeys(SGD_CHANGED | {SENTENCE_56} | F1_FROM_COUNTS, "differs")
    for n in book["numbers"]:
        if (n["step"], n["key"], tuple(n["index"])) in F1_FROM_COUNTS:
            assert abs(n["ours"] - n["printed"]) < 5e-16, n
    assert book["summary"] == (
        "56 of 65 printed numbers reproduced exactly; 9 differ because scikit-learn now "
        "computes F1 from the counts, which moves its last digit (2), scikit-learn 1.8 "
        "changed SGDClassifier's stopping rule (6) and the book reads a column of the "
        "errors matrix as a row (1)."
    )
    page = html.unescape((report / "index.html").read_text())
    assert book["summary"] in page
    assert "differs, unexplained" not in page


def test_second_run_comes_from_the_cache(
    report: Path, results: dict[str, Any], locations: Locations, tmp_path: Path
) -> None:
    again = run_study_command(tmp_path / "again", locations)
    cached = {name: step["cached"] for name, step in again["steps"].items() if name != "look"}
    assert all(cached.values()), cached
    for name, step in again["steps"].items():
        assert step["values"] == results["steps"][name]["values"], name


def test_the_chapter_notebook_runs_on_the_whole_data(report: Path, tmp_path: Path) -> None:
    # After the study above, every step comes from the test run's cache, which the
    # notebook's kernel shares: the notebook on all 70,000 images, compared with the book.
    html_outputs, text, images = run_chapter(tmp_path, subset=None)
    assert "60,000 training and 10,000 test images" in text
    assert "56 of 65 printed numbers reproduced exactly" in text
    assert "knn-tuned reads a" in text and "test accuracy: 97" in text
    assert images >= 3
    assert any("Precision/recall trade-off" in h for h in html_outputs)
