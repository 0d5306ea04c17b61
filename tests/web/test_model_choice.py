"""What ``serve`` answers with when some models' files are missing or damaged."""

from __future__ import annotations

from pathlib import Path

import pytest

from mnistlab.data import Dataset
from mnistlab.errors import ModelFileError
from mnistlab.models.store import ModelStore
from mnistlab.models.training import train_model
from mnistlab.web.server import ServerStart, serve


class _Started(Exception):
    """Raised from ``on_start`` to stop before serving."""


@pytest.fixture
def models_dir(mnist: Dataset, tmp_path: Path) -> Path:
    """The fast and accurate knn-tuned, damaged; knn-shift, usable."""
    store = ModelStore(tmp_path / "models")
    for name, accuracy in (("knn-tuned", 0.99), ("knn-shift", 0.9)):
        train_model(name, mnist, store=store, n_train=1_000)
        store.update_metrics(name, {"test_accuracy": accuracy, "predict_ms_single": 0.5})
    path = store.directory / store.record("knn-tuned").file
    path.write_bytes(path.read_bytes() + b"\0")
    return store.directory


def _start(models_dir: Path, model: str | None = None) -> ServerStart:
    seen: list[ServerStart] = []

    def stop(start: ServerStart) -> None:
        seen.append(start)
        raise _Started

    with pytest.raises(_Started):
        serve(model, models_dir=models_dir, port=0, workers=1, on_start=stop)
    return seen[0]


def test_serve_passes_over_a_damaged_model_and_says_so(models_dir: Path) -> None:
    start = _start(models_dir)
    assert start.model == "knn-shift"
    assert len(start.skipped) == 1
    assert start.skipped[0].startswith("skipped model knn-tuned: damaged: ")
    lines = str(start).splitlines()
    assert lines[0] == start.skipped[0] and lines[1].startswith("Serving model knn-shift on ")


def test_serving_a_damaged_model_by_name_is_refused(models_dir: Path) -> None:
    with pytest.raises(ModelFileError, match=r"'knn-tuned': damaged .*mnistlab train knn-tuned"):
        serve("knn-tuned", models_dir=models_dir, port=0, workers=1)
