"""One file over HTTP: in place whole, or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from mnistlab.data.download import ServerUnreachable, download
from mnistlab.errors import DataSourceError
from mnistlab.progress import ignore_progress
from tests.data.servers import closed_port, serve_cut_short, serve_directory


def test_the_whole_body_lands_under_the_target_name(tmp_path: Path) -> None:
    (tmp_path / "served").mkdir()
    (tmp_path / "served" / "a.gz").write_bytes(b"x" * 200_000)
    seen: list[tuple[str, float, float | None]] = []
    with serve_directory(tmp_path / "served") as url:
        download(
            url + "a.gz",
            tmp_path / "a.gz",
            timeout=5,
            progress=lambda task, done, total: seen.append((task, done, total)),
        )
    assert (tmp_path / "a.gz").read_bytes() == b"x" * 200_000
    assert seen[0] == ("download a.gz", 0, 200_000)
    assert seen[-1] == ("download a.gz", 200_000, 200_000)


def test_a_body_cut_short_leaves_the_old_file_and_no_temporary_one(tmp_path: Path) -> None:
    target = tmp_path / "a.gz"
    target.write_bytes(b"old")
    with (
        serve_cut_short(b"y" * 10, declared=110) as url,
        pytest.raises(DataSourceError, match=r"a\.gz: got 10 bytes of 110"),
    ):
        download(url + "a.gz", target, timeout=5, progress=ignore_progress)
    assert [p.name for p in tmp_path.iterdir()] == ["a.gz"]
    assert target.read_bytes() == b"old"


def test_a_missing_file_is_an_http_error(tmp_path: Path) -> None:
    with (
        serve_directory(tmp_path) as url,
        pytest.raises(DataSourceError, match=r"nothing\.gz: HTTP 404") as err,
    ):
        download(url + "nothing.gz", tmp_path / "a.gz", timeout=5, progress=ignore_progress)
    assert not isinstance(err.value, ServerUnreachable)
    assert not (tmp_path / "a.gz").exists()


def test_a_server_that_cannot_be_reached_is_told_apart(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}/a.gz"
    with pytest.raises(ServerUnreachable, match=r"^unreachable \("):
        download(url, tmp_path / "a.gz", timeout=5, progress=ignore_progress)
    assert list(tmp_path.iterdir()) == []
