"""Score a model on clean test digits, on every MNIST-C corruption and on every photo variant."""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from mnistlab.data import Dataset
from mnistlab.errors import ConfigError, ImageInputError
from mnistlab.models.base import check_images
from mnistlab.models.records import RobustnessRecord
from mnistlab.models.store import TrainedModel
from mnistlab.progress import ProgressCallback, ignore_progress
from mnistlab.robustness.corruptions import CORRUPTIONS, Corruption
from mnistlab.robustness.paper import PHOTO_VARIANTS, PhotoVariant, photograph, seen_by_model
from mnistlab.robustness.subset import stratified_subset

__all__ = [
    "CLEAN",
    "CORRUPTION",
    "PHOTO",
    "RobustnessResult",
    "Score",
    "benchmark_model",
    "benchmark_models",
    "run_benchmark",
    "run_benchmarks",
]

#: The kinds of test: the images as they are, an MNIST-C corruption, a photo variant.
CLEAN, CORRUPTION, PHOTO = "clean", "corruption", "photo"
#: Images predicted in one call.
BATCH = 2000


@dataclass(frozen=True)
class Score:
    """A model's accuracy on one test.

    Attributes
    ----------
    name : str
        ``clean``, a corruption's or a photo variant's name.
    kind : str
        :data:`CLEAN`, :data:`CORRUPTION` or :data:`PHOTO`.
    parameter : str
        What the test does, in a few words.
    accuracy : float
        Fraction of the images classified right.
    n_images : int
        Images scored.
    unread : int
        Photos in which preprocessing found no digit (counted as wrong).
    """

    name: str
    kind: str
    parameter: str
    accuracy: float
    n_images: int
    unread: int = 0


@dataclass(frozen=True)
class RobustnessResult:
    """A model's scores on the benchmark, and their means.

    Example
    -------
    >>> result = RobustnessResult("knn", "mnist", 10, 0, (Score("clean", "clean", "", 0.9, 10),))
    >>> result.clean_accuracy, result.mnist_c_mean
    (0.9, None)
    """

    model: str
    dataset: str
    n_images: int
    seed: int
    scores: tuple[Score, ...] = field(default=())

    def _of(self, kind: str) -> list[Score]:
        return [score for score in self.scores if score.kind == kind]

    @staticmethod
    def _mean(scores: Sequence[Score]) -> float | None:
        return float(np.mean([s.accuracy for s in scores])) if scores else None

    @property
    def clean_accuracy(self) -> float | None:
        """Accuracy on the images as they are."""
        clean = self._of(CLEAN)
        return clean[0].accuracy if clean else None

    @property
    def mnist_c_mean(self) -> float | None:
        """Mean accuracy over the corruptions, as MNIST-C reports it (its error is 1 minus this)."""
        return self._mean(self._of(CORRUPTION))

    @property
    def photo_mean(self) -> float | None:
        """Mean accuracy over the photo variants."""
        return self._mean(self._of(PHOTO))

    @property
    def overall_mean(self) -> float | None:
        """Mean accuracy over every corruption and photo variant, each counted once."""
        return self._mean(self._of(CORRUPTION) + self._of(PHOTO))

    def to_record(self, sha256: str) -> RobustnessRecord:
        """The means a model's record keeps, for the model file of SHA-256 ``sha256``.

        Example
        -------
        >>> fog = Score("fog", "corruption", "plasma haze", 0.5, 10)
        >>> RobustnessResult("knn", "mnist", 10, 0, (fog,)).to_record("ab" * 32).overall_mean
        0.5
        """
        return RobustnessRecord(
            overall_mean=self.overall_mean,
            mnist_c_mean=self.mnist_c_mean,
            photo_mean=self.photo_mean,
            n_images=self.n_images,
            seed=self.seed,
            sha256=sha256,
        )

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-ready values: the means and one row per test."""
        return {
            "model": self.model,
            "dataset": self.dataset,
            "n_images": self.n_images,
            "seed": self.seed,
            "clean_accuracy": self.clean_accuracy,
            "mnist_c_mean": self.mnist_c_mean,
            "photo_mean": self.photo_mean,
            "overall_mean": self.overall_mean,
            "scores": [
                {
                    "name": s.name,
                    "kind": s.kind,
                    "parameter": s.parameter,
                    "accuracy": s.accuracy,
                    "n_images": s.n_images,
                    "unread": s.unread,
                }
                for s in self.scores
            ],
        }

    def __repr__(self) -> str:
        def percent(value: float | None) -> str:
            return "—" if value is None else f"{100 * value:.1f}%"

        return (
            f"RobustnessResult({self.model!r} on {self.n_images:,} {self.dataset} test images: "
            f"clean {percent(self.clean_accuracy)}, MNIST-C mean {percent(self.mnist_c_mean)}, "
            f"photo mean {percent(self.photo_mean)}, overall {percent(self.overall_mean)})"
        )


def _predict(model: Any, images: NDArray[np.uint8]) -> NDArray[np.int64]:
    """The digit ``model`` reads in each image: the most probable, or ``predict``'s answer."""
    parts = []
    for start in range(0, len(images), BATCH):
        chunk = images[start : start + BATCH]
        if hasattr(model, "predict_proba"):
            parts.append(np.argmax(np.asarray(model.predict_proba(chunk)), axis=1))
        else:
            parts.append(np.asarray(model.predict(chunk)))
    return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)


