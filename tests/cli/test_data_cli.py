"""``mnistlab data ...`` in-process, and once for real in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from mnistlab.cli.app import EXIT_USER_ERROR, run
from mnistlab.cli.data import app
from mnistlab.cli.json_output import SCHEMAS, check
from mnistlab.config import DATASETS_DIR_ENV, Locations
from mnistlab.data import Dataset, dataset_names, get_dataset_spec, idx_bytes, load
from mnistlab.data.registry import IDX_FILES
from mnistlab.errors import UnknownDatasetError

runner = CliRunner()


def dirs(locations: Locations) -> list[str]:
    """The options that point a command at the test session's data and cache."""
    args = ["--cache-dir", str(locations.cache_dir)]
    if locations.data_dir is not None:
        args += ["--data-dir", str(locations.data_dir)]
    return args


def test_info_on_real_data(locations: Locations, mnist: Dataset) -> None:
    result = runner.invoke(app, ["info", *dirs(locations)], terminal_width=200)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "mnist: 70,000 images of 28×28 pixels (60,000 train, 10,000 test)" in out
    for count in (5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949):
        assert str(count) in out
    assert out.count(" OK ") == 4 and "MISMATCH" not in out
    assert f"checksum: {mnist.checksum}" in out
    assert "source: cache (first from " in out
    assert f"cache: {mnist.cache_path}" in out


