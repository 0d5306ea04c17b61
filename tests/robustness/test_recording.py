"""The robustness a model's record keeps: written for one model file, shown only for it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mnistlab.data import Dataset
from mnistlab.errors import ModelFileError
from mnistlab.models.records import ModelRecord, RobustnessRecord
from mnistlab.models.store import ModelStore
from mnistlab.models.training import train_model
from mnistlab.robustness import RobustnessResult, Score

MODEL = "knn-tuned"
SHA = "ab" * 32


def _record(**fields: object) -> dict[str, object]:
    raw: dict[str, object] = {
        "name": MODEL, "family": "classical", "settings": {}, "dataset": "mnist",
        "data_checksum": "f" * 64, "n_train": 1000, "file": "knn-tuned-x.skops", "sha256": SHA,
        "created": "2026-01-01T00:00:00+00:00", "train_seconds": 1.0, "versions": {},
        "metrics": {}, "format": 1,
    }  # fmt: skip
    return raw | fields


def _parse(raw: dict[str, object]) -> ModelRecord:
    return ModelRecord.from_json(json.dumps(raw), source=Path("knn-tuned.json"))


def _result() -> RobustnessResult:
    scores = (
        Score("clean", "clean", "as they are", 0.95, 50),
        Score("fog", "corruption", "plasma haze", 0.5, 50),
        Score("jpeg", "photo", "JPEG quality 10", 0.75, 50, unread=1),
    )
    return RobustnessResult(MODEL, "mnist", 50, 3, scores)


def test_the_record_keeps_the_means_the_seed_and_the_file() -> None:
    measured = _result().to_record(SHA)
    assert measured == RobustnessRecord(0.625, 0.5, 0.75, 50, 3, SHA)
    record = _parse(_record(robustness=measured.as_dict()))
    assert record.measured_robustness == measured
    assert record.robust_accuracy == _result().overall_mean == 0.625


def test_a_record_written_before_robustness_was_kept_has_none() -> None:
    record = _parse(_record())
    assert record.robustness == {} and record.robust_accuracy is None
    assert "robustness" in json.loads(record.to_json())


def test_a_score_of_another_model_file_is_not_shown() -> None:
    stale = _result().to_record("cd" * 32).as_dict()
    record = _parse(_record(robustness=stale))
    assert record.measured_robustness is None and record.robust_accuracy is None


@pytest.mark.parametrize(
    "robustness",
    [
        {"overall_mean": "high", "n_images": 50, "seed": 0, "sha256": SHA},
        {"overall_mean": 0.5, "n_images": True, "seed": 0, "sha256": SHA},
        {"overall_mean": 0.5, "n_images": 50, "seed": 0},
        {"overall_mean": 0.5, "n_images": 50, "sha256": SHA},
    ],
)
def test_a_mangled_robustness_is_not_shown(robustness: dict[str, object]) -> None:
    assert _parse(_record(robustness=robustness)).robust_accuracy is None


def test_a_robustness_that_is_not_an_object_makes_the_record_damaged() -> None:
    with pytest.raises(ModelFileError, match=r"wrong type: \['robustness'\]"):
        _parse(_record(robustness=[0.5]))


def test_a_score_is_recorded_only_for_the_file_it_was_measured_on(
    mnist: Dataset, tmp_path: Path
) -> None:
    store = ModelStore(tmp_path)
    first = train_model(MODEL, mnist, store=store, n_train=300)
    measured = _result().to_record(first.sha256)
    train_model(MODEL, mnist, store=store, n_train=200)  # trained again meanwhile
    with pytest.raises(ModelFileError, match="was trained again while it was measured"):
        store.update_robustness(MODEL, measured)
    assert store.record(MODEL).robustness == {}

    now = store.record(MODEL)
    recorded = store.update_robustness(MODEL, _result().to_record(now.sha256))
    assert store.record(MODEL) == recorded and recorded.robust_accuracy == 0.625
    assert recorded.sha256 == now.sha256 and recorded.file == now.file
