"""The records of the study: step specifications, what a step returns, the whole run.

In a notebook the records show themselves: ``repr()`` gives a few lines (the
data, the steps, the key numbers) and Jupyter's ``_repr_html_`` draws the same
tables and figures as the report, through :mod:`mnistlab.report.notebook`,
imported only then: computing never loads a plotting library.
"""

from __future__ import annotations

import textwrap
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from mnistlab.errors import ConfigError
from mnistlab.study.cache import CacheEntry
from mnistlab.study.data import StudyData
from mnistlab.study.quantities import ClassLabel, Percent, TestAccuracy
from mnistlab.study.settings import StudySettings

#: What a step reads: the cached computations it needs, by name.
Entries = dict[str, CacheEntry]
#: What a step returns: its JSON-able values and the arrays its figures need.
StepOutput = tuple[dict[str, Any], dict[str, np.ndarray]]


@dataclass(frozen=True)
class StepSpec:
    """One step of the study: its number (1–14), slug and title."""

    number: int
    name: str
    title: str


STEPS: tuple[StepSpec, ...] = (
    StepSpec(1, "look", "Look at the data"),
    StepSpec(2, "binary", "Binary classifier"),
    StepSpec(3, "cross_validation", "Cross-validation"),
    StepSpec(4, "confusion", "Confusion matrix"),
    StepSpec(5, "precision_recall", "Precision, recall and F1"),
    StepSpec(6, "decision_threshold", "Decision scores and the threshold"),
    StepSpec(7, "tradeoff", "Precision/recall trade-off"),
    StepSpec(8, "roc", "ROC curve"),
    StepSpec(9, "forest", "Random forest against SGD"),
    StepSpec(10, "multiclass", "Multiclass classification"),
    StepSpec(11, "error_analysis", "Error analysis"),
    StepSpec(12, "multilabel", "Multilabel classification"),
    StepSpec(13, "denoising", "Multioutput denoising"),
    StepSpec(14, "tuning", "Accuracy and tuning"),
)

STEP_NAMES: tuple[str, ...] = tuple(spec.name for spec in STEPS)


def find_step(step: str | int) -> StepSpec:
    """Return the step called ``step``: its slug, its number, or the number as text.

    Parameters
    ----------
    step : str or int
        ``"roc"``, ``"cross-validation"`` (a dash for the underscore), ``8`` or ``"8"``.

    Returns
    -------
    StepSpec

    Raises
    ------
    ConfigError
        For anything else; the one-line message lists the steps there are.

    Example
    -------
    >>> find_step("roc").number, find_step(3).name
    (8, 'cross_validation')
    """
    text = str(step).strip().lower().replace("-", "_")
    for spec in STEPS:
        if text in (spec.name, str(spec.number)):
            return spec
    known = ", ".join(f"{spec.number} {spec.name}" for spec in STEPS)
    raise ConfigError(f"unknown study step {step!r}; the steps are: {known}")


def subset_line(subset: Mapping[str, Any]) -> str:
    """A study's subset in one line: its kind, sizes, seed and the scaled sizes.

    Example
    -------
    >>> line = subset_line({"kind": "quick", "n_train": 10000, "n_test": 2000, "seed": 42,
    ...                     "full_n_train": 60000, "full_n_test": 10000,
    ...                     "svc_train_size": 333, "grid_train_size": 1667})
    >>> line.split("; ")[0]
    'Quick study: 10,000 of 60,000 training and 2,000 of 10,000 test images (stratified, seed 42)'
    >>> line.split("; ")[1]
    'SVCs on 333 images, grid search on 1,667'
    """
    kind = "Quick study" if subset.get("kind") == "quick" else "Subset study"

    def of(n: str) -> str:
        full = subset.get(f"full_{n}")
        return f"{int(subset[n]):,}" + ("" if full is None else f" of {int(full):,}")

    line = (
        f"{kind}: {of('n_train')} training and {of('n_test')} test images "
        f"(stratified, seed {int(subset['seed'])})"
    )
    scaled = [
        f"{what} {int(subset[key]):,}"
        for key, what in (("svc_train_size", "SVCs on"), ("grid_train_size", "grid search on"))
        if key in subset
    ]
    if scaled:
        scaled[0] += " images"
    return line + ("; " + ", ".join(scaled) if scaled else "")


