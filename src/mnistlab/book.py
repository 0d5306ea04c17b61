"""The numbers the chapter printed, and ours beside them.

Readers compare their run with the book: "my number is not the book's, did I
break something?" :data:`BOOK` holds every number the chapter's notebook
printed (scikit-learn before 1.8), one :class:`BookNumber` each, and
:func:`compare_with_book` puts ours beside each with a :class:`Verdict`.

How a number was printed sets how it must match. A float printed in full
(``0.8370879772350012``, Python's shortest repr) must be equal; a rounded one
matches when ours rounds to it: SVC scores to 2 decimals, SGD scores to
integers, the best grid-search score to the 4 the text gives. numpy prints
floats to at most 8 decimals, fewer when fewer give the same number, so
``array([0.95035, 0.96035, 0.9604 ])`` says each fold rounds to that at 8
decimals, not at 5 (a fold of 0.89835 is not the printed 0.8983). A sentence's
percentage ("correct only 83.7% of the time") is compared in percent to the
digits it gives. Labels were strings (``'5'``) and ours are integers of the
same order, so a label matches by its text.

The sentences of steps 5 and 11 map onto precision and recall and onto cells of
the confusion matrices normalised by true class. Left out, as no number we
compute: that 8 is the most common wrong answer for 5s (a ranking; its 10% is
compared), and the figures. Steps 1 and 13 printed no numbers.

A known reason (:data:`SGD_STOPPING_RULE`, :data:`COLUMN_READ_AS_ROW`,
:data:`F1_FROM_COUNTS`) explains a number only where it was measured to apply,
and only when ours is what was measured there, so a new difference never hides
behind an old reason. The F1 reason was found by this comparison: scikit-learn
1.5.2, 1.6.1, 1.7.2 and 1.9.1 all give 0.7325171197343847 for the book's own
counts, one digit off the printed 0.7325171197343846.

Example
-------
>>> book = compare_with_book(results, data_name="mnist", full_data=True)  # doctest: +SKIP
>>> book.summary                                                          # doctest: +SKIP
'58 of 65 printed numbers reproduced exactly; 7 differ because ...'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from mnistlab.data.registry import get_dataset_spec
from mnistlab.errors import UnknownDatasetError
from mnistlab.versions import release

if TYPE_CHECKING:
    from mnistlab.study.results import StudyResults

#: The sizes of the chapter's training and test sets: the book's numbers are theirs.
FULL_SIZES = (60_000, 10_000)

Index = tuple[int | str, ...]


class Verdict(StrEnum):
    """How our number compares with the printed one."""

    SAME = "same"
    AS_PRINTED = "same as printed"
    KNOWN = "differs"
    UNEXPLAINED = "differs, unexplained"


@dataclass(frozen=True)
class Reason:
    """A known cause of difference: ``text`` beside each number, ``short`` in the summary.

    ``sklearn_from`` limits it to that scikit-learn release and later.
    """

    text: str
    short: str
    sklearn_from: tuple[int, ...] | None = None


SGD_STOPPING_RULE = Reason(
    text=(
        "scikit-learn 1.8.0 changed SGDClassifier's stopping rule (it now compares the "
        "training loss plus the penalty), so the one-versus-rest classifiers stop after "
        "other numbers of epochs; scikit-learn 1.7.2 gives the printed value."
    ),
    short="scikit-learn 1.8 changed SGDClassifier's stopping rule",
    sklearn_from=(1, 8),
)

COLUMN_READ_AS_ROW = Reason(
    text=(
        "The book reads the column-normalised errors matrix as a row: its 56% is in the "
        "column of predicted 7s, row 9 (of the images wrongly predicted as 7, 56% are 9s); "
        "of the misclassified 7s, a smaller share is predicted 9."
    ),
    short="the book reads a column of the errors matrix as a row",
)

F1_FROM_COUNTS = Reason(
    text=(
        "The book's scikit-learn computed F1 as 2·P·R/(P+R) from the rounded precision and "
        "recall; scikit-learn (1.5 to 1.9 at least) computes it from the counts, "
        "2·TP/(2·TP+FP+FN). The two differ in the last digit only."
    ),
    short="scikit-learn now computes F1 from the counts, which moves its last digit",
)


@dataclass(frozen=True)
class KnownDifference:
    """Where a :class:`Reason` explains one printed number, and the evidence it needs.

    ``ours`` is our value as the book's notes measured it where the reason
    holds (to ``decimals``); ``found_at`` is the ``(key, index)`` of the step's
    value where the printed number is found instead.
    """

    reason: Reason
    ours: float | None = None
    decimals: int | None = None
    found_at: tuple[str, Index] | None = None


@dataclass(frozen=True)
class BookNumber:
    """One number the chapter printed, and where ours is.

    Attributes
    ----------
    step, key : str
        The study's step (``"cross_validation"``) and the key of ours in its ``values``.
    name : str
        What it is, for the reader.
    printed : bool, int, float, str, list or dict
        The value exactly as printed (a percentage in percent).
    index : tuple
        Positions into a list (or keys into a dict) value; empty for a scalar.
    decimals : int, optional
        The decimals it was rounded to when printed; ``None``: printed in full, must be equal.
    percent : bool
        Printed as a percentage of our fraction.
    label : bool
        A class label printed as a string (``'5'``).
    known : KnownDifference, optional
        Why it may differ, where the book's notes say so.
    """

    step: str
    name: str
    key: str
    printed: Any
    index: Index = ()
    decimals: int | None = None
    percent: bool = False
    label: bool = False
    known: KnownDifference | None = None

    @property
    def printed_text(self) -> str:
        """The number as the book shows it."""
        if self.label:
            return f"'{self.printed}'"
        return f"{self.printed:g}%" if self.percent else str(self.printed)

    def scaled(self, ours: Any) -> Any:
        """Our value in the printed number's unit (percent for a percentage)."""
        return _map(ours, lambda v: v * 100) if self.percent else ours

    def reproduced(self, ours: Any) -> Verdict | None:
        """``SAME`` or ``AS_PRINTED`` when ours reproduces the printed number, else ``None``."""
        if self.label:
            return Verdict.SAME if str(ours) == str(self.printed) else None
        value = self.scaled(ours)
        if value == self.printed:
            return Verdict.SAME
        if self.decimals is not None and _rounded(value, self.decimals) == self.printed:
            return Verdict.AS_PRINTED
        return None


