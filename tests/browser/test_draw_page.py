"""The draw-a-digit page in a real headless Chromium against a real server.

The server is uvicorn on a loopback port with the real ``knn-tuned`` model;
the browser is a headless Chromium (found by ``tests/browser/conftest.py``)
driven by Playwright. Strokes are drawn with the mouse (and, on a phone-sized
page, with touch events), and the test reads the prediction and the ten
probability bars from the page the way a person would see them. Without a
browser the tests skip, except in CI or with ``MNISTLAB_REQUIRE_BROWSER=1``:
then a missing browser fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from mnistlab.config import Locations
from mnistlab.data import Dataset
from mnistlab.models.store import ModelStore, TrainedModel
from mnistlab.web.app import create_app
from tests.web.servers import digit_png, running_server, slowed, trained_model

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from tests.browser.conftest import OpenPage, PageEvents

pytestmark = [pytest.mark.browser, pytest.mark.slow]

Stroke = list[tuple[float, float]]  # points as fractions of the pad's width and height
ONE: list[Stroke] = [[(0.5, 0.15), (0.5, 0.5), (0.5, 0.85)]]
SEVEN: list[Stroke] = [[(0.25, 0.18), (0.5, 0.18), (0.75, 0.18), (0.6, 0.5), (0.45, 0.85)]]
ZERO: list[Stroke] = [
    [(0.5 + 0.2 * x, 0.5 + 0.33 * y) for x, y in [
        (0.0, -1.0), (0.71, -0.71), (1.0, 0.0), (0.71, 0.71), (0.0, 1.0),
        (-0.71, 0.71), (-1.0, 0.0), (-0.71, -0.71), (0.0, -1.0), (0.3, -0.95),
    ]]
]  # fmt: skip
ARM_OF_FOUR: list[Stroke] = [[(0.22, 0.15), (0.2, 0.58), (0.75, 0.58)]]  # added to ONE

READ_RESULT = """async () => {
  await Promise.all(document.getAnimations().map((a) => a.finished));  // bars grow smoothly
  const result = document.getElementById("result");
  const seen = document.getElementById("seen").getContext("2d").getImageData(0, 0, 28, 28);
  return {
    state: result.dataset.state,
    seq: Number(result.dataset.seq),
    digit: document.getElementById("digit").textContent,
    status: document.getElementById("status").textContent,
    bars: [...document.querySelectorAll("#bars .bar")].map((bar) => ({
      digit: Number(bar.dataset.digit),
      probability: Number(bar.dataset.probability),
      label: bar.querySelector(".label").textContent,
      value: bar.querySelector(".value").textContent,
      width: bar.querySelector(".fill").getBoundingClientRect().width,
      track: bar.querySelector(".track").getBoundingClientRect().width,
    })),
    seenInk: seen.data.filter((v, i) => i % 4 === 0 && v > 0).length,
    undo: document.getElementById("undo").disabled,
    clear: document.getElementById("clear").disabled,
  };
}"""


@pytest.fixture(scope="module")
def model(mnist: Dataset, locations: Locations) -> TrainedModel:
    return trained_model(mnist, locations)


@pytest.fixture(scope="module")
def server(model: TrainedModel, locations: Locations) -> Iterator[str]:
    app = create_app(model=model, store=ModelStore(locations.models_dir))
    with running_server(app) as base:
        yield base


@pytest.fixture
def watched(open_page: OpenPage, server: str) -> tuple[Page, PageEvents]:
    """A fresh desktop page on the app, with its model loaded, and what it does."""
    page, events = open_page(server + "/")
    page.wait_for_function("() => document.getElementById('model').dataset.model === 'knn-tuned'")
    return page, events


def _result(page: Page) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(READ_RESULT)
    return result


def _wait_for_answer(page: Page, after: int) -> dict[str, Any]:
    page.wait_for_function(
        "n => { const r = document.getElementById('result');"
        " return Number(r.dataset.seq) > n && r.dataset.state !== 'pending'; }",
        arg=after,
        timeout=15_000,
    )
    return _result(page)


def _draw_mouse(page: Page, strokes: list[Stroke]) -> None:
    box = page.locator("#pad").bounding_box()
    assert box is not None
    for stroke in strokes:
        x, y = stroke[0]
        page.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"])
        page.mouse.down()
        for x, y in stroke[1:]:
            page.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"], steps=8)
        page.mouse.up()


def _draw_touch(page: Page, strokes: list[Stroke]) -> None:
    # Playwright has no touch-move of its own; the DevTools protocol sends real
    # touch events, which the browser turns into pointer events of type "touch".
    box = page.locator("#pad").bounding_box()
    assert box is not None
    cdp = page.context.new_cdp_session(page)
    for stroke in strokes:
        points = [(box["x"] + x * box["width"], box["y"] + y * box["height"]) for x, y in stroke]
        dense = [points[0]]
        for (x0, y0), (x1, y1) in pairwise(points):
            dense += [(x0 + (x1 - x0) * t / 8, y0 + (y1 - y0) * t / 8) for t in range(1, 9)]
        cdp.send(
            "Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [_touch(dense[0])]}
        )
        for p in dense[1:]:
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [_touch(p)]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def _touch(point: tuple[float, float]) -> dict[str, float]:
    return {"x": point[0], "y": point[1], "radiusX": 2, "radiusY": 2, "force": 1}


def _check_bars(result: dict[str, Any]) -> list[float]:
    bars = result["bars"]
    assert [b["digit"] for b in bars] == list(range(10))
    assert [b["label"] for b in bars] == [str(d) for d in range(10)]
    probabilities = [b["probability"] for b in bars]
    assert sum(probabilities) == pytest.approx(1.0, abs=1e-6)
    for b in bars:
        assert b["value"] == f"{100 * b['probability']:.1f}%"
        assert b["width"] == pytest.approx(b["probability"] * b["track"], abs=1.5)
    assert result["digit"] == str(max(range(10), key=lambda d: probabilities[d]))
    assert result["seenInk"] > 20  # the 28×28 input is shown, with its ink
    return probabilities


def test_draw_digits_with_the_mouse_undo_and_clear(
    watched: tuple[Page, PageEvents],
) -> None:
    page, events = watched
    assert _result(page)["state"] == "empty"
    assert page.locator("#pad").evaluate("c => getComputedStyle(c).touchAction") == "none"

    _draw_mouse(page, ONE)
    one = _wait_for_answer(page, 0)
    assert one["state"] == "ready", one["status"]
    assert one["digit"] == "1"
    one_probabilities = _check_bars(one)
    assert not one["undo"] and not one["clear"]

    _draw_mouse(page, ARM_OF_FOUR)  # a second stroke makes the 1 a 4
    four = _wait_for_answer(page, one["seq"])
    assert four["state"] == "ready" and four["digit"] == "4", four["bars"]
    _check_bars(four)

    page.click("#undo")  # back to the same drawing, so to the same answer
    undone = _wait_for_answer(page, four["seq"])
    assert undone["digit"] == "1"
    assert _check_bars(undone) == pytest.approx(one_probabilities)

    page.click("#clear")
    cleared = _wait_for_answer(page, undone["seq"])
    assert cleared["state"] == "empty" and cleared["digit"] == "–"
    assert [b["probability"] for b in cleared["bars"]] == [0.0] * 10
    assert cleared["undo"] and cleared["clear"]
    blank = page.locator("#pad").evaluate(
        "c => c.getContext('2d').getImageData(0, 0, c.width, c.height).data.every(v => v === 255)"
    )
    assert blank

    for shape, digit in [(ZERO, "0"), (SEVEN, "7")]:
        before = _result(page)["seq"]
        _draw_mouse(page, shape)
        answer = _wait_for_answer(page, before)
        assert answer["digit"] == digit, answer["bars"]
        _check_bars(answer)
        page.click("#clear")
        _wait_for_answer(page, answer["seq"])

    assert events.clean(), events


def test_upload_a_real_mnist_digit_and_a_file_that_is_not_an_image(
    watched: tuple[Page, PageEvents],
    mnist: Dataset,
    tmp_path: Path,
) -> None:
    page, events = watched
    before = _result(page)["seq"]
    for index in (0, 1, 2):  # a 7, a 2 and a 1
        path = tmp_path / f"test-digit-{index}.png"
        path.write_bytes(digit_png(mnist.X_test[index], scale=10))
        page.set_input_files("#upload", str(path))
        answer = _wait_for_answer(page, before)
        assert answer["state"] == "ready", answer["status"]
        assert answer["digit"] == str(mnist.y_test[index])
        _check_bars(answer)
        assert not answer["clear"]  # the upload is on the pad and can be cleared
        before = answer["seq"]

    text = tmp_path / "notes.png"
    text.write_text("this is not a picture")
    page.set_input_files("#upload", str(text))
    error = _wait_for_answer(page, before)
    assert error["state"] == "error" and "not an image" in error["status"]
    assert error["digit"] == "–"
    # A 422 answer is logged by Chromium as a failed resource; nothing else is.
    assert all("422" in e for e in events.errors) and events.foreign == []


def test_a_finger_draws_on_a_phone_sized_page(browser: Browser, server: str) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    try:
        page = context.new_page()
        page.goto(server + "/", wait_until="load")
        layout = page.evaluate(
            "() => ({scroll: document.documentElement.scrollWidth, width: innerWidth,"
            " pad: document.getElementById('pad').getBoundingClientRect().width})"
        )
        assert layout["scroll"] <= layout["width"]  # nothing sticks out sideways
        assert 300 <= layout["pad"] <= layout["width"]
        _draw_touch(page, ONE)
        answer = _wait_for_answer(page, 0)
        assert answer["state"] == "ready" and answer["digit"] == "1"
        _check_bars(answer)
    finally:
        context.close()


def test_an_answer_that_comes_after_clear_is_not_shown(
    open_page: OpenPage, model: TrainedModel
) -> None:
    with running_server(create_app(model=slowed(model, delay=1.0))) as base:
        page, _ = open_page(base + "/")
        _draw_mouse(page, ONE)
        page.wait_for_function(
            "() => document.getElementById('result').dataset.state === 'pending'"
        )
        page.click("#clear")  # while the prediction of the 1 is on its way
        page.wait_for_timeout(1800)
        result = _result(page)
        assert result["state"] == "empty" and result["digit"] == "–"
        assert [b["probability"] for b in result["bars"]] == [0.0] * 10
        # The page still predicts the next drawing.
        _draw_mouse(page, ONE)
        answer = _wait_for_answer(page, result["seq"])
        assert answer["state"] == "ready" and answer["digit"] == "1"
        page.close()  # before its server stops
