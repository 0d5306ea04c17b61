"""The runner: step selection, progress, JSON output and the disk cache."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import numpy as np
import pytest

from mnistlab.errors import StudyError
from mnistlab.study import STEPS, StudyData, StudySettings, run_study
from mnistlab.study.cache import CacheEntry, ResultCache


@pytest.fixture(scope="module")
def tiny(study_data: StudyData) -> StudyData:
    return study_data.head(1000, 100)


def test_steps_are_the_fourteen_in_order() -> None:
    assert [s.number for s in STEPS] == list(range(1, 15))
    assert [s.name for s in STEPS][:3] == ["look", "binary", "cross_validation"]


def test_unknown_step(tiny: StudyData) -> None:
    with pytest.raises(StudyError, match="Unknown study steps"):
        run_study(tiny, steps=["nope"])


def test_subset_progress_and_json(tiny: StudyData, tmp_path: Path) -> None:
    events: list[tuple[int, str]] = []
    results = run_study(
        tiny,
        steps=["denoising", "look"],
        cache_dir=tmp_path,
        progress=lambda spec, event: events.append((spec.number, event)),
    )
    assert list(results.steps) == ["look", "denoising"]  # the chapter's order
    assert events == [(1, "start"), (1, "done"), (13, "start"), (13, "done")]
    document = json.loads(json.dumps(results.to_json_dict()))
    assert document["steps"]["denoising"]["number"] == 13
    assert document["settings"]["positive_class"] == 5
    assert set(document["versions"]) >= {"python", "numpy", "scikit-learn", "scipy", "mnistlab"}


@pytest.mark.slow
def test_second_run_comes_from_cache(tiny: StudyData, tmp_path: Path) -> None:
    steps = ["forest"]
    settings = StudySettings(n_jobs=1)
    first = run_study(tiny, settings, steps=steps, cache_dir=tmp_path)
    assert not first.steps["forest"].cached
    t0 = time.perf_counter()
    second = run_study(tiny, settings, steps=steps, cache_dir=tmp_path)
    assert time.perf_counter() - t0 < 2.0
    assert second.steps["forest"].cached
    assert second.steps["forest"].values == first.steps["forest"].values
    again = run_study(tiny, settings, steps=steps, cache_dir=tmp_path, use_cache=False)
    assert not again.steps["forest"].cached
    assert again.steps["forest"].values == first.steps["forest"].values


def test_corrupted_entry_is_recomputed_with_a_warning(
    tiny: StudyData, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first = run_study(tiny, steps=["denoising"], cache_dir=tmp_path)
    npz = next((tmp_path / "study").glob("*.npz"))
    npz.write_bytes(b"not a zip file")
    with caplog.at_level(logging.WARNING, logger="mnistlab.study.cache"):
        second = run_study(tiny, steps=["denoising"], cache_dir=tmp_path)
    assert "unreadable" in caplog.text
    assert not second.steps["denoising"].cached
    assert np.array_equal(
        second.steps["denoising"].arrays["cleaned"], first.steps["denoising"].arrays["cleaned"]
    )
    third = run_study(tiny, steps=["denoising"], cache_dir=tmp_path)
    assert third.steps["denoising"].cached


def test_cache_keys_depend_on_data(tiny: StudyData, tmp_path: Path) -> None:
    run_study(tiny, steps=["denoising"], cache_dir=tmp_path)
    other = tiny.head(900, 100)
    assert not run_study(other, steps=["denoising"], cache_dir=tmp_path).steps["denoising"].cached


def test_cache_never_unpickles(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path)
    cache.save("k", CacheEntry({"a": [1, 2]}, {"x": np.arange(3)}))
    # An object array would need pickle; the cache must refuse to load it.
    np.savez(tmp_path / "k.npz", x=np.array([object()], dtype=object))
    assert cache.load("k") is None
    assert not (tmp_path / "k.json").exists()


def test_settings_validation() -> None:
    from mnistlab.errors import ConfigError

    with pytest.raises(ConfigError, match="positive_class"):
        StudySettings(positive_class=62)
    # 12 is a class of a data set of 13 classes or more: the data decides (test_class_counts).
    assert StudySettings(positive_class=12).positive_class == 12
    with pytest.raises(ConfigError, match="class_pair"):
        StudySettings(class_pair=(3, 3))
    with pytest.raises(ConfigError, match="target_precision"):
        StudySettings(target_precision=0.0)
    assert StudySettings(class_pair=(1, 7)).as_dict()["class_pair"] == [1, 7]


def test_data_validation(tiny: StudyData) -> None:
    with pytest.raises(StudyError, match="X_train must have shape"):
        StudyData(
            "x", tiny.class_names, tiny.X_train[:, :10], tiny.y_train, tiny.X_test, tiny.y_test, "c"
        )
    assert tiny.head(10, 5).checksum.endswith("head10x5")