def _n(step: str, name: str, key: str, printed: Any, **kw: Any) -> BookNumber:
    return BookNumber(step, name, key, printed, **kw)


def _pct(step: str, name: str, key: str, printed: float, index: Index, **kw: Any) -> BookNumber:
    """A percentage of a sentence, printed to its last digit."""
    decimals = len(str(printed).partition(".")[2]) if isinstance(printed, float) else 0
    return BookNumber(step, name, key, printed, index, decimals, percent=True, **kw)


def _each(step: str, name: str, key: str, printed: list[Any], **kw: Any) -> list[BookNumber]:
    """One :class:`BookNumber` per element of a printed list of folds (or of 10 classes)."""
    known = kw.pop("known", [None] * len(printed))
    part = (lambda i: f"class {i}") if len(printed) == 10 else (lambda i: f"fold {i + 1}")
    return [
        BookNumber(step, f"{name}, {part(i)}", key, v, (i,), known=known[i], **kw)
        for i, v in enumerate(printed)
    ]


def _sgd(measured: list[float | None], decimals: int) -> list[KnownDifference | None]:
    """The stopping-rule reason with what the notes measured, where they name a change."""
    return [
        None if m is None else KnownDifference(SGD_STOPPING_RULE, m, decimals) for m in measured
    ]


