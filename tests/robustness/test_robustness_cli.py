"""``mnistlab robustness``: a whole quick run, and each mistake as one line and exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from mnistlab.cli.app import EXIT_USER_ERROR, run
from mnistlab.cli.json_output import SCHEMAS, check
from mnistlab.cli.robustness import _table, document
from mnistlab.config import Locations
from mnistlab.data import Dataset
from mnistlab.models.store import ModelStore
from mnistlab.models.training import train_model
from mnistlab.robustness import CORRUPTIONS, PHOTO_VARIANTS, RobustnessResult, Score

MODEL = "knn-tuned"


SCHEMA = SCHEMAS["robustness"]


@pytest.fixture(scope="module")
def models_dir(mnist: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("models")
    train_model(MODEL, mnist, store=ModelStore(directory), n_train=2000)
    return directory


def _data_args(locations: Locations) -> list[str]:
    args = ["--cache-dir", str(locations.cache_dir)]
    return args + (["--data-dir", str(locations.data_dir)] if locations.data_dir else [])


@pytest.mark.slow
def test_a_quick_run_prints_json_and_writes_it(
    models_dir: Path, locations: Locations, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "robustness.json"
    args = ["robustness", MODEL, "--n", "12", "--seed", "3", "--models-dir", str(models_dir)]
    assert run([*args, "--json", "--out", str(out), *_data_args(locations)]) == 0
    document = json.loads(out.read_text())
    assert json.loads(capsys.readouterr().out) == document
    assert check(document, SCHEMA) == []
    assert document["model"] == MODEL and document["n_images"] == 12 and document["seed"] == 3
    assert len(document["scores"]) == 1 + len(CORRUPTIONS) + len(PHOTO_VARIANTS)


def test_the_table_names_every_test_and_the_means() -> None:
    scores = (
        Score("clean", "clean", "as they are", 0.95, 10),
        Score("fog", "corruption", "plasma haze", 0.5, 10),
        Score("jpeg", "photo", "JPEG quality 10", 0.9, 10, unread=1),
    )
    result = RobustnessResult("knn-tuned", "mnist", 10, 0, scores)
    console = Console(width=200, record=True)
    console.print(_table(result))
    text = console.export_text()
    for word in ("fog", "50.0%", "jpeg", "JPEG quality 10", "no digit found", "knn-tuned"):
        assert word in text
    assert document(result)["kind"] == "robustness" and check(document(result), SCHEMA) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["knn-nope"], "no model called 'knn-nope'; choose one of: knn-tuned"),
        (["knn-shift"], "train it with: mnistlab train knn-shift"),
        ([MODEL, "--n", "0"], "--n 0: give a number of test images of at least 1"),
        ([MODEL, "--n", "10001"], "mnist has 10,000 test images"),
        ([MODEL, "--n", "many"], "--n"),
        ([MODEL, "-d", "kmnist-x"], "kmnist-x"),
    ],
)
def test_mistakes_are_one_line_and_exit_code_2(
    args: list[str], message: str, models_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["robustness", *args, "--models-dir", str(models_dir)]) == EXIT_USER_ERROR
    err = capsys.readouterr().err
    assert message in " ".join(err.replace("│", " ").split())
    assert "Traceback" not in err


def test_an_out_that_is_a_directory_is_refused_before_the_work(
    models_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(["robustness", MODEL, "--out", str(tmp_path), "--models-dir", str(models_dir)])
    assert code == EXIT_USER_ERROR
    assert "it is a directory; name a file" in capsys.readouterr().err
