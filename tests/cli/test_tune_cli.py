"""``mnistlab tune``: bad input in-process, a search in-process, and for real in subprocesses."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mnistlab.cli.app import EXIT_SYSTEM_ERROR, EXIT_USER_ERROR, run
from mnistlab.cli.tune import parse_grid_options
from mnistlab.config import Locations
from mnistlab.data import Dataset
from mnistlab.errors import ConfigError

CONSOLE_SCRIPT = Path(sys.executable).with_name("mnistlab")
MNISTLAB = [str(CONSOLE_SCRIPT)] if CONSOLE_SCRIPT.is_file() else [sys.executable, "-m", "mnistlab"]
GRID = ["--grid", "n_neighbors=3,4", "--grid", "weights=uniform,distance"]


def data_options(locations: Locations, mnist_dir: Path) -> list[str]:
    return ["--data-dir", str(mnist_dir), "--cache-dir", str(locations.cache_dir)]


def test_grid_options_are_read_and_merged() -> None:
    assert parse_grid_options(["C=1,5", "gamma=0.1", " C =25"]) == {"C": "1,5,25", "gamma": "0.1"}
    with pytest.raises(ConfigError, match="expected KEY=V1,V2"):
        parse_grid_options(["n_neighbors"])
    with pytest.raises(ConfigError, match="give the values to try with --grid"):
        parse_grid_options([])


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["knn-tuned"], "give the values to try with --grid KEY=V1,V2"),
        (["knn-tuned", "--grid", "=3"], "expected KEY=V1,V2"),
        (["knn-tuned", "--grid", "k=3"], "grid key 'k' is not a setting knn-tuned can tune"),
        (["knn-tuned", "--grid", "n_neighbors=3,x"], "'x' is not a whole number ≥ 1"),
        (["svc-rbf", "--grid", "gamma=-2"], "'-2' is not a number > 0, scale or auto"),
        (["cnn", "--grid", "epochs=5"], "model 'cnn' cannot be tuned here"),
        (["knn-7", "--grid", "n_neighbors=3"], "no model called 'knn-7'"),
        ([*GRID[:2], "--folds", "1"], "folds must be at least 2"),
        ([*GRID[:2], "--n-subset", "0"], "n_subset must be ≥ 1"),
        ([*GRID[:2], "--scheduler", "127.0.0.1:8786"], "is not understood; use 'local'"),
        (
            [*GRID[:2], "--scheduler", "tcp://127.0.0.1:9", "--workers", "2"],
            "only for this machine",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    arguments: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    if arguments[0].startswith("--"):
        arguments = ["knn-tuned", *arguments]
    # Checked before any data is read: the data directory does not even exist.
    code = run(["tune", *arguments, "--data-dir", str(tmp_path / "none"), "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == EXIT_USER_ERROR
    assert err.startswith("error: ") and message in err and err.strip().count("\n") == 0
    assert list(tmp_path.iterdir()) == []


def test_a_search_in_process_prints_and_writes(
    locations: Locations,
    mnist_dir: Path,
    mnist: Dataset,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "results"
    arguments = [*GRID, "--n-subset", "1500", "--workers", "1", "--out", str(out)]
    code = run(["tune", "knn-tuned", *arguments, *data_options(locations, mnist_dir)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "knn-tuned: accuracy over 3 folds, best first" in printed
    assert "where: this machine: 1 process (joblib)" in printed
    assert 'best settings: {"kind": "knn"' in printed
    rows = list(csv.DictReader((out / "tune-knn-tuned.csv").open()))
    assert [row["rank"] for row in rows] == ["1", "2", "3", "4"]
    assert set(rows[0]) == {"rank", "n_neighbors", "weights", "mean_accuracy", "std_accuracy",
                            "fold_1", "fold_2", "fold_3"}  # fmt: skip
    document = json.loads((out / "tune-knn-tuned.json").read_text())
    assert document["data_checksum"] == mnist.checksum and document["n_images"] == 1500
    assert document["grid"] == {"n_neighbors": [3, 4], "weights": ["uniform", "distance"]}
    assert float(rows[0]["mean_accuracy"]) == document["rows"][0]["mean"]
    assert {"mnistlab", "scikit-learn", "distributed"} <= set(document["versions"])
    assert sorted(p.name for p in out.iterdir()) == ["tune-knn-tuned.csv", "tune-knn-tuned.json"]


@pytest.mark.slow
def test_the_command_for_real_on_a_local_cluster(
    locations: Locations, mnist_dir: Path, tmp_path: Path
) -> None:
    data = data_options(locations, mnist_dir)
    # Waiting for an address where nobody listens takes 10 s: it runs beside the search.
    unreachable = subprocess.Popen(
        [*MNISTLAB, "tune", "knn-tuned", "--grid", "n_neighbors=3", "--n-subset", "300",
         "--scheduler", "tcp://127.0.0.1:1", "--out", str(tmp_path / "never"), *data],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    started = time.monotonic()
    done = subprocess.run(
        [*MNISTLAB, "tune", "knn-tuned", *GRID, "--n-subset", "3000", "--scheduler", "local",
         "--workers", "2", "--json", "--out", str(tmp_path), *data],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "INFO" not in done.stderr
    printed = json.loads(done.stdout)
    assert (printed.pop("schema"), printed.pop("kind")) == (1, "tune")
    assert printed.pop("files") == {
        "csv": str((tmp_path / "tune-knn-tuned.csv").resolve()),
        "json": str((tmp_path / "tune-knn-tuned.json").resolve()),
    }
    assert printed == json.loads((tmp_path / "tune-knn-tuned.json").read_text())
    assert printed["where"] == "Dask LocalCluster on this machine: 2 workers, 2 threads"
    assert printed["best_settings"]["kind"] == "knn" and len(printed["rows"]) == 4
    assert printed["elapsed_seconds"] < time.monotonic() - started

    _, err = unreachable.communicate(timeout=120)
    assert unreachable.returncode == EXIT_SYSTEM_ERROR, err  # the network refused
    assert (
        err.strip()
        .splitlines()[-1]
        .startswith("error: Cannot reach the Dask scheduler at tcp://127.0.0.1:1 within 10 s")
    )
    assert "Traceback" not in err and not (tmp_path / "never").exists()
