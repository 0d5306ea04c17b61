"""Every command checks its arguments and targets before it starts computing.

Each test points the command at a data source that holds nothing (an empty
``--data-dir`` with ``--source local`` and an empty cache): had the command
gone on to load data, it would have failed with a data error instead of the
one line about the argument. So passing shows that the mistake was found first.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from mnistlab.cli.app import EXIT_SYSTEM_ERROR, EXIT_USER_ERROR, run
from mnistlab.cli.checks import check_scheduler_reachable
from mnistlab.files import check_writable_directory
from mnistlab.report.target import check_report_target


@pytest.fixture
def nowhere(tmp_path: Path) -> list[str]:
    """Options under which any attempt to load data fails: no files, no cache, local only."""
    (tmp_path / "no-data").mkdir()
    return [
        "--data-dir",
        str(tmp_path / "no-data"),
        "--cache-dir",
        str(tmp_path / "cache"),
        "--source",
        "local",
    ]


@pytest.fixture
def someones_files(tmp_path: Path) -> Path:
    """A non-empty directory that is not a report."""
    directory = tmp_path / "notes"
    directory.mkdir()
    (directory / "thesis.txt").write_text("years of work\n", encoding="utf-8")
    return directory


@pytest.fixture
def closed_port() -> int:
    """A loopback port where nothing listens (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def one_line_error(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    assert lines[0].startswith("error: "), output
    assert "Traceback" not in output
    return lines[0]


def test_study_refuses_a_non_report_out_before_loading(
    someones_files: Path, nowhere: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(["study", "--out", str(someones_files), *nowhere])
    assert code == EXIT_USER_ERROR
    line = one_line_error(capsys.readouterr().err)
    assert "is not a mnistlab report" in line
    assert "choose another --out" in line
    assert (someones_files / "thesis.txt").read_text(encoding="utf-8") == "years of work\n"


def test_study_refuses_an_out_that_is_a_file(
    tmp_path: Path, nowhere: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "report"
    target.write_text("x", encoding="utf-8")
    code = run(["study", "--out", str(target), *nowhere])
    assert code == EXIT_USER_ERROR
    assert "it is a file" in one_line_error(capsys.readouterr().err)


def test_study_refuses_an_unknown_data_set(
    tmp_path: Path, nowhere: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(["study", "-d", "kmnistt", "--out", str(tmp_path / "r"), *nowhere])
    assert code == EXIT_USER_ERROR
    line = one_line_error(capsys.readouterr().err)
    assert "unknown data set 'kmnistt'" in line
    assert "mnist" in line.split("known data sets:")[1]


def test_study_refuses_an_unreachable_scheduler(
    tmp_path: Path, nowhere: list[str], closed_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    address = f"tcp://127.0.0.1:{closed_port}"
    args = ["study", "--scheduler", address, "--out", str(tmp_path / "r"), *nowhere]
    code = run(args)
    assert code == EXIT_SYSTEM_ERROR  # the network refused
    line = one_line_error(capsys.readouterr().err)
    assert f"Cannot reach the Dask scheduler at {address}" in line
    assert "--scheduler local" in line


def test_train_refuses_a_models_dir_under_a_file(
    tmp_path: Path, nowhere: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "models"
    blocker.write_text("x", encoding="utf-8")
    args = ["train", "knn-tuned", "--models-dir", str(blocker / "inside"), *nowhere]
    code = run(args)
    assert code == EXIT_USER_ERROR
    line = one_line_error(capsys.readouterr().err)
    assert line.startswith(f"error: --models-dir {blocker / 'inside'}: ")
    assert "is a file, not a directory" in line


def test_train_refuses_an_unreachable_scheduler(
    tmp_path: Path, nowhere: list[str], closed_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["train", "svc-rbf", "--scheduler", f"tcp://127.0.0.1:{closed_port}", *nowhere]
    code = run([*args, "--models-dir", str(tmp_path / "models")])
    assert code == EXIT_SYSTEM_ERROR
    assert "Cannot reach the Dask scheduler" in one_line_error(capsys.readouterr().err)


def test_tune_refuses_an_out_that_is_a_file(
    tmp_path: Path, nowhere: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "results"
    target.write_text("x", encoding="utf-8")
    args = ["tune", "knn-tuned", "--grid", "n_neighbors=3,4", "--out", str(target), *nowhere]
    code = run(args)
    assert code == EXIT_USER_ERROR
    assert "is a file, not a directory" in one_line_error(capsys.readouterr().err)


def test_data_show_refuses_an_out_that_is_a_directory(
    tmp_path: Path, nowhere: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "picture.png"
    target.mkdir()
    code = run(["data", "show", "--out", str(target), *nowhere])
    assert code == EXIT_USER_ERROR
    assert "it is a directory; name a file" in one_line_error(capsys.readouterr().err)


def test_what_may_be_written_passes(tmp_path: Path) -> None:
    check_writable_directory(tmp_path / "new" / "deeper", option="--out")
    check_report_target(tmp_path / "report")
    (tmp_path / "empty").mkdir()
    check_report_target(tmp_path / "empty")
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    (earlier / "results.json").write_text("{}", encoding="utf-8")
    check_report_target(earlier)
    check_scheduler_reachable(None)
    check_scheduler_reachable("local")
    assert not (tmp_path / "new").exists()  # checks create nothing


def test_a_listening_scheduler_address_passes() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        check_scheduler_reachable(f"tcp://127.0.0.1:{server.getsockname()[1]}")


def test_a_real_study_process_refuses_a_wrong_out_at_once(
    someones_files: Path, nowhere: list[str]
) -> None:
    """As a user meets it: the real command, one line on stderr, nothing on stdout."""
    proc = subprocess.run(
        [sys.executable, "-m", "mnistlab", "study", "--out", str(someones_files), *nowhere],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == EXIT_USER_ERROR
    assert proc.stdout == ""
    assert "is not a mnistlab report" in one_line_error(proc.stderr)
