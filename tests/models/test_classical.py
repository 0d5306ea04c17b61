"""Classical models: exact KNN, lossless files, and no file but our own is ever loaded."""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import skops.io
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from mnistlab.data import Dataset
from mnistlab.errors import ConfigError, ModelFileError
from mnistlab.models import classical
from mnistlab.models.classical import ByteKNeighborsClassifier
from mnistlab.models.registry import MODELS, get_model_spec
from mnistlab.progress import ignore_progress

N_TRAIN = 3_000
N_QUERY = 400
CLASSICAL = [spec.name for spec in MODELS if spec.family == "classical"]


class Progress:
    """Records every progress report."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, float, float | None]] = []

    def __call__(self, task: str, completed: float, total: float | None) -> None:
        self.calls.append((task, completed, total))


class Trap:
    """Runs code when an unpickler or loader restores it: proof that loading happened."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __setstate__(self, state: dict[str, Any]) -> None:
        Path(state["marker"]).write_text("loaded, so code ran")
        self.__dict__.update(state)


@pytest.fixture(scope="module")
def trained(mnist: Dataset) -> dict[str, Any]:
    """Each classical registry model, trained once on the first 3,000 training images."""
    return {
        name: classical.train(
            get_model_spec(name).settings,
            mnist.X_train[:N_TRAIN],
            mnist.y_train[:N_TRAIN],
            Progress(),
        )
        for name in CLASSICAL
    }


@pytest.fixture
def knn_file(trained: dict[str, Any], tmp_path: Path) -> Path:
    path = tmp_path / f"knn-tuned{classical.FILE_SUFFIX}"
    classical.save(trained["knn-tuned"], path)
    return path


def _settings(name: str) -> Mapping[str, Any]:
    return get_model_spec(name).settings


def test_the_registry_names_all_four_classical_models() -> None:
    assert CLASSICAL == ["knn-tuned", "knn-shift", "knn-deskew", "svc-rbf"]


@pytest.mark.slow
@pytest.mark.parametrize("name", CLASSICAL)
def test_save_load_gives_identical_probabilities(
    name: str, trained: dict[str, Any], mnist: Dataset, tmp_path: Path
) -> None:
    model = trained[name]
    queries = mnist.X_test[:N_QUERY]
    probabilities = model.predict_proba(queries)
    assert probabilities.shape == (N_QUERY, 10) and probabilities.dtype == np.float64
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    # trained on 3,000 images, every model gets most of the test images right
    assert np.mean(model.predict(queries) == mnist.y_test[:N_QUERY]) > 0.88

    path = tmp_path / f"{name}{classical.FILE_SUFFIX}"
    classical.save(model, path)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left
    loaded = classical.load(path, _settings(name))
    np.testing.assert_array_equal(loaded.predict_proba(queries), probabilities)


def test_knn_tuned_is_exactly_the_chapters_classifier(
    trained: dict[str, Any], mnist: Dataset, knn_file: Path
) -> None:
    plain = KNeighborsClassifier(n_neighbors=4, weights="distance").fit(
        mnist.X_train[:N_TRAIN].astype(np.float64), mnist.y_train[:N_TRAIN]
    )
    queries = mnist.X_test[:N_QUERY]
    expected_proba = plain.predict_proba(queries.astype(np.float64))
    expected = plain.predict(queries.astype(np.float64))
    for model in (trained["knn-tuned"], classical.load(knn_file, _settings("knn-tuned"))):
        np.testing.assert_array_equal(model.predict_proba(queries), expected_proba)
        np.testing.assert_array_equal(model.predict(queries), expected)
        np.testing.assert_array_equal(model.predict_proba(queries).argmax(axis=1), expected)
        knn = model[-1]
        assert knn._fit_X.dtype == np.float64
        np.testing.assert_array_equal(knn._fit_X, plain._fit_X)


def _arrays_in(path: Path) -> list[np.ndarray]:
    with zipfile.ZipFile(path) as archive:
        return [
            np.load(io.BytesIO(archive.read(n)), allow_pickle=False)
            for n in archive.namelist()
            if n.endswith(".npy")
        ]