def _generator(seed: int, name: str) -> np.random.Generator:
    """A stream of its own for each test, the same whichever other tests run."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def run_benchmark(
    model: Any,
    images: NDArray[np.uint8],
    labels: NDArray[np.integer],
    *,
    seed: int = 0,
    n: int | None = None,
    progress: ProgressCallback | None = None,
    corruptions: Sequence[Corruption] = CORRUPTIONS,
    photos: Sequence[PhotoVariant] = PHOTO_VARIANTS,
    model_name: str = "model",
    dataset: str = "mnist",
) -> RobustnessResult:
    """Score a fitted model on clean images, every corruption and every photo variant.

    The one-model case of :func:`run_benchmarks`.

    Parameters
    ----------
    model : object
        Anything with ``predict_proba`` or ``predict`` on uint8 rows of 784
        pixels: a model of the ladder, a scikit-learn classifier.
    images : ndarray of uint8, shape (n_test, 784)
        The test images.
    labels : ndarray of int, shape (n_test,)
        Their classes.
    seed : int, default 0
        Draws the subset and every corruption and photo; the same seed gives
        the same images, so the same scores for the same model.
    n : int, optional
        Score a stratified subset of this many images (a quick run); default all.
    progress : callable, optional
        Told each test's name, how many tests are done and how many there are.
    corruptions, photos : sequences, default all
        The tests to run.
    model_name, dataset : str
        Names for the result.

    Returns
    -------
    RobustnessResult

    Raises
    ------
    ConfigError
        If ``n`` is out of range or ``labels`` does not match ``images``.

    Example
    -------
    >>> result = run_benchmark(knn, data.X_test, data.y_test, n=500)  # doctest: +SKIP
    >>> result.to_dict()["mnist_c_mean"]  # doctest: +SKIP
    0.84
    """
    results = run_benchmarks(
        {model_name: model},
        images,
        labels,
        seed=seed,
        n=n,
        progress=progress,
        corruptions=corruptions,
        photos=photos,
        dataset=dataset,
    )
    return results[model_name]


def run_benchmarks(
    models: Mapping[str, Any],
    images: NDArray[np.uint8],
    labels: NDArray[np.integer],
    *,
    seed: int = 0,
    n: int | None = None,
    progress: ProgressCallback | None = None,
    corruptions: Sequence[Corruption] = CORRUPTIONS,
    photos: Sequence[PhotoVariant] = PHOTO_VARIANTS,
    dataset: str = "mnist",
) -> dict[str, RobustnessResult]:
    """Score several fitted models on the same tests, making each test's images once.

    Corrupting and above all photographing the images takes most of the time
    and does not depend on the model, so each test's images are made once and
    every model reads them. Each model's result is the one :func:`run_benchmark`
    gives it alone with the same ``seed`` and ``n``.

    Parameters
    ----------
    models : mapping of str to object
        The models by the name their result carries, each as ``model`` of
        :func:`run_benchmark`.
    images, labels, seed, n, progress, corruptions, photos, dataset
        As for :func:`run_benchmark`.

    Returns
    -------
    dict of str to RobustnessResult
        Each model's result, in the order of ``models``.

    Raises
    ------
    ConfigError
        If ``models`` is empty, ``n`` is out of range or ``labels`` does not
        match ``images``.

    Example
    -------
    >>> models = {"knn": knn, "cnn": cnn}  # doctest: +SKIP
    >>> results = run_benchmarks(models, data.X_test, data.y_test, n=500)  # doctest: +SKIP
    >>> results["cnn"].photo_mean  # doctest: +SKIP
    0.91
    """
    if not models:
        raise ConfigError("give at least one model to score")
    images = check_images(images)
    labels = np.asarray(labels)
    if labels.shape != (len(images),):
        raise ConfigError(f"labels must have shape ({len(images)},), got {labels.shape}")
    report = progress or ignore_progress
    picked = stratified_subset(labels, n, seed)
    x, y = images[picked], labels[picked].astype(np.int64)
    total = 1 + len(corruptions) + len(photos)
    scores: dict[str, list[Score]] = {name: [] for name in models}
    tests = _test_images(x, seed, corruptions, photos, report, total)
    for name, kind, parameter, seen, unread in tests:
        for model_name, model in models.items():
            scores[model_name].append(_score(model, name, kind, parameter, seen, y, unread))
    report("done", total, total)
    return {
        name: RobustnessResult(name, dataset, len(y), seed, tuple(model_scores))
        for name, model_scores in scores.items()
    }


#: One test's images: its name, kind and parameter, the images as seen, which had no digit.
_TestImages = tuple[str, str, str, NDArray[np.uint8], NDArray[np.bool_]]


def _test_images(
    x: NDArray[np.uint8],
    seed: int,
    corruptions: Sequence[Corruption],
    photos: Sequence[PhotoVariant],
    report: ProgressCallback,
    total: int,
) -> Iterator[_TestImages]:
    """Each test's images in turn, made from ``x`` with the test's own generator."""
    none_unread = np.zeros(len(x), dtype=bool)
    report("clean", 0, total)
    yield "clean", CLEAN, "the test images as they are", x, none_unread
    for done, corruption in enumerate(corruptions, start=1):
        report(corruption.name, done, total)
        corrupted = corruption(x, _generator(seed, corruption.name))
        yield corruption.name, CORRUPTION, corruption.parameter, corrupted, none_unread
    for done, variant in enumerate(photos, start=1 + len(corruptions)):
        rng = _generator(seed, variant.name)
        seen, unread = _through_photos(variant, x, rng, report, done, total)
        yield variant.name, PHOTO, variant.parameter, seen, unread


def _score(
    model: Any,
    name: str,
    kind: str,
    parameter: str,
    seen: NDArray[np.uint8],
    y: NDArray[np.int64],
    unread: NDArray[np.bool_],
) -> Score:
    """``model``'s score on one test: images ``seen`` of digits ``y``, the ``unread`` ones wrong."""
    right = (_predict(model, seen) == y) & ~unread
    accuracy = float(np.mean(right)) if len(y) else 0.0
    return Score(name, kind, parameter, accuracy, len(y), int(unread.sum()))


