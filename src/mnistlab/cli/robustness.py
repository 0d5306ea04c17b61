"""``mnistlab robustness MODEL``: how a trained model holds up on corrupted and photographed digits.

The command checks its options, loads the model and the data, calls
:func:`mnistlab.robustness.benchmark_model` with a progress bar on stderr,
prints a table of every test's accuracy and the means on stdout (or JSON with
``--json``), writes the JSON to ``--out`` atomically, and records the means in
the model's record, where ``mnistlab leaderboard`` shows them. A model that is not
trained, an unknown model or data set, or a bad ``--n`` ends the command
before the work, as one line with exit code 2.
"""

from __future__ import annotations

import json
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
from mnistlab.errors import ConfigError
from mnistlab.files import atomic_write
from mnistlab.models.registry import MODEL_NAMES

if TYPE_CHECKING:
    from mnistlab.robustness import RobustnessResult

#: The ``kind`` of the command's JSON document.
KIND = "robustness"


def document(result: RobustnessResult) -> dict[str, Any]:
    """The command's JSON document: ``{"schema": 1, "kind": "robustness", ...}``.

    Example
    -------
    >>> from mnistlab.robustness import RobustnessResult
    >>> document(RobustnessResult("knn-tuned", "mnist", 0, 0))["kind"]
    'robustness'
    """
    return envelope(KIND, **result.to_dict())


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


def robustness(
    model: Annotated[
        str,
        typer.Argument(
            help=f"A trained model: {', '.join(MODEL_NAMES)}.", metavar="MODEL", show_default=False
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
        typer.Option("--json", help="Print JSON instead of a table (kind robustness)."),
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
    """Score a trained MODEL on test digits under MNIST-C's 15 corruptions and as photos.

    Each test image is corrupted as in MNIST-C (noise, blur, shear, scale,
    rotation, brightness, translation, stripes, fog, spatter, lines, edges),
    and written on simulated paper and photographed (pens, paper, light,
    ruling, tilt, blur, noise, JPEG, low resolution), then read back by the
    same preprocessing as `mnistlab predict`. Prints each test's accuracy and
    the means: MNIST-C's (the corruptions), the photos', and overall. The same
    --seed gives the same images, so the same scores. The means go into the
    model's record: `mnistlab leaderboard` shows the overall one as "robust"
    until the model is trained again. See docs/robustness.md.

    Examples:

      mnistlab robustness knn-tuned --n 2000

      mnistlab robustness cnn --json --out robustness-cnn.json
    """
    from mnistlab.models.registry import get_model_spec
    from mnistlab.models.store import ModelStore
    from mnistlab.robustness import CORRUPTIONS, PHOTO_VARIANTS, benchmark_model

    name = get_model_spec(model).name
    if n is not None and n < 1:
        raise ConfigError(f"--n {n}: give a number of test images of at least 1")
    spec = check_dataset(dataset)
    if n is not None and n > spec.n_test:
        raise ConfigError(
            f"--n {n}: {spec.name} has {spec.n_test:,} test images; give at most that many"
        )
    if out is not None:
        check_writable_file(out, option="--out")
    check_models_dir(models_dir)
    locations = build_locations(data_dir, cache_dir, models_dir)
    store = ModelStore(locations.models_dir, spec.name)
    trained = store.load(name)
    check_writable_directory(locations.models_dir, option="--models-dir")  # the means are recorded
    data = load_with_progress(dataset, data_dir=data_dir, cache_dir=cache_dir, source=source)
    console = stderr_console()
    steps = 1 + len(CORRUPTIONS) + len(PHOTO_VARIANTS)
    with model_bar(
        console,
        "{task.completed:.0f}/{task.total:.0f} tests",
        model=name,
        starting="starting",
        total=steps,
    ) as report:
        result = benchmark_model(trained, data, seed=seed, n=n, progress=report)
    doc = document(result)
    if out is not None:
        with atomic_write(out) as handle:
            handle.write((json.dumps(doc, indent=2) + "\n").encode())
    stdout = stdout_console()
    if as_json:
        stdout.print(dumps(doc), markup=False)
    else:
        stdout.print(_table(result))
        stdout.print(
            f"clean {_percent(result.clean_accuracy)}; "
            f"MNIST-C mean {_percent(result.mnist_c_mean)}; "
            f"photo mean {_percent(result.photo_mean)}; overall {_percent(result.overall_mean)}"
        )
        if out is not None:
            stdout.print(f"written: {out.resolve()}", markup=False)
    # Recorded after the output: should the model be trained again meanwhile, the
    # scores are still shown, and the error says they were not kept.
    store.update_robustness(name, result.to_record(trained.record.sha256))