@pytest.mark.parametrize(("name", "rows"), [("knn-tuned", N_TRAIN), ("knn-shift", 5 * N_TRAIN)])
def test_knn_files_hold_the_training_pixels_as_bytes(
    name: str, rows: int, trained: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "model.skops"
    classical.save(trained[name], path)
    big = [a for a in _arrays_in(path) if a.ndim == 2]
    assert [(a.shape, a.dtype) for a in big] == [((rows, 784), np.dtype(np.uint8))]
    # compressed, the file is smaller than the bytes themselves
    assert path.stat().st_size < rows * 784
    loaded = classical.load(path, _settings(name))
    assert loaded[-1].n_samples_fit_ == rows
    np.testing.assert_array_equal(loaded[-1]._fit_X, trained[name][-1]._fit_X)


def test_values_that_are_not_bytes_stay_float64_in_the_file(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    X = rng.random((50, 4)) * 300.0
    knn = ByteKNeighborsClassifier(n_neighbors=3).fit(X, np.arange(50) % 10)
    assert knn.__getstate__()["_fit_X"].dtype == np.float64
    path = tmp_path / "odd.skops"
    skops.io.dump(knn, path)
    restored = skops.io.load(path, trusted=skops.io.get_untrusted_types(file=path))
    np.testing.assert_array_equal(restored._fit_X, X)


def test_knn_shift_trains_on_five_copies_and_deskew_deskews(trained: dict[str, Any]) -> None:
    assert trained["knn-shift"][-1].n_samples_fit_ == 5 * N_TRAIN
    assert [step for step, _ in trained["knn-deskew"].steps] == ["deskew", "scale", "knn"]
    assert [step for step, _ in trained["svc-rbf"].steps] == ["deskew", "hog", "pca", "calibrated"]


def test_training_reports_progress(mnist: Dataset) -> None:
    progress = Progress()
    classical.train(_settings("knn-deskew"), mnist.X_train[:500], mnist.y_train[:500], progress)
    done = [completed for _, completed, _ in progress.calls]
    assert done == sorted(done) and done[-1] == progress.calls[-1][2] == 2
    assert "deskew" in progress.calls[0][0]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"kind": "forest"}, "kind 'knn' or 'svc'"),
        ({"kind": "knn", "n_neighbors": 4, "weights": "distance", "k": 3}, r"unknown \['k'\]"),
        ({"kind": "svc", "features": "hog", "C": 5.0}, r"missing \['gamma', 'n_components'\]"),
        ({**_settings("svc-rbf"), "features": "sift"}, "'hog' or 'pixels'"),
    ],
)
def test_bad_settings_are_refused(bad: dict[str, Any], message: str, mnist: Dataset) -> None:
    with pytest.raises(ConfigError, match=message):
        classical.train(bad, mnist.X_train[:300], mnist.y_train[:300], ignore_progress)


def test_labels_must_hold_every_digit(mnist: Dataset) -> None:
    images, labels = mnist.X_train[:300], mnist.y_train[:300]
    keep = labels != 7
    with pytest.raises(ConfigError, match="every digit 0–9"):
        classical.train(_settings("knn-tuned"), images[keep], labels[keep], ignore_progress)


# ---- files that must be refused -------------------------------------------------------


@pytest.mark.parametrize("where", [0.1, 0.5, 0.9, 0.999])
def test_a_tampered_file_is_refused(knn_file: Path, where: float) -> None:
    data = bytearray(knn_file.read_bytes())
    position = int(len(data) * where)
    data[position] ^= 0xFF
    knn_file.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match=str(knn_file)):
        classical.load(knn_file, _settings("knn-tuned"))


def test_a_truncated_file_is_refused(knn_file: Path) -> None:
    knn_file.write_bytes(knn_file.read_bytes()[: knn_file.stat().st_size // 2])
    with pytest.raises(ModelFileError, match="not a readable skops archive"):
        classical.load(knn_file, _settings("knn-tuned"))


@pytest.mark.parametrize(
    "content",
    [b"", b"not a zip at all", b"PK\x03\x04" + b"\x00" * 100],
    ids=["empty", "text", "pk"],
)
def test_a_file_that_is_no_archive_is_refused(content: bytes, tmp_path: Path) -> None:
    path = tmp_path / "model.skops"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match="not a readable skops archive"):
        classical.load(path, _settings("knn-tuned"))


def test_a_foreign_zip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.skops"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
        archive.writestr("data.npy", b"\x93NUMPY")
    with pytest.raises(ModelFileError, match=r"not a readable skops archive.*schema\.json"):
        classical.load(path, _settings("knn-tuned"))


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="cannot read"):
        classical.load(tmp_path / "absent.skops", _settings("knn-tuned"))


def test_a_file_naming_os_system_is_refused_before_loading(tmp_path: Path) -> None:
    evil = Pipeline([("run", FunctionTransformer(os.system)), ("lr", LogisticRegression())])
    path = tmp_path / "model.skops"
    skops.io.dump(evil, path)
    assert any("system" in t for t in skops.io.get_untrusted_types(file=path))
    with pytest.raises(ModelFileError, match=r"names types mnistlab does not load \(.*system"):
        classical.load(path, _settings("knn-tuned"))


