"""A user's own data set made of real MNIST digits, written as image files by two writers.

One writer's digits are the raw 28×28 images; the other's are re-rendered as a
scan would give them: upscaled to 112×112 and inverted to dark ink on light
paper. ``mnistlab data add`` must store exactly what the preprocessing of
``predict`` makes of each file, split as scikit-learn's stratified split does,
and every command must then take the data set by name. On 3,000 such images
the whole study runs, and its numbers are plain scikit-learn's.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import f1_score
from sklearn.model_selection import (
    GridSearchCV,
    cross_val_predict,
    cross_val_score,
    train_test_split,
)
from sklearn.neighbors import KNeighborsClassifier

from mnistlab.cli.app import run
from mnistlab.config import DATASETS_DIR_ENV, Locations
from mnistlab.data import Dataset, dataset_names, get_dataset_spec, load
from mnistlab.preprocess import preprocess

NAME = "two-writers"
#: Images per class and writer.
PER_WRITER = 12
#: The data set the whole study runs on, and its images per class and writer.
STUDY_NAME = "two-writers-study"
STUDY_PER_WRITER = 150


def _write_digits(
    mnist: Dataset, root: Path, per_writer: int = PER_WRITER
) -> list[tuple[Path, int]]:
    """Class folders 0–9: raw digits, and re-rendered ones (112×112, dark on light)."""
    files = []
    for digit in range(10):
        rows = np.flatnonzero(mnist.y_train == digit)[: 2 * per_writer]
        folder = root / str(digit)
        folder.mkdir(parents=True)
        for i, row in enumerate(rows):
            image = mnist.X_train[row].reshape(28, 28)
            if i < per_writer:
                path = folder / f"raw-{i:02d}.png"
                Image.fromarray(image).save(path)
            else:
                path = folder / f"scan-{i:02d}.png"
                big = Image.fromarray(image).resize((112, 112), Image.Resampling.BILINEAR)
                Image.fromarray(255 - np.asarray(big)).save(path)
            files.append((path, digit))
    return sorted(files)


def _add(
    mnist: Dataset, root: Path, name: str, per_writer: int
) -> tuple[Locations, list[tuple[Path, int]], dict[str, str]]:
    """Write the digits under ``root`` and add them with ``mnistlab data add`` (in-process)."""
    files = _write_digits(mnist, root / "images", per_writer)
    datasets_dir = root / "datasets"
    before = os.environ.get(DATASETS_DIR_ENV)
    os.environ[DATASETS_DIR_ENV] = str(datasets_dir)
    try:
        assert run(["data", "add", name, str(root / "images")]) == 0
    finally:
        if before is None:
            os.environ.pop(DATASETS_DIR_ENV)
        else:
            os.environ[DATASETS_DIR_ENV] = before
    locations = Locations.resolve(datasets_dir=datasets_dir)
    env = {**os.environ, DATASETS_DIR_ENV: str(datasets_dir)}
    return locations, files, env


@pytest.fixture(scope="module")
def added(
    mnist: Dataset, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Locations, list[tuple[Path, int]], dict[str, str]]:
    """The data set added with ``mnistlab data add`` (in-process), its files, its environment."""
    return _add(mnist, tmp_path_factory.mktemp("writers"), NAME, PER_WRITER)


@pytest.fixture(scope="module")
def added_for_the_study(
    mnist: Dataset, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Locations, list[tuple[Path, int]], dict[str, str]]:
    """3,000 images (2,400 training, 600 test), enough for every step of the study.

    The SVCs take the first 2,000 training images, the grid search 5 folds of
    all 2,400 (48 images of each class a fold), cross-validation 3 folds.
    """
    return _add(mnist, tmp_path_factory.mktemp("writers-study"), STUDY_NAME, STUDY_PER_WRITER)


def test_stored_arrays_are_the_preprocessed_files(
    added: tuple[Locations, list[tuple[Path, int]], dict[str, str]],
) -> None:
    locations, files, _ = added
    expected = np.stack([preprocess(path) for path, _ in files]).reshape(len(files), -1)
    labels = np.array([label for _, label in files], dtype=np.uint8)
    train, test = train_test_split(
        np.arange(len(files)), test_size=0.2, stratify=labels, random_state=0
    )
    data = load(NAME, locations=locations)
    assert data.class_names == tuple(str(d) for d in range(10))
    assert (len(data.y_train), len(data.y_test)) == (192, 48)
    # In the split's seeded order, not class after class: the first rows hold every class.
    np.testing.assert_array_equal(data.X_train, expected[train])
    np.testing.assert_array_equal(data.y_train, labels[train])
    assert set(data.y_train[:40].tolist()) == set(range(10))
    np.testing.assert_array_equal(data.X_test, expected[test])
    np.testing.assert_array_equal(data.y_test, labels[test])
    # Both writers' digits came out MNIST-like: bright ink on dark, centred in 28×28.
    raw = [i for i, (path, _) in enumerate(files) if path.name.startswith("raw")]
    scan = [i for i, (path, _) in enumerate(files) if path.name.startswith("scan")]
    for rows in (raw, scan):
        border = expected[rows].reshape(-1, 28, 28)[:, :3, :]
        assert border.mean() < 5 and expected[rows].max() == 255
    assert NAME in dataset_names(locations) and not get_dataset_spec(NAME, locations).builtin


def test_data_info_and_list_take_the_name(
    added: tuple[Locations, list[tuple[Path, int]], dict[str, str]],
) -> None:
    _, _, env = added
    command = [sys.executable, "-m", "mnistlab", "data"]
    info = subprocess.run(
        [*command, "info", "-d", NAME, "--json"], capture_output=True, text=True, env=env,
        timeout=120, check=False,
    )  # fmt: skip
    assert info.returncode == 0, info.stderr
    document = json.loads(info.stdout)
    assert (document["n_train"], document["n_test"]) == (192, 48)
    assert all(row["ok"] for row in document["files"])
    listed = subprocess.run(
        [*command, "list", "--json"], capture_output=True, text=True, env=env, timeout=120,
        check=False,
    )  # fmt: skip
    rows = {row["name"]: row for row in json.loads(listed.stdout)["datasets"]}
    assert rows[NAME]["source"].startswith("image-folder ")
    assert rows["mnist"]["builtin"] and not rows[NAME]["builtin"]


@pytest.mark.slow
def test_train_evaluate_predict_match_plain_scikit_learn(
    added: tuple[Locations, list[tuple[Path, int]], dict[str, str]], tmp_path: Path
) -> None:
    locations, files, env = added
    env = {**env, "MNISTLAB_MODELS_DIR": str(tmp_path / "models")}
    base = [sys.executable, "-m", "mnistlab"]

    def mnistlab(*args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [*base, *args], capture_output=True, text=True, env=env, timeout=600, check=False
        )
        assert result.returncode == 0, result.stderr
        return result

    mnistlab("train", "knn-tuned", "-d", NAME)
    evaluation = json.loads(mnistlab("evaluate", "knn-tuned", "-d", NAME, "--json").stdout)
    data = load(NAME, locations=locations)
    plain = KNeighborsClassifier(n_neighbors=4, weights="distance").fit(data.X_train, data.y_train)
    expected = plain.predict(data.X_test)
    assert evaluation["n_test"] == len(data.y_test)
    assert math.isclose(evaluation["test_accuracy"], float(np.mean(expected == data.y_test)))
    scan = next(path for path, _ in files if path.name.startswith("scan"))
    answer = json.loads(
        mnistlab("predict", str(scan), "-d", NAME, "--model", "knn-tuned", "--json").stdout
    )
    digit = answer["results"][0]["digit"]
    assert digit == int(plain.predict(preprocess(scan).reshape(1, -1))[0])


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_whole_study_runs_on_it_and_equals_plain_scikit_learn(
    added_for_the_study: tuple[Locations, list[tuple[Path, int]], dict[str, str]], tmp_path: Path
) -> None:
    """``mnistlab study --quick`` runs all 14 steps; its numbers are scikit-learn's.

    The data set has 2,400 training and 600 test images, fewer than the quick
    study's 10,000 and 2,000: ``--quick`` then runs on the whole data set (no
    subset, nothing scaled), so plain scikit-learn here takes all the rows.
    """
    locations, files, env = added_for_the_study
    assert len(files) == 3000
    out = tmp_path / "report"
    result = subprocess.run(
        [sys.executable, "-m", "mnistlab", "study", "-d", STUDY_NAME, "--quick",
         "--out", str(out), "--cache-dir", str(tmp_path / "cache")],
        capture_output=True, text=True, env=env, timeout=900, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    document = json.loads((out / "results.json").read_text(encoding="utf-8"))
    steps = document["steps"]
    assert len(steps) == 14
    assert not [name for name, step in steps.items() if step.get("skipped")]
    assert document["data_name"] == STUDY_NAME and "subset" not in document
    assert (document["data"]["n_train"], document["data"]["n_test"]) == (2400, 600)

    data = load(STUDY_NAME, locations=locations)
    X, y = data.X_train.reshape(2400, -1).astype(np.float64), data.y_train.astype(np.int64)
    X_test, y_test = data.X_test.reshape(600, -1).astype(np.float64), data.y_test.astype(np.int64)
    assert document["checksum"] == data.checksum
    assert steps["look"]["values"]["train_class_counts"] == np.bincount(y).tolist()

    # Steps 2–3: the detector of the chosen class, its 3-fold accuracies.
    positive = document["settings"]["positive_class"]
    y_positive = y == positive
    sgd = SGDClassifier(random_state=42)
    cv = cross_val_score(sgd, X, y_positive, cv=3, scoring="accuracy")
    assert steps["cross_validation"]["values"]["cv_accuracies"] == cv.tolist()
    assert steps["binary"]["values"]["n_positive_train"] == int(y_positive.sum())

    # Step 12: two labels per image, F1 of the 3-fold KNN predictions.
    y_multilabel = np.c_[y >= 7, y % 2 == 1]
    predicted = cross_val_predict(KNeighborsClassifier(), X, y_multilabel, cv=3)
    multilabel = steps["multilabel"]["values"]
    assert multilabel["f1_macro"] == float(f1_score(y_multilabel, predicted, average="macro"))

    # Step 14: the chapter's grid, 5 folds on all 2,400 images, and the test accuracies.
    tuning = steps["tuning"]["values"]
    grid = GridSearchCV(
        KNeighborsClassifier(), {"weights": ["uniform", "distance"], "n_neighbors": [3, 4, 5, 6]},
        cv=5,
    ).fit(X, y)  # fmt: skip
    assert tuning["grid_train_size"] == 2400
    assert tuning["best_params"] == grid.best_params_
    assert tuning["mean_test_scores"] == grid.cv_results_["mean_test_score"].tolist()
    default = KNeighborsClassifier().fit(X, y).predict(X_test)
    assert tuning["default_test_accuracy"] == float(np.mean(default == y_test))
    tuned = grid.best_estimator_.predict(X_test)
    assert tuning["tuned_test_accuracy"] == float(np.mean(tuned == y_test))
    assert tuning["tuned_test_accuracy"] > 0.85
