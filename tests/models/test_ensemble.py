"""The ensemble averages its members, each trained differently, and its file is safe."""

from __future__ import annotations

import os
import pickle
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from mnistlab.data import Dataset
from mnistlab.errors import ConfigError, ModelFileError
from mnistlab.models import cnn, ensemble
from mnistlab.models.augment import affine_matrices, warp
from mnistlab.models.cnn import (
    TrainingConfig,
    network_probabilities,
    predict_tensor,
    validation_split,
)
from mnistlab.models.registry import get_model_spec

TINY = {
    "seed": 0,
    "threads": 1,
    "members": 3,
    "epochs": 1,
    "width": 8,
    "hidden": 32,
    "n_validation": 100,
}


class Progress:
    def __init__(self) -> None:
        self.calls: list[tuple[str, float, float | None]] = []

    def __call__(self, task: str, completed: float, total: float | None) -> None:
        self.calls.append((task, completed, total))


@pytest.fixture(scope="module")
def trained(mnist: Dataset) -> tuple[ensemble.EnsembleClassifier, Progress]:
    progress = Progress()
    model = ensemble.train(TINY, mnist.X_train[:1000], mnist.y_train[:1000], progress)
    return model, progress


def test_members_differ_and_the_ensemble_is_their_mean(
    trained: tuple[ensemble.EnsembleClassifier, Progress], mnist: Dataset
) -> None:
    model, _ = trained
    assert len(model.networks) == 3 and len(model.validation_accuracy) == 3
    queries = mnist.X_test[:500]
    members = [network_probabilities(net, queries) for net in model.networks]
    assert not np.array_equal(members[0], members[1])
    plain = ensemble.EnsembleClassifier(model.networks, views=[(0.0, 1.0)], threads=1)
    np.testing.assert_allclose(plain.predict_proba(queries), np.mean(members, axis=0), rtol=1e-12)


def test_each_member_reads_every_view(
    trained: tuple[ensemble.EnsembleClassifier, Progress], mnist: Dataset
) -> None:
    model, _ = trained
    assert model.views == ensemble.DEFAULT_VIEWS
    queries = mnist.X_test[:300]
    x = torch.from_numpy(queries.astype(np.float32) / 255).view(-1, 1, 28, 28)
    expected = np.zeros((300, 10))
    for degrees, scale in model.views:
        theta = affine_matrices(
            torch.full((300,), degrees), torch.full((300,), scale), torch.zeros(300, 2)
        )
        for net in model.networks:
            expected += predict_tensor(net, warp(x, theta)).numpy()
    expected /= len(model.views) * len(model.networks)
    proba = model.predict_proba(queries)
    np.testing.assert_allclose(proba, expected, atol=1e-6)
    assert proba.dtype == np.float64 and proba.shape == (300, 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    # One image alone gets the same answer as in a batch.
    np.testing.assert_allclose(model.predict_proba(queries[:1]), proba[:1], atol=1e-6)


def test_progress_runs_over_all_members(
    trained: tuple[ensemble.EnsembleClassifier, Progress],
) -> None:
    _, progress = trained
    done = [completed for _, completed, _ in progress.calls]
    totals = {total for _, _, total in progress.calls}
    assert done == sorted(done) and len(totals) == 1 and done[-1] == totals.pop()
    assert progress.calls[0][0].startswith("member 1/3 · epoch 1/1 · loss ")
    assert progress.calls[-1][0].startswith("member 3/3 · epoch 1/1 · loss ")


def test_members_hold_out_disjoint_slices_that_cover_the_training_set() -> None:
    config = TrainingConfig(seed=42)
    slices = [validation_split(60_000, config, part=k)[1] for k in range(12)]
    assert all(len(s) == 5000 for s in slices)
    assert len(np.unique(np.concatenate(slices))) == 60_000
    train_rows, val_rows = validation_split(60_000, config, part=3)
    assert len(np.intersect1d(train_rows, val_rows)) == 0 and len(train_rows) == 55_000


def test_same_seed_gives_the_same_ensemble(
    trained: tuple[ensemble.EnsembleClassifier, Progress], mnist: Dataset
) -> None:
    model, _ = trained
    again = ensemble.train(TINY, mnist.X_train[:1000], mnist.y_train[:1000], Progress())
    for a, b in zip(model.networks, again.networks, strict=True):
        sa, sb = a.state_dict(), b.state_dict()
        assert all(torch.equal(sa[k], sb[k]) for k in sa)


def test_save_then_load_predicts_identically(
    trained: tuple[ensemble.EnsembleClassifier, Progress], mnist: Dataset, tmp_path: Path
) -> None:
    model, _ = trained
    path = tmp_path / f"ensemble{ensemble.FILE_SUFFIX}"
    ensemble.save(model, path)
    loaded = ensemble.load(path, TINY)
    queries = mnist.X_test[:200]
    np.testing.assert_array_equal(loaded.predict_proba(queries), model.predict_proba(queries))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"members": 0}, "'members' must be an int from 1 to 64"),
        ({"views": []}, r"'views' must be 1 to 16 \[degrees, scale\] pairs"),
        ({"views": [[0, 1], [90, 1]]}, r"\|degrees\| <= 45"),
        ({"views": [[0, 1, 2]]}, "pairs"),
    ],
)
def test_bad_ensemble_settings_are_refused(
    mnist: Dataset, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        ensemble.train(changes, mnist.X_train[:100], mnist.y_train[:100], Progress())


class RunsCode:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (f"touch {self.marker}",))