def test_an_object_that_runs_code_when_loaded_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = tmp_path / "model.skops"
    skops.io.dump(Trap(str(marker)), path)
    with pytest.raises(ModelFileError, match=r"test_classical\.Trap"):
        classical.load(path, _settings("knn-tuned"))
    assert not marker.exists()
    # the trap is real: trusting the file runs its code
    skops.io.load(path, trusted=skops.io.get_untrusted_types(file=path))
    assert marker.read_text() == "loaded, so code ran"


def test_a_model_skops_trusts_but_mnistlab_did_not_write_is_refused(
    tmp_path: Path, mnist: Dataset
) -> None:
    # the very estimator we build on, but not our subclass: skops trusts it, we do not
    foreign = Pipeline([("knn", KNeighborsClassifier())]).fit(
        mnist.X_train[:300].astype(np.float64), mnist.y_train[:300]
    )
    path = tmp_path / "model.skops"
    skops.io.dump(foreign, path)
    assert skops.io.get_untrusted_types(file=path) == []  # skops alone would load it
    with pytest.raises(ModelFileError, match=r"KNeighborsClassifier"):
        classical.load(path, _settings("knn-tuned"))


def test_a_model_of_another_kind_is_refused(knn_file: Path) -> None:
    with pytest.raises(ModelFileError, match="not a classical mnistlab model of kind svc"):
        classical.load(knn_file, _settings("svc-rbf"))


def _rewrite_schema(path: Path, change: Any) -> None:
    with zipfile.ZipFile(path) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    schema = json.loads(members["schema.json"])
    change(schema)
    members["schema.json"] = json.dumps(schema).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def _set_sklearn_version(tree: Any, version: str) -> None:
    if isinstance(tree, dict):
        for key, value in tree.items():
            if key == "_sklearn_version":
                value["content"] = json.dumps(version)
            else:
                _set_sklearn_version(value, version)
    elif isinstance(tree, list):
        for value in tree:
            _set_sklearn_version(value, version)


def test_a_model_from_another_scikit_learn_version_is_refused(knn_file: Path) -> None:
    _rewrite_schema(knn_file, lambda schema: _set_sklearn_version(schema, "0.24.2"))
    with pytest.raises(ModelFileError, match=r"written by scikit-learn 0\.24\.2"):
        classical.load(knn_file, _settings("knn-tuned"))


def _objects(tree: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object in a skops schema, nested ones included."""
    if isinstance(tree, dict):
        yield tree
        for value in tree.values():
            yield from _objects(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from _objects(value)


def _modules_named(path: Path) -> set[str]:
    with zipfile.ZipFile(path) as archive:
        schema = json.loads(archive.read("schema.json"))
    return {node["__module__"] for node in _objects(schema) if "__module__" in node}


def _move_module(schema: dict[str, Any], old: str, new: str) -> None:
    for node in _objects(schema):
        if node.get("__module__") == old:
            node["__module__"] = new


def test_a_file_naming_the_byte_knn_where_earlier_files_did_loads(
    knn_file: Path, trained: dict[str, Any], mnist: Dataset
) -> None:
    # Files written by mnistlab 0.1.0 name the estimator at the package
    # ``mnistlab.models.classical``; today it lives in a module of its own.
    here, earlier = "mnistlab.models.classical.byte_knn", "mnistlab.models.classical"
    assert here in _modules_named(knn_file)
    _rewrite_schema(knn_file, lambda schema: _move_module(schema, here, earlier))
    assert here not in _modules_named(knn_file) and earlier in _modules_named(knn_file)

    loaded = classical.load(knn_file, _settings("knn-tuned"))
    assert type(loaded[-1]) is ByteKNeighborsClassifier
    queries = mnist.X_test[:N_QUERY]
    expected = trained["knn-tuned"].predict_proba(queries)
    np.testing.assert_array_equal(loaded.predict_proba(queries), expected)


def test_the_allow_list_names_the_types_of_todays_files(trained: dict[str, Any]) -> None:
    def named(obj: Any) -> str:
        return f"{type(obj).__module__}.{type(obj).__qualname__}"

    for name in CLASSICAL:
        steps = [step for _, step in trained[name].steps]
        assert {named(trained[name]), *map(named, steps)} <= classical.ALLOWED_TYPES, name


def test_a_schema_edited_to_name_a_foreign_class_is_refused(knn_file: Path) -> None:
    def swap(schema: dict[str, Any]) -> None:
        schema["__module__"], schema["__class__"] = "subprocess", "Popen"

    _rewrite_schema(knn_file, swap)
    with pytest.raises(ModelFileError, match=r"subprocess\.Popen"):
        classical.load(knn_file, _settings("knn-tuned"))


def test_saving_something_else_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="not a classical mnistlab model"):
        classical.save(LogisticRegression(), tmp_path / "model.skops")  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []
