"""The study's records in a notebook: short ``repr()``, HTML with the report's tables and
figures, and ``run_step`` giving exactly the step that ``run_study`` gives."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from mnistlab.config import Locations
from mnistlab.data import load
from mnistlab.errors import ConfigError
from mnistlab.study import StudyData, StudySettings, find_step, run_step, run_study

#: Big enough for every step the tests run; small enough to compute in seconds.
N_TRAIN, N_TEST = 1000, 200


@pytest.fixture(scope="module")
def tiny(study_data: StudyData) -> StudyData:
    return study_data.head(N_TRAIN, N_TEST)


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("notebook-cache")


def test_a_step_is_found_by_slug_number_or_dashed_name() -> None:
    assert find_step("roc").number == 8
    assert find_step(8).name == find_step("8").name == "roc"
    assert find_step("cross-validation").name == "cross_validation"


@pytest.mark.parametrize("step", ["nope", 0, 15, ""])
def test_an_unknown_step_is_a_one_line_error_listing_the_steps(
    tiny: StudyData, cache: Path, step: object
) -> None:
    with pytest.raises(ConfigError) as caught:
        run_step(step, tiny, cache_dir=cache)  # type: ignore[arg-type]
    message = str(caught.value)
    assert "\n" not in message
    assert "8 roc" in message and "14 tuning" in message


def test_run_step_gives_the_same_step_as_run_study(tiny: StudyData, cache: Path) -> None:
    settings = StudySettings(n_jobs=1)
    alone = run_step("roc", tiny, settings, cache_dir=cache)
    whole = run_study(tiny, settings, steps=["binary", "roc"], cache_dir=cache).steps["roc"]
    assert alone.spec == whole.spec
    assert alone.values == whole.values
    assert alone.arrays.keys() == whole.arrays.keys()
    for key, array in alone.arrays.items():
        np.testing.assert_array_equal(array, whole.arrays[key])
    # The study read the binary SGD that run_step left in the cache.
    assert whole.cached


def test_run_step_uses_the_commands_cache_by_default(
    tiny: StudyData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MNISTLAB_CACHE_DIR", str(tmp_path))
    run_step("binary", tiny, StudySettings(n_jobs=1))
    assert list((tmp_path / "study").iterdir())
    assert run_step(2, tiny, StudySettings(n_jobs=1)).cached


def test_a_step_prints_as_a_few_lines_with_its_numbers(tiny: StudyData, cache: Path) -> None:
    roc = run_step("roc", tiny, StudySettings(n_jobs=1), cache_dir=cache)
    text = repr(roc)
    lines = text.splitlines()
    assert lines[0].startswith("StepResult 8. ROC curve (roc):")
    assert f"roc_auc = {roc.values['roc_auc']:.6g}" in text
    assert "in .arrays: fpr" in text
    assert len(lines) <= 12 and max(len(line) for line in lines) <= 100


def test_a_step_shows_the_reports_tables_and_figures(tiny: StudyData, cache: Path) -> None:
    roc = run_step("roc", tiny, StudySettings(n_jobs=1), cache_dir=cache)
    html = roc._repr_html_()
    assert "8.</span> ROC curve" in html
    assert "<table" in html and "0.9" in html  # the ROC AUC, rounded as the report rounds it
    assert html.count("data:image/png;base64,") == 1


def test_the_image_steps_draw_their_images_from_the_data_run_step_keeps(
    tiny: StudyData, cache: Path
) -> None:
    look = run_step("look", tiny, cache_dir=cache)
    html = look._repr_html_()
    assert html.count("data:image/png;base64,") == 2  # the first digit, the first 100
    assert "Labels of the first 100 training images" in html


def test_a_study_prints_its_data_steps_and_settings(tiny: StudyData, cache: Path) -> None:
    results = run_study(tiny, StudySettings(n_jobs=1), steps=["look", "roc"], cache_dir=cache)
    text = repr(results)
    assert text.startswith("StudyResults of mnist: 2 steps in")
    assert "1,000 training and 200 test images" in text
    assert "steps: 1 look, 8 roc" in text
    assert "positive class 5" in text
    assert len(text.splitlines()) <= 8


def test_a_study_shows_every_step_with_its_data(tiny: StudyData, cache: Path) -> None:
    results = run_study(tiny, StudySettings(n_jobs=1), steps=["look", "roc"], cache_dir=cache)
    shown = results._repr_html_()
    assert "1.</span> Look at the data" in shown and "8.</span> ROC curve" in shown
    assert shown.count("data:image/png;base64,") == 3  # the ROC curve and two of images
    assert "Not compared with the book" in shown
    # Results rebuilt elsewhere (unpickled, copied) no longer know their data: the view
    # leaves the images out and says how to give it back.
    copied = dataclasses.replace(results)
    without = copied._repr_html_()
    assert without.count("data:image/png;base64,") == 1 and "with_data" in without
    assert copied.with_data(tiny)._repr_html_().count("data:image/png;base64,") == 3
    with pytest.raises(ConfigError, match="not the data the study ran on"):
        results.with_data(tiny.head(10, 10))


def test_a_study_gives_a_step_by_number_or_slug(tiny: StudyData, cache: Path) -> None:
    results = run_study(tiny, StudySettings(n_jobs=1), steps=["look"], cache_dir=cache)
    assert results.step(1) is results.step("look") is results.steps["look"]
    with pytest.raises(ConfigError, match="did not run"):
        results.step("roc")


def test_the_step_figures_are_matplotlib_figures(tiny: StudyData, cache: Path) -> None:
    from matplotlib.figure import Figure

    from mnistlab.report.notebook import step_figures

    roc = run_step("roc", tiny, StudySettings(n_jobs=1), cache_dir=cache)
    (figure,) = step_figures(roc)
    assert isinstance(figure, Figure)
    look = run_step("look", tiny, cache_dir=cache)
    with pytest.raises(ConfigError, match="pass the data"):
        step_figures(look)
    assert len(step_figures(look, tiny)) == 2


def test_a_dataset_prints_and_shows_itself(locations: Locations) -> None:
    dataset = load("mnist", locations=locations)  # from the tests' shared cache
    text = repr(dataset)
    assert text.startswith("Dataset mnist: 60,000 training and 10,000 test images of 28×28")
    assert "checksum: " in text and len(text.splitlines()) <= 7
    html = dataset._repr_html_()
    assert "Training images per class" in html and "5,421" in html  # the 5s
    assert html.count("data:image/png;base64,") == 1
