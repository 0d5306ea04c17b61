"""``mnistlab data ...`` in-process, and once for real in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from mnistlab.cli.app import EXIT_USER_ERROR, run
from mnistlab.cli.data import app
from mnistlab.config import Locations
from mnistlab.data import Dataset

runner = CliRunner()


def dirs(locations: Locations) -> list[str]:
    """The options that point a command at the test session's data and cache."""
    args = ["--cache-dir", str(locations.cache_dir)]
    if locations.data_dir is not None:
        args += ["--data-dir", str(locations.data_dir)]
    return args


def test_info_on_real_data(locations: Locations, mnist: Dataset) -> None:
    result = runner.invoke(app, ["info", *dirs(locations)], terminal_width=200)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "mnist: 70,000 images of 28×28 pixels (60,000 train, 10,000 test)" in out
    for count in (5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949):
        assert str(count) in out
    assert out.count(" OK ") == 4 and "MISMATCH" not in out
    assert f"checksum: {mnist.checksum}" in out
    assert "source: cache (first from " in out
    assert f"cache: {mnist.cache_path}" in out


def test_fetch_says_where_data_came_from(locations: Locations, mnist: Dataset) -> None:
    result = runner.invoke(app, ["fetch", *dirs(locations)], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "mnist: 70,000 images, verified" in result.output
    assert f"cache: {mnist.cache_path}" in result.output


def test_show_one_digit(locations: Locations, mnist: Dataset, tmp_path: Path) -> None:
    out = tmp_path / "five.png"
    result = runner.invoke(app, ["show", "--index", "0", "--out", str(out), *dirs(locations)])
    assert result.exit_code == 0, result.output
    assert str(out) in result.output
    with Image.open(out) as image:
        assert image.format == "PNG" and image.size == (200, 200)
    assert [p.name for p in tmp_path.iterdir()] == ["five.png"]


def test_show_grid(locations: Locations, mnist: Dataset, tmp_path: Path) -> None:
    out = tmp_path / "sub" / "grid.png"
    result = runner.invoke(app, ["show", "--grid", "100", "--out", str(out), *dirs(locations)])
    assert result.exit_code == 0, result.output
    with Image.open(out) as image:
        width, height = image.size
    assert width == height and width > 400


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["data", "info", "-d", "kmnist"], "unknown data set 'kmnist'"),
        (["data", "show", "--grid", "0"], "--grid must be from 1 to 2500, got 0"),
        (["data", "show", "--index", "70000"], "--index must be from 0 to 69999"),
        (["data", "show", "--out", "x.jpg"], "--out must name a .png file"),
        (["data", "fetch", "--source", "ftp"], "unknown --source 'ftp'"),
    ],
)
def test_errors_are_one_line(
    locations: Locations,
    mnist: Dataset,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    assert run([*args, *dirs(locations)]) == EXIT_USER_ERROR
    err = capsys.readouterr().err
    assert message in err
    assert err.strip().count("\n") == 0 and "Traceback" not in err


def test_error_in_a_real_process(locations: Locations, tmp_path: Path) -> None:
    env = {**os.environ, "MNISTLAB_DATA_DIR": str(tmp_path / "missing")}
    command = [sys.executable, "-m", "mnistlab", "data", "fetch", "--source", "local"]
    result = subprocess.run(
        [*command, "--cache-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == EXIT_USER_ERROR
    assert "error: MNISTLAB_DATA_DIR" in result.stderr and "no such directory" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize("command", ["fetch", "info", "show"])
def test_every_command_has_help(command: str) -> None:
    result = runner.invoke(app, [command, "--help"], terminal_width=200)
    assert result.exit_code == 0
    assert "--dataset" in result.output and "--source" in result.output
    callbacks = [c.callback for c in app.registered_commands if c.callback is not None]
    callback = next(cb for cb in callbacks if cb.__name__ == command)
    assert callback.__doc__, f"{command} has no help text"
    assert callback.__doc__.split(".")[0][:30] in " ".join(result.output.split())


def test_group_help() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "Get, verify, describe and draw" in result.output


def test_info_has_no_source_to_fetch_from(capsys: pytest.CaptureFixture[str]) -> None:
    # An info command reads what is there: it never fetches again into the cache.
    assert run(["data", "info", "--source", "pypi"]) == EXIT_USER_ERROR
    err = capsys.readouterr().err
    # Click words it "No such option: --source" or "No such option '--source'".
    assert "No such option" in err and "--source" in err
