"""Each data set keeps its own models: ``train | evaluate | models | leaderboard | predict -d``.

Real ``knn-tuned`` models are trained on a few thousand real MNIST and
Fashion-MNIST images into one models directory; every command then sees only
the models of the data set it is given, and a model of one data set is never
used for another.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mnistlab.cli.app import EXIT_USER_ERROR, run
from mnistlab.cli.json_output import SCHEMAS, check
from mnistlab.config import Locations
from mnistlab.data import Dataset, get_dataset_spec
from mnistlab.errors import ExitCode

MODEL = "knn-tuned"
N_TRAIN = "2000"
FASHION_NAMES = get_dataset_spec("fashion-mnist").class_names


def _data_args(locations: Locations, data: Dataset) -> list[str]:
    """Where each data set's files are: MNIST's directory, or Fashion-MNIST's through the cache."""
    args = ["--cache-dir", str(locations.cache_dir)]
    if data.name == "mnist" and locations.data_dir is not None:
        args += ["--data-dir", str(locations.data_dir)]
    return args


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    code, out, err = _run(capsys, *args, "--json")
    assert code == 0, err
    document: dict[str, object] = json.loads(out)
    return document


def _png(pixels: np.ndarray) -> bytes:
    """An image of the data set as a person's photo: dark on white, scaled up, PNG."""
    image = 255 - np.kron(pixels.reshape(28, 28), np.ones((6, 6), dtype=np.uint8))
    buffer = io.BytesIO()
    Image.fromarray(image.astype(np.uint8), mode="L").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def models_dir(
    tmp_path_factory: pytest.TempPathFactory,
    locations: Locations,
    mnist: Dataset,
    fashion_mnist: Dataset,
) -> Path:
    """One models directory with knn-tuned trained and evaluated on MNIST and on Fashion-MNIST."""
    directory = tmp_path_factory.mktemp("models")
    for data in (mnist, fashion_mnist):
        where = [*_data_args(locations, data), "--models-dir", str(directory)]
        d = ["-d", data.name]
        assert run(["train", MODEL, *d, "--n-train", N_TRAIN, *where]) == 0
        assert run(["evaluate", MODEL, *d, *where]) == 0
    return directory


def _copy_model(source: Path, target: Path) -> None:
    """Copy the record of knn-tuned in ``source`` and its model file into ``target``."""
    record = json.loads((source / f"{MODEL}.json").read_text())
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / f"{MODEL}.json", target / f"{MODEL}.json")
    shutil.copy2(source / record["file"], target / record["file"])


def test_train_keeps_each_data_sets_models_apart(models_dir: Path) -> None:
    mnist_record = json.loads((models_dir / f"{MODEL}.json").read_text())
    fashion_record = json.loads((models_dir / "fashion-mnist" / f"{MODEL}.json").read_text())
    assert mnist_record["dataset"] == "mnist" and fashion_record["dataset"] == "fashion-mnist"
    assert (models_dir / mnist_record["file"]).is_file()
    assert (models_dir / "fashion-mnist" / fashion_record["file"]).is_file()
    assert mnist_record["data_checksum"] != fashion_record["data_checksum"]


def test_models_and_leaderboard_list_each_data_set_apart(
    models_dir: Path, mnist: Dataset, fashion_mnist: Dataset, capsys: pytest.CaptureFixture[str]
) -> None:
    accuracies = {}
    for data in (mnist, fashion_mnist):
        listed = _json(capsys, "models", "-d", data.name, "--models-dir", str(models_dir))
        assert check(listed, SCHEMAS["models"]) == []
        assert listed["dataset"] == data.name
        rows = {row["name"]: row for row in listed["models"]}  # type: ignore[attr-defined]
        assert rows[MODEL]["state"] == "trained" and rows[MODEL]["dataset"] == data.name
        assert rows[MODEL]["data_checksum"] == data.checksum
        assert rows["cnn"]["state"] == "not trained"

        board = _json(
            capsys, "leaderboard", "--dataset", data.name, "--models-dir", str(models_dir)
        )
        assert check(board, SCHEMAS["leaderboard"]) == []
        assert board["dataset"] == data.name
        ranked = board["models"]
        assert [(r["rank"], r["name"]) for r in ranked] == [(1, MODEL)]  # type: ignore[attr-defined]
        accuracies[data.name] = ranked[0]["test_accuracy"]  # type: ignore[index]
    # Fashion-MNIST is the harder data set: two different models, two different scores.
    assert 0.85 < accuracies["mnist"] < 0.97
    assert 0.6 < accuracies["fashion-mnist"] < accuracies["mnist"]

    code, out, _ = _run(capsys, "models", "-d", "fashion-mnist", "--models-dir", str(models_dir))
    assert code == 0 and "models of Fashion-MNIST" in out
    assert "mnistlab models -d fashion-mnist --json" in out.replace("\n", "")
    code, out, _ = _run(
        capsys, "leaderboard", "-d", "fashion-mnist", "--models-dir", str(models_dir)
    )
    assert code == 0 and "leaderboard of Fashion-MNIST" in out and MODEL in out


