"""What every command shares: exit codes, stdout for results only, help, JSON and path checks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer.main

from mnistlab.cli.app import app, build_command, describe_os_error, run
from mnistlab.cli.json_output import SCHEMAS, check
from mnistlab.cli.signals import EXIT_INTERRUPTED
from mnistlab.config import Locations
from mnistlab.data import Dataset
from mnistlab.data.registry import builtin_dataset_names
from mnistlab.errors import (
    ConfigError,
    DataSourceError,
    ExitCode,
    ImageInputError,
    ModelNotTrainedError,
    UnknownDatasetError,
    exit_code_for,
    exit_codes_text,
)
from mnistlab.models.store import SUGGESTED_FIRST_MODEL, ModelStore
from mnistlab.models.training import train_model

MODEL, OTHER_MODEL = "knn-tuned", "knn-deskew"
README = Path(__file__).resolve().parents[2] / "README.md"


def _leaves(command: Any, path: str = "mnistlab") -> list[tuple[str, Any]]:
    subs = getattr(command, "commands", None)
    if not subs:
        return [(path, command)]
    return [leaf for name, sub in subs.items() for leaf in _leaves(sub, f"{path} {name}")]


def _mnistlab(*args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mnistlab", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **env},
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def models_dir(mnist: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("models")
    train_model(MODEL, mnist, store=ModelStore(directory), n_train=2000)
    train_model(OTHER_MODEL, mnist, store=ModelStore(directory), n_train=2000)
    return directory


@pytest.fixture(scope="module")
def digit(mnist: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from PIL import Image

    path = tmp_path_factory.mktemp("digits") / "seven.png"
    Image.fromarray(mnist.X_test[0].reshape(28, 28)).save(path)
    return path


def _data_args(locations: Locations) -> list[str]:
    args = ["--cache-dir", str(locations.cache_dir)]
    return args + (["--data-dir", str(locations.data_dir)] if locations.data_dir else [])


# --- exit codes ----------------------------------------------------------------------------


def test_the_exit_code_table_is_written_once_and_shown_everywhere(capsys) -> None:
    assert [int(code) for code in ExitCode] == [0, 1, 2, 129, 130, 143]
    assert ExitCode.INTERRUPTED == EXIT_INTERRUPTED
    assert run(["--help"]) == 0
    shown = " ".join(capsys.readouterr().out.replace("│", " ").split())
    assert " ".join(exit_codes_text().split()) in shown
    assert exit_codes_text() in " ".join(README.read_text(encoding="utf-8").split())


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ConfigError("bad"), 2),
        (UnknownDatasetError("bad"), 2),
        (ImageInputError("bad"), 2),
        (ModelNotTrainedError("bad"), 2),
        (DataSourceError("no network"), 1),
        (ConnectionError("refused"), 1),
        (PermissionError(13, "Permission denied", "x"), 1),
        (KeyboardInterrupt(), 130),
    ],
)
def test_each_kind_of_error_has_its_code(error: BaseException, code: int) -> None:
    assert exit_code_for(error) == code


def test_predict_codes(models_dir: Path, digit: Path, tmp_path: Path, capsys) -> None:
    base = ["predict", "--models-dir", str(models_dir), "--model", MODEL]
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    assert run([*base, str(digit)]) == 0
    assert run([*base, str(tmp_path / "missing.png")]) == 2
    assert run([*base, str(tmp_path)]) == 2
    assert run([*base, str(text)]) == 2
    assert run([*base, "--no-such-option", str(digit)]) == 2
    assert run(["predict", "--models-dir", str(models_dir), "--model", "nope", "x.png"]) == 2
    capsys.readouterr()
    assert run([*base, str(digit), "--save-input", "/proc/mnistlab-here"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "/proc/mnistlab-here" in err


def test_predict_names_a_missing_image_once(models_dir: Path, tmp_path: Path, capsys) -> None:
    missing = tmp_path / "missing.png"
    run(["predict", "--models-dir", str(models_dir), "--model", MODEL, str(missing)])
    assert capsys.readouterr().err.count(str(missing)) == 1


def test_an_unreachable_source_is_the_system_refusing(tmp_path: Path, capsys) -> None:
    # No network here and none needed: every mirror of a fresh cache refuses.
    code = run(["data", "fetch", "--source", "mirror", "--cache-dir", str(tmp_path / "c")])
    err = capsys.readouterr().err
    assert code == 1, err


def test_a_refused_write_names_the_target(locations: Locations, capsys) -> None:
    code = run(["data", "show", "--index", "3", "--out", "/proc/x.png", *_data_args(locations)])
    err = capsys.readouterr().err
    assert code == 1
    assert "/proc/x.png" in err and "/proc/.x.png." not in err
    assert len(err.strip().splitlines()) == 1


def test_a_temporary_name_is_told_as_its_target() -> None:
    refused = OSError(28, "No space left on device", "/srv/r/.index.html.0a1b2c3d.tmp")
    assert "/srv/r/index.html" in describe_os_error(refused)
    assert ".0a1b2c3d" not in describe_os_error(refused)


def test_stopping_serve_does_not_speak_of_files(monkeypatch, capsys) -> None:
    from mnistlab.web import server

    def stopped(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(server, "serve", stopped)
    assert run(["serve"]) == 130
    err = capsys.readouterr().err
    assert err.strip() == "stopped"


def test_every_suggestion_to_train_names_the_same_model(tmp_path: Path, capsys) -> None:
    empty = tmp_path / "models"
    empty.mkdir()
    run(["leaderboard", "--models-dir", str(empty)])
    run(["predict", "--models-dir", str(empty), "x.png"])
    captured = capsys.readouterr()
    for text in (captured.out, captured.err):
        assert f"mnistlab train {SUGGESTED_FIRST_MODEL}" in text


# --- stdout carries results only -----------------------------------------------------------


def test_piped_data_show_prints_exactly_the_path(locations: Locations, tmp_path: Path) -> None:
    done = _mnistlab("data", "show", "--index", "3", "--out", "x.png", *_data_args(locations),
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == "x.png\n"
    assert (tmp_path / "x.png").is_file()


def test_piped_data_info_starts_with_the_result(locations: Locations) -> None:
    done = _mnistlab("data", "info", *_data_args(locations))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("mnist: 70,000 images")
    assert "read IDX files" not in done.stdout + done.stderr  # no progress bar without a tty


def test_piped_tables_are_not_wrapped(models_dir: Path) -> None:
    done = _mnistlab("models", "--models-dir", str(models_dir), COLUMNS="80")
    assert done.returncode == 0, done.stderr
    row = next(line for line in done.stdout.splitlines() if "knn-shift" in line)
    assert "shifted 1 pixel 4 ways" in row  # the whole summary on the model's row
    assert f"in {models_dir.resolve()} " in done.stdout


# --- help ----------------------------------------------------------------------------------


def test_every_command_has_examples_short_help_and_named_values() -> None:
    leaves = _leaves(build_command())
    assert len(leaves) >= 11
    for path, command in leaves:
        help_text = command.help or ""
        examples = [line for line in help_text.splitlines() if line.strip().startswith("mnistlab")]
        assert "Examples:" in help_text and len(examples) >= 2, f"{path} has no examples"
        done = run([*path.split()[1:], "-h"])
        assert done == 0, path
        for param in command.params:
            if param.param_type_name == "option" and not getattr(param, "is_flag", False):
                assert param.metavar, f"{path} {param.opts[0]} shows its type, not a name"


def test_help_names_values_and_shows_no_types(capsys) -> None:
    for args in (["predict", "-h"], ["tune", "--help"], ["data", "show", "-h"], ["models", "-h"]):
        assert run(args) == 0
    out = capsys.readouterr().out
    for word in ("<bool>", "<str>", "<path>", "<int>", "{IMAGE}"):
        assert word not in out
    flat = " ".join(out.replace("│", " ").split())
    assert "mnistlab predict [OPTIONS] IMAGE..." in flat and "mnistlab tune [OPTIONS] MODEL" in flat
    for word in ("IMAGE...", "MODEL", "KEY=V1,V2", "DIR", "FILE", "N ", "1 to 2500", "60000"):
        assert word in flat, word
    assert ", ".join(builtin_dataset_names()) + ", or one added with" in flat
    assert "fashion-mnist, ..." not in flat


def test_global_options_follow_the_command_too(tmp_path: Path) -> None:
    empty = tmp_path / "models"
    empty.mkdir()
    assert run(["models", "--models-dir", str(empty), "--debug"]) == 0
    assert run(["--debug", "models", "--models-dir", str(empty)]) == 0


# --- JSON ----------------------------------------------------------------------------------


def _json(capsys, *args: str) -> dict[str, Any]:
    code = run(list(args))
    out = capsys.readouterr().out
    assert code in (0, 2), out
    document = json.loads(out)
    problems = check(document, SCHEMAS[document["kind"]])
    assert problems == [], problems
    return document


@pytest.mark.slow
def test_every_json_output_follows_its_documented_schema(
    locations: Locations, models_dir: Path, digit: Path, tmp_path: Path, capsys
) -> None:
    documented = (Path(__file__).resolve().parents[2] / "docs" / "json.md").read_text()
    for kind in SCHEMAS:
        assert f"`{kind}`" in documented, kind
    seen = {
        _json(capsys, "models", "--json", "--models-dir", str(models_dir))["kind"],
        _json(capsys, "leaderboard", "--json", "--models-dir", str(models_dir))["kind"],
        _json(capsys, "data", "info", "--json", *_data_args(locations))["kind"],
        _json(capsys, "data", "list", "--json")["kind"],
        _json(capsys, "predict", "--json", "--models-dir", str(models_dir), str(digit),
              str(tmp_path / "missing.png"))["kind"],
        _json(capsys, "evaluate", MODEL, "--json", "--models-dir", str(models_dir),
              *_data_args(locations))["kind"],
        _json(capsys, "robustness", MODEL, "--n", "10", "--json", "--models-dir",
              str(models_dir), *_data_args(locations))["kind"],
        _json(capsys, "robustness", MODEL, OTHER_MODEL, "--n", "10", "--json", "--models-dir",
              str(models_dir), *_data_args(locations))["kind"],
        _json(capsys, "tune", MODEL, "--grid", "n_neighbors=3,4", "--n-subset", "600",
              "--folds", "2", "--workers", "1", "--out", str(tmp_path), "--json",
              *_data_args(locations))["kind"],
    }  # fmt: skip
    assert seen == set(SCHEMAS)


def test_json_paths_are_absolute(models_dir: Path, digit: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(digit.parent)
    document = _json(capsys, "predict", "--json", "--models-dir", str(models_dir), digit.name)
    assert document["results"][0]["image"] == str(digit)
    listed = _json(capsys, "models", "--json", "--models-dir", str(models_dir))
    assert Path(listed["models_dir"]).is_absolute()
    assert all(m["file"] is None or Path(m["file"]).is_absolute() for m in listed["models"])


def test_the_validator_finds_what_is_wrong() -> None:
    schema = SCHEMAS["models"]
    listing = {"schema": 1, "kind": "models", "models_dir": "/m", "dataset": "mnist", "models": []}
    assert check(listing, schema) == []
    assert check({"schema": 1, "kind": "models", "models": [{}]}, schema)
    assert check({"schema": 2, "kind": "models", "models_dir": "/m", "models": []}, schema)


# --- path options --------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["models"], ["leaderboard"], ["predict", "x.png"]])
def test_a_models_dir_that_is_not_one_is_one_line(tmp_path: Path, capsys, command) -> None:
    afile = tmp_path / "a-file"
    afile.write_text("x")
    for given in (tmp_path / "no" / "such", afile):
        assert run([*command, "--models-dir", str(given)]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: --models-dir {given}:") and err.count("\n") == 1


def test_an_empty_data_dir_is_said(locations: Locations, tmp_path: Path, capsys) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    code = run(["data", "info", "--data-dir", str(empty), "--cache-dir", str(locations.cache_dir)])
    captured = capsys.readouterr()
    assert code == 0
    assert f"the data directory {empty} holds no IDX files" in captured.err
    assert "came from cache" in captured.err
    assert run(["data", "info", "--data-dir", str(tmp_path / "nope")]) == 2


def test_commands_are_registered_once() -> None:
    names = [c.name for c in app.registered_commands]
    assert len(names) == len(set(names))
    assert typer.main.get_command(app)
