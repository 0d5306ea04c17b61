"""``mnistlab study`` on a data set of two classes, added with ``mnistlab data add``.

The data set is real MNIST images of 1s and 7s, labelled 0 and 1. The command
chooses the classes itself, skips the step that needs three classes with its
reason in the report, and refuses a class the data set lacks in one line,
before loading anything.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from mnistlab.cli.app import EXIT_USER_ERROR, app, run
from mnistlab.config import Locations
from mnistlab.data import Dataset

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

runner = CliRunner()


@pytest.fixture
def ones_and_sevens(mnist: Dataset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A data set of 3,200 training and 600 test images of 1s and 7s, added for real."""
    monkeypatch.setenv("MNISTLAB_DATASETS_DIR", str(tmp_path / "datasets"))
    arrays = {}
    for split, n in (("train", 3200), ("test", 600)):
        X = np.asarray(getattr(mnist, f"X_{split}")).reshape(-1, 28, 28)
        y = np.asarray(getattr(mnist, f"y_{split}"))
        rows = np.flatnonzero(np.isin(y, (1, 7)))[:n]
        arrays[f"X_{split}"], arrays[f"y_{split}"] = X[rows], (y[rows] == 7).astype(np.uint8)
    np.savez(tmp_path / "pair.npz", **arrays)  # type: ignore[arg-type]
    args = ["data", "add", "ones-sevens", str(tmp_path / "pair.npz"), "--no-preprocess",
            "--classes", "one,seven"]  # fmt: skip
    assert run(args) == 0
    return "ones-sevens"


def test_help_says_the_classes_are_automatic() -> None:
    result = runner.invoke(app, ["study", "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    # The help is boxed and wrapped: its words, in order, without the box.
    text = " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.output).split())
    assert "Class of the binary detector, a label 0 to k-1" in text
    assert text.count("Default: automatic") == 2


def test_a_class_mnist_lacks_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = run(["study", "--positive-class", "12", "--out", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert code == EXIT_USER_ERROR
    assert (
        "--positive-class 12 is not a class of mnist (positive_class must be a class label "
        "0-9); choose one of 0-9, or leave it out for the automatic choice"
    ) in err
    assert err.strip().count("\n") == 0


@pytest.mark.slow
def test_two_classes_through_the_command(
    ones_and_sevens: str,
    locations: Locations,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "report"
    args = ["study", "-d", ones_and_sevens, "--steps", "1,2,10", "--n-jobs", "1",
            "--out", str(out), "--cache-dir", str(locations.cache_dir)]  # fmt: skip
    assert run(args) == 0
    err = capsys.readouterr().err
    assert "classes chosen (the two confused most): one and seven" in err
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert doc["settings"]["class_pair"] == [0, 1]
    assert doc["settings"]["positive_class"] == doc["class_choice"]["positive_class"]
    assert doc["steps"]["multiclass"]["skipped"].startswith("needs at least 3 classes")
    assert doc["steps"]["binary"]["values"]["n_positive_train"] > 0
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "Skipped on this data set: needs at least 3 classes" in page

    bad = ["study", "-d", ones_and_sevens, "--class-pair", "1,5", "--out", str(tmp_path / "r")]
    assert run(bad) == EXIT_USER_ERROR
    assert (
        "--class-pair 1,5 is not a pair of classes of ones-sevens (class_pair must be two "
        "class labels 0-1); choose two of 0-1, or leave it out for the automatic choice"
    ) in capsys.readouterr().err
