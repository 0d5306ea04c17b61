"""The unsure rule: real digits are sure, noise and solid patches are not."""

from __future__ import annotations

import numpy as np
from PIL import Image

from mnistlab.data import Dataset
from mnistlab.models.confidence import MIN_PROBABILITY, judge
from mnistlab.preprocess import to_mnist

SURE = np.eye(10)[7]


def _as_scan(pixels: np.ndarray) -> Image.Image:
    return Image.fromarray(255 - pixels.reshape(28, 28).astype(np.uint8))


def test_real_test_digits_are_not_unsure(mnist: Dataset) -> None:
    for index in range(200):
        digit = to_mnist(_as_scan(mnist.X_test[index]))
        assert not judge(digit, SURE, "mnist").unsure, index


def test_uniform_random_noise_is_unsure() -> None:
    rng = np.random.default_rng(0)
    for side in (28, 100, 300):
        noise = rng.integers(0, 256, (side, side), dtype=np.uint8)
        confidence = judge(to_mnist(Image.fromarray(noise)), SURE, "mnist")
        assert confidence.unsure, side
        assert confidence.reason and "ink" in confidence.reason


def test_a_low_top_probability_is_unsure(mnist: Dataset) -> None:
    digit = to_mnist(_as_scan(mnist.X_test[0]))
    spread = np.full(10, (1 - 0.4) / 9)
    spread[7] = 0.4
    confidence = judge(digit, spread, "mnist")
    assert confidence.unsure and confidence.reason == (
        f"the top probability is 40%, below {MIN_PROBABILITY:.0%}"
    )


def test_the_ink_rule_is_for_pen_strokes_only() -> None:
    solid = np.zeros((28, 28), np.uint8)
    solid[4:24, 4:24] = 255
    assert judge(solid, SURE, "mnist").unsure
    assert not judge(solid, SURE, "fashion-mnist").unsure
