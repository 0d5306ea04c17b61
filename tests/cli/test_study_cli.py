"""``mnistlab study`` in-process, and once for real in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mnistlab.cli.app import EXIT_USER_ERROR, app, run
from mnistlab.cli.study import parse_steps
from mnistlab.config import Locations
from mnistlab.data import Dataset
from mnistlab.errors import ConfigError

runner = CliRunner()
LIMIT = ["--limit", "3000,500"]


def dirs(locations: Locations) -> list[str]:
    """The options that point a command at the test session's data and cache."""
    args = ["--cache-dir", str(locations.cache_dir)]
    if locations.data_dir is not None:
        args += ["--data-dir", str(locations.data_dir)]
    return args


def test_help_lists_the_options() -> None:
    result = runner.invoke(app, ["study", "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    for option in ("--dataset", "--steps", "--out", "--no-cache", "--positive-class",
                   "--class-pair", "--target-precision", "--n-jobs", "--data-dir",
                   "--cache-dir", "--source", "--scheduler"):  # fmt: skip
        assert option in result.output
    assert "Run the classification study" in result.output


def test_study_writes_the_report(locations: Locations, mnist: Dataset, tmp_path: Path) -> None:
    out = tmp_path / "report"
    args = ["study", "--steps", "look,binary", "--out", str(out), *LIMIT, *dirs(locations)]
    result = runner.invoke(app, args, terminal_width=200)
    assert result.exit_code == 0, result.output
    assert f"report: {out.resolve() / 'index.html'}" in result.stdout
    assert "total time:" in result.stdout
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert list(doc["steps"]) == ["look", "binary"]
    assert doc["data"]["n_train"] == 3000
    assert doc["steps"]["binary"]["values"]["prediction"] is True
    assert (out / "figures" / "some_digit.png").is_file()


def test_a_subset_study_is_stratified_and_says_so(
    locations: Locations, mnist: Dataset, tmp_path: Path
) -> None:
    out = tmp_path / "report"
    args = ["study", "--steps", "look", "--n-train", "3000", "--n-test", "500",
            "--out", str(out), *dirs(locations)]  # fmt: skip
    result = runner.invoke(app, args, terminal_width=200)
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert doc["subset"]["n_train"] == 3000 and doc["subset"]["n_test"] == 500
    assert doc["subset"]["stratified"] is True and doc["subset"]["svc_train_size"] == 100
    assert "Subset study" in (out / "index.html").read_text(encoding="utf-8")


def test_options_reach_the_study(locations: Locations, mnist: Dataset, tmp_path: Path) -> None:
    out = tmp_path / "report"
    args = ["study", "--steps", "2", "--positive-class", "3", "--class-pair", "2,7",
            "--target-precision", "0.8", "--n-jobs", "1", "--out", str(out),
            *LIMIT, *dirs(locations)]  # fmt: skip
    result = runner.invoke(app, args, terminal_width=200)
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert doc["settings"] == {
        "positive_class": 3,
        "class_pair": [2, 7],
        "target_precision": 0.8,
        "n_jobs": 1,
    }
    assert doc["steps"]["binary"]["values"]["positive_class"] == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--steps", "look,bogus"], "unknown step 'bogus'; use numbers 1-14 or names: look, "),
        (["--steps", "15"], "unknown step '15'"),
        (["--steps", "5-2"], "bad range '5-2'"),
        (["--class-pair", "3"], "--class-pair: expected two whole numbers"),
        (["--positive-class", "12"], "positive_class must be a class label 0-9"),
        (["--target-precision", "1.5"], "target_precision must be in"),
        (["--limit", "10"], "--limit: expected two whole numbers"),
        (["--n-train", "3000"], "--n-train and --n-test go together"),
        (["--quick", "--limit", "10,10"], "--limit cannot be combined with --quick"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = run(["study", *args, "--out", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert code == EXIT_USER_ERROR
    assert message in err
    assert err.strip().count("\n") == 0 and "Traceback" not in err
    assert not (tmp_path / "r").exists()


def test_parse_steps_accepts_names_numbers_and_ranges() -> None:
    assert parse_steps(None) is None
    assert parse_steps("roc, 1 ,3-4,Cross-Validation") == [
        "look",
        "cross_validation",
        "confusion",
        "roc",
    ]
    with pytest.raises(ConfigError, match="no step given"):
        parse_steps(",")


def mnistlab_process(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    """Run the real command in a subprocess, as a user's shell would."""
    return subprocess.run(
        [sys.executable, "-m", "mnistlab", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", **env},
        timeout=300,
        check=False,
    )


@pytest.mark.slow
def test_study_for_real_in_a_subprocess(
    locations: Locations, mnist: Dataset, tmp_path: Path
) -> None:
    out = tmp_path / "report"
    args = ["study", "--steps", "look", "--out", str(out), *LIMIT, *dirs(locations)]
    proc = mnistlab_process(args)
    assert proc.returncode == 0, proc.stderr
    assert "report: " in proc.stdout and str(out.resolve()) in proc.stdout
    assert (out / "index.html").is_file()

    bad = mnistlab_process(["study", "--steps", "nope"])
    assert bad.returncode == EXIT_USER_ERROR
    assert "unknown step 'nope'" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.slow
def test_open_shows_the_report_in_the_browser(
    locations: Locations, mnist: Dataset, tmp_path: Path
) -> None:
    """``--open`` hands the report's file URI to the default browser (``BROWSER``)."""
    seen = tmp_path / "opened.txt"
    browser = tmp_path / "browser"
    browser.write_text(
        f"#!{sys.executable}\nimport sys\nopen({str(seen)!r}, 'w').write(sys.argv[1])\n",
        encoding="utf-8",
    )
    browser.chmod(0o755)
    out = tmp_path / "report"
    args = ["study", "--steps", "look", "--out", str(out), "--open", *LIMIT, *dirs(locations)]
    proc = mnistlab_process(args, BROWSER=str(browser))
    assert proc.returncode == 0, proc.stderr
    assert seen.read_text(encoding="utf-8") == (out / "index.html").resolve().as_uri()
