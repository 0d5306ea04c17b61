"""``mnistlab predict`` in-process, and once for real in a subprocess.

The model is the real ``knn-tuned`` trained on the first 10,000 training
images into the session's models directory (once per session); the images are
real MNIST test digits rendered as scans (``tests/preprocess/scans.py``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mnistlab.cli.app import EXIT_USER_ERROR, run
from mnistlab.config import Locations
from mnistlab.data import Dataset
from mnistlab.models.store import ModelStore
from mnistlab.models.training import train_model
from mnistlab.preprocess import preprocess
from tests.preprocess.scans import render_scan

MODEL = "knn-tuned"
# The first test digits: 7, 2, 1, 0, 4 (all read right by the test model).
FIRST_LABELS = [7, 2, 1, 0, 4]


@pytest.fixture(scope="module")
def models_dir(mnist: Dataset, locations: Locations) -> Path:
    store = ModelStore(locations.models_dir)
    if MODEL not in {record.name for record in store.records()}:
        train_model(MODEL, mnist, store=store, n_train=10_000)
    return locations.models_dir


@pytest.fixture(scope="module")
def scans(mnist: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the first five test digits as scans: digit-0.png ... digit-4.jpg."""
    assert list(mnist.y_test[:5]) == FIRST_LABELS
    folder = tmp_path_factory.mktemp("scans")
    rng = np.random.default_rng(7)
    for index in range(5):
        fmt = "PNG" if index % 2 == 0 else "JPEG"
        (folder / f"digit-{index}.{fmt.lower()}").write_bytes(
            render_scan(mnist.X_test[index], rng, fmt)
        )
    (folder / "notes.png").write_text("not an image, whatever its name says\n")
    return folder


def scan_names(scans: Path) -> list[str]:
    return sorted(p.name for p in scans.glob("digit-*"))


def predict_json(capsys, *args: str) -> tuple[int, dict, list[str]]:
    code = run(["predict", *args, "--json"])
    captured = capsys.readouterr()
    errors = [line for line in captured.err.splitlines() if line.strip()]
    return code, json.loads(captured.out), errors


