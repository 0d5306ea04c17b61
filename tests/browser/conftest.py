"""What the browser tests share: the Chromium they drive, the browser, and watched pages.

The Chromium is found in one place, in order: ``MNISTLAB_CHROMIUM`` (a path),
then ``chromium``, ``chromium-browser`` or ``google-chrome`` on ``PATH``, then
the browser Playwright downloaded itself (``playwright install chromium``), if
it is there. Without one the tests skip, except in CI (``CI=true``) or with
``MNISTLAB_REQUIRE_BROWSER=1``: there a missing browser fails the run.

One headless browser serves every test of the run (fixture ``browser``); a test
opens its pages with the fixture ``open_page``, which records what a page should
never do: log an error, fail a request, or fetch anything from elsewhere
(:class:`PageEvents`).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page, Request, ViewportSize

CHROMIUM_ENV = "MNISTLAB_CHROMIUM"
REQUIRE_ENV = "MNISTLAB_REQUIRE_BROWSER"
ON_PATH = ("chromium", "chromium-browser", "google-chrome")
#: Headless, and quiet: no sandbox (containers run as root), GPU, updates or syncing.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
#: A desktop window.
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
#: Addresses that are the page's own data, never a request to elsewhere.
IN_PAGE = ("data:", "blob:")
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


@pytest.fixture(scope="session")
def browser(chromium: Path) -> Iterator[Browser]:
    """A headless Chromium driven by Playwright, shared by every test of the run."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(chromium), args=list(CHROMIUM_ARGS))
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class PageEvents:
    """What a page did that it should not have, as it happened.

    Attributes
    ----------
    own : tuple of str
        The addresses the page may fetch: its own, and its ``data:`` and ``blob:`` URLs.
    errors : list of str
        Console errors and uncaught exceptions.
    failed : list of str
        Requests that failed.
    foreign : list of str
        Requests to any other address.
    """

    own: tuple[str, ...]
    errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)

    @classmethod
    def watch(cls, page: Page, *, own: str) -> PageEvents:
        """Record what ``page``, whose own address starts with ``own``, does from now on."""
        events = cls(own=(own, *IN_PAGE))
        page.on("console", events._console)
        page.on("pageerror", lambda error: events.errors.append(str(error)))
        page.on("requestfailed", lambda request: events.failed.append(request.url))
        page.on("request", events._request)
        return events

    def clean(self) -> bool:
        """Whether nothing was recorded."""
        return not (self.errors or self.failed or self.foreign)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def _request(self, request: Request) -> None:
        if not request.url.startswith(self.own):
            self.foreign.append(request.url)


class OpenPage(Protocol):
    """Load ``url`` in a new page of the browser; return the page and what it does."""

    def __call__(
        self, url: str, *, viewport: ViewportSize | None = None
    ) -> tuple[Page, PageEvents]: ...


@pytest.fixture
def open_page(browser: Browser) -> Iterator[OpenPage]:
    """Open watched pages (desktop-sized unless told otherwise); close them after the test.

    A page may fetch only from the address it was opened at (and its own
    ``data:`` and ``blob:`` URLs); anything else is recorded as foreign.
    """
    pages: list[Page] = []

    def open_watched(url: str, *, viewport: ViewportSize | None = None) -> tuple[Page, PageEvents]:
        page = browser.new_page(viewport=viewport or DESKTOP)
        pages.append(page)
        events = PageEvents.watch(page, own=url)
        response = page.goto(url, wait_until="load")
        assert response is not None and response.ok, url
        return page, events

    yield open_watched
    for page in pages:
        if not page.is_closed():
            page.close()
