"""``mnistlab predict``: classify people's images of digits with a trained model.

The command loads one model from the store (the best trained one unless
``--model`` names another), makes each image MNIST-like with
:func:`mnistlab.preprocess.preprocess` in the framing of the data set (digits
as MNIST's, photos of items as Fashion-MNIST's), classifies them all in batches and
prints a table or JSON. A bad image gets its own error line and the others
still get their answers; the exit code is then 2 (bad input), or 1 when only
writing a --save-input image was refused. Without ``--model``, models whose
file is missing or damaged are passed over, one line each on stderr. A missing
or unusable named model is an error for the root app: one line, exit code 2.
An answer that may not be a digit of the model's data set is marked unsure
(:func:`mnistlab.models.confidence.judge`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from numpy.typing import NDArray
from rich.markup import escape
from rich.table import Table

from mnistlab.cli.checks import check_dataset, check_models_dir, check_writable_directory
from mnistlab.cli.failures import describe_os_error
from mnistlab.cli.json_output import dumps, envelope
from mnistlab.cli.options import DatasetOption, ModelsDirOption, build_locations
from mnistlab.cli.output import stderr_console, stdout_console
from mnistlab.errors import ExitCode, ImageInputError
from mnistlab.files import atomic_write
from mnistlab.models.confidence import Confidence, judge
from mnistlab.models.registry import MODEL_NAMES

#: The exit code when some image could not be read (the others got their answers).
EXIT_SOME_IMAGES_FAILED = int(ExitCode.USAGE)
#: The exit code when the only failures were --save-input images the system refused to write.
EXIT_SOME_WRITES_FAILED = int(ExitCode.REFUSED)
BATCH_SIZE = 256
#: The ``code`` of a result's error: the image could not be used, or its 28×28 not written.
BAD_IMAGE, WRITE_REFUSED = "bad_image", "write_refused"


@dataclass(frozen=True)
class _Answer:
    """What ``predict`` says about one image: the top digits or an error."""

    image: Path
    top: tuple[tuple[int, float], ...] = ()
    saved: Path | None = None
    error: str | None = None
    error_code: str = BAD_IMAGE
    probabilities: tuple[float, ...] = ()
    confidence: Confidence | None = None


def predict(
    images: Annotated[
        list[Path],
        typer.Argument(
            help="Image files: PNG, JPEG, GIF, BMP, WebP, TIFF, ... of any size and colour.",
            metavar="IMAGE...",
            show_default=False,
        ),
    ],
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            "-m",
            metavar="MODEL",
            help=f"A trained model: {', '.join(MODEL_NAMES)} (default: the most accurate one).",
            show_default=False,
        ),
    ] = None,
    dataset: DatasetOption = "mnist",
    top: Annotated[
        int,
        typer.Option(
            "--top", "-k", metavar="K", min=1, max=10, help="Show the K most probable digits."
        ),
    ] = 3,
    json_output: Annotated[
        bool,
        typer.Option(
            "--json", help="Print JSON instead of a table (kind prediction, docs/json.md)."
        ),
    ] = False,
    save_input: Annotated[
        Path | None,
        typer.Option(
            "--save-input",
            metavar="DIR",
            help="Write the 28×28 image the model saw, as PNG, into this directory.",
            show_default=False,
        ),
    ] = None,
    models_dir: ModelsDirOption = None,
) -> None:
    """Say which digit (or class of -d's data set) each IMAGE shows, with the top K.

    Each image (a photo, scan or drawing; dark ink on light or light on dark)
    is made MNIST-like first: grey-scale, cropped to the ink, scaled to fit
    20×20, centred by centre of mass in 28×28. For fashion-mnist (and data
    sets added with --framing object) an image is a photo of one item and is
    framed as Fashion-MNIST's were made instead: trimmed to the item, longest
    edge scaled to 28, centred, light on black. Many images are classified in
    batches. An answer is marked unsure when its probability is below 50% or
    the image does not look like a digit of the model's data set (noise, a
    solid patch); without --model, models whose file is missing or damaged
    are skipped with a line on stderr. Only models trained on the data set of
    -d answer, with its class names (e.g. Sneaker for fashion-mnist).

    Exit code: 0 when every image got an answer; 2 when some image could not
    be read (each gets an error line on stderr, the others still get answers),
    for a usage error, or when no model can be loaded (train one first); 1 when
    the system refused to write a --save-input image.

    Examples:

      mnistlab predict scan.png photo.jpg --top 3

      mnistlab predict *.png --json --save-input seen/

      mnistlab predict digit.png --model knn-deskew

      mnistlab predict shoe.png -d fashion-mnist
    """
    from mnistlab.models.registry import get_model_spec
    from mnistlab.models.store import ModelStore
    from mnistlab.preprocess import preprocess

    check_models_dir(models_dir)
    spec = check_dataset(dataset)
    locations = build_locations(None, None, models_dir)
    if save_input is not None:
        check_writable_directory(save_input, option="--save-input")
    store = ModelStore(locations.models_dir, spec.name)
    err = stderr_console()
    if model is not None:
        name = get_model_spec(model).name
    else:
        choice = store.choose()
        name = choice.name
        for skipped in choice.skipped:
            err.print(f"skipped model {skipped.name}: {skipped.problem}", markup=False)
    trained = store.load(name)  # only a model of this data set loads
    labels = spec.class_names
    if save_input is not None:
        _make_directory(save_input)

    digits: list[NDArray[np.uint8]] = []
    answers: list[_Answer] = []
    for path in images:
        try:
            digit = preprocess(path, framing=spec.framing)
        except ImageInputError as exc:
            answers.append(_Answer(path, error=str(exc)))
            continue
        saved = None
        if save_input is not None:
            try:
                saved = _save_digit(digit, save_input, path, answers)
            except OSError as exc:
                problem = f"its 28×28 image: {describe_os_error(exc)}"
                answers.append(_Answer(path, error=problem, error_code=WRITE_REFUSED))
                continue
        digits.append(digit)
        answers.append(_Answer(path, saved=saved))

    probabilities = _classify(trained.classifier, digits)
    ranked = iter(np.argsort(-probabilities, axis=1, kind="stable")[:, :top])
    rows = iter(probabilities)
    seen = iter(digits)
    answers = [
        answer
        if answer.error is not None
        else _with_top(answer, next(rows), next(ranked), next(seen), spec.name)
        for answer in answers
    ]

    out = stdout_console()
    if json_output:
        out.print(dumps(_as_json(name, spec.name, answers, labels)), markup=False)
    elif any(answer.error is None for answer in answers):
        out.print(_table(name, answers, labels, top))
        for answer in answers:
            if answer.confidence is not None and answer.confidence.unsure:
                out.print(
                    f"unsure: {answer.image} may not be {_kind(labels)} of {spec.name} "
                    f"({answer.confidence.reason})",
                    markup=False,
                )
    for answer in answers:
        if answer.error is not None:
            err.print(f"[bold red]error:[/] {escape(_error_line(answer))}")
    failed = {answer.error_code for answer in answers if answer.error is not None}
    if BAD_IMAGE in failed:
        raise typer.Exit(EXIT_SOME_IMAGES_FAILED)
    if failed:
        raise typer.Exit(EXIT_SOME_WRITES_FAILED)


def _digits(labels: tuple[str, ...]) -> bool:
    """Whether the class names are the digits themselves (MNIST's)."""
    return labels == tuple(str(d) for d in range(len(labels)))


def _kind(labels: tuple[str, ...]) -> str:
    """What one image of the data set shows: ``a digit``, or ``an image`` of a class."""
    return "a digit" if _digits(labels) else "an image"


def _error_line(answer: _Answer) -> str:
    """The image and what went wrong, naming the image once."""
    text = answer.error or ""
    image = str(answer.image)
    return text if image in text else f"{image}: {text}"


def _classify(classifier: Any, digits: list[NDArray[np.uint8]]) -> NDArray[np.float64]:
    """Probabilities of every digit for every image, in batches of ``BATCH_SIZE``."""
    if not digits:
        return np.zeros((0, 10))
    flat = np.stack(digits).reshape(len(digits), -1)
    parts = [
        np.asarray(classifier.predict_proba(flat[start : start + BATCH_SIZE]), dtype=np.float64)
        for start in range(0, len(flat), BATCH_SIZE)
    ]
    return np.concatenate(parts)


def _with_top(
    answer: _Answer,
    row: NDArray[np.float64],
    order: NDArray[np.intp],
    digit: NDArray[np.uint8],
    dataset: str,
) -> _Answer:
    top = tuple((int(d), float(row[d])) for d in order)
    return _Answer(
        answer.image,
        top=top,
        saved=answer.saved,
        probabilities=tuple(map(float, row)),
        confidence=judge(digit, row, dataset),
    )


def _make_directory(directory: Path) -> None:
    """Create the --save-input directory; a refusal is the system's (exit code 1)."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise type(exc)(
            exc.errno,
            f"--save-input: cannot create the directory {directory}: {exc.strerror or exc}",
        ) from None


def _save_digit(
    digit: NDArray[np.uint8], directory: Path, source: Path, earlier: list[_Answer]
) -> Path:
    """Write ``digit`` as ``<input name>-28x28.png``, atomically, not over an earlier one."""
    from PIL import Image

    taken = {answer.saved for answer in earlier if answer.saved is not None}
    target = directory / f"{source.stem}-28x28.png"
    counter = 2
    while target in taken:
        target = directory / f"{source.stem}-28x28-{counter}.png"
        counter += 1
    with atomic_write(target) as handle:
        Image.fromarray(digit).save(handle, "PNG")
    return target


def _as_json(
    name: str, dataset: str, answers: list[_Answer], labels: tuple[str, ...]
) -> dict[str, Any]:
    """The envelope of kind ``prediction``: one result per image, in the order given."""
    results: list[dict[str, Any]] = []
    for answer in answers:
        row: dict[str, Any] = {
            "image": str(answer.image.absolute()),
            "digit": None,
            "label": None,
            "probability": None,
            "probabilities": None,
            "top": [],
            "saved_input": None if answer.saved is None else str(answer.saved.absolute()),
            "unsure": None,
            "unsure_reason": None,
            "error": None,
        }
        if answer.error is not None:
            row["error"] = {"code": answer.error_code, "message": _error_line(answer)}
        else:
            best, probability = answer.top[0]
            row.update(
                digit=best,
                label=labels[best],
                probability=probability,
                probabilities=list(answer.probabilities),
                top=[{"digit": d, "label": labels[d], "probability": p} for d, p in answer.top],
            )
            if answer.confidence is not None:
                row.update(unsure=answer.confidence.unsure, unsure_reason=answer.confidence.reason)
        results.append(row)
    return envelope(
        "prediction", model=name, dataset=dataset, class_names=list(labels), results=results
    )


def _table(name: str, answers: list[_Answer], labels: tuple[str, ...], top: int) -> Table:
    digits_are_labels = _digits(labels)
    table = Table(title=f"Predictions of {name}")
    table.add_column("image", no_wrap=True)
    table.add_column("digit" if digits_are_labels else "class", justify="right")
    table.add_column("probability", justify="right")
    table.add_column(f"top {top}")
    saving = any(answer.saved is not None for answer in answers)
    if saving:
        table.add_column("28×28 input", no_wrap=True)
    for answer in answers:
        if answer.error is not None:
            continue
        best, probability = answer.top[0]
        ranked = ", ".join(f"{labels[d]} {100 * p:.1f}%" for d, p in answer.top)
        row = [escape(str(answer.image)), labels[best], f"{100 * probability:.1f}%", ranked]
        if saving:
            row.append(escape(str(answer.saved)) if answer.saved is not None else "")
        table.add_row(*row)
    return table