_PR, _DT, _MC, _EA = "precision_recall", "decision_threshold", "multiclass", "error_analysis"
_CV = [0.95035, 0.96035, 0.9604]
_FOREST = [[0.11, 0.89], [0.99, 0.01]]
_SVC = [3.79, 0.73, 6.06, 8.3, -0.29, 9.3, 1.75, 2.77, 7.21, 4.82]
_SGD = [-31893, -34420, -9531, 1824, -22320, -1386, -26189, -16148, -4604, -12051]
# What the notes measured with scikit-learn >= 1.8, where it changed (None: unchanged).
_SGD_NOW = _sgd([None, -19048, *[None] * 8], 0)
_CV_NOW = _sgd([0.87745, None, 0.8698], 8)
_SCALED_NOW = _sgd([0.89835, 0.8902, 0.90095], 8)
# F1 from the counts, as scikit-learn computes it from the book's own counts.
_F1_NOW = [KnownDifference(F1_FROM_COUNTS, f) for f in (0.7325171197343847, 0.9764102655606048)]
_56 = KnownDifference(COLUMN_READ_AS_ROW, found_at=("errors_normalized_by_pred", (9, 7)))
_BY_TRUE, _ERR_BY_TRUE = "normalized_by_true", "errors_normalized_by_true"
_BEST = {"n_neighbors": 4, "weights": "distance"}

#: Every number the chapter printed, in the order of its steps.
BOOK: tuple[BookNumber, ...] = (
    _n("binary", "Prediction for the first image", "prediction", True),
    *_each("cross_validation", "3-fold accuracy", "cv_accuracies", _CV, decimals=8),
    *_each("cross_validation", "3-fold accuracy by hand", "manual_accuracies", _CV, decimals=8),
    _n("confusion", "Confusion matrix", "confusion_matrix", [[53892, 687], [1891, 3530]]),
    _n(_PR, "Precision", "precision", 0.8370879772350012),
    _n(_PR, "Recall", "recall", 0.6511713705958311),
    _n(_PR, "F1", "f1", 0.7325171197343846, known=_F1_NOW[0]),
    _pct(_PR, "“correct only 83.7% of the time”", "precision", 83.7, ()),
    _pct(_PR, "“detects 65.1% of the 5s”", "recall", 65.1, ()),
    _n(_DT, "Decision score of the first image", "decision_score", 2164.22030239, decimals=8),
    _n(_DT, "Prediction at threshold 0", "prediction_at_0", True),
    _n(_DT, "Prediction at threshold 3,000", "prediction_at_raised", False),
    _n("tradeoff", "Lowest threshold with ≥ 90% precision", "threshold", 3370.0194991439557),
    _n("tradeoff", "Precision at it", "precision", 0.9000345901072293),
    _n("tradeoff", "Recall at it", "recall", 0.4799852425751706),
    _n("roc", "ROC AUC of SGD", "roc_auc", 0.9604938554008616),
    _n("forest", "First two probability rows", "first_probabilities", _FOREST, decimals=8),
    _n("forest", "Forest F1 at 0.5", "f1", 0.9274509803921569),
    _n("forest", "Forest ROC AUC", "roc_auc", 0.9983436731328145),
    _n(_MC, "SVC prediction", "svc_prediction", "5", label=True),
    _n(_MC, "Arg-max of the SVC scores", "svc_argmax", 5),
    _n(_MC, "classes_ at the arg-max", "svc_classes", "5", index=(5,), label=True),
    *_each(_MC, "SVC score", "svc_decision_scores", _SVC, decimals=2),
    _n(_MC, "One-vs-rest prediction", "ovr_prediction", "5", label=True),
    _n(_MC, "One-vs-rest: number of estimators", "ovr_n_estimators", 10),
    _n(_MC, "SGD prediction", "sgd_prediction", "3", label=True),
    *_each(_MC, "SGD score", "sgd_decision_scores", _SGD, decimals=0, known=_SGD_NOW),
    *_each(
        _MC,
        "SGD 3-fold accuracy",
        "sgd_cv_accuracies",
        [0.87365, 0.85835, 0.8689],
        decimals=8,
        known=_CV_NOW,
    ),
    *_each(
        _MC,
        "SGD 3-fold accuracy after StandardScaler",
        "sgd_scaled_cv_accuracies",
        [0.8983, 0.891, 0.9018],
        decimals=8,
        known=_SCALED_NOW,
    ),
    _pct(_EA, "“only 82% of the images of 5s were classified correctly”", _BY_TRUE, 82, (5, 5)),
    _pct(_EA, "“misclassify them as 8s … 10% of all 5s”", _BY_TRUE, 10, (5, 8)),
    _pct(_EA, "“only 2% of 8s got misclassified as 5s”", _BY_TRUE, 2, (8, 5)),
    _pct(_EA, "“56% of misclassified 7s are actually 9s”", _ERR_BY_TRUE, 56, (7, 9), known=_56),
    _n("multilabel", "F1, macro average", "f1_macro", 0.976410265560605, known=_F1_NOW[1]),
    _n("multilabel", "F1, weighted average", "f1_weighted", 0.9778357403921755),
    _n("tuning", "Default KNN test accuracy", "default_test_accuracy", 0.9688),
    _n("tuning", "Grid search: best parameters", "best_params", _BEST),
    _n("tuning", "Grid search: best CV score", "best_score", 0.9442, decimals=4),
    _n("tuning", "Tuned KNN test accuracy", "tuned_test_accuracy", 0.9714),
)


