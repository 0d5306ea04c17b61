"""``mnistlab robustness MODEL...``: how models hold up on corrupted and photographed digits.

The command checks its options, loads the models and the data, calls
:func:`mnistlab.robustness.benchmark_models` with a progress bar on stderr
(each test's images are made once and every model reads them), prints a table
of every test's accuracy and the means on stdout (or JSON with ``--json``),
writes the JSON to ``--out`` atomically, and records the means in each model's
record, where ``mnistlab leaderboard`` shows them. A model that is not trained,
an unknown model or data set, a model named twice, or a bad ``--n`` ends the
command before the work, as one line with exit code 2.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from mnistlab.cli.checks import (
    check_dataset,
    check_models_dir,
    check_writable_directory,
    check_writable_file,
)
from mnistlab.cli.json_output import dumps, envelope
from mnistlab.cli.loading import SourceOption, load_with_progress
from mnistlab.cli.options import (
    CacheDirOption,
    DataDirOption,
    DatasetOption,
    ModelsDirOption,
    build_locations,
)
from mnistlab.cli.output import model_bar, stderr_console, stdout_console
from mnistlab.errors import ConfigError, MnistlabError
from mnistlab.files import atomic_write
from mnistlab.models.registry import MODEL_NAMES

if TYPE_CHECKING:
    from mnistlab.data.registry import DatasetSpec
    from mnistlab.models.store import ModelStore, TrainedModel
    from mnistlab.robustness import RobustnessResult

#: The ``kind`` of the command's JSON document for one model, and for several.
KIND, SEVERAL_KIND = "robustness", "robustness-comparison"


def document(result: RobustnessResult) -> dict[str, Any]:
    """The command's JSON document: ``{"schema": 1, "kind": "robustness", ...}``.

    Example
    -------
    >>> from mnistlab.robustness import RobustnessResult
    >>> document(RobustnessResult("knn-tuned", "mnist", 0, 0))["kind"]
    'robustness'
    """
    return envelope(KIND, **result.to_dict())


def several_document(results: Sequence[RobustnessResult]) -> dict[str, Any]:
    """The JSON document of several models scored together: what they share, and each result.

    ``{"schema": 1, "kind": "robustness-comparison", "dataset", "n_images", "seed",
    "models", "results"}``: ``models`` the names in the order given, ``results`` one
    :meth:`~mnistlab.robustness.RobustnessResult.to_dict` per model, in that order.

    Example
    -------
    >>> from mnistlab.robustness import RobustnessResult
    >>> both = [RobustnessResult(name, "mnist", 0, 0) for name in ("knn-tuned", "cnn")]
    >>> several_document(both)["models"]
    ['knn-tuned', 'cnn']
    """
    first = results[0]
    return envelope(
        SEVERAL_KIND,
        dataset=first.dataset,
        n_images=first.n_images,
        seed=first.seed,
        models=[result.model for result in results],
        results=[result.to_dict() for result in results],
    )


def _document_of(results: Sequence[RobustnessResult]) -> dict[str, Any]:
    """One model's document as it always was, or the document of several."""
    return document(results[0]) if len(results) == 1 else several_document(results)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def _table(result: RobustnessResult) -> Table:
    table = Table(
        title=f"robustness of {result.model} ({result.n_images:,} {result.dataset} test images)"
    )
    table.add_column("kind", no_wrap=True)
    table.add_column("test", no_wrap=True)
    table.add_column("accuracy", justify="right", no_wrap=True)
    table.add_column("no digit found", justify="right", no_wrap=True)
    table.add_column("what it does")
    for score in result.scores:
        table.add_row(
            score.kind,
            score.name,
            _percent(score.accuracy),
            str(score.unread) if score.kind == "photo" else "",
            escape(score.parameter),
        )
    return table


#: The rows of means under the table of several models: test, what it is, the mean's name.
_MEANS = (
    ("clean", "the test images as they are", "clean_accuracy"),
    ("MNIST-C mean", "mean over the corruptions", "mnist_c_mean"),
    ("photo mean", "mean over the photo variants", "photo_mean"),
    ("overall", "mean over every corruption and photo variant", "overall_mean"),
)


def _comparison_table(results: Sequence[RobustnessResult]) -> Table:
    """Every test's accuracy, one column per model, then the means."""
    first = results[0]
    names = ", ".join(result.model for result in results)
    table = Table(title=f"robustness of {names} ({first.n_images:,} {first.dataset} test images)")
    table.add_column("kind", no_wrap=True)
    table.add_column("test", no_wrap=True)
    for result in results:
        table.add_column(escape(result.model), justify="right", no_wrap=True)
    table.add_column("no digit found", justify="right", no_wrap=True)
    table.add_column("what it does")
    for scores in zip(*(result.scores for result in results), strict=True):
        score = scores[0]
        unread = " / ".join(str(s.unread) for s in scores) if score.kind == "photo" else ""
        accuracies = [_percent(s.accuracy) for s in scores]
        table.add_row(score.kind, score.name, *accuracies, unread, escape(score.parameter))
    table.add_section()
    for test, meaning, attribute in _MEANS:
        means = [_percent(getattr(result, attribute)) for result in results]
        table.add_row("mean", test, *means, "", meaning)
    if any(result.photo_mean is not None for result in results):
        table.caption = "no digit found: photos in which none was found, per model in column order"
    return table


def _means_line(result: RobustnessResult) -> str:
    return (
        f"clean {_percent(result.clean_accuracy)}; "
        f"MNIST-C mean {_percent(result.mnist_c_mean)}; "
        f"photo mean {_percent(result.photo_mean)}; overall {_percent(result.overall_mean)}"
    )


