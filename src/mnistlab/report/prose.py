"""What each step of the study means, in a few plain sentences.

The text is written for the reader of the report, not for the author of the
code: what the numbers measure, and how to read the figure beside them. It
names classes through ``class_names`` so that the same words read right for
Fashion-MNIST ("the positive class, Sandal") as for MNIST ("the positive class,
5"). Paragraphs are plain text; a span in backticks is code.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_CODE = re.compile(r"`([^`]+)`")


@dataclass(frozen=True)
class Span:
    """A run of a paragraph's text: plain, or code."""

    text: str
    code: bool = False


#: A paragraph as the page shows it: runs of plain text and code.
Paragraph = tuple[Span, ...]


def paragraph(text: str) -> Paragraph:
    """Split a plain-text paragraph into its runs; a span in backticks is code.

    Example
    -------
    >>> [(s.text, s.code) for s in paragraph("Use `clone`.")]
    [('Use ', False), ('clone', True), ('.', False)]
    """
    parts = _CODE.split(text)
    # split() with one group alternates: text, code, text, code, ..., text.
    return tuple(Span(part, code=i % 2 == 1) for i, part in enumerate(parts) if part)


_NUMBER_WORDS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
]


def _in_words(n: int) -> str:
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else str(n)


@dataclass(frozen=True)
class ProseContext:
    """The names the prose refers to.

    Parameters
    ----------
    dataset : str
        The data set's name, e.g. ``"mnist"``.
    positive : str
        The name of the positive class of the binary detector.
    pair : tuple of str
        The names of the two classes of the error-analysis grid.
    target_precision : float
        The precision the threshold of step 7 aims for (0–1).
    svc_train_size, grid_train_size : int
        The training images of the SVCs (step 10) and of the grid search
        (step 14): the chapter's 2,000 and 10,000, fewer on a subset.
    n_classes : int
        How many classes the data set has (10 for MNIST).

    Example
    -------
    >>> ctx = ProseContext.from_names(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"])
    >>> ctx.positive
    '5'
    """

    dataset: str
    positive: str
    pair: tuple[str, str]
    target_precision: float
    svc_train_size: int = 2000
    grid_train_size: int = 10_000
    n_classes: int = 10

    @property
    def classes_word(self) -> str:
        """How many classes, in words up to twelve (``"ten"`` for MNIST), else in digits."""
        return _in_words(self.n_classes)

    @classmethod
    def from_names(
        cls,
        class_names: Sequence[str],
        *,
        dataset: str = "mnist",
        positive_class: int = 5,
        class_pair: Sequence[int] = (3, 5),
        target_precision: float = 0.9,
        svc_train_size: int = 2000,
        grid_train_size: int = 10_000,
    ) -> ProseContext:
        """Build the context from class names and the study's settings."""
        return cls(
            dataset=dataset,
            positive=str(class_names[positive_class]),
            pair=(str(class_names[class_pair[0]]), str(class_names[class_pair[1]])),
            target_precision=float(target_precision),
            svc_train_size=int(svc_train_size),
            grid_train_size=int(grid_train_size),
            n_classes=len(class_names),
        )