def _through_photos(
    variant: PhotoVariant,
    x: NDArray[np.uint8],
    rng: np.random.Generator,
    report: ProgressCallback,
    done: int,
    total: int,
) -> tuple[NDArray[np.uint8], NDArray[np.bool_]]:
    """Each image photographed and read back as ``predict`` reads a file; which had no ink."""
    seen = np.zeros_like(x)
    unread = np.zeros(len(x), dtype=bool)
    step = max(1, len(x) // 20)
    for i, pixels in enumerate(x):
        if i % step == 0:
            report(variant.name, done + i / len(x), total)
        try:
            seen[i] = seen_by_model(photograph(variant, pixels, rng)).ravel()
        except ImageInputError:
            unread[i] = True  # counted wrong, as predict answers the user with an error
    return seen, unread


def benchmark_model(
    trained: TrainedModel,
    data: Dataset,
    *,
    seed: int = 0,
    n: int | None = None,
    progress: ProgressCallback | None = None,
) -> RobustnessResult:
    """Run the benchmark for a model of the store on the test images of the data it was trained on.

    The one-model case of :func:`benchmark_models`.

    Raises
    ------
    ConfigError
        If the model was trained on other data than ``data``, or ``n`` is out of range.

    Example
    -------
    >>> result = benchmark_model(store.load("knn-tuned"), data, n=2000)  # doctest: +SKIP
    """
    results = benchmark_models([trained], data, seed=seed, n=n, progress=progress)
    return results[trained.name]


def benchmark_models(
    trained: Sequence[TrainedModel],
    data: Dataset,
    *,
    seed: int = 0,
    n: int | None = None,
    progress: ProgressCallback | None = None,
) -> dict[str, RobustnessResult]:
    """Run the benchmark for several models of the store, making each test's images once.

    Every model must have been trained on ``data``; each is scored on its test
    images as :func:`benchmark_model` scores it alone.

    Returns
    -------
    dict of str to RobustnessResult
        Each model's result by its name, in the order of ``trained``.

    Raises
    ------
    ConfigError
        If no model is given, a model is given twice, one was trained on other
        data than ``data``, or ``n`` is out of range.

    Example
    -------
    >>> models = [store.load("knn-tuned"), store.load("cnn")]  # doctest: +SKIP
    >>> results = benchmark_models(models, data, n=2000)  # doctest: +SKIP
    """
    classifiers: dict[str, Any] = {}
    for model in trained:
        if model.name in classifiers:
            raise ConfigError(f"model {model.name!r} is given twice; give each model once")
        _check_trained_on(model, data)
        classifiers[model.name] = model.classifier
    return run_benchmarks(
        classifiers,
        data.X_test,
        data.y_test,
        seed=seed,
        n=n,
        progress=progress,
        dataset=data.name,
    )


def _check_trained_on(trained: TrainedModel, data: Dataset) -> None:
    """Refuse a model trained on other data than ``data``."""
    if trained.record.data_checksum != data.checksum:
        raise ConfigError(
            f"model {trained.name!r} was trained on {trained.record.dataset} "
            f"(checksum {trained.record.data_checksum[:12]}…), not on this {data.name} "
            f"({data.checksum[:12]}…); test it on the data it was trained on"
        )
