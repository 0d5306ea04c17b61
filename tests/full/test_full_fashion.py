"""The complete study on the full Fashion-MNIST, as ``mnistlab study -d fashion-mnist`` runs it.

Like tests/full/test_full_study.py it runs only with ``MNISTLAB_FULL_STUDY=1`` (CI sets
it), as a real process sharing the test run's cache. Fashion-MNIST is read from
``fashion-mnist`` beside the MNIST directory (CI's ``../shared/data``) or through the
tool's own chain. The report must hold every step, key and figure of the MNIST study,
speak of clothes in their class names and never of digits, and say why the book's
numbers are not compared.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
from pathlib import Path
from typing import Any

import pytest

from mnistlab.config import Locations
from mnistlab.data import Dataset
from tests.full import test_full_study
from tests.full.test_full_study import EXPECTED_FIGURES, EXPECTED_KEYS, run_study_command
from tests.report.test_dataset_words import forbidden_words, readable

# Full data, slow, and only with MNISTLAB_FULL_STUDY=1, as the MNIST study.
pytestmark = test_full_study.pytestmark

CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot")  # fmt: skip


@pytest.fixture(scope="module")
def report(
    fashion_mnist: Dataset, locations: Locations, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    beside = None if locations.data_dir is None else locations.data_dir.parent / "fashion-mnist"
    where = dataclasses.replace(locations, data_dir=beside if beside and beside.is_dir() else None)
    out = tmp_path_factory.mktemp("full-fashion") / "report"
    run_study_command(out, where, "-d", "fashion-mnist")
    return out


@pytest.fixture(scope="module")
def results(report: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((report / "results.json").read_text())
    return loaded


def test_every_step_key_and_figure_on_fashion_mnist(report: Path, results: dict[str, Any]) -> None:
    assert results["data_name"] == "fashion-mnist"
    assert results["data"]["n_train"] == 60_000 and results["data"]["n_test"] == 10_000
    assert list(results["steps"]) == list(EXPECTED_KEYS)
    for name, keys in EXPECTED_KEYS.items():
        assert set(keys) <= set(results["steps"][name]["values"]), name
    for step, slugs in EXPECTED_FIGURES.items():
        drawn = {f["slug"] for f in results["figures"][step]}
        assert slugs <= drawn, step
        for figure in results["figures"][step]:
            assert (report / figure["png"]).stat().st_size > 1000


def test_known_facts_of_fashion_mnist(results: dict[str, Any]) -> None:
    look = results["steps"]["look"]["values"]
    assert look["train_class_counts"] == [6000] * 10
    assert look["some_digit_label"] == 9 and look["some_digit_name"] == "Ankle boot"
    assert results["steps"]["binary"]["values"]["positive_class"] == 5
    # Published anchors: a linear model reads clothes less well than digits, the SVC better.
    multiclass = results["steps"]["multiclass"]["values"]
    assert 0.70 < min(multiclass["sgd_cv_accuracies"]) < 0.90


def test_the_report_speaks_of_clothes_not_digits(report: Path, results: dict[str, Any]) -> None:
    page = readable((report / "index.html").read_text())
    assert forbidden_words(page) == []
    for name in CLASS_NAMES:
        assert name in page, name
    assert "Fashion-MNIST" in page
    book = results["book"]
    assert book["compared"] is False and "Fashion-MNIST" in book["skipped"]
    assert re.search(r"Fashion-MNIST", html.unescape(book["skipped"]))