#: At most this many of a step's numbers in its ``repr()``.
REPR_VALUES = 6


@dataclass(frozen=True)
class _Shown:
    """What a result needs besides itself to draw its figures and the book's numbers."""

    data: StudyData | None
    study: StudyResults | None


# Results are frozen (and unhashable); what they were computed from is kept beside
# them, by identity, only as long as they live, and never pickled or compared with them.
_SHOWN: dict[int, _Shown] = {}


def remember_source(
    result: StepResult | StudyResults, *, data: StudyData, study: StudyResults
) -> None:
    """Keep the data and the run that ``result`` came from, for its notebook view."""
    key = id(result)
    if key not in _SHOWN:
        weakref.finalize(result, _SHOWN.pop, key, None)
    _SHOWN[key] = _Shown(data=data, study=study)


def _shown(result: StepResult | StudyResults) -> _Shown:
    return _SHOWN.get(id(result), _Shown(data=None, study=None))


def _short(value: Any) -> str | None:
    """A number or a short text in a few characters; ``None`` for lists and tables."""
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, ClassLabel):
        return str(int(value))
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, Percent | TestAccuracy):
        return f"{float(value):.2%}"
    if isinstance(value, float | np.floating):
        return f"{float(value):.6g}"
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:39] + "…")
    return None


def _size(value: Any) -> str:
    if isinstance(value, Mapping):
        return f"{len(value)} entries"
    shape = np.shape(value) if isinstance(value, list | tuple) else ()
    return "×".join(str(n) for n in shape) + " values" if shape else type(value).__name__


