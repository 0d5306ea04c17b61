"""The classes of a data set as the study uses them: how many, which to look at, which steps fit.

A data set has ``k`` classes labelled ``0`` to ``k - 1``, from 2 to 62 (EMNIST
"byclass"). Two settings name classes: the binary detector's positive class
(steps 2–9) and the pair of the error-analysis grid (step 11). Left unset
(``None``), they take the data set's own values where the registry declares
them (MNIST's and Fashion-MNIST's are the chapter's: 5, and 3 and 5), and
otherwise the two classes a cheap classifier confuses most
(:func:`most_confused_pair`). Steps that need more classes than a data set has
are skipped with a one-line reason (:func:`skip_reason`).

Example
-------
>>> skip_reason("multiclass", 2)
'needs at least 3 classes (one-versus-one against one-versus-rest); this data set has 2'
>>> skip_reason("binary", 2) is None
True
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.neighbors import KNeighborsClassifier

from mnistlab.data.registry import study_class_defaults
from mnistlab.errors import ConfigError
from mnistlab.study.data import MIN_CLASSES, StudyData
from mnistlab.study.settings import MAX_CLASSES, StudySettings

__all__ = [
    "AUTO_IMAGES",
    "MAX_CLASSES",
    "MIN_CLASSES",
    "STEP_MIN_CLASSES",
    "ClassChoice",
    "check_classes",
    "class_range",
    "most_confused_pair",
    "resolve_settings",
    "skip_reason",
]

#: About this many training images decide the automatic classes (shared out over the classes).
AUTO_IMAGES = 2000
#: The seed of their draw, the chapter's ``random_state``.
AUTO_SEED = 42
#: KNeighborsClassifier's default number of neighbours.
DEFAULT_NEIGHBORS = 5

#: The steps that need more than two classes: their fewest classes and why.
STEP_MIN_CLASSES: dict[str, tuple[int, str]] = {
    "multiclass": (3, "one-versus-one against one-versus-rest"),
    # The chapter's two labels are "class >= 7" and "odd class": with fewer than
    # eight classes the first is false for every image, a label with nothing to learn.
    "multilabel": (8, "its label 'class >= 7' needs classes up to 7"),
}


def class_range(n_classes: int) -> str:
    """The labels of ``n_classes`` classes as text, e.g. ``"0-9"``.

    Example
    -------
    >>> class_range(10), class_range(2)
    ('0-9', '0-1')
    """
    return f"0-{int(n_classes) - 1}"


def skip_reason(step: str, n_classes: int) -> str | None:
    """Why ``step`` cannot run on a data set of ``n_classes`` classes; ``None`` when it can.

    Parameters
    ----------
    step : str
        A step's slug (:data:`mnistlab.study.results.STEP_NAMES`).
    n_classes : int

    Returns
    -------
    str or None
        One line without a final full stop, shown in the step's place.

    Example
    -------
    >>> skip_reason("multilabel", 10) is None
    True
    """
    needed = STEP_MIN_CLASSES.get(step)
    if needed is None or n_classes >= needed[0]:
        return None
    fewest, why = needed
    return f"needs at least {fewest} classes ({why}); this data set has {n_classes}"


@dataclass(frozen=True)
class ClassChoice:
    """How the automatic classes of a study were chosen.

    Attributes
    ----------
    positive_class : int
        The detector's class: of the pair, the one more often taken for the other.
    class_pair : tuple of int
        The two classes most confused with each other, smaller first.
    method : str
        ``"registry"`` (the data set declares them) or ``"confusion"``
        (:func:`most_confused_pair`).
    n_images : int
        The training images the confusion was measured on (0 for the registry).
    confusion_rates : tuple of float
        For the pair ``(a, b)``: the share of the sampled ``a`` images taken for
        ``b``, and of ``b`` for ``a`` (empty for the registry).
    """

    positive_class: int
    class_pair: tuple[int, int]
    method: str
    n_images: int = 0
    confusion_rates: tuple[float, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The choice as ``results.json`` carries it.

        Example
        -------
        >>> ClassChoice(1, (0, 1), "confusion", 2000, (0.01, 0.02)).as_dict()["method"]
        'confusion'
        """
        return {
            "positive_class": int(self.positive_class),
            "class_pair": [int(c) for c in self.class_pair],
            "method": self.method,
            "n_images": int(self.n_images),
            "confusion_rates": [float(r) for r in self.confusion_rates],
        }


