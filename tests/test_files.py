"""``atomic_write``: the old file or the new one, never a part, whatever happens."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from mnistlab.files import atomic_write, replace_directory, replace_file, temporary_file_beside


def test_a_finished_write_replaces_the_file(tmp_path: Path) -> None:
    target = tmp_path / "a.bin"
    target.write_bytes(b"old")
    with atomic_write(target) as f:
        f.write(b"new")
        assert target.read_bytes() == b"old"  # nothing visible until the end
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["a.bin"]


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyboardInterrupt()])
def test_a_failed_write_keeps_the_old_file_and_leaves_nothing(
    tmp_path: Path, error: BaseException
) -> None:
    target = tmp_path / "a.bin"
    target.write_bytes(b"old")
    with pytest.raises(type(error)), atomic_write(target) as f:
        f.write(b"half of the new")
        raise error
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.bin"]


def test_a_full_disk_is_an_error_and_keeps_the_old_file(tmp_path: Path) -> None:
    # RLIMIT_FSIZE makes the kernel refuse writes past 64 KiB, as a full disk would.
    target = tmp_path / "a.bin"
    target.write_bytes(b"old")
    script = textwrap.dedent(
        f"""
        import resource, signal, sys
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))
        from mnistlab.files import atomic_write, replace_directory
        try:
            with atomic_write({str(target)!r}) as f:
                f.write(b"x" * 1_000_000)
        except OSError as exc:
            print("refused:", exc.strerror)
            sys.exit(3)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 3, done.stderr
    assert "refused: File too large" in done.stdout
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.bin"]


@contextmanager
def _umask(value: int) -> Iterator[None]:
    previous = os.umask(value)
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_written_file_gets_the_mode_the_umask_gives(
    tmp_path: Path, umask: int, mode: int
) -> None:
    with _umask(umask), atomic_write(tmp_path / "a.bin") as f:
        f.write(b"x")
    assert _mode(tmp_path / "a.bin") == mode  # as open(..., "wb") gives, not mkstemp's 0o600


def test_a_replaced_file_gets_the_mode_the_umask_gives(tmp_path: Path) -> None:
    target = tmp_path / "a.bin"
    target.write_bytes(b"old")
    target.chmod(0o600)
    with _umask(0o022), atomic_write(target) as f:
        f.write(b"new")
    assert _mode(target) == 0o644 and target.read_bytes() == b"new"


def _record_syncs(monkeypatch: pytest.MonkeyPatch, refuse_directories: bool = False) -> list[str]:
    """Record what each ``os.fsync`` syncs; optionally refuse directories as some systems do."""
    synced: list[str] = []
    real_fsync = os.fsync

    def recording(fd: int) -> None:
        kind = "directory" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"
        synced.append(kind)
        if kind == "directory" and refuse_directories:
            raise OSError(errno.EINVAL, "Invalid argument")
        real_fsync(fd)

    monkeypatch.setattr("mnistlab.files.os.fsync", recording)
    return synced


def test_a_finished_write_syncs_the_file_then_its_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced = _record_syncs(monkeypatch)
    with atomic_write(tmp_path / "a.bin") as f:
        f.write(b"x")
    assert synced == ["file", "directory"]


def test_a_directory_that_cannot_be_synced_still_gets_its_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced = _record_syncs(monkeypatch, refuse_directories=True)
    with atomic_write(tmp_path / "a.bin") as f:
        f.write(b"x")
    assert synced == ["file", "directory"]
    assert (tmp_path / "a.bin").read_bytes() == b"x"
    assert [p.name for p in tmp_path.iterdir()] == ["a.bin"]


def test_a_temporary_file_beside_is_new_hidden_empty_and_of_the_umask_mode(tmp_path: Path) -> None:
    with _umask(0o027):
        made = [temporary_file_beside(tmp_path / "m", suffix=".pt") for _ in range(2)]
    assert made[0] != made[1]
    for path in made:
        assert path.parent == tmp_path and path.name.startswith(".m.") and path.suffix == ".pt"
        assert path.read_bytes() == b"" and _mode(path) == 0o640


def test_replace_file_renames_and_syncs_the_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, target = tmp_path / ".staged", tmp_path / "model.pt"
    source.write_bytes(b"new")
    target.write_bytes(b"old")
    synced = _record_syncs(monkeypatch)
    replace_file(source, target)
    assert target.read_bytes() == b"new" and not source.exists()
    assert synced == ["directory"]


def test_a_refused_write_names_the_file(tmp_path: Path) -> None:
    target = tmp_path / "a.bin"
    with pytest.raises(OSError, match="No space left") as caught, atomic_write(target):
        raise OSError(errno.ENOSPC, "No space left on device")
    assert caught.value.errno == errno.ENOSPC
    assert caught.value.filename == str(target)
    assert list(tmp_path.iterdir()) == []


def _report(directory: Path, text: str) -> Path:
    directory.mkdir()
    (directory / "index.html").write_text(text)
    return directory


def test_a_directory_is_replaced_whole(tmp_path: Path) -> None:
    target = _report(tmp_path / "report", "old")
    replace_directory(_report(tmp_path / ".new", "new"), target)
    assert (target / "index.html").read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["report"]
    replace_directory(_report(tmp_path / ".newer", "newer"), tmp_path / "absent")
    assert (tmp_path / "absent" / "index.html").read_text() == "newer"


def test_an_interrupted_replacement_puts_the_old_directory_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = _report(tmp_path / "report", "old")
    new = _report(tmp_path / ".new", "new")
    renames = []
    real_replace = os.replace

    def interrupted(src: Path, dst: Path) -> None:
        # Ctrl-C at the worst instant: the old directory is aside, the new one not yet in.
        renames.append((Path(src).name, Path(dst).name))
        if len(renames) == 3:
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr("mnistlab.files.os.replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        replace_directory(new, target)
    assert renames[:2] == [(".new", "report"), ("report", renames[1][1])]
    assert (target / "index.html").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".new", "report"]