def test_predict_answers_with_the_data_sets_class_names(
    models_dir: Path, fashion_mnist: Dataset, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    images = []
    for index in range(5):
        path = tmp_path / f"item-{index}.png"
        path.write_bytes(_png(fashion_mnist.X_test[index]))
        images.append(str(path))
    where = ["--models-dir", str(models_dir)]
    doc = _json(capsys, "predict", *images, "-d", "fashion-mnist", *where)
    assert check(doc, SCHEMAS["prediction"]) == []
    assert doc["model"] == MODEL and doc["dataset"] == "fashion-mnist"
    assert doc["class_names"] == list(FASHION_NAMES)
    results = doc["results"]
    for result in results:  # type: ignore[attr-defined]
        assert result["error"] is None
        assert result["label"] == FASHION_NAMES[result["digit"]]
        assert all(top["label"] == FASHION_NAMES[top["digit"]] for top in result["top"])
    # Every answer names a class of the data set (whether it is right is checked with
    # photos of real test images elsewhere in this file).
    assert {r["label"] for r in results} <= set(FASHION_NAMES)  # type: ignore[attr-defined]

    code, out, err = _run(capsys, "predict", images[0], "-d", "fashion-mnist", *where)
    assert code == 0, err
    assert "class" in out and any(name in out for name in FASHION_NAMES)


def test_the_mnist_model_is_never_used_for_fashion_and_back(
    models_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # As an earlier mnistlab left it: a Fashion-MNIST model saved where MNIST's live,
    # and an MNIST model copied in among Fashion-MNIST's.
    mixed = tmp_path / "mixed"
    _copy_model(models_dir / "fashion-mnist", mixed)
    _copy_model(models_dir, mixed / "fashion-mnist")
    image = tmp_path / "image.png"
    image.write_bytes(_png(np.full((28, 28), 0, dtype=np.uint8) + np.eye(28, dtype=np.uint8) * 255))
    where = ["--models-dir", str(mixed)]
    for dataset, other in (("mnist", "fashion-mnist"), ("fashion-mnist", "mnist")):
        expected = f"trained on {other}, not on {dataset}"
        fix = f"mnistlab train {MODEL} -d {dataset}"
        for args in (
            ["predict", str(image), "--model", MODEL, "-d", dataset],
            ["serve", "--model", MODEL, "-d", dataset, "--port", "0"],
        ):
            code, _, err = _run(capsys, *args, *where)
            assert code == EXIT_USER_ERROR == int(ExitCode.USAGE), err
            assert expected in err and fix in err, err
            assert "Traceback" not in err and len(err.strip().splitlines()) == 1
        # Without --model, nothing of the other data set is chosen, listed or ranked.
        code, _, err = _run(capsys, "predict", str(image), "-d", dataset, *where)
        assert code == EXIT_USER_ERROR and f"for {dataset};" in err
        listed = _json(capsys, "models", "-d", dataset, *where)
        assert {r["name"]: r["state"] for r in listed["models"]}[MODEL] == "not trained"  # type: ignore[attr-defined]
        assert _json(capsys, "leaderboard", "-d", dataset, *where)["models"] == []


def test_evaluate_refuses_a_model_of_another_data_set(
    models_dir: Path,
    locations: Locations,
    mnist: Dataset,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    mixed = tmp_path / "mixed"
    _copy_model(models_dir / "fashion-mnist", mixed)
    before = (mixed / f"{MODEL}.json").read_bytes()
    code, _, err = _run(
        capsys, "evaluate", MODEL, "-d", "mnist", *_data_args(locations, mnist),
        "--models-dir", str(mixed),
    )  # fmt: skip
    assert code == EXIT_USER_ERROR
    assert f"mnistlab train {MODEL} -d mnist" in err and len(err.strip().splitlines()) == 1
    assert (mixed / f"{MODEL}.json").read_bytes() == before  # nothing recorded


def test_models_trained_before_data_sets_were_kept_apart_still_work(
    models_dir: Path, tmp_path: Path, mnist: Dataset, capsys: pytest.CaptureFixture[str]
) -> None:
    # The layout of every earlier mnistlab: record and model file at the top of the directory.
    old = tmp_path / "old"
    _copy_model(models_dir, old)
    record = json.loads((old / f"{MODEL}.json").read_text())
    assert record["file"].startswith(f"{MODEL}-") and record["dataset"] == "mnist"
    assert sorted(p.name for p in old.iterdir()) == sorted([f"{MODEL}.json", record["file"]])

    image = tmp_path / "seven.png"
    image.write_bytes(_png(mnist.X_test[0]))
    for flags in ([], ["-d", "mnist"]):
        doc = _json(capsys, "predict", str(image), *flags, "--models-dir", str(old))
        assert doc["dataset"] == "mnist" and doc["results"][0]["label"] == "7"  # type: ignore[index]
        listed = _json(capsys, "models", *flags, "--models-dir", str(old))
        assert {r["name"]: r["state"] for r in listed["models"]}[MODEL] == "trained"  # type: ignore[attr-defined]
        board = _json(capsys, "leaderboard", *flags, "--models-dir", str(old))
        assert board["models"][0]["test_accuracy"] == record["metrics"]["test_accuracy"]  # type: ignore[index]
    # Nothing moved, and Fashion-MNIST has no model here.
    kept = {p.name for p in old.iterdir() if not p.name.startswith(".")}
    assert kept == {f"{MODEL}.json", record["file"]}
    code, _, err = _run(
        capsys, "predict", str(image), "-d", "fashion-mnist", "--models-dir", str(old)
    )
    assert code == EXIT_USER_ERROR and "mnistlab train knn-deskew -d fashion-mnist" in err


@pytest.mark.parametrize("command", ["models", "leaderboard", "predict", "serve", "evaluate"])
def test_an_unknown_data_set_is_one_line(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = {"predict": ["x.png"], "evaluate": [MODEL]}.get(command, [])
    code, _, err = _run(capsys, command, *args, "-d", "kmnist", "--models-dir", str(tmp_path))
    assert code == EXIT_USER_ERROR
    assert "'kmnist'" in err and "mnist, fashion-mnist" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def _product_photo(pixels: np.ndarray, scale: int) -> bytes:
    """An item of Fashion-MNIST as a shop's photo: dark on white, enlarged, with wide margins."""
    item = Image.fromarray(255 - pixels.reshape(28, 28), mode="L").convert("RGB")
    item = item.resize((28 * scale, 28 * scale), Image.Resampling.BICUBIC)
    canvas = Image.new("RGB", (28 * scale + 150, 28 * scale + 90), "white")
    canvas.paste(item, (100, 30))
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG")
    return buffer.getvalue()


def test_predict_reads_a_product_photo_as_fashion_mnist_was_made(
    models_dir: Path, fashion_mnist: Dataset, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mnistlab.models.store import ModelStore

    # Clear cases: a trouser, a bag and an ankle boot the model itself reads right.
    classifier = ModelStore(models_dir, "fashion-mnist").load(MODEL).classifier
    labels = fashion_mnist.y_test
    rows = [int(np.flatnonzero(labels == label)[0]) for label in (1, 8, 9)]
    assert list(classifier.predict(fashion_mnist.X_test[rows])) == [1, 8, 9]
    photos = []
    for row, scale in zip(rows, (8, 10, 6), strict=True):
        path = tmp_path / f"photo-{row}.png"
        path.write_bytes(_product_photo(fashion_mnist.X_test[row], scale))
        photos.append(str(path))

    seen = tmp_path / "seen"
    where = ["--models-dir", str(models_dir), "--save-input", str(seen)]
    doc = _json(capsys, "predict", *photos, "-d", "fashion-mnist", *where)
    answers = [result["label"] for result in doc["results"]]  # type: ignore[attr-defined]
    assert answers == ["Trouser", "Bag", "Ankle boot"]
    # The model saw each item framed as Fashion-MNIST's: close to the original image.
    for result, row in zip(doc["results"], rows, strict=True):  # type: ignore[call-overload]
        with Image.open(result["saved_input"]) as image:
            framed = np.asarray(image, dtype=np.int16).ravel()
        assert np.abs(framed - fashion_mnist.X_test[row].astype(np.int16)).mean() < 25

    code, out, err = _run(capsys, "predict", photos[0], "-d", "fashion-mnist", *where[:2])
    assert code == 0 and "Trouser" in out, err


def test_serve_frames_a_product_photo_as_fashion_mnist_was_made(
    models_dir: Path, fashion_mnist: Dataset
) -> None:
    from fastapi.testclient import TestClient

    from mnistlab.models.store import ModelStore
    from mnistlab.preprocess import preprocess
    from mnistlab.web.app import create_app

    store = ModelStore(models_dir, "fashion-mnist")
    row = int(np.flatnonzero(fashion_mnist.y_test == 1)[0])  # a trouser
    photo = _product_photo(fashion_mnist.X_test[row], 8)
    with TestClient(create_app(model=store.load(MODEL), store=store)) as client:
        response = client.post("/api/predict", content=photo, headers={"content-type": "image/png"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["label"] == "Trouser" and body["dataset"] == "fashion-mnist"
    seen = np.array(body["input"], dtype=np.uint8)
    np.testing.assert_array_equal(seen, preprocess(photo, framing="object"))
    assert not np.array_equal(seen, preprocess(photo, framing="digit"))
