"""``mnistlab train | evaluate | models | leaderboard``: the accuracy ladder from the shell.

Each command parses its options, calls one library function of
:mod:`mnistlab.models` and prints the result on stdout (progress on stderr);
errors become one line and an exit code in :func:`mnistlab.cli.app.run`.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from mnistlab.cli.checks import (
    check_dataset,
    check_models_dir,
    check_scheduler_reachable,
    check_writable_directory,
)
from mnistlab.cli.json_output import dumps, envelope
from mnistlab.cli.loading import SourceOption, load_with_progress
from mnistlab.cli.options import (
    CacheDirOption,
    DataDirOption,
    DatasetOption,
    ModelsDirOption,
    SchedulerOption,
    build_locations,
)
from mnistlab.cli.output import model_bar, status, stderr_console, stdout_console
from mnistlab.models.registry import MODEL_NAMES, MODELS

ModelArgument = Annotated[
    str,
    typer.Argument(
        help=f"Model name: {', '.join(MODEL_NAMES)}.", metavar="MODEL", show_default=False
    ),
]


def _json_option(kind: str) -> Any:
    return typer.Option(
        "--json", help=f"Print JSON instead of a table (kind {kind}, docs/json.md)."
    )


def _percent(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{100 * value:.{digits}f}%"


def _number(value: float | None, fmt: str) -> str:
    return "—" if value is None else format(value, fmt)


def _dataset_flag(dataset: str) -> str:
    """`` -d DATASET`` for a command line, empty for the default data set."""
    from mnistlab.models.store import DEFAULT_DATASET

    return "" if dataset == DEFAULT_DATASET else f" -d {dataset}"


def train(
    model: ModelArgument,
    dataset: DatasetOption = "mnist",
    n_train: Annotated[
        int | None,
        typer.Option(
            "--n-train",
            metavar="N",
            help="Train on the first N training images only (a quick trial).",
            show_default=False,
        ),
    ] = None,
    data_dir: DataDirOption = None,
    cache_dir: CacheDirOption = None,
    models_dir: ModelsDirOption = None,
    source: SourceOption = "auto",
    scheduler: SchedulerOption = None,
) -> None:
    """Train MODEL on the training images and save it with its metadata record.

    Shows a progress bar with the current step (for networks: epoch, loss and
    validation accuracy). Test images are not used; run `mnistlab evaluate
    MODEL` next. Interrupting (Ctrl-C) keeps the previously saved model intact.
    With --scheduler, the ensemble's members (one Dask task each) or svc-rbf's
    calibration folds run on Dask; the model is the same.

    Examples:

      mnistlab train knn-deskew

      mnistlab train cnn --n-train 5000

      mnistlab train knn-tuned -d fashion-mnist

      mnistlab train ensemble --scheduler local
    """
    from mnistlab.models.registry import get_model_spec
    from mnistlab.models.store import ModelStore
    from mnistlab.models.training import (
        check_scheduler_use,
        local_workers,
        parallel_work,
        train_model,
        training_size,
    )
    from mnistlab.scheduling import LOCAL, dask_engine, parse_scheduler

    spec = get_model_spec(model)
    spec.family_module()  # a missing optional extra fails here, before data loading
    scheduler = parse_scheduler(scheduler)
    check_scheduler_use(model, scheduler)
    locations = build_locations(data_dir, cache_dir, models_dir)
    check_dataset(dataset)
    check_writable_directory(locations.models_dir, option="--models-dir")
    check_writable_directory(locations.cache_dir, option="--cache-dir")
    check_scheduler_reachable(scheduler)
    console = stderr_console()
    data = load_with_progress(dataset, data_dir=data_dir, cache_dir=cache_dir, source=source)
    training_size(data, n_train)  # a bad --n-train fails before the progress bar
    store = ModelStore(locations.models_dir, data.name)
    starting = "starting" if scheduler is None else "start Dask"
    if scheduler not in (None, LOCAL):
        starting = f"connect to {scheduler}"
    with model_bar(
        console, "{task.percentage:>3.0f}%", model=model, starting=starting, total=None
    ) as report:
        with dask_engine(scheduler, n_workers=local_workers(model)) as engine:
            if scheduler is not None:
                console.print(
                    f"work runs on: {engine.description} ({parallel_work(model)})", markup=False
                )
            record = train_model(
                model, data, store=store, n_train=n_train, progress=report, engine=engine
            )
        report("saved", 1, 1)
    out = stdout_console()
    where = "" if scheduler is None else f" on {engine.description}"
    out.print(
        f"trained {record.name} on {record.n_train:,} images of {record.dataset} "
        f"in {record.train_seconds:.1f} s{where}"
    )
    out.print(f"saved: {(store.directory / record.file).resolve()}", markup=False)
    out.print(f"next: mnistlab evaluate {record.name}{_dataset_flag(record.dataset)}")


def evaluate(
    model: ModelArgument,
    dataset: DatasetOption = "mnist",
    as_json: Annotated[bool, _json_option("evaluation")] = False,
    data_dir: DataDirOption = None,
    cache_dir: CacheDirOption = None,
    models_dir: ModelsDirOption = None,
    source: SourceOption = "auto",
) -> None:
    """Evaluate a trained MODEL on the 10,000 test images and record the results.

    Prints test accuracy, error count, the confusion matrix, precision and
    recall per class, and prediction time (whole test set, one image). The
    results go into the model's record, where `mnistlab leaderboard` reads them.
    Only a model trained on the data set of -d is evaluated.

    Examples:

      mnistlab evaluate knn-deskew

      mnistlab evaluate knn-tuned -d fashion-mnist

      mnistlab evaluate cnn --json > cnn.json
    """
    from mnistlab.models.evaluation import evaluate_model
    from mnistlab.models.store import ModelStore

    check_models_dir(models_dir)
    spec = check_dataset(dataset)
    locations = build_locations(data_dir, cache_dir, models_dir)
    store = ModelStore(locations.models_dir, spec.name)
    console = stderr_console()
    started = time.perf_counter()
    trained = store.load(model)
    load_seconds = time.perf_counter() - started
    check_writable_directory(locations.models_dir, option="--models-dir")  # results are recorded
    data = load_with_progress(dataset, data_dir=data_dir, cache_dir=cache_dir, source=source)
    with status(console, f"predicting {len(data.X_test):,} test images with {model}"):
        result = evaluate_model(trained, data)
    store.update_metrics(model, result.as_metrics())
    out = stdout_console()
    if as_json:
        document = envelope(
            "evaluation",
            model=trained.name,
            dataset=data.name,
            load_seconds=round(load_seconds, 3),
            **result.as_metrics(),
        )
        out.print(dumps(document), markup=False)
        return
    out.print(
        f"{model}: test accuracy {_percent(result.test_accuracy)} "
        f"({result.n_errors} errors in {result.n_test:,})"
    )
    out.print(
        f"prediction: {result.predict_seconds_batch:.2f} s for the test set, "
        f"{result.predict_ms_single:.1f} ms for one image (model loaded in {load_seconds:.1f} s)"
    )
    labels = spec.class_names
    kind = "digit" if labels == tuple(str(d) for d in range(len(labels))) else "class"
    matrix = Table(title=f"confusion matrix (rows: true {kind}, columns: predicted)")
    matrix.add_column("", style="bold")
    for label in labels:
        matrix.add_column(escape(label), justify="right")
    for label, row in zip(labels, result.confusion, strict=True):
        matrix.add_row(escape(label), *(str(v) for v in row))
    out.print(matrix)
    per_class = Table(title=f"per {kind}")
    for name in (kind, "precision", "recall", "f1"):
        per_class.add_column(name, justify="right")
    for index, label in enumerate(labels):
        per_class.add_row(
            escape(label),
            _percent(result.precision[index]),
            _percent(result.recall[index]),
            _percent(result.f1[index]),
        )
    out.print(per_class)


def models(
    dataset: DatasetOption = "mnist",
    as_json: Annotated[bool, _json_option("models")] = False,
    models_dir: ModelsDirOption = None,
) -> None:
    """List the models of a data set: which are trained, where, when and on what data.

    The state comes from the files: trained (the file matches the SHA-256 its
    record pins), file missing, damaged (train it again), or not trained.
    Each data set keeps its own models; -d chooses which are listed.

    Examples:

      mnistlab models

      mnistlab models -d fashion-mnist --json

      mnistlab models --models-dir /srv/mnistlab/models
    """
    from mnistlab.models.store import NOT_TRAINED, TRAINED, ModelStore

    check_models_dir(models_dir)
    data_spec = check_dataset(dataset)
    store = ModelStore(build_locations(None, None, models_dir).models_dir, data_spec.name)
    statuses = {status.name: status for status in store.statuses()}
    trained = {name: status.record for name, status in statuses.items()}
    states = {name: status.state for name, status in statuses.items()}
    out = stdout_console()
    directory = store.directory.resolve()
    if as_json:
        rows = []
        for spec in MODELS:
            record = trained.get(spec.name)
            row: dict[str, object] = {
                "name": spec.name,
                "summary": spec.summary,
                "family": spec.family,
                "trained": states.get(spec.name) == TRAINED,
                "state": states.get(spec.name, NOT_TRAINED),
                "file": None if record is None else str(directory / record.file),
            }
            for key in ("created", "dataset", "data_checksum", "n_train", "sha256"):
                row[key] = None if record is None else getattr(record, key)
            row["test_accuracy"] = None if record is None else record.test_accuracy
            row["robust_accuracy"] = None if record is None else record.robust_accuracy
            rows.append(row)
        document = envelope("models", dataset=store.dataset, models_dir=str(directory), models=rows)
        out.print(dumps(document), markup=False)
        return
    table = Table(title=f"models of {data_spec.title}")
    for name in ("model", "state", "trained", "images", "accuracy"):
        table.add_column(name, no_wrap=True)
    table.add_column("what it is")
    for spec in MODELS:
        record = trained.get(spec.name)
        if record is None:
            table.add_row(spec.name, NOT_TRAINED, "", "", "", escape(spec.summary))
            continue
        table.add_row(
            spec.name,
            states[spec.name],
            record.created.replace("T", " ")[:16],
            f"{record.n_train:,}",
            _percent(record.test_accuracy),
            escape(spec.summary),
        )
    out.print(table)
    flag = _dataset_flag(store.dataset)
    out.print(f"in {directory} (files, data checksums: mnistlab models{flag} --json)", markup=False)
    for name, state in states.items():
        if state != TRAINED:
            out.print(
                f"{name} is {state}: train it again with: {store.train_command(name)}",
                markup=False,
            )


def leaderboard_command(
    dataset: DatasetOption = "mnist",
    as_json: Annotated[bool, _json_option("leaderboard")] = False,
    models_dir: ModelsDirOption = None,
) -> None:
    """Rank the trained models of a data set by test accuracy, with error count and timings.

    "robust" is the mean accuracy over the robustness benchmark (MNIST-C's
    corruptions and the photographed digits), shown once `mnistlab robustness
    MODEL` has measured the model, until it is trained again. Models whose file
    is missing or damaged are listed last, unranked, with their state.

    Examples:

      mnistlab leaderboard

      mnistlab leaderboard -d fashion-mnist

      mnistlab leaderboard --json | jq '.models[0].name'
    """
    from mnistlab.models.leaderboard import leaderboard
    from mnistlab.models.store import SUGGESTED_FIRST_MODEL, TRAINED, ModelStore

    check_models_dir(models_dir)
    spec = check_dataset(dataset)
    store = ModelStore(build_locations(None, None, models_dir).models_dir, spec.name)
    rows = leaderboard(store)
    out = stdout_console()
    directory = store.directory.resolve()
    if as_json:
        document = envelope(
            "leaderboard",
            dataset=store.dataset,
            models_dir=str(directory),
            models=[row.as_dict() for row in rows],
        )
        out.print(dumps(document), markup=False)
        return
    if not rows:
        out.print(
            f"no trained model of {spec.name} in {directory}; start with: "
            f"{store.train_command(SUGGESTED_FIRST_MODEL)}",
            markup=False,
        )
        return
    table = Table(title=f"leaderboard of {spec.title} ({spec.n_test:,} test images)")
    columns = (
        "#", "model", "state", "accuracy", "robust", "errors", "train s", "test set s",
        "one image ms",
    )  # fmt: skip
    for name in columns:
        left = name in ("model", "state")
        table.add_column(name, justify="left" if left else "right", no_wrap=True)
    for row in rows:
        table.add_row(
            str(row.rank) if row.rank else "—",
            row.name,
            row.state,
            _percent(row.test_accuracy),
            _percent(row.robust_accuracy),
            _number(row.n_errors, "d"),
            f"{row.train_seconds:.1f}",
            _number(row.predict_seconds_batch, ".2f"),
            _number(row.predict_ms_single, ".1f"),
        )
    out.print(table)
    if any(row.rank is None and row.state == TRAINED for row in rows):
        out.print(
            "models marked — are not evaluated yet: "
            f"mnistlab evaluate MODEL{_dataset_flag(store.dataset)}",
            markup=False,
        )
    if any(row.robust_accuracy is None and row.state == TRAINED for row in rows):
        out.print(
            "robust is — until measured (again after training) with: "
            f"mnistlab robustness MODEL{_dataset_flag(store.dataset)}",
            markup=False,
        )
    subsets = [
        f"{row.name} on {row.robustness.n_images:,} (seed {row.robustness.seed})"
        for row in rows
        if row.robustness is not None and row.robustness.n_images < spec.n_test
    ]
    if subsets:
        out.print(f"robust measured on fewer test images: {'; '.join(subsets)}", markup=False)
    for row in rows:
        if row.state != TRAINED:
            out.print(
                f"{row.name} is {row.state}: train it again with: {store.train_command(row.name)}",
                markup=False,
            )
