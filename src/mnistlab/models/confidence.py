"""When to say "unsure": the answer may not be a digit of the model's data set.

A classifier always names some class, even for noise: a k-nearest-neighbour
model can give uniform random noise a digit with most of the votes. :func:`judge`
says *unsure* when either rule below holds; ``predict`` and the web app both
call it, so they agree.

1. **Low probability.** The top probability is below :data:`MIN_PROBABILITY`
   (one half): the model gives the other classes together more weight than
   its answer.
2. **Ink unlike the data set's** (out of distribution), for data sets with
   :data:`INK_LIMITS` (MNIST). The score is two ink statistics of the
   preprocessed 28×28 image (ink: pixels above :data:`INK_LEVEL`):

   - the share of the image covered by ink. MNIST's 60,000 training digits
     cover 4.3% to 44.4% (median 17%); above :attr:`InkLimits.max_ink` (45%),
     the ink fills the whole 20×20 box the preprocessing fits it into, which
     no pen stroke does;
   - the share of the ink's bounding box that is ink, when both sides of the
     box are at least :attr:`InkLimits.min_side` (8) pixels. Pen strokes
     leave most of a box empty: at most 87% of it among MNIST's 70,000 digits
     (99.9% of them below 76%); above :attr:`InkLimits.max_fill` (90%) the
     image is a solid patch. Narrower boxes are a "1" and are not judged.

   Uniform random noise, made MNIST-like, becomes a filled rectangle: its ink
   covers about 51% of a square image and 95–100% of its box. Both numbers are
   cheap (no training data is read) and deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: Below this top probability, the answer is unsure.
MIN_PROBABILITY = 0.5
#: A pixel of the preprocessed image (0–255) is ink above this level (10% of full).
INK_LEVEL = 25


@dataclass(frozen=True)
class InkLimits:
    """How much ink a data set's preprocessed images have, at most."""

    max_ink: float
    max_fill: float
    min_side: int


#: The ink limits of each data set whose images are pen strokes (see the module's notes).
INK_LIMITS: dict[str, InkLimits] = {"mnist": InkLimits(max_ink=0.45, max_fill=0.90, min_side=8)}


@dataclass(frozen=True)
class Confidence:
    """Whether an answer is unsure, and why.

    Attributes
    ----------
    unsure : bool
        The image may not be a digit of the model's data set.
    reason : str or None
        Why, in one short sentence; ``None`` when sure.
    """

    unsure: bool
    reason: str | None = None


def ink_statistics(digit: ArrayLike) -> tuple[float, float, int]:
    """Return the ink's share of the image, its share of its bounding box, and the box's
    shorter side in pixels, for a preprocessed 28×28 image (0–255, ink bright)."""
    ink: NDArray[np.bool_] = np.asarray(digit).reshape(28, 28) > INK_LEVEL
    count = int(ink.sum())
    if count == 0:
        return 0.0, 0.0, 0
    rows = np.flatnonzero(ink.any(axis=1))
    cols = np.flatnonzero(ink.any(axis=0))
    height = int(rows[-1] - rows[0] + 1)
    width = int(cols[-1] - cols[0] + 1)
    return count / ink.size, count / (height * width), min(height, width)


def judge(digit: ArrayLike, probabilities: ArrayLike, dataset: str = "mnist") -> Confidence:
    """Say whether a model's answer for one preprocessed image is unsure.

    Parameters
    ----------
    digit : array-like
        The preprocessed image the model saw (28×28 or 784 values, 0–255).
    probabilities : array-like
        The model's probability of each class.
    dataset : str, default "mnist"
        The data set the model was trained on; the ink rule applies to those
        in :data:`INK_LIMITS`.

    Returns
    -------
    Confidence

    Example
    -------
    >>> judge(np.full((28, 28), 255, np.uint8), np.eye(10)[3]).reason
    'ink covers 100% of the image (digits of mnist: at most 45%)'
    """
    limits = INK_LIMITS.get(dataset)
    if limits is not None:
        ink, fill, side = ink_statistics(digit)
        if ink > limits.max_ink:
            return Confidence(
                True,
                f"ink covers {ink:.0%} of the image (digits of {dataset}: at most "
                f"{limits.max_ink:.0%})",
            )
        if side >= limits.min_side and fill > limits.max_fill:
            return Confidence(
                True,
                f"the ink is a solid patch, not strokes ({fill:.0%} of its box; digits of "
                f"{dataset}: at most {limits.max_fill:.0%})",
            )
    top = float(np.max(np.asarray(probabilities, dtype=np.float64)))
    if top < MIN_PROBABILITY:
        return Confidence(True, f"the top probability is {top:.0%}, below {MIN_PROBABILITY:.0%}")
    return Confidence(False)
