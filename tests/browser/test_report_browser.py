"""The report in a real headless Chromium, opened from disk like a user would.

The Chromium is found by ``tests/browser/conftest.py`` (``MNISTLAB_CHROMIUM``,
then ``PATH``, then Playwright's own download); Playwright drives it. Without a
browser the test skips, except in CI or with ``MNISTLAB_REQUIRE_BROWSER=1``:
then a missing browser fails.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from mnistlab.config import Locations
from mnistlab.data import Dataset
from mnistlab.report import write_report
from mnistlab.study import StudyData, StudySettings, run_study

if TYPE_CHECKING:
    from tests.browser.conftest import OpenPage

STEPS = ["look", "binary", "confusion", "tradeoff", "roc", "denoising", "tuning"]
#: The Fashion-MNIST page: the steps whose tables name classes, on few images.
FASHION_STEPS = ["look", "binary", "confusion", "roc"]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def report(mnist: Dataset, locations: Locations, tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = StudyData.from_dataset(mnist).head(3000, 500)
    results = run_study(data, StudySettings(), steps=STEPS, cache_dir=locations.cache_dir)
    return write_report(results, data, tmp_path_factory.mktemp("browser") / "r", source="local")


def test_report_loads_offline_with_every_image(open_page: OpenPage, report: Path) -> None:
    # The page may fetch nothing but itself and its data URIs.
    page, events = open_page(report.as_uri(), viewport={"width": 1366, "height": 900})
    assert page.title() == "MNIST classification study"
    images = page.locator("img")
    n = images.count()
    assert n >= 6
    for i in range(n):
        img = images.nth(i)
        img.scroll_into_view_if_needed()
        assert img.is_visible()
        size = img.evaluate("i => [i.complete, i.naturalWidth, i.naturalHeight]")
        assert size[0] and size[1] > 0 and size[2] > 0, img.get_attribute("alt")
    assert page.locator("section.step").count() == len(STEPS)
    assert page.locator("table.matrix").count() >= 2
    assert events.clean(), events


@pytest.fixture(scope="module")
def fashion_report(
    fashion_mnist: Dataset, locations: Locations, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    data = StudyData.from_dataset(fashion_mnist).head(1000, 200)
    results = run_study(data, StudySettings(), steps=FASHION_STEPS, cache_dir=locations.cache_dir)
    return write_report(results, data, tmp_path_factory.mktemp("fashion") / "r", source="local")


def test_fashion_report_names_its_classes(open_page: OpenPage, fashion_report: Path) -> None:
    page, events = open_page(fashion_report.as_uri())
    assert page.title() == "Fashion-MNIST classification study"
    look = page.locator("section#step-01-look")
    for name in ("T-shirt/top", "Ankle boot"):
        header = look.get_by_role("columnheader", name=name, exact=True)
        header.scroll_into_view_if_needed()
        assert header.is_visible()
    assert "class “Ankle boot”" in look.locator("figcaption").first.inner_text()
    matrix = page.locator("section#step-04-confusion table.matrix")
    assert matrix.get_by_role("columnheader", name="not Sandal", exact=True).is_visible()
    text = page.locator("body").inner_text().lower()
    assert "digit" not in text and "handwrit" not in text
    assert events.clean(), events