def test_a_file_that_would_run_code_is_refused_without_running_it(tmp_path: Path) -> None:
    marker, path = tmp_path / "pwned", tmp_path / "evil.pt"
    payload = {"format": ensemble.FILE_FORMAT, "version": 1, "members": [RunsCode(marker)]}
    torch.save(payload, path)
    with pytest.raises(ModelFileError, match="is not a readable mnistlab-cnn-ensemble model"):
        ensemble.load(path, TINY)
    path.write_bytes(pickle.dumps(payload, protocol=2))
    with pytest.raises(ModelFileError, match="is not a readable mnistlab-cnn-ensemble model"):
        ensemble.load(path, TINY)
    assert not marker.exists()


def test_foreign_empty_and_tampered_files_are_refused(
    trained: tuple[ensemble.EnsembleClassifier, Progress], tmp_path: Path
) -> None:
    model, _ = trained
    single = tmp_path / "single.pt"
    cnn.save(cnn.CNNClassifier(model.networks[0], threads=1), single)
    with pytest.raises(ModelFileError, match="is not a mnistlab-cnn-ensemble model file"):
        ensemble.load(single, TINY)

    path = tmp_path / "ensemble.pt"
    ensemble.save(model, path)
    payload = torch.load(path, weights_only=True)
    payload["members"] = []
    torch.save(payload, path)
    with pytest.raises(ModelFileError, match="holds no list of ensemble members"):
        ensemble.load(path, TINY)

    ensemble.save(model, path)
    payload = torch.load(path, weights_only=True)
    payload["views"] = [[0.0, float("nan")]]
    torch.save(payload, path)
    with pytest.raises(ModelFileError, match="its views must be"):
        ensemble.load(path, TINY)

    ensemble.save(model, path)
    payload = torch.load(path, weights_only=True)
    payload["members"][2]["state_dict"]["features.0.weight"] = torch.zeros(8, 1, 5, 5)
    torch.save(payload, path)
    with pytest.raises(ModelFileError, match=r"wrong tensor 'features\.0\.weight'"):
        ensemble.load(path, TINY)


def test_the_registry_settings_are_complete() -> None:
    settings = dict(get_model_spec("ensemble").settings)
    members = settings.pop("members")
    assert isinstance(members, int) and members > 1
    assert ensemble.check_views(settings.pop("views"), what="views") == ensemble.DEFAULT_VIEWS
    assert {f.name for f in fields(TrainingConfig)} == set(settings)
    TrainingConfig.from_settings(settings)
