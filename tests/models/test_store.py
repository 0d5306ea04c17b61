"""The model store: records pin files, and nothing unverified is ever loaded."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier

from mnistlab.data import Dataset
from mnistlab.errors import ConfigError, ModelFileError, ModelNotTrainedError, UnknownModelError
from mnistlab.models.evaluation import evaluate_model
from mnistlab.models.leaderboard import best_within, leaderboard
from mnistlab.models.store import ModelStore
from mnistlab.models.training import train_model

N_TRAIN = 2_000


@pytest.fixture
def store(tmp_path: Path) -> ModelStore:
    return ModelStore(tmp_path / "models")


@pytest.fixture
def trained_store(store: ModelStore, mnist: Dataset) -> ModelStore:
    train_model("knn-tuned", mnist, store=store, n_train=N_TRAIN)
    return store


def _record_file(store: ModelStore, name: str = "knn-tuned") -> Path:
    return store.record_path(name)


def _edit_record(store: ModelStore, **changes: object) -> None:
    path = _record_file(store)
    raw = json.loads(path.read_text())
    raw.update(changes)
    path.write_text(json.dumps(raw))


def test_saved_model_predicts_like_plain_scikit_learn(
    trained_store: ModelStore, mnist: Dataset
) -> None:
    trained = trained_store.load("knn-tuned")
    plain = KNeighborsClassifier(n_neighbors=4, weights="distance").fit(
        mnist.X_train[:N_TRAIN].astype(np.float64), mnist.y_train[:N_TRAIN]
    )
    queries = mnist.X_test[:300]
    np.testing.assert_array_equal(
        trained.classifier.predict_proba(queries), plain.predict_proba(queries.astype(np.float64))
    )
    record = trained.record
    assert record.n_train == N_TRAIN
    assert record.data_checksum == mnist.checksum
    assert record.sha256 in {r.sha256 for r in trained_store.records()}
    assert "scikit-learn" in record.versions
    assert trained.path.name.startswith("knn-tuned-") and trained.path.name == record.file


def test_retraining_replaces_the_file_and_leaves_nothing_behind(
    trained_store: ModelStore, mnist: Dataset
) -> None:
    train_model("knn-tuned", mnist, store=trained_store, n_train=N_TRAIN // 2)
    files = sorted(p.name for p in trained_store.directory.iterdir() if p.suffix != ".lock")
    assert files == sorted(["knn-tuned.json", trained_store.record("knn-tuned").file])


def test_model_files_and_records_get_the_mode_the_umask_gives(
    store: ModelStore, mnist: Dataset
) -> None:
    previous = os.umask(0o027)
    try:
        train_model("knn-tuned", mnist, store=store, n_train=N_TRAIN // 4)
    finally:
        os.umask(previous)
    record = store.record("knn-tuned")
    for name in (record.file, "knn-tuned.json"):
        assert stat.S_IMODE((store.directory / name).stat().st_mode) == 0o640, name
    assert not [p.name for p in store.directory.iterdir() if p.name.startswith(".")]


def test_a_changed_model_file_is_refused(trained_store: ModelStore) -> None:
    path = trained_store.directory / trained_store.record("knn-tuned").file
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match=r"does not match its record.*train knn-tuned"):
        trained_store.load("knn-tuned")


def test_a_missing_model_file_is_refused(trained_store: ModelStore) -> None:
    (trained_store.directory / trained_store.record("knn-tuned").file).unlink()
    with pytest.raises(ModelFileError, match="is missing"):
        trained_store.load("knn-tuned")


def test_a_record_naming_a_file_elsewhere_is_refused(trained_store: ModelStore) -> None:
    _edit_record(trained_store, file="../../etc/passwd")
    with pytest.raises(ModelFileError, match="outside its directory"):
        trained_store.load("knn-tuned")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "bad JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"format": 99, "name": "knn-tuned"}', "record format 99"),
        ('{"format": 1}', "missing"),
    ],
)
def test_a_damaged_record_is_refused(trained_store: ModelStore, text: str, message: str) -> None:
    _record_file(trained_store).write_text(text)
    with pytest.raises(ModelFileError, match=message):
        trained_store.load("knn-tuned")
    assert trained_store.records() == []  # skipped, with a warning, by the listing


def test_a_model_from_another_scikit_learn_is_refused(trained_store: ModelStore) -> None:
    record = trained_store.record("knn-tuned")
    _edit_record(trained_store, versions={**record.versions, "scikit-learn": "0.24.2"})
    with pytest.raises(ModelFileError, match=r"scikit-learn 0\.24\.2 \(installed: "):
        trained_store.load("knn-tuned")


def test_untrained_and_unknown_models_say_what_to_do(store: ModelStore) -> None:
    with pytest.raises(ModelNotTrainedError, match="mnistlab train knn-shift"):
        store.load("knn-shift")
    with pytest.raises(ModelNotTrainedError, match=r"no trained model in .*mnistlab train"):
        store.default_name()
    with pytest.raises(UnknownModelError, match="no model called 'knn-nope'; choose one of"):
        store.load("knn-nope")


def test_a_failed_save_keeps_the_previous_model(trained_store: ModelStore) -> None:
    before = sorted(p.name for p in trained_store.directory.iterdir())
    record = trained_store.record("knn-tuned")
    with pytest.raises(Exception):  # noqa: B017 - whatever skops raises for a non-estimator
        trained_store.save(object(), record)  # type: ignore[arg-type]
    assert sorted(p.name for p in trained_store.directory.iterdir()) == before
    trained_store.load("knn-tuned")


def test_training_size_is_checked(store: ModelStore, mnist: Dataset) -> None:
    with pytest.raises(ConfigError, match="n_train must be between 1 and 60000"):
        train_model("knn-tuned", mnist, store=store, n_train=0)


def test_evaluation_is_recorded_and_ranks_the_default(
    trained_store: ModelStore, mnist: Dataset
) -> None:
    assert trained_store.default_name() == "knn-tuned"  # the only one, not yet evaluated
    result = evaluate_model(trained_store.load("knn-tuned"), mnist)
    plain = KNeighborsClassifier(n_neighbors=4, weights="distance").fit(
        mnist.X_train[:N_TRAIN].astype(np.float64), mnist.y_train[:N_TRAIN]
    )
    expected = plain.predict(mnist.X_test.astype(np.float64))
    assert result.test_accuracy == pytest.approx(float(np.mean(expected == mnist.y_test)))
    assert result.n_errors == int(np.sum(expected != mnist.y_test))
    assert np.sum(result.confusion) == result.n_test == 10_000
    assert [m.index for m in result.misclassified] == list(np.flatnonzero(expected != mnist.y_test))
    assert all(m.true != m.predicted for m in result.misclassified)

    trained_store.update_metrics("knn-tuned", result.as_metrics())
    rows = leaderboard(trained_store)
    assert [(r.rank, r.name, r.n_errors) for r in rows] == [(1, "knn-tuned", result.n_errors)]
    assert trained_store.record("knn-tuned").test_accuracy == result.test_accuracy
    trained_store.load("knn-tuned")  # metrics live in the record, the file is still verified


def test_serving_picks_the_most_accurate_model_that_is_fast_enough(
    trained_store: ModelStore, mnist: Dataset
) -> None:
    train_model("knn-deskew", mnist, store=trained_store, n_train=N_TRAIN)
    trained_store.update_metrics("knn-deskew", {"test_accuracy": 0.99, "predict_ms_single": 5.0})
    trained_store.update_metrics("knn-tuned", {"test_accuracy": 0.97, "predict_ms_single": 0.5})
    assert best_within(trained_store, 2.0) == "knn-tuned"
    assert best_within(trained_store, 5.0) == "knn-deskew"
    assert best_within(trained_store, 0.1) == trained_store.default_name() == "knn-deskew"


def test_each_data_set_has_its_own_directory_and_mnist_keeps_the_top(tmp_path: Path) -> None:
    assert ModelStore(tmp_path).directory == tmp_path == ModelStore(tmp_path, "mnist").directory
    fashion = ModelStore(tmp_path, "fashion-mnist")
    assert (fashion.directory, fashion.root, fashion.dataset) == (
        tmp_path / "fashion-mnist",
        tmp_path,
        "fashion-mnist",
    )
    assert fashion.records() == [] and fashion.statuses() == []


def test_a_model_is_never_saved_or_loaded_among_another_data_sets(
    trained_store: ModelStore,
) -> None:
    trained = trained_store.load("knn-tuned")
    fashion = ModelStore(trained_store.directory, "fashion-mnist")
    with pytest.raises(ModelFileError, match=r"trained on mnist .*cannot be saved among"):
        fashion.save(trained.classifier, trained.record)
    assert not fashion.directory.exists()
    with pytest.raises(ModelNotTrainedError, match="mnistlab train knn-tuned -d fashion-mnist"):
        fashion.load("knn-tuned")