def _sample_rows(y: np.ndarray, n_classes: int, n_images: int, seed: int) -> np.ndarray:
    # As many images of each class (where it has them), drawn from a seeded
    # generator: with equal shares, a count of mistakes is comparable between
    # classes whatever their sizes, and the draw does not depend on file order.
    per_class = -(-n_images // n_classes)
    rng = np.random.RandomState(seed)
    rows = [rng.permutation(np.flatnonzero(y == c))[:per_class] for c in range(n_classes)]
    return np.sort(np.concatenate(rows))


def most_confused_pair(
    X: np.ndarray,
    y: np.ndarray,
    n_classes: int,
    *,
    n_images: int = AUTO_IMAGES,
    seed: int = AUTO_SEED,
) -> ClassChoice:
    """The two classes a cheap classifier confuses most, and the one of them more often mistaken.

    From each class, ``ceil(n_images / n_classes)`` training images (or all it
    has) are drawn with ``RandomState(seed)``. ``KNeighborsClassifier()``
    predicts each of them out of fold (``cross_val_predict`` with
    ``StratifiedKFold(3)``, no shuffling). The confusion matrix normalised by
    true class gives the rate ``r[a, b]`` at which images of ``a`` are taken
    for ``b``; the pair is the one with the highest ``r[a, b] + r[b, a]``, and
    the positive class is the one of the two with the higher rate towards the
    other. Ties go to the smaller labels. The nearest neighbours are exact (no
    randomness, no iterations), their mistakes are between images that look
    alike, which is what the error-analysis grid shows; on 2,000 images it
    takes about a second.

    Parameters
    ----------
    X : ndarray of shape (n, 784)
        Training images.
    y : ndarray of shape (n,)
        Their labels, ``0`` to ``n_classes - 1``.
    n_classes : int
    n_images : int, default=2000
    seed : int, default=42

    Returns
    -------
    ClassChoice

    Example
    -------
    >>> most_confused_pair(data.X_train, data.y_train, 3).class_pair   # doctest: +SKIP
    (1, 2)
    """
    rows = _sample_rows(np.asarray(y), n_classes, n_images, seed)
    X_sample = np.asarray(X[rows], dtype=np.float64)
    y_sample = np.asarray(y[rows], dtype=np.int64)
    labels = list(range(n_classes))
    counts = np.bincount(y_sample, minlength=n_classes)
    # Three folds need three images of some class; fewer images are too few to tell.
    if len(rows) >= 3 and counts.max() >= 3:
        splits = list(StratifiedKFold(n_splits=3).split(X_sample, y_sample))
        # KNeighborsClassifier's five neighbours, unless a fold has fewer training images.
        k = min(DEFAULT_NEIGHBORS, *(len(train) for train, _ in splits))
        predicted = cross_val_predict(
            KNeighborsClassifier(n_neighbors=k), X_sample, y_sample, cv=splits
        )
        rates = confusion_matrix(y_sample, predicted, labels=labels, normalize="true")
    else:
        rates = np.zeros((n_classes, n_classes))
    both = rates + rates.T
    best = (0, 1)
    for a in range(n_classes):
        for b in range(a + 1, n_classes):
            if both[a, b] > both[best]:
                best = (a, b)
    a, b = best
    positive = b if rates[b, a] > rates[a, b] else a
    return ClassChoice(
        positive_class=positive,
        class_pair=(a, b),
        method="confusion",
        n_images=len(rows),
        confusion_rates=(float(rates[a, b]), float(rates[b, a])),
    )


def check_classes(
    settings: StudySettings,
    n_classes: int,
    data_name: str,
    *,
    options: tuple[str, str] = ("positive_class", "class_pair"),
) -> None:
    """Raise a one-line :class:`ConfigError` unless the set classes are classes of the data.

    Parameters
    ----------
    settings : StudySettings
    n_classes : int
        The data set's number of classes.
    data_name : str
        Its name, for the message.
    options : tuple of str, default=("positive_class", "class_pair")
        How the message names the two settings (the command's options, say).

    Raises
    ------
    ConfigError
        Naming the setting, the data set's classes and the way out.

    Example
    -------
    >>> check_classes(StudySettings(positive_class=12), 10, "mnist")   # doctest: +SKIP
    Traceback (most recent call last):
    ...
    mnistlab.errors.ConfigError: positive_class 12 is not a class of mnist (positive_class ...
    """
    classes = class_range(n_classes)
    way_out = "or leave it out for the automatic choice"
    positive = settings.positive_class
    if positive is not None and not 0 <= positive < n_classes:
        raise ConfigError(
            f"{options[0]} {positive} is not a class of {data_name} (positive_class must be "
            f"a class label {classes}); choose one of {classes}, {way_out}"
        )
    pair = settings.class_pair
    if pair is not None and not all(0 <= c < n_classes for c in pair):
        raise ConfigError(
            f"{options[1]} {pair[0]},{pair[1]} is not a pair of classes of {data_name} "
            f"(class_pair must be two class labels {classes}); choose two of {classes}, "
            f"{way_out}"
        )


def resolve_settings(
    settings: StudySettings, data: StudyData
) -> tuple[StudySettings, ClassChoice | None]:
    """The settings with their unset classes chosen for ``data``, and how they were chosen.

    Set classes are checked against the data set's classes; unset ones take the
    registry's values for the data set (:func:`mnistlab.data.registry.study_class_defaults`:
    MNIST's and Fashion-MNIST's are the chapter's), else :func:`most_confused_pair`
    on the training images. Settings with both classes set come back as they are.

    Parameters
    ----------
    settings : StudySettings
    data : StudyData

    Returns
    -------
    settings : StudySettings
        With ``positive_class`` and ``class_pair`` set.
    choice : ClassChoice or None
        ``None`` when nothing was left to choose.

    Raises
    ------
    ConfigError
        For a set class the data set does not have.

    Example
    -------
    >>> settings, _ = resolve_settings(StudySettings.automatic(), mnist)  # doctest: +SKIP
    >>> settings.as_dict() == StudySettings().as_dict()                   # doctest: +SKIP
    True
    """
    n_classes = len(data.class_names)
    check_classes(settings, n_classes, data.name)
    if settings.positive_class is not None and settings.class_pair is not None:
        return settings, None
    declared = study_class_defaults(data.name)
    choice: ClassChoice
    if declared is not None and all(0 <= c < n_classes for c in (declared[0], *declared[1])):
        choice = ClassChoice(declared[0], declared[1], "registry")
    else:
        choice = most_confused_pair(data.X_train, data.y_train, n_classes)
    resolved = replace(
        settings,
        positive_class=choice.positive_class
        if settings.positive_class is None
        else settings.positive_class,
        class_pair=choice.class_pair if settings.class_pair is None else settings.class_pair,
    )
    return resolved, choice
