"""The Chromium the browser tests drive, found in one place.

In order: ``MNISTLAB_CHROMIUM`` (a path), then ``chromium``, ``chromium-browser``
or ``google-chrome`` on ``PATH``, then the browser Playwright downloaded itself
(``playwright install chromium``), if it is there. Without one the tests skip,
except in CI (``CI=true``) or with ``MNISTLAB_REQUIRE_BROWSER=1``: there a
missing browser fails the run.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM_ENV = "MNISTLAB_CHROMIUM"
REQUIRE_ENV = "MNISTLAB_REQUIRE_BROWSER"
ON_PATH = ("chromium", "chromium-browser", "google-chrome")
HOW_TO_GET_ONE = (
    f"set {CHROMIUM_ENV} to a Chromium executable, put one of {', '.join(ON_PATH)} on PATH "
    "(Debian: apt-get install chromium), or run `.venv/bin/playwright install chromium`"
)


def _executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _playwright_chromium() -> Path | None:
    """The Chromium Playwright downloaded, if Playwright is installed and the browser is there."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    try:
        with sync_playwright() as p:
            path = Path(p.chromium.executable_path)
    except Exception:  # no driver, or no browser for this platform: not found
        return None
    return path if _executable(path) else None


def find_chromium() -> tuple[Path | None, str]:
    """Return the Chromium to drive, or ``None`` and why none was found."""
    given = os.environ.get(CHROMIUM_ENV)
    if given:
        path = Path(given).expanduser()
        if _executable(path):
            return path, CHROMIUM_ENV
        return None, f"{CHROMIUM_ENV}={given} is not an executable file"
    for name in ON_PATH:
        found = shutil.which(name)
        if found is not None:
            return Path(found), f"PATH ({name})"
    downloaded = _playwright_chromium()
    if downloaded is not None:
        return downloaded, "Playwright's own download"
    return None, f"no Chromium found: {HOW_TO_GET_ONE}"


@pytest.fixture(scope="session")
def chromium() -> Path:
    """The Chromium executable; skips (or, in CI, fails) when there is none."""
    path, why = find_chromium()
    if path is None:
        if os.environ.get("CI") == "true" or os.environ.get(REQUIRE_ENV) == "1":
            required = f"a browser is required here (CI or {REQUIRE_ENV}=1)"
            pytest.fail(f"{required} but {why}", pytrace=False)
        pytest.skip(why)
    return path