@dataclass(frozen=True)
class NumberComparison:
    """One printed number beside ours (``None`` when the results lack it), with a verdict.

    ``reason`` is the known reason when ``verdict`` is ``Verdict.KNOWN``, else empty.
    """

    number: BookNumber
    ours: Any
    verdict: Verdict
    reason: str = ""


@dataclass(frozen=True)
class BookComparison:
    """Every printed number of the steps that ran beside ours, or why none was compared.

    Attributes
    ----------
    rows : tuple of NumberComparison
        In the chapter's order.
    skipped : str
        Why nothing was compared (one line); empty when compared.
    sklearn_version : str
        The scikit-learn that computed our numbers.
    not_run : int
        How many printed numbers belong to steps that did not run.
    """

    rows: tuple[NumberComparison, ...] = ()
    skipped: str = ""
    sklearn_version: str = ""
    not_run: int = 0

    def count(self, *verdicts: Verdict) -> int:
        """The number of rows with one of ``verdicts``."""
        return sum(1 for row in self.rows if row.verdict in verdicts)

    def for_step(self, step: str) -> tuple[NumberComparison, ...]:
        """The rows of one step."""
        return tuple(row for row in self.rows if row.number.step == step)

    @property
    def summary(self) -> str:
        """One sentence: how many printed numbers we reproduced, and why the others differ."""
        if self.skipped:
            return self.skipped
        if not self.rows:
            return "The book printed no numbers for the steps that ran."
        total, same = len(self.rows), self.count(Verdict.SAME, Verdict.AS_PRINTED)
        parts = [f"{same} of {total} printed number{'s' * (total != 1)} reproduced exactly"]
        by_reason: dict[str, int] = {}
        for row in self.rows:
            if row.verdict is Verdict.KNOWN and row.number.known is not None:
                short = row.number.known.reason.short
                by_reason[short] = by_reason.get(short, 0) + 1
        if by_reason:
            many = len(by_reason) > 1
            named = [f"{s} ({n})" if many else s for s, n in by_reason.items()]
            why = named[0] if not many else ", ".join(named[:-1]) + " and " + named[-1]
            parts.append(f"{_differ(sum(by_reason.values()))} because {why}")
        if unexplained := self.count(Verdict.UNEXPLAINED):
            parts.append(f"{_differ(unexplained)} for no known reason")
        if self.not_run:
            parts.append(f"{self.not_run} more belong to steps that did not run")
        return "; ".join(parts) + "."


def _differ(n: int) -> str:
    return f"{n} differs" if n == 1 else f"{n} differ"


def _map(value: Any, fn: Any) -> Any:
    """Apply ``fn`` to every float or int of a (nested) value; leave the rest alone."""
    if isinstance(value, list | tuple):
        return [_map(v, fn) for v in value]
    if isinstance(value, Mapping):
        return {k: _map(v, fn) for k, v in value.items()}
    if isinstance(value, int | float) and not isinstance(value, bool):
        return fn(value)
    return value


def _rounded(value: Any, decimals: int) -> Any:
    return _map(value, lambda v: round(v, decimals) if isinstance(v, float) else v)


_MISSING = object()