@dataclass(frozen=True)
class StepResult:
    """What one step computed.

    Attributes
    ----------
    spec : StepSpec
    values : dict
        Every number of the step, JSON-able (python scalars, lists, dicts), each
        declared as one of the kinds of :mod:`mnistlab.study.quantities`.
    arrays : dict of str to ndarray
        The large arrays its figures need (curves, images); not written to JSON.
    seconds : float
        Wall time spent on the step (about 0 when it came from the cache).
    cached : bool
        True when every computation of the step came from the cache.
    skipped : str, default=""
        Why the step did not run on this data (one line, e.g. it needs more
        classes than the data has; :func:`mnistlab.study.classes.skip_reason`);
        empty for a step that ran. A skipped step has no values and no arrays.
    """

    spec: StepSpec
    values: dict[str, Any]
    arrays: dict[str, np.ndarray]
    seconds: float
    cached: bool
    skipped: str = ""

    def __repr__(self) -> str:
        """A few lines: the step, its time, its first numbers, the names of the rest.

        Example
        -------
        >>> print(repr(run_step("roc", data)))  # doctest: +SKIP
        StepResult 8. ROC curve (roc): 0.0 s, from the cache
          roc_auc = 0.960494
          ...
        """
        if self.skipped:
            return (
                f"StepResult {self.spec.number}. {self.spec.title} ({self.spec.name}): "
                f"skipped, {self.skipped}"
            )
        where = ", from the cache" if self.cached else ""
        lines = [
            f"StepResult {self.spec.number}. {self.spec.title} ({self.spec.name}): "
            f"{self.seconds:.1f} s{where}"
        ]
        shown: list[str] = []
        rest: list[str] = []
        for key, value in self.values.items():
            text = _short(value)
            if text is not None and len(shown) < REPR_VALUES:
                shown.append(f"  {key} = {text}")
            else:
                rest.append(f"{key} ({text if text is not None else _size(value)})")
        lines += shown
        if rest:
            lines += textwrap.wrap(
                "also in .values: " + ", ".join(rest),
                width=100,
                initial_indent="  ",
                subsequent_indent="    ",
            )
        if self.arrays:
            arrays = ", ".join(f"{k} {a.shape}" for k, a in self.arrays.items())
            lines += textwrap.wrap(
                "in .arrays: " + arrays, width=100, initial_indent="  ", subsequent_indent="    "
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """The step as the report shows it (its tables and figures), for Jupyter.

        The figures of images (steps 1 and 11) need the data: a result of
        :func:`mnistlab.study.run_step`, or of a study given ``with_data``, has it.
        """
        from mnistlab.report.notebook import step_html

        shown = _shown(self)
        return step_html(self, data=shown.data, study=shown.study)


@dataclass(frozen=True)
class StudyResults:
    """The whole study: one :class:`StepResult` per step run, in the chapter's order.

    Attributes
    ----------
    subset : dict or None
        For a study on a stratified subset (the quick study): its sizes, seed
        and the scaled sizes of the SVCs and the grid search
        (:meth:`mnistlab.study.subset.Subset.as_dict`); ``None`` otherwise.
    class_choice : dict or None
        How classes left unset were chosen for a data set that declares none
        (:meth:`mnistlab.study.classes.ClassChoice.as_dict`): the two classes
        confused most. ``None`` when the classes were set, or declared by the
        data set's registry entry (MNIST, Fashion-MNIST).

    Example
    -------
    >>> results = run_study(data)                      # doctest: +SKIP
    >>> results.steps["roc"].values["roc_auc"]         # doctest: +SKIP
    """

    data_name: str
    checksum: str
    settings: StudySettings
    steps: dict[str, StepResult]
    versions: dict[str, str]
    seconds: float
    subset: dict[str, Any] | None = None
    class_choice: dict[str, Any] | None = None

    def best_test_accuracy(self) -> float | None:
        """Return the highest accuracy on the test set that any step reports, or ``None``.

        The accuracies are the values a step declared as
        :class:`~mnistlab.study.quantities.TestAccuracy`.

        Example
        -------
        >>> results.best_test_accuracy()  # doctest: +SKIP
        0.9714
        """
        found = [
            float(value)
            for step in self.steps.values()
            for value in step.values.values()
            if isinstance(value, TestAccuracy)
        ]
        return max(found, default=None)

    def step(self, step: str | int) -> StepResult:
        """Return one step's result, by slug or number.

        Raises
        ------
        ConfigError
            For an unknown step, or one that did not run.

        Example
        -------
        >>> results.step(8) is results.steps["roc"]  # doctest: +SKIP
        True
        """
        spec = find_step(step)
        if spec.name not in self.steps:
            ran = ", ".join(self.steps) or "none"
            raise ConfigError(f"step {spec.name!r} did not run; the steps that ran: {ran}")
        return self.steps[spec.name]

    def data_of(self, data: StudyData) -> StudyData:
        """The data the study ran on, given it or the whole data its subset was drawn from.

        A study run with ``quick=True`` (or ``n_train``/``n_test``) ran on a
        stratified subset of the data it was given: this draws the same subset
        again. Any other data is returned as it is.

        Example
        -------
        >>> quick = run_study(data, quick=True, steps=["look"])   # doctest: +SKIP
        >>> len(quick.data_of(data).y_train)                      # doctest: +SKIP
        10000
        """
        if self.subset is None or data.checksum == self.checksum or data.subset is not None:
            return data
        drawn = data.stratified(
            int(self.subset["n_train"]), int(self.subset["n_test"]), seed=int(self.subset["seed"])
        )
        return drawn if drawn.checksum == self.checksum else data

    def with_data(self, data: StudyData) -> StudyResults:
        """Say which data the study ran on, so that its notebook view can use it; return self.

        With the data, the view draws the figures made of images (steps 1 and 11)
        and puts the book's printed numbers beside ours (full MNIST only).

        Parameters
        ----------
        data : StudyData
            The data given to :func:`mnistlab.study.run_study`.

        Raises
        ------
        ConfigError
            If ``data`` is not the data the study ran on (another checksum).

        Example
        -------
        >>> run_study(data, steps=["look"]).with_data(data)  # doctest: +SKIP
        """
        if data.checksum != self.checksum:
            raise ConfigError(
                f"this data ({data.name}, checksum {data.checksum[:12]}…) is not the data "
                f"the study ran on ({self.data_name}, checksum {self.checksum[:12]}…)"
            )
        remember_source(self, data=data, study=self)
        for step in self.steps.values():
            remember_source(step, data=data, study=self)
        return self

    def __repr__(self) -> str:
        """A few lines: the data, the steps that ran, the best test accuracy, the settings.

        Example
        -------
        >>> print(repr(results))  # doctest: +SKIP
        StudyResults of mnist: 14 steps in 9.8 s, every step from the cache
          data: 60,000 training and 10,000 test images, checksum 3e2f5c1a8e0b…
          ...
        """
        steps = list(self.steps.values())
        cached = sum(step.cached for step in steps)
        where = (
            ", every step from the cache"
            if steps and cached == len(steps)
            else (f", {cached} from the cache" if cached else "")
        )
        lines = [
            f"StudyResults of {self.data_name}: {len(steps)} step{'s' * (len(steps) != 1)} "
            f"in {self.seconds:.1f} s{where}"
        ]
        data = _shown(self).data
        look = self.steps["look"].values if "look" in self.steps else {}
        sizes = (
            (len(data.y_train), len(data.y_test))
            if data is not None
            else (look.get("n_train"), look.get("n_test"))
        )
        images = (
            f"{sizes[0]:,} training and {sizes[1]:,} test images, " if None not in sizes else ""
        )
        lines.append(f"  data: {images}checksum {self.checksum[:12]}…")
        if self.subset is not None:
            lines += textwrap.wrap(
                f"{subset_line(self.subset)}: not the chapter's numbers, which use all images",
                width=100,
                initial_indent="  ",
                subsequent_indent="    ",
            )
        lines += textwrap.wrap(
            "steps: " + ", ".join(f"{s.spec.number} {s.spec.name}" for s in steps),
            width=100,
            initial_indent="  ",
            subsequent_indent="    ",
        )
        best = self.best_test_accuracy()
        if best is not None:
            lines.append(f"  best test accuracy: {best:.2%}")
        s = self.settings
        pair = "unset" if s.class_pair is None else f"{s.class_pair[0]} and {s.class_pair[1]}"
        chosen = " (the two classes confused most)" if self.class_choice is not None else ""
        lines.append(
            f"  settings: positive class {s.positive_class}, class pair {pair}{chosen}, "
            f"target precision {s.target_precision:.0%}"
        )
        lines += [
            f"  step {step.spec.number} {step.spec.name} skipped: {step.skipped}"
            for step in steps
            if step.skipped
        ]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """The study as the report shows it (a summary, each step's tables and figures).

        The figures of images and the book's numbers need the data: see :meth:`with_data`.
        """
        from mnistlab.report.notebook import study_html

        return study_html(self, data=_shown(self).data)

    def to_json_dict(self) -> dict[str, Any]:
        """Return everything but the arrays as JSON-able values.

        ``"subset"`` is there only for a study on a stratified subset,
        ``"class_choice"`` only for classes chosen by confusion, and a step's
        ``"skipped"`` (its reason) only for a step that did not run.
        """
        document = {
            "data_name": self.data_name,
            "checksum": self.checksum,
            "settings": self.settings.as_dict(),
            "versions": dict(self.versions),
            "seconds": float(self.seconds),
            "steps": {
                name: {
                    "number": step.spec.number,
                    "title": step.spec.title,
                    "values": step.values,
                    "seconds": float(step.seconds),
                    "cached": bool(step.cached),
                    **({"skipped": step.skipped} if step.skipped else {}),
                }
                for name, step in self.steps.items()
            },
        }
        if self.subset is not None:
            document["subset"] = dict(self.subset)
        if self.class_choice is not None:
            document["class_choice"] = dict(self.class_choice)
        return document