def _steps(c: ProseContext) -> dict[str, list[str]]:
    pos = f"“{c.positive}”"
    a, b = f"“{c.pair[0]}”", f"“{c.pair[1]}”"
    pct = f"{c.target_precision:.0%}"
    return {
        "look": [
            "Each image is a 28×28 grid of grey levels from 0 (background) to 255 (ink), "
            "flattened row by row into 784 numbers. A model sees only those numbers.",
            "The first figure draws one training image on its own; the grid shows the first "
            "hundred, so you can judge how varied and how messy the classes are before "
            "trusting any score.",
        ],
        "binary": [
            f"Before {c.classes_word} classes, one question: is this image the positive "
            f"class, {pos}, or not? The targets become true/false and a linear classifier "
            "trained by stochastic gradient descent (`SGDClassifier`) learns the yes/no "
            "answer from all training images.",
            "The table shows how many training and test images are positive and what the "
            "detector says about the first training image.",
        ],
        "cross_validation": [
            "Cross-validation splits the training set into three folds, trains on two and "
            "scores on the third, three times over. Accuracy is the share of images "
            "classified right.",
            "Accuracy flatters a detector of a rare class: about "
            f"{_in_words(c.n_classes - 1)} images in {c.classes_word} are not {pos}, so a model "
            f"that always says “no” already scores about {1 - 1 / c.n_classes:.0%}. The same "
            "folds computed by hand with `StratifiedKFold` and `clone` must give the same "
            "three numbers: they show what `cross_val_score` does.",
        ],
        "confusion": [
            "The confusion matrix counts, for each true class (rows), what the model "
            "predicted (columns), using out-of-fold predictions so no image is judged by a "
            "model that saw it.",
            f"The diagonal holds the right answers. Top right: images that are not {pos} but "
            f"were called {pos} (false positives); bottom left: {pos} images the detector "
            "missed (false negatives).",
        ],
        "precision_recall": [
            f"Precision is the share of images called {pos} that really are {pos}: how much "
            f"to trust a “yes”. Recall is the share of real {pos} images that were found. "
            "F1 is their harmonic mean: it is high only when both are.",
            "Which one matters depends on the use: a filter for safe content wants precision, "
            "a detector of shoplifters wants recall.",
        ],
        "decision_threshold": [
            "The detector does not answer yes or no directly: it computes a score and says "
            "“yes” when the score is above a threshold, by default 0.",
            "Raising the threshold makes the detector more careful: fewer false alarms, more "
            "misses. The table shows the first image's score and the answer at two "
            "thresholds.",
        ],
        "tradeoff": [
            "Scoring every training image out of fold gives precision and recall for every "
            "possible threshold. As the threshold rises, precision mostly rises (it can "
            "wobble) and recall can only fall.",
            f"The first figure plots both against the threshold, with the lowest threshold "
            f"that reaches {pct} precision marked; the second plots precision against recall "
            "with the same point. A steep drop in the second figure is where more recall "
            "starts to cost a lot of precision.",
        ],
        "roc": [
            "The ROC curve plots the true-positive rate (recall) against the false-positive "
            "rate (the share of negatives wrongly called positive) over all thresholds. The "
            "dashed diagonal is a classifier that guesses at random.",
            f"The closer the curve hugs the top-left corner, the better; the area under it "
            f"(ROC AUC) is 1 for a perfect detector and 0.5 for guessing. The dot marks the "
            f"{pct}-precision threshold. When positives are rare, as here, prefer the "
            "precision/recall curve: ROC looks good too easily.",
        ],
        "forest": [
            "A random forest gives class probabilities instead of scores: the share of its "
            f"trees that vote {pos}. The table shows the first two rows of out-of-fold "
            "probabilities (not positive, positive).",
            "The figure compares both precision/recall curves: the curve further up and to "
            "the right is the better detector at every trade-off. F1 is measured at "
            "probability 0.5.",
        ],
        "multiclass": [
            f"Back to all {c.classes_word} classes. A support vector classifier (`SVC`) is "
            "binary at heart; scikit-learn trains one per pair of classes "
            f"({c.n_classes * (c.n_classes - 1) // 2} of them) on the first "
            f"{c.svc_train_size:,} images and lets them vote. Its decision scores, one per "
            "class, show how sure it is: the class with the highest score wins.",
            "`OneVsRestClassifier` instead trains one classifier per class "
            f"({c.classes_word}). The linear SGD model handles {c.classes_word} classes "
            "natively; its 3-fold accuracy rises once the "
            "pixels are standardised (each pixel scaled to mean 0 and variance 1), because "
            "gradient descent works best on features of similar scale.",
        ],
        "error_analysis": [
            f"The confusion matrix of the {c.classes_word}-class model, in counts and as "
            "percent of each true class: the diagonal is what it gets right, bright cells off "
            "the diagonal are its favourite mistakes.",
            "The errors-only matrices weight correct predictions by zero, so the mistakes "
            "stand out. Normalised by row they say “of the true class, where did the errors "
            "go”; by column, “of the images called this class, where did they come from”.",
            f"The image grid shows {a} and {b} images: top left and bottom right were "
            f"classified right, the other two blocks are the confusions between them. Many "
            "mistakes are understandable; a linear model is sensitive to shifts and rotations.",
        ],
        "multilabel": [
            "A classifier can give several labels per image. Here each image gets two: is "
            "its class label 7 or higher, and is the label odd. A k-nearest-neighbours "
            "classifier handles this natively.",
            "F1 is computed per label and averaged: “macro” gives each label the same weight, "
            "“weighted” weights each by how many images carry it.",
        ],
        "denoising": [
            "Multioutput classification predicts many values at once: here all 784 pixels. "
            "Random noise is added to every image and a k-nearest-neighbours model learns to "
            "map the noisy image back to the clean one.",
            "The figure shows a noisy test image, its clean original, and the model's "
            "cleaned-up prediction.",
        ],
        "tuning": [
            "The final score that counts: accuracy on the test set, images no model has seen. "
            "A plain k-nearest-neighbours classifier sets the baseline.",
            "A grid search tries each combination of the number of neighbours and the "
            "weighting (uniform, or closer neighbours count more) with 5-fold "
            f"cross-validation on the first {c.grid_train_size:,} training images; the best "
            "is refitted on "
            "all of them and scored on the test set.",
        ],
    }


def step_paragraphs(name: str, context: ProseContext) -> list[str]:
    """Return the paragraphs of a step as plain text.

    Parameters
    ----------
    name : str
        A step name such as ``"roc"``.
    context : ProseContext
        The names to refer to.

    Returns
    -------
    list of str
        Empty for a step without prose.

    Example
    -------
    >>> ctx = ProseContext.from_names([str(i) for i in range(10)])
    >>> "“5”" in step_paragraphs("binary", ctx)[0]
    True
    """
    return list(_steps(context).get(name, []))
