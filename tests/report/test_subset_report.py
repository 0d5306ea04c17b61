"""A subset study's report says so on every page: at the top, in each step, in results.json."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from mnistlab.config import Locations
from mnistlab.data import Dataset
from mnistlab.report import write_report
from mnistlab.study import StudyData, StudyResults, StudySettings, run_study

STEPS = ["look", "binary", "roc"]


@pytest.fixture(scope="module")
def whole(mnist: Dataset) -> StudyData:
    return StudyData.from_dataset(mnist)


@pytest.fixture(scope="module")
def subset_report(whole: StudyData, locations: Locations, tmp_path_factory) -> Path:
    results = run_study(
        whole,
        StudySettings(),
        steps=STEPS,
        cache_dir=locations.cache_dir,
        n_train=3_000,
        n_test=500,
    )
    out = tmp_path_factory.mktemp("subset-report") / "report"
    # Given the whole data, the report draws from the subset the study ran on.
    write_report(results, whole, out, source="local")
    return out


def test_every_section_carries_the_banner(subset_report: Path) -> None:
    page = html.unescape((subset_report / "index.html").read_text(encoding="utf-8"))
    line = (
        "Subset study: 3,000 of 60,000 training and 500 of 10,000 test images "
        "(stratified, seed 42); SVCs on 100 images, grid search on 500"
    )
    top = re.search(r'<section class="card subset-banner" id="subset"[^>]*><p>([^<]*)</p>', page)
    assert top is not None and top.group(1).startswith(line)
    sections = re.findall(r'<section class="step card".*?</section>', page, flags=re.S)
    assert len(sections) == len(STEPS)
    for section in sections:
        assert f'<p class="subset-banner">{line}' in section
    assert "Training images</th><td>3,000" in page
    assert "this study ran on fewer" in page  # the book is not compared on a subset


def test_results_json_names_the_subset(subset_report: Path) -> None:
    document = json.loads((subset_report / "results.json").read_text(encoding="utf-8"))
    assert document["subset"] == {
        "kind": "subset",
        "n_train": 3_000,
        "n_test": 500,
        "stratified": True,
        "seed": 42,
        "full_n_train": 60_000,
        "full_n_test": 10_000,
        "svc_train_size": 100,
        "grid_train_size": 500,
    }
    assert document["data"]["n_train"] == 3_000
    assert document["data"]["checksum"] == document["checksum"]
    assert document["checksum"].endswith(":stratified3000x500seed42")
    assert document["book"]["compared"] is False


def test_a_study_of_the_first_images_has_no_banner(
    small_results: StudyResults, small_data: StudyData, tmp_path: Path
) -> None:
    index = write_report(small_results, small_data, tmp_path / "report", source="local")
    page = index.read_text(encoding="utf-8")
    assert 'class="subset-banner"' not in page and 'class="card subset-banner"' not in page
    document = json.loads((tmp_path / "report" / "results.json").read_text(encoding="utf-8"))
    assert "subset" not in document
