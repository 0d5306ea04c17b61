"""The whole study on 62 distinct, learnable classes made of real MNIST digits.

Each class is one digit under one transformation: as written, turned a quarter
turn, mirrored or transposed (only the ones that do not make the digit look like
itself or like another class: a 0, 1 or 8 only as written and turned; a 6 never
in a transformation of a 9 turned half round), each in its own ink, bright on
dark or inverted. The 62 classes are added as an ``.npz`` with ``mnistlab data
add``, and ``mnistlab study --quick`` runs every step on them: with 1,860
training images, fewer than the quick study's 10,000, ``--quick`` takes the
whole data set (the SVCs take all of it, the grid search 5 folds of it). The
late steps (multiclass, error analysis, multilabel, multioutput, tuning) run
and agree with plain scikit-learn on the same arrays.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable

import numpy as np
import pytest
from sklearn.metrics import f1_score
from sklearn.model_selection import cross_val_predict
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import SVC

from mnistlab.config import DATASETS_DIR_ENV, Locations
from mnistlab.data import Dataset, load

pytestmark = pytest.mark.slow

NAME = "sixty-two"
#: Training and test images per class.
PER_CLASS_TRAIN, PER_CLASS_TEST = 30, 10

Transform = Callable[[np.ndarray], np.ndarray]
TRANSFORMS: dict[str, Transform] = {
    "": lambda image: image,
    " turned": lambda image: np.rot90(image),
    " mirrored": lambda image: image[:, ::-1],
    " transposed": lambda image: image.T,
}
#: No two of these differ by a half turn, so a transformed 6 is never a transformed 9.
#: A 0, a 1 and an 8 look like themselves mirrored: they are only written and turned.
DIGIT_TRANSFORMS = {
    digit: (("", " turned") if digit in (0, 1, 8) else tuple(TRANSFORMS)) for digit in range(10)
}
#: (digit, transformation) pairs: 3 × 2 + 7 × 4 = 34, of which the first 31 are kept.
PAIRS = [(digit, name) for digit in range(10) for name in DIGIT_TRANSFORMS[digit]][:31]
#: Each pair in bright ink on dark and inverted: 62 classes.
CLASSES = [(digit, name, inverted) for inverted in (False, True) for digit, name in PAIRS]
CLASS_NAMES = [f"{d}{name}{' inverted' if inverted else ''}" for d, name, inverted in CLASSES]


def sixty_two_classes(mnist: Dataset) -> dict[str, np.ndarray]:
    """Every class from its own MNIST images of its digit, rows shuffled (seed 0)."""
    rng = np.random.RandomState(0)
    arrays = {}
    for split, per_class in (("train", PER_CLASS_TRAIN), ("test", PER_CLASS_TEST)):
        images = np.asarray(getattr(mnist, f"X_{split}")).reshape(-1, 28, 28)
        digits = np.asarray(getattr(mnist, f"y_{split}"))
        used = dict.fromkeys(range(10), 0)
        X, y = [], []
        for label, (digit, name, inverted) in enumerate(CLASSES):
            rows = np.flatnonzero(digits == digit)[used[digit] : used[digit] + per_class]
            used[digit] += per_class
            for row in rows:
                image = np.ascontiguousarray(TRANSFORMS[name](images[row]))
                X.append(255 - image if inverted else image)
                y.append(label)
        order = rng.permutation(len(y))
        arrays[f"X_{split}"] = np.stack(X)[order].astype(np.uint8)
        arrays[f"y_{split}"] = np.array(y, dtype=np.uint8)[order]
    return arrays


@pytest.fixture(scope="module")
def study(
    mnist: Dataset, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, object], str, Dataset, subprocess.CompletedProcess[str]]:
    """The data set added and studied by the commands: results.json, the page, the data."""
    root = tmp_path_factory.mktemp("sixty-two")
    arrays = sixty_two_classes(mnist)
    np.savez(root / "classes.npz", **arrays)  # type: ignore[arg-type]
    env = {**os.environ, DATASETS_DIR_ENV: str(root / "datasets")}
    command = [sys.executable, "-m", "mnistlab"]
    added = subprocess.run(
        [*command, "data", "add", NAME, str(root / "classes.npz"), "--no-preprocess",
         "--classes", ",".join(CLASS_NAMES)],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    result = subprocess.run(
        [*command, "study", "-d", NAME, "--quick", "--n-jobs", "2",
         "--out", str(root / "report"), "--cache-dir", str(root / "cache")],
        capture_output=True, text=True, env=env, timeout=900, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    document = json.loads((root / "report" / "results.json").read_text(encoding="utf-8"))
    page = (root / "report" / "index.html").read_text(encoding="utf-8")
    data = load(NAME, locations=Locations.resolve(datasets_dir=root / "datasets"))
    for key, array in arrays.items():
        np.testing.assert_array_equal(np.asarray(getattr(data, key)).reshape(array.shape), array)
    return document, page, data, result


def test_every_step_runs_at_sixty_two_classes(
    study: tuple[dict[str, object], str, Dataset, subprocess.CompletedProcess[str]],
) -> None:
    document, _, _, _ = study
    steps = document["steps"]
    assert isinstance(steps, dict) and len(steps) == 14
    for late in ("multiclass", "error_analysis", "multilabel", "denoising", "tuning"):
        assert steps[late]["values"], late
    skipped = {name: step["skipped"] for name, step in steps.items() if step.get("skipped")}
    assert not any("classes" in reason for reason in skipped.values()), skipped
    assert document["data"]["class_names"] == CLASS_NAMES  # type: ignore[index]
    # Fewer images than the quick study's: --quick took the whole data set.
    assert (document["data"]["n_train"], document["data"]["n_test"]) == (1860, 620)  # type: ignore[index]
    assert "subset" not in document


def test_class_names_appear_where_classes_are_shown(
    study: tuple[dict[str, object], str, Dataset, subprocess.CompletedProcess[str]],
) -> None:
    document, page, data, result = study
    settings = document["settings"]
    assert isinstance(settings, dict)
    positive, (first, second) = settings["positive_class"], settings["class_pair"]
    assert f"classes chosen (the two confused most): {CLASS_NAMES[first]} and " in result.stderr
    for label in (positive, first, second, int(data.y_train[0])):
        assert CLASS_NAMES[label] in page, CLASS_NAMES[label]


def test_late_steps_equal_plain_scikit_learn(
    study: tuple[dict[str, object], str, Dataset, subprocess.CompletedProcess[str]],
) -> None:
    document, _, data, _ = study
    steps = document["steps"]
    assert isinstance(steps, dict)
    X = np.asarray(data.X_train, dtype=np.float64).reshape(len(data.y_train), -1)
    y = np.asarray(data.y_train, dtype=np.int64)
    X_test = np.asarray(data.X_test, dtype=np.float64).reshape(len(data.y_test), -1)
    y_test = np.asarray(data.y_test, dtype=np.int64)

    # Step 10: the SVC on the first 2,000 images, here all of them.
    multiclass = steps["multiclass"]["values"]
    svc = SVC(random_state=42).fit(X[:2000], y[:2000])
    assert multiclass["svc_classes"] == list(range(62)) == svc.classes_.tolist()
    assert multiclass["svc_prediction"] == int(svc.predict(X[:1])[0])
    assert multiclass["svc_decision_scores"] == svc.decision_function(X[:1])[0].tolist()
    assert multiclass["ovr_n_estimators"] == 62

    # Step 11: a 62 × 62 confusion matrix of every training image.
    errors = steps["error_analysis"]["values"]
    matrix = np.array(errors["confusion_matrix"])
    assert matrix.shape == (62, 62)
    assert matrix.sum(axis=1).tolist() == np.bincount(y, minlength=62).tolist()
    assert errors["accuracy"] == float(np.trace(matrix) / len(y))

    # Step 12: two labels per image, F1 of the 3-fold KNN predictions.
    y_multilabel = np.c_[y >= 7, y % 2 == 1]
    predicted = cross_val_predict(KNeighborsClassifier(), X, y_multilabel, cv=3)
    multilabel = steps["multilabel"]["values"]
    assert multilabel["labels"] == ["label >= 7", "odd label"]
    assert multilabel["f1_macro"] == float(f1_score(y_multilabel, predicted, average="macro"))

    # Step 13: KNN from noisy to clean images (multioutput).
    rng = np.random.RandomState(42)
    noisy_train = X + rng.randint(0, 100, (len(X), 784))
    noisy_test = X_test + rng.randint(0, 100, (len(X_test), 784))
    knn = KNeighborsClassifier().fit(noisy_train, X)
    cleaned = knn.predict(noisy_test[:1])[0]
    denoising = steps["denoising"]["values"]
    assert denoising["mean_abs_error_cleaned"] == float(np.mean(np.abs(cleaned - X_test[0])))

    # Step 14: the default and the tuned KNN on the test images.
    tuning = steps["tuning"]["values"]
    default = KNeighborsClassifier().fit(X, y).predict(X_test)
    assert tuning["default_test_accuracy"] == float(np.mean(default == y_test))
    tuned = KNeighborsClassifier(**tuning["best_params"]).fit(X, y).predict(X_test)
    assert tuning["tuned_test_accuracy"] == float(np.mean(tuned == y_test))
    assert tuning["tuned_test_accuracy"] > 0.5  # chance: 1 in 62
