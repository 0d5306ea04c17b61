"""The stratified subset study: its draw, its scaled sizes, its options and its cache keys."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.model_selection import train_test_split

from mnistlab.errors import ConfigError
from mnistlab.study import StudyData, StudySettings, run_study
from mnistlab.study.cache import CacheEntry
from mnistlab.study.context import StudyContext
from mnistlab.study.runner import COMPUTATIONS, computation_key, scaled_sizes
from mnistlab.study.subset import Subset

QUICK = Subset(n_train=10_000, n_test=2_000, seed=42, full_n_train=60_000, full_n_test=10_000)

#: Every computation's cache key for the whole data with the default settings, as the
#: keys were before subsets had sizes of their own (checksum "f" × 64, the versions below).
DEFAULT_KEYS = {
    "binary_sgd": "207d800b6e030b441a14f38d15fc2ef2",
    "forest": "630fed45d63afe671f00508109a7710a",
    "svc": "0023e141522c4496bc689cf02c3e91f2",
    "multiclass_sgd": "3b0e2c3e5b0ee2fbe1cec65e67bd63bd",
    "multilabel": "59cd9f481051f185ab1a7aabf3d2e2d3",
    "denoising": "59e4b40edaf0dd5c6d37c67adea10afe",
    "grid_search": "eb7a2374fd3b7c0552b2e8db8bee8153",
    "knn_test": "5997a737b831ed7c2cf347938a7fdc11",
}
VERSIONS = {"python": "3.11.7", "numpy": "2.4.6", "scikit-learn": "1.9.1"}
GRID_ENTRY = CacheEntry(
    values={"best_params": {"n_neighbors": 4, "weights": "distance"}}, arrays={}
)


def _fake(subset: Subset | None) -> StudyData:
    X, y = np.zeros((20, 784), dtype=np.uint8), np.arange(20, dtype=np.uint8) % 10
    return StudyData("mnist", tuple("0123456789"), X, y, X, y, "f" * 64, subset)


def _keys(data: StudyData) -> dict[str, str]:
    ctx = StudyContext(data, StudySettings())
    deps = {"grid_search": GRID_ENTRY}
    return {name: computation_key(name, ctx, deps, VERSIONS) for name in COMPUTATIONS}


def test_the_quick_study_scales_the_chapter_sizes() -> None:
    assert (QUICK.scaled(2000), QUICK.scaled(10_000)) == (333, 1667)
    assert QUICK.quick
    half = Subset(30_000, 5_000, 42, 60_000, 10_000)
    assert (half.scaled(2000), half.scaled(10_000), half.quick) == (1000, 5000, False)
    # Halves round up; never above the chapter's size, never below one image.
    assert Subset(3_015, 500, 42, 60_000, 10_000).scaled(2000) == 101  # 100.5
    assert Subset(60_000, 500, 42, 60_000, 10_000).scaled(2000) == 2000
    assert Subset(3_000, 500, 42, 60_000, 10_000).scaled(1) == 1


def test_default_study_cache_keys_are_unchanged() -> None:
    assert _keys(_fake(None)) == DEFAULT_KEYS


def test_scaled_sizes_join_the_keys_of_the_computations_that_use_them() -> None:
    keys = _keys(_fake(QUICK))  # the same checksum: only the sizes tell them apart
    changed = {name for name in COMPUTATIONS if keys[name] != DEFAULT_KEYS[name]}
    assert changed == {"svc", "grid_search"}
    assert scaled_sizes(StudyContext(_fake(QUICK), StudySettings())) == {
        "svc_train_size": 333,
        "grid_train_size": 1667,
    }
    # A subset whose scaled sizes are the chapter's keeps their keys.
    assert _keys(_fake(Subset(60_000, 2_000, 42, 60_000, 10_000))) == DEFAULT_KEYS


def test_the_subset_is_stratified_ordered_and_deterministic(study_data: StudyData) -> None:
    quick = study_data.stratified()
    assert (len(quick.y_train), len(quick.y_test)) == (10_000, 2_000)
    assert quick.subset == QUICK
    for y_sub, y_all in ((quick.y_train, study_data.y_train), (quick.y_test, study_data.y_test)):
        expected = np.bincount(y_all, minlength=10) * len(y_sub) / len(y_all)
        assert np.abs(np.bincount(y_sub, minlength=10) - expected).max() <= 1.0
    # The rows scikit-learn draws, in the data's own order.
    rows, _ = train_test_split(
        np.arange(60_000), train_size=10_000, stratify=study_data.y_train, random_state=42
    )
    rows = np.sort(rows)
    assert np.array_equal(quick.X_train, study_data.X_train[rows])
    assert np.array_equal(quick.y_train, study_data.y_train[rows])
    again = study_data.stratified(10_000, 2_000, seed=42)
    assert np.array_equal(again.X_train, quick.X_train)
    assert np.array_equal(again.X_test, quick.X_test)
    assert again.checksum == quick.checksum
    other_seed = study_data.stratified(seed=7)
    assert not np.array_equal(other_seed.y_train, quick.y_train)
    checksums = {
        study_data.checksum,
        quick.checksum,
        other_seed.checksum,
        study_data.head(10_000, 2_000).checksum,
        study_data.stratified(12_000, 2_000).checksum,
    }
    assert len(checksums) == 5
    assert study_data.stratified(60_000, 10_000) is study_data


def test_bad_subset_options(study_data: StudyData) -> None:
    with pytest.raises(ConfigError, match="n_train must be between 3,000 and 60,000"):
        study_data.stratified(100, 500)
    with pytest.raises(ConfigError, match="n_test must be between 100 and 10,000"):
        study_data.stratified(5_000, 20_000)
    with pytest.raises(ConfigError, match="give both n_train and n_test"):
        run_study(study_data, n_train=5_000, steps=["look"])
    with pytest.raises(ConfigError, match="already a subset"):
        study_data.stratified(5_000, 500).stratified(4_000, 500)


def test_quick_run_says_what_it_ran_on(study_data: StudyData) -> None:
    results = run_study(study_data, quick=True, steps=["look"])
    assert results.steps["look"].values["n_train"] == 10_000
    assert results.checksum == study_data.stratified().checksum
    assert results.data_of(study_data).checksum == results.checksum
    document = json.loads(json.dumps(results.to_json_dict()))
    assert document["subset"] == {
        "kind": "quick",
        "n_train": 10_000,
        "n_test": 2_000,
        "stratified": True,
        "seed": 42,
        "full_n_train": 60_000,
        "full_n_test": 10_000,
        "svc_train_size": 333,
        "grid_train_size": 1667,
    }
    assert "Quick study: 10,000 of 60,000 training" in repr(results)
    # Given the subset itself, the same study; the whole data keeps no "subset" key.
    same = run_study(study_data.stratified(), quick=True, steps=["look"])
    assert same.checksum == results.checksum
    whole = run_study(study_data.head(3_000, 500), steps=["look"])
    assert whole.subset is None and "subset" not in whole.to_json_dict()
