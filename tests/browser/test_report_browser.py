"""The report in a real headless Chromium, opened from disk like a user would.

The Chromium is found by ``tests/browser/conftest.py`` (``MNISTLAB_CHROMIUM``,
then ``PATH``, then Playwright's own download); Playwright drives it. Without a
browser the test skips, except in CI or with ``MNISTLAB_REQUIRE_BROWSER=1``:
then a missing browser fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mnistlab.config import Settings
from mnistlab.data import Dataset
from mnistlab.report import write_report
from mnistlab.study import StudyData, StudySettings, run_study

ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STEPS = ["look", "binary", "confusion", "tradeoff", "roc", "denoising", "tuning"]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def report(mnist: Dataset, settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = StudyData.from_dataset(mnist).head(3000, 500)
    results = run_study(data, StudySettings(), steps=STEPS, cache_dir=settings.cache_dir)
    return write_report(results, data, tmp_path_factory.mktemp("browser") / "r", source="local")


def test_report_loads_offline_with_every_image(chromium: Path, report: Path) -> None:
    from playwright.sync_api import sync_playwright

    console_errors: list[str] = []
    failed: list[str] = []
    requested: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            page.on(
                "console", lambda m: console_errors.append(m.text) if m.type == "error" else None
            )
            page.on("pageerror", lambda e: console_errors.append(str(e)))
            page.on("requestfailed", lambda r: failed.append(r.url))
            page.on("request", lambda r: requested.append(r.url))
            response = page.goto(report.as_uri(), wait_until="load")
            assert response is not None and response.ok
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
        finally:
            browser.close()
    assert console_errors == []
    assert failed == []
    # The page fetched nothing but itself and its data URIs.
    assert [u for u in requested if not u.startswith(("data:", report.as_uri()))] == []
