"""A user's own data set made of real MNIST digits, written as image files by two writers.

One writer's digits are the raw 28×28 images; the other's are re-rendered as a
scan would give them: upscaled to 112×112 and inverted to dark ink on light
paper. ``mnistlab data add`` must store exactly what the preprocessing of
``predict`` makes of each file, split as scikit-learn's stratified split does,
and every command must then take the data set by name.
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
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier

from mnistlab.cli.app import run
from mnistlab.config import DATASETS_DIR_ENV, Locations
from mnistlab.data import Dataset, dataset_names, get_dataset_spec, load
from mnistlab.preprocess import preprocess

NAME = "two-writers"
#: Images per class and writer.
PER_WRITER = 12


def _write_digits(mnist: Dataset, root: Path) -> list[tuple[Path, int]]:
    """Class folders 0–9: raw digits, and re-rendered ones (112×112, dark on light)."""
    files = []
    for digit in range(10):
        rows = np.flatnonzero(mnist.y_train == digit)[: 2 * PER_WRITER]
        folder = root / str(digit)
        folder.mkdir(parents=True)
        for i, row in enumerate(rows):
            image = mnist.X_train[row].reshape(28, 28)
            if i < PER_WRITER:
                path = folder / f"raw-{i:02d}.png"
                Image.fromarray(image).save(path)
            else:
                path = folder / f"scan-{i:02d}.png"
                big = Image.fromarray(image).resize((112, 112), Image.Resampling.BILINEAR)
                Image.fromarray(255 - np.asarray(big)).save(path)
            files.append((path, digit))
    return sorted(files)


@pytest.fixture(scope="module")
def added(
    mnist: Dataset, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Locations, list[tuple[Path, int]], dict[str, str]]:
    """The data set added with ``mnistlab data add`` (in-process), its files, its environment."""
    root = tmp_path_factory.mktemp("writers")
    files = _write_digits(mnist, root / "images")
    datasets_dir = root / "datasets"
    before = os.environ.get(DATASETS_DIR_ENV)
    os.environ[DATASETS_DIR_ENV] = str(datasets_dir)
    try:
        assert run(["data", "add", NAME, str(root / "images")]) == 0
    finally:
        if before is None:
            os.environ.pop(DATASETS_DIR_ENV)
        else:
            os.environ[DATASETS_DIR_ENV] = before
    locations = Locations.resolve(datasets_dir=datasets_dir)
    env = {**os.environ, DATASETS_DIR_ENV: str(datasets_dir)}
    return locations, files, env


def test_stored_arrays_are_the_preprocessed_files(
    added: tuple[Locations, list[tuple[Path, int]], dict[str, str]],
) -> None:
    locations, files, _ = added
    expected = np.stack([preprocess(path) for path, _ in files]).reshape(len(files), -1)
    labels = np.array([label for _, label in files], dtype=np.uint8)
    train, test = train_test_split(
        np.arange(len(files)), test_size=0.2, stratify=labels, random_state=0
    )
    train, test = np.sort(train), np.sort(test)
    data = load(NAME, locations=locations)
    assert data.class_names == tuple(str(d) for d in range(10))
    assert (len(data.y_train), len(data.y_test)) == (192, 48)
    np.testing.assert_array_equal(data.X_train, expected[train])
    np.testing.assert_array_equal(data.y_train, labels[train])
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
def test_study_runs_on_it(
    added: tuple[Locations, list[tuple[Path, int]], dict[str, str]], tmp_path: Path
) -> None:
    _, _, env = added
    result = subprocess.run(
        [sys.executable, "-m", "mnistlab", "study", "-d", NAME, "--steps", "1,2",
         "--out", str(tmp_path / "report"), "--cache-dir", str(tmp_path / "cache")],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    results = json.loads((tmp_path / "report" / "results.json").read_text(encoding="utf-8"))
    assert NAME in json.dumps(results)
