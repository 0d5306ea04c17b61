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