def _lookup(values: Mapping[str, Any], key: str, index: Index) -> Any:
    value: Any = values.get(key, _MISSING)
    for i in index:
        try:
            value = value[i]
        except (IndexError, KeyError, TypeError):
            return _MISSING
    return value


def _explains(
    known: KnownDifference, number: BookNumber, ours: Any, values: Mapping[str, Any], sklearn: str
) -> bool:
    """Whether ``known`` explains that ours differs from the printed number."""
    reason = known.reason
    if reason.sklearn_from is not None:
        installed = release(sklearn)
        if installed is None or installed < reason.sklearn_from:
            return False
    if known.ours is not None:
        value = number.scaled(ours)
        if known.decimals is not None:
            value = _rounded(value, known.decimals)
        if value != known.ours:
            return False
    if known.found_at is not None:
        key, index = known.found_at
        found = _lookup(values, key, index)
        if found is _MISSING or number.reproduced(found) is None:
            return False
    return True


def _compare(number: BookNumber, values: Mapping[str, Any], sklearn: str) -> NumberComparison:
    ours = _lookup(values, number.key, number.index)
    if ours is _MISSING:
        return NumberComparison(number, None, Verdict.UNEXPLAINED)
    verdict = number.reproduced(ours)
    if verdict is not None:
        return NumberComparison(number, ours, verdict)
    known = number.known
    if known is not None and _explains(known, number, ours, values, sklearn):
        return NumberComparison(number, ours, Verdict.KNOWN, known.reason.text)
    return NumberComparison(number, ours, Verdict.UNEXPLAINED)


def _title(data_name: str) -> str:
    """A data set's name as people write it (``Fashion-MNIST``), or ``data_name`` if unknown."""
    try:
        return get_dataset_spec(data_name).title
    except UnknownDatasetError:
        return data_name


def _why_not(results: StudyResults, data_name: str, full_data: bool) -> str:
    """Why the study's numbers cannot be the book's, or ``""`` when they can be."""
    prefix = "Not compared with the book"
    if data_name != "mnist":
        return f"{prefix}: it printed numbers for MNIST, and this study ran on {_title(data_name)}."
    if not full_data:
        train, test = FULL_SIZES
        return (
            f"{prefix}: its numbers come from all {train:,} training and {test:,} test "
            "images, and this study ran on fewer."
        )
    s = results.settings
    if s.positive_class != 5 or s.target_precision != 0.9:
        return (
            f"{prefix}: its numbers are for the detector of 5s at 90% precision, and this "
            f"study used class {s.positive_class} at {s.target_precision:.0%}."
        )
    return ""


def compare_with_book(
    results: StudyResults,
    *,
    data_name: str,
    full_data: bool,
    sklearn_version: str | None = None,
) -> BookComparison:
    """Put every number the book printed beside ours, with a verdict.

    Parameters
    ----------
    results : StudyResults
        What :func:`mnistlab.study.run_study` returned.
    data_name : str
        The data set's name; only ``"mnist"`` is compared.
    full_data : bool
        Whether the study ran on all 60,000 training and 10,000 test images;
        a subset is not compared.
    sklearn_version : str, optional
        The scikit-learn that computed ``results``; by default the one they
        record.

    Returns
    -------
    BookComparison
        Skipped (with the reason in one line) for another data set, a subset
        or other settings than the chapter's; otherwise a row for each printed
        number of the steps that ran.

    Example
    -------
    >>> book = compare_with_book(results, data_name="mnist", full_data=True)  # doctest: +SKIP
    >>> [row.number.name for row in book.rows if row.verdict is Verdict.KNOWN]  # doctest: +SKIP
    """
    sklearn = (
        sklearn_version
        if sklearn_version is not None
        else results.versions.get("scikit-learn", "unknown")
    )
    why = _why_not(results, data_name, full_data)
    if why:
        return BookComparison(skipped=why, sklearn_version=sklearn)
    rows = tuple(
        _compare(number, results.steps[number.step].values, sklearn)
        for number in BOOK
        if number.step in results.steps
    )
    return BookComparison(rows=rows, sklearn_version=sklearn, not_run=len(BOOK) - len(rows))