def test_one_good_image(models_dir: Path, scans: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(scans)
    code = run(["predict", "--models-dir", str(models_dir), "--model", MODEL, "digit-0.png"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.err == ""
    row = next(line for line in captured.out.splitlines() if "digit-0.png" in line)
    cells = [cell.strip() for cell in row.strip("│ ").split("│")]
    assert cells[0] == "digit-0.png"
    assert cells[1] == "7"
    assert cells[2].endswith("%") and float(cells[2][:-1]) > 50
    assert cells[3].startswith("7 ") and cells[3].count("%") == 3  # the top 3 by default
    assert f"Predictions of {MODEL}" in captured.out


def test_a_bad_image_among_good_ones(models_dir: Path, scans: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(scans)
    names = scan_names(scans)
    args = ["predict", "--models-dir", str(models_dir), "--model", MODEL]
    code = run([*args, names[0], "notes.png", *names[1:]])
    captured = capsys.readouterr()
    assert code == EXIT_USER_ERROR
    errors = [line for line in captured.err.splitlines() if line.strip()]
    assert len(errors) == 1
    assert errors[0].startswith("error: notes.png: not an image")
    for name, label in zip(names, FIRST_LABELS, strict=True):
        row = next(line for line in captured.out.splitlines() if name in line)
        assert row.strip("│ ").split("│")[1].strip() == str(label)
    assert "notes.png" not in captured.out


def test_json_shape_and_order(models_dir: Path, scans: Path, capsys) -> None:
    paths = [str(scans / name) for name in scan_names(scans)]
    missing = str(scans / "missing.png")
    code, data, errors = predict_json(
        capsys, "--models-dir", str(models_dir), "--model", MODEL, *paths, missing
    )
    assert code == EXIT_USER_ERROR
    assert (data["schema"], data["kind"], data["model"]) == (1, "prediction", MODEL)
    results = data["results"]
    assert [r["image"] for r in results] == [*paths, missing]
    for result, label in zip(results, FIRST_LABELS, strict=False):
        assert set(result) == {
            "image", "digit", "label", "probability", "probabilities", "top", "saved_input",
            "unsure", "unsure_reason", "error",
        }  # fmt: skip
        assert result["error"] is None
        assert result["unsure"] is False and result["unsure_reason"] is None
        assert len(result["probabilities"]) == 10
        assert result["probabilities"][label] == result["probability"]
        assert result["digit"] == label and result["label"] == str(label)
        assert result["saved_input"] is None
        top = result["top"]
        assert len(top) == 3
        assert top[0] == {"digit": label, "label": str(label), "probability": result["probability"]}
        probabilities = [entry["probability"] for entry in top]
        assert probabilities == sorted(probabilities, reverse=True)
        assert 0.0 <= sum(probabilities) <= 1.0 + 1e-9
    assert results[-1]["digit"] is None and results[-1]["top"] == []
    assert results[-1]["unsure"] is None
    assert results[-1]["error"] == {"code": "bad_image", "message": f"no such file: {missing}"}
    assert errors == [f"error: no such file: {missing}"]  # the path once


@pytest.mark.parametrize("k", [1, 3, 10])
def test_top_k(models_dir: Path, scans: Path, capsys, k: int) -> None:
    code, data, _ = predict_json(
        capsys, "--models-dir", str(models_dir), "--model", MODEL, "--top", str(k),
        str(scans / "digit-1.jpeg"),
    )  # fmt: skip
    assert code == 0
    top = data["results"][0]["top"]
    assert len(top) == k
    assert top[0]["digit"] == 2
    if k == 10:
        assert sorted(entry["digit"] for entry in top) == list(range(10))
        assert sum(entry["probability"] for entry in top) == pytest.approx(1.0)


@pytest.mark.parametrize("k", ["0", "11"])
def test_top_out_of_range_is_a_usage_error(models_dir: Path, scans: Path, capsys, k) -> None:
    code = run(["predict", "--models-dir", str(models_dir), "--top", k, str(scans / "digit-0.png")])
    assert code == EXIT_USER_ERROR
    assert "--top" in capsys.readouterr().err


def test_save_input_writes_the_28x28_the_model_saw(
    models_dir: Path, scans: Path, tmp_path: Path, capsys
) -> None:
    # Two inputs with the same name in different folders must not overwrite each other.
    other = tmp_path / "other"
    other.mkdir()
    (other / "digit-0.png").write_bytes((scans / "digit-2.png").read_bytes())
    out = tmp_path / "seen" / "by" / "model"
    inputs = [scans / "digit-0.png", scans / "digit-1.jpeg", other / "digit-0.png"]
    code, data, errors = predict_json(
        capsys, "--models-dir", str(models_dir), "--model", MODEL, "--save-input", str(out),
        *map(str, inputs),
    )  # fmt: skip
    assert code == 0 and errors == []
    saved = [Path(r["saved_input"]) for r in data["results"]]
    assert [p.name for p in saved] == [
        "digit-0-28x28.png",
        "digit-1-28x28.png",
        "digit-0-28x28-2.png",
    ]
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in saved)  # no temp files
    for path, source in zip(saved, inputs, strict=True):
        with Image.open(path) as image:
            assert image.format == "PNG" and image.mode == "L" and image.size == (28, 28)
            assert np.array_equal(np.asarray(image), preprocess(source))
    assert [r["digit"] for r in data["results"]] == [7, 2, 1]


def test_default_model_is_used_without_model_option(models_dir: Path, scans: Path, capsys) -> None:
    expected = ModelStore(models_dir).default_name()
    code, data, _ = predict_json(
        capsys, "--models-dir", str(models_dir), str(scans / "digit-3.jpeg")
    )
    assert code == 0
    assert data["model"] == expected
    assert data["results"][0]["digit"] == 0


def test_no_trained_model_says_how_to_train_one(scans: Path, tmp_path: Path, capsys) -> None:
    empty = tmp_path / "no-models"
    empty.mkdir()
    code = run(["predict", "--models-dir", str(empty), str(scans / "digit-0.png")])
    captured = capsys.readouterr()
    assert code == EXIT_USER_ERROR
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: no trained model in")
    assert "mnistlab train knn-deskew" in lines[0]
    code = run(["predict", "--models-dir", str(empty), "--model", "svc-rbf", "x.png"])
    assert code == EXIT_USER_ERROR
    assert "mnistlab train svc-rbf" in capsys.readouterr().err


def test_unknown_model_name(models_dir: Path, scans: Path, capsys) -> None:
    code = run(["predict", "--models-dir", str(models_dir), "--model", "nope", "x.png"])
    assert code == EXIT_USER_ERROR
    assert "no model called 'nope'" in capsys.readouterr().err


def test_only_bad_images(models_dir: Path, scans: Path, capsys) -> None:
    code = run(["predict", "--models-dir", str(models_dir), "--model", MODEL, str(scans)])
    captured = capsys.readouterr()
    assert code == EXIT_USER_ERROR
    assert captured.out == ""
    assert captured.err.strip() == f"error: {scans} is a directory, not an image file"


@pytest.mark.slow
def test_many_images_are_batched_and_kept_in_order(
    mnist: Dataset, models_dir: Path, tmp_path: Path, capsys
) -> None:
    # More images than one batch (256): the answers must be those of each
    # image classified on its own, in the order given.
    rng = np.random.default_rng(11)
    paths = []
    for index in range(300):
        path = tmp_path / f"{index:03d}.png"
        path.write_bytes(render_scan(mnist.X_test[index], rng, "PNG"))
        paths.append(path)
    code, data, _ = predict_json(
        capsys, "--models-dir", str(models_dir), "--model", MODEL, *map(str, paths)
    )
    assert code == 0
    model = ModelStore(models_dir).load(MODEL).classifier
    alone = model.predict_proba(np.stack([preprocess(p).reshape(784) for p in paths]))
    assert [r["image"] for r in data["results"]] == list(map(str, paths))
    assert [r["digit"] for r in data["results"]] == list(alone.argmax(axis=1))
    got = np.array([r["probability"] for r in data["results"]])
    assert np.allclose(got, alone.max(axis=1))
    assert (np.array([r["digit"] for r in data["results"]]) == mnist.y_test[:300]).mean() > 0.9


@pytest.mark.slow
def test_real_subprocess(models_dir: Path, scans: Path) -> None:
    env = {**os.environ, "MNISTLAB_MODELS_DIR": str(models_dir)}
    result = subprocess.run(
        [sys.executable, "-m", "mnistlab", "predict", "--model", MODEL, "--json",
         "digit-0.png", "notes.png", "digit-4.png"],
        cwd=scans, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == EXIT_USER_ERROR, result.stderr
    data = json.loads(result.stdout)
    assert [r.get("digit") for r in data["results"]] == [7, None, 4]
    assert [r["image"] for r in data["results"]] == [
        str(scans / name) for name in ("digit-0.png", "notes.png", "digit-4.png")
    ]
    assert result.stderr.strip().splitlines() == [
        "error: " + data["results"][1]["error"]["message"]
    ]


def _noise(folder: Path) -> Path:
    path = folder / "noise.png"
    noise = np.random.default_rng(0).integers(0, 256, (28, 28), dtype=np.uint8)
    Image.fromarray(noise).save(path)
    return path


def test_noise_is_answered_as_unsure(models_dir: Path, scans: Path, tmp_path: Path, capsys) -> None:
    noise = str(_noise(tmp_path))
    code, data, errors = predict_json(
        capsys, "--models-dir", str(models_dir), "--model", MODEL, noise, str(scans / "digit-0.png")
    )
    assert code == 0 and errors == []
    noisy, seven = data["results"]
    assert noisy["unsure"] is True and "ink" in noisy["unsure_reason"]
    assert seven["unsure"] is False and seven["unsure_reason"] is None
    code = run(["predict", "--models-dir", str(models_dir), "--model", MODEL, noise])
    out = capsys.readouterr().out
    assert code == 0
    assert f"unsure: {noise} may not be a digit of mnist (" in out.replace("\n", "")


@pytest.fixture
def damaged_dir(models_dir: Path, mnist: Dataset, tmp_path: Path) -> Path:
    """A copy of the test model, made the most accurate and then damaged, beside a usable
    knn-deskew."""
    folder = tmp_path / "models"
    store = ModelStore(folder)
    train_model("knn-deskew", mnist, store=store, n_train=2_000)
    record = ModelStore(models_dir).record(MODEL)
    folder.joinpath(record.file).write_bytes(models_dir.joinpath(record.file).read_bytes())
    folder.joinpath(f"{MODEL}.json").write_text(record.to_json())
    store.update_metrics(MODEL, {"test_accuracy": 0.99})
    path = folder / record.file
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    return folder


def test_without_a_model_name_a_damaged_model_is_skipped(
    damaged_dir: Path, scans: Path, capsys
) -> None:
    code, data, errors = predict_json(
        capsys, "--models-dir", str(damaged_dir), str(scans / "digit-0.png")
    )
    assert code == 0
    assert data["model"] == "knn-deskew"
    assert len(errors) == 1
    assert errors[0].startswith(f"skipped model {MODEL}: damaged: ")
    assert f"mnistlab train {MODEL}" in errors[0]


def test_a_damaged_model_named_is_one_error_line(damaged_dir: Path, scans: Path, capsys) -> None:
    code = run(
        ["predict", "--models-dir", str(damaged_dir), "-m", MODEL, str(scans / "digit-0.png")]
    )
    captured = capsys.readouterr()
    assert code == EXIT_USER_ERROR
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert f"model '{MODEL}': damaged" in lines[0]
    assert lines[0].endswith(f"mnistlab train {MODEL}")