def test_fetch_says_where_data_came_from(locations: Locations, mnist: Dataset) -> None:
    result = runner.invoke(app, ["fetch", *dirs(locations)], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "mnist: 70,000 images, verified" in result.output
    assert f"cache: {mnist.cache_path}" in result.output


def test_show_one_digit(locations: Locations, mnist: Dataset, tmp_path: Path) -> None:
    out = tmp_path / "five.png"
    result = runner.invoke(app, ["show", "--index", "0", "--out", str(out), *dirs(locations)])
    assert result.exit_code == 0, result.output
    assert str(out) in result.output
    with Image.open(out) as image:
        assert image.format == "PNG" and image.size == (200, 200)
    assert [p.name for p in tmp_path.iterdir()] == ["five.png"]


def test_show_grid(locations: Locations, mnist: Dataset, tmp_path: Path) -> None:
    out = tmp_path / "sub" / "grid.png"
    result = runner.invoke(app, ["show", "--grid", "100", "--out", str(out), *dirs(locations)])
    assert result.exit_code == 0, result.output
    with Image.open(out) as image:
        width, height = image.size
    assert width == height and width > 400


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["data", "info", "-d", "kmnist"], "unknown data set 'kmnist'"),
        (["data", "show", "--grid", "0"], "--grid must be from 1 to 2500, got 0"),
        (["data", "show", "--index", "70000"], "--index must be from 0 to 69999"),
        (["data", "show", "--out", "x.jpg"], "--out must name a .png file"),
        (["data", "fetch", "--source", "ftp"], "unknown --source 'ftp'"),
    ],
)
def test_errors_are_one_line(
    locations: Locations,
    mnist: Dataset,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    assert run([*args, *dirs(locations)]) == EXIT_USER_ERROR
    err = capsys.readouterr().err
    assert message in err
    assert err.strip().count("\n") == 0 and "Traceback" not in err


def test_error_in_a_real_process(locations: Locations, tmp_path: Path) -> None:
    env = {**os.environ, "MNISTLAB_DATA_DIR": str(tmp_path / "missing")}
    command = [sys.executable, "-m", "mnistlab", "data", "fetch", "--source", "local"]
    result = subprocess.run(
        [*command, "--cache-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == EXIT_USER_ERROR
    assert "error: MNISTLAB_DATA_DIR" in result.stderr and "no such directory" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize("command", ["fetch", "info", "show"])
def test_every_command_has_help(command: str) -> None:
    result = runner.invoke(app, [command, "--help"], terminal_width=200)
    assert result.exit_code == 0
    assert "--dataset" in result.output and "--source" in result.output
    callbacks = [c.callback for c in app.registered_commands if c.callback is not None]
    callback = next(cb for cb in callbacks if cb.__name__ == command)
    assert callback.__doc__, f"{command} has no help text"
    assert callback.__doc__.split(".")[0][:30] in " ".join(result.output.split())


def test_group_help() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "Get, verify, describe and draw" in result.output


def test_info_has_no_source_to_fetch_from(capsys: pytest.CaptureFixture[str]) -> None:
    # An info command reads what is there: it never fetches again into the cache.
    assert run(["data", "info", "--source", "pypi"]) == EXIT_USER_ERROR
    err = capsys.readouterr().err
    # Click words it "No such option: --source" or "No such option '--source'".
    assert "No such option" in err and "--source" in err


# ---- A user's own data set: data add, list, remove ----------------------------------------


def _png(path: Path, array: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array.astype(np.uint8)).save(path)


def _stroke(size: int = 28, shift: int = 0) -> np.ndarray:
    image = np.zeros((size, size), dtype=np.uint8)
    image[size // 4 : 3 * size // 4, size // 2 - 2 + shift : size // 2 + 2 + shift] = 255
    return image


def _folder(root: Path, classes: tuple[str, ...] = ("a", "b"), per_class: int = 5) -> Path:
    for c, name in enumerate(classes):
        for i in range(per_class):
            _png(root / name / f"{i}.png", _stroke(shift=c - i % 2))
    return root


def _npz(path: Path, **arrays: np.ndarray) -> Path:
    rng = np.random.default_rng(0)
    values = {
        "X_train": rng.integers(0, 256, (8, 28, 28), dtype=np.uint8),
        "y_train": np.array([0, 1] * 4),
        "X_test": rng.integers(0, 256, (4, 28, 28), dtype=np.uint8),
        "y_test": np.array([0, 1] * 2),
    }
    values.update(arrays)
    np.savez(path, **values)  # type: ignore[arg-type]
    return path


@pytest.fixture
def datasets_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private directory of added data sets (``MNISTLAB_DATASETS_DIR``)."""
    directory = tmp_path / "datasets"
    monkeypatch.setenv(DATASETS_DIR_ENV, str(directory))
    return directory


def _fails(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert run(args) == EXIT_USER_ERROR
    err = capsys.readouterr().err
    assert message in err, err
    assert err.strip().count("\n") == 0 and "Traceback" not in err
    return err


def _nothing_stored(directory: Path) -> bool:
    return not directory.exists() or not any(directory.iterdir())


def test_add_list_show_remove(
    datasets_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _folder(tmp_path / "letters", ("b", "a", "c"))
    assert run(["data", "add", "My_Letters", str(source), "--test-size", "0.4"]) == 0
    out = capsys.readouterr().out
    assert "added my-letters: 9 training and 6 test images of 3 classes (a, b, c)" in out
    stored = datasets_dir / "my-letters"
    assert sorted(p.name for p in stored.iterdir()) == sorted(
        ["dataset.json", *(f.gz_name for f in IDX_FILES)]
    )
    manifest = json.loads((stored / "dataset.json").read_text(encoding="utf-8"))
    assert manifest["class_names"] == ["a", "b", "c"] and manifest["origin"]["seed"] == 0
    assert manifest["preprocessing"].startswith("mnistlab.preprocess")
    assert run(["data", "list", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert check(document, SCHEMAS["data-list"]) == []
    names = [row["name"] for row in document["datasets"]]
    assert names == ["mnist", "fashion-mnist", "my-letters"]
    assert run(["data", "list"]) == 0
    assert "my-letters" in capsys.readouterr().out
    png = tmp_path / "grid.png"
    assert run(["data", "show", "-d", "my-letters", "--grid", "15", "--out", str(png)]) == 0
    assert png.is_file()
    assert run(["data", "remove", "my-letters"]) == 0
    assert "removed my-letters" in capsys.readouterr().out
    assert _nothing_stored(datasets_dir)


def test_add_existing_split_npz_and_idx(
    datasets_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _folder(tmp_path / "split" / "train")
    _folder(tmp_path / "split" / "test", per_class=2)
    assert run(["data", "add", "split", str(tmp_path / "split"), "--no-preprocess"]) == 0
    data = load("split", locations=Locations.resolve())
    assert (len(data.y_train), len(data.y_test)) == (10, 4)
    # Every test image with its class, in a seeded order of rows.
    pairs = zip(data.X_test, data.y_test, strict=True)
    rows = {(int(label), image.tobytes()) for image, label in pairs}
    assert rows == {(c, _stroke(shift=c - i).ravel().tobytes()) for c in (0, 1) for i in (0, 1)}
    npz = _npz(tmp_path / "arrays.npz")
    assert run(["data", "add", "arrays", str(npz), "--no-preprocess", "--classes", "x,y"]) == 0
    arrays = load("arrays", locations=Locations.resolve())
    with np.load(npz) as archive:
        np.testing.assert_array_equal(arrays.X_train, archive["X_train"].reshape(8, -1))
        np.testing.assert_array_equal(arrays.y_test, archive["y_test"])
    assert arrays.class_names == ("x", "y")
    idx_dir = tmp_path / "idx"
    idx_dir.mkdir()
    parts = {
        "train-images": arrays.X_train.reshape(-1, 28, 28),
        "train-labels": arrays.y_train,
        "test-images": arrays.X_test.reshape(-1, 28, 28),
        "test-labels": arrays.y_test,
    }
    for f in IDX_FILES:
        (idx_dir / f.filename).write_bytes(idx_bytes(parts[f.key]))
    assert run(["data", "add", "from-idx", str(idx_dir), "--no-preprocess"]) == 0
    np.testing.assert_array_equal(
        load("from-idx", locations=Locations.resolve()).images, arrays.images
    )
    capsys.readouterr()


def _bad_image(root: Path) -> Path:
    source = _folder(root)
    (source / "a" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    return source


def _mixed(root: Path) -> Path:
    source = _folder(root)
    _png(source / "b" / "big.png", _stroke(size=56))
    return source


def _empty_class(root: Path) -> Path:
    source = _folder(root)
    (source / "c").mkdir()
    return source


@pytest.mark.parametrize(
    ("make", "extra", "message"),
    [
        (lambda p: _folder(p, ("a",)), [], "1 class; a data set needs at least 2"),
        (_empty_class, [], "holds no images"),
        (_bad_image, [], "broken.png"),
        (_mixed, ["--no-preprocess"], "big.png: a 56×56 image"),
        (lambda p: p / "missing", [], "no such file or directory"),
        (lambda p: _npz(p.with_suffix(".npz"), y_test=np.array([0, 1, 2, 70])), [], "found 70"),
        (
            lambda p: _npz(p.with_suffix(".npz"), y_train=np.array([0.5] * 8)),
            [],
            "labels must be whole numbers from 0 to n_classes-1",
        ),
        (
            lambda p: _npz(p.with_suffix(".npz"), y_test=np.array([0, 1, 0, 3])),
            ["--classes", "a,b"],
            "label 3 is out of range for 2 classes",
        ),
        (
            lambda p: _npz(p.with_suffix(".npz"), X_test=np.zeros((4, 20, 20), np.uint8)),
            ["--no-preprocess"],
            "X_test: images of 20×20 pixels, but --no-preprocess needs 28×28",
        ),
        (
            lambda p: _npz(p.with_suffix(".npz"), y_train=np.array([0, 1, 0])),
            [],
            "X_train holds 8 images but y_train 3 labels",
        ),
        (lambda p: _missing_key(p.with_suffix(".npz")), [], "no y_test; an .npz must hold"),
        (lambda p: _folder(p), ["--test-size", "1.5"], "--test-size must be between 0 and 1"),
    ],
)
def test_bad_data_is_refused_and_nothing_is_stored(
    datasets_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    make: Callable[[Path], Path],
    extra: list[str],
    message: str,
) -> None:
    source = make(tmp_path / "source")
    _fails(["data", "add", "mine", str(source), *extra], message, capsys)
    assert _nothing_stored(datasets_dir)
    assert "mine" not in dataset_names(Locations.resolve())


def _missing_key(path: Path) -> Path:
    np.savez(path, X_train=np.zeros((2, 28, 28)), y_train=[0, 1], X_test=np.zeros((2, 28, 28)))
    return path


def test_names_taken_or_invalid_are_refused(
    datasets_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _folder(tmp_path / "letters")
    _fails(["data", "add", "Fashion_MNIST", str(source)], "is a built-in data set", capsys)
    _fails(["data", "add", "../up", str(source)], "is not a valid data set name", capsys)
    _fails(["data", "add", "9lives", str(source)], "is not a valid data set name", capsys)
    assert _nothing_stored(datasets_dir)
    assert run(["data", "add", "mine", str(source)]) == 0
    err = _fails(["data", "add", "mine", str(source)], "exists already", capsys)
    assert "mnistlab data remove mine" in err
    _fails(["data", "remove", "mnist"], "'mnist' is a built-in data set", capsys)
    _fails(["data", "remove", "theirs"], "no added data set called 'theirs'", capsys)
    assert (datasets_dir / "mnist").exists() is False
    assert get_dataset_spec("mnist").builtin


def test_a_data_set_changed_on_disk_is_refused(
    datasets_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["data", "add", "mine", str(_folder(tmp_path / "letters"))]) == 0
    capsys.readouterr()
    stored = datasets_dir / "mine" / "t10k-labels-idx1-ubyte.gz"
    data = bytearray(stored.read_bytes())
    data[-9] ^= 1  # a bit of the gzip stream's checksum: still a file, not the one added
    stored.write_bytes(bytes(data))
    err = _fails(["data", "info", "-d", "mine"], "changed on disk since it was added", capsys)
    assert "mnistlab data remove mine" in err and "mnistlab data add mine PATH" in err
    stored.unlink()
    _fails(["data", "show", "-d", "mine"], "t10k-labels-idx1-ubyte.gz is missing", capsys)
    assert run(["data", "remove", "mine"]) == 0


def test_registry_works_without_added_data_sets(tmp_path: Path) -> None:
    for directory in (tmp_path / "none", tmp_path / "a-file"):
        locations = Locations.resolve(datasets_dir=directory)
        assert dataset_names(locations) == ("mnist", "fashion-mnist")
        (tmp_path / "a-file").write_text("not a directory")
    with pytest.raises(UnknownDatasetError, match="add your own with `mnistlab data add"):
        get_dataset_spec("mine", locations)


#: Ten kinds of item for a data set of photos: five shapes (width / height) in two tones.
_SHAPES = {"thin": 0.25, "tall": 0.5, "square": 1.0, "wide": 2.0, "flat": 4.0}
_TONES = {"dark": (35, 40, 60), "grey": (150, 150, 140)}


def _item_photo(path: Path, kind: str, long_side: int, at: tuple[int, int]) -> Path:
    """A photo of one item of ``kind`` (tone-shape) at ``at`` on a white canvas."""
    tone, shape = kind.split("-")
    ratio = _SHAPES[shape]
    width, height = (
        (long_side, round(long_side / ratio))
        if ratio >= 1
        else (round(long_side * ratio), long_side)
    )
    photo = Image.new("RGB", (260, 240), "white")
    photo.paste(_TONES[tone], (*at, at[0] + width, at[1] + height))
    path.parent.mkdir(parents=True, exist_ok=True)
    photo.save(path)
    return path


def _items(root: Path) -> list[Path]:
    """Photos of the ten kinds: two of each for training, one for testing."""
    made = []
    for tone in _TONES:
        for shape in _SHAPES:
            kind = f"{tone}-{shape}"
            for i, split in enumerate(("train", "train", "test")):
                path = root / split / kind / f"{i}.png"
                made.append(_item_photo(path, kind, 90 + 30 * i, (10 + 25 * i, 5 + 20 * i)))
    return made


def test_add_with_the_object_framing_stores_and_uses_it(
    datasets_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mnistlab.preprocess import preprocess

    photos = _items(tmp_path / "items")
    _fails(
        ["data", "add", "mine", str(tmp_path / "items"), "--framing", "photo"],
        "no framing called 'photo'; choose one of: digit, object",
        capsys,
    )
    assert _nothing_stored(datasets_dir)

    assert run(["data", "add", "my-items", str(tmp_path / "items"), "--framing", "object"]) == 0
    assert "made MNIST-like, object framing" in capsys.readouterr().out
    manifest = json.loads((datasets_dir / "my-items" / "dataset.json").read_text("utf-8"))
    assert manifest["framing"] == "object" and "object framing" in manifest["preprocessing"]
    locations = Locations.resolve()
    assert get_dataset_spec("my-items", locations).framing == "object"
    # Every image was framed as an object (trimmed, longest edge 28), none as a digit.
    data = load("my-items", locations=locations)
    as_objects = {preprocess(photo, framing="object").tobytes() for photo in photos}
    as_digits = {preprocess(photo, framing="digit").tobytes() for photo in photos}
    stored = {image.tobytes() for image in data.images}
    assert stored == as_objects and not stored & as_digits
    assert run(["data", "list"]) == 0
    assert "object framing" in capsys.readouterr().out

    # predict frames a new photo for this data set as an object too.
    models = tmp_path / "models"
    assert run(["train", "knn-tuned", "-d", "my-items", "--models-dir", str(models)]) == 0
    new = _item_photo(tmp_path / "new.png", "dark-tall", 200, (150, 20))
    seen = tmp_path / "seen"
    args = ["predict", str(new), "-d", "my-items", "--models-dir", str(models)]
    capsys.readouterr()
    assert run([*args, "--json", "--save-input", str(seen)]) == 0
    result = json.loads(capsys.readouterr().out)["results"][0]
    assert result["label"] == "dark-tall"
    with Image.open(result["saved_input"]) as image:
        np.testing.assert_array_equal(np.asarray(image), preprocess(new, framing="object"))


def test_a_manifest_without_a_framing_reads_as_digit(
    datasets_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # As every data set added before there were framings was stored.
    assert run(["data", "add", "mine", str(_folder(tmp_path / "letters"))]) == 0
    capsys.readouterr()
    path = datasets_dir / "mine" / "dataset.json"
    manifest = json.loads(path.read_text("utf-8"))
    assert manifest.pop("framing") == "digit"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    assert get_dataset_spec("mine", Locations.resolve()).framing == "digit"
    assert get_dataset_spec("mnist").framing == "digit"
    assert get_dataset_spec("fashion-mnist").framing == "object"
    assert run(["data", "list"]) == 0 and "framing" not in capsys.readouterr().out


def test_add_help_names_the_framings() -> None:
    result = runner.invoke(app, ["add", "--help"], terminal_width=200)
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "--framing" in text and "'object'" in text and "Fashion-MNIST" in text