def _model_names(models: Sequence[str]) -> list[str]:
    """The registry name of each model given, refusing one given twice.

    Raises
    ------
    UnknownModelError
        If a name is not a model's.
    ConfigError
        If a model is named twice.
    """
    from mnistlab.models.registry import get_model_spec

    names: list[str] = []
    for given in models:
        name = get_model_spec(given).name
        if name in names:
            raise ConfigError(f"model {name!r} is named twice; name each model once")
        names.append(name)
    return names


def _check_n(n: int | None, spec: DatasetSpec) -> None:
    """Refuse an ``--n`` below 1 or above the data set's test images."""
    if n is not None and n < 1:
        raise ConfigError(f"--n {n}: give a number of test images of at least 1")
    if n is not None and n > spec.n_test:
        raise ConfigError(
            f"--n {n}: {spec.name} has {spec.n_test:,} test images; give at most that many"
        )


def _print(results: Sequence[RobustnessResult], doc: dict[str, Any], *, as_json: bool) -> None:
    """The JSON document, or the table (and, for one model, the line of its means)."""
    stdout = stdout_console()
    if as_json:
        stdout.print(dumps(doc), markup=False)
    elif len(results) == 1:
        stdout.print(_table(results[0]))
        stdout.print(_means_line(results[0]))
    else:
        stdout.print(_comparison_table(results))


def _record_means(
    store: ModelStore, trained: Sequence[TrainedModel], results: dict[str, RobustnessResult]
) -> None:
    """Record each model's means; one that cannot be recorded does not stop the others.

    Raises
    ------
    MnistlabError
        The first model's error, after every other model's means are recorded.
    """
    errors: list[MnistlabError] = []
    for model in trained:
        try:
            store.update_robustness(model.name, results[model.name].to_record(model.record.sha256))
        except MnistlabError as error:
            errors.append(error)
    if errors:
        raise errors[0]


def robustness(
    models: Annotated[
        list[str],
        typer.Argument(
            help=f"One or more trained models: {', '.join(MODEL_NAMES)}.",
            metavar="MODEL...",
            show_default=False,
        ),
    ],
    dataset: DatasetOption = "mnist",
    n: Annotated[
        int | None,
        typer.Option(
            "--n",
            metavar="N",
            help="Score a stratified, seeded subset of N test images (a quick run); "
            "default all of them.",
            show_default=False,
        ),
    ] = None,
    seed: Annotated[
        int,
        typer.Option("--seed", metavar="S", help="Seed of the subset, corruptions and photos."),
    ] = 0,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print JSON instead of a table (kind robustness; robustness-comparison for "
            "several models; docs/json.md).",
        ),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            metavar="FILE.json",
            help="Also write the JSON document to this file (written whole or not at all).",
            show_default=False,
        ),
    ] = None,
    data_dir: DataDirOption = None,
    cache_dir: CacheDirOption = None,
    models_dir: ModelsDirOption = None,
    source: SourceOption = "auto",
) -> None:
    """Score trained MODELs on test digits under MNIST-C's 15 corruptions and as photos.

    Each test image is corrupted as in MNIST-C (noise, blur, shear, scale,
    rotation, brightness, translation, stripes, fog, spatter, lines, edges),
    and written on simulated paper and photographed (pens, paper, light,
    ruling, tilt, blur, noise, JPEG, low resolution), then read back by the
    same preprocessing as `mnistlab predict`. Prints each test's accuracy and
    the means: MNIST-C's (the corruptions), the photos', and overall. The same
    --seed gives the same images, so the same scores. Several models are
    scored on the same images, made once: faster than one run per model, and
    one column per model. The means go into each model's record: `mnistlab
    leaderboard` shows the overall one as "robust" until the model is trained
    again. See docs/robustness.md.

    Examples:

      mnistlab robustness knn-tuned --n 2000

      mnistlab robustness knn-tuned cnn ensemble --n 2000

      mnistlab robustness cnn --json --out robustness-cnn.json
    """
    from mnistlab.models.store import ModelStore
    from mnistlab.robustness import CORRUPTIONS, PHOTO_VARIANTS, benchmark_models

    names = _model_names(models)
    spec = check_dataset(dataset)
    _check_n(n, spec)
    if out is not None:
        check_writable_file(out, option="--out")
    check_models_dir(models_dir)
    locations = build_locations(data_dir, cache_dir, models_dir)
    store = ModelStore(locations.models_dir, spec.name)
    trained = [store.load(name) for name in names]
    check_writable_directory(locations.models_dir, option="--models-dir")  # the means are recorded
    data = load_with_progress(dataset, data_dir=data_dir, cache_dir=cache_dir, source=source)
    steps = 1 + len(CORRUPTIONS) + len(PHOTO_VARIANTS)
    with model_bar(
        stderr_console(),
        "{task.completed:.0f}/{task.total:.0f} tests",
        model=names[0] if len(names) == 1 else f"{len(names)} models",
        starting="starting",
        total=steps,
    ) as report:
        by_name = benchmark_models(trained, data, seed=seed, n=n, progress=report)
    results = [by_name[name] for name in names]
    doc = _document_of(results)
    if out is not None:
        with atomic_write(out) as handle:
            handle.write((json.dumps(doc, indent=2) + "\n").encode())
    _print(results, doc, as_json=as_json)
    if out is not None and not as_json:
        stdout_console().print(f"written: {out.resolve()}", markup=False)
    # Recorded after the output: should a model be trained again meanwhile, the
    # scores are still shown, and the error says they were not kept.
    _record_means(store, trained, by_name)
