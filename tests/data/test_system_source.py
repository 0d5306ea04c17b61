"""Data sets installed by the system (``DIR/datasets/NAME``), found before any network.

Nothing is installed: real MNIST files are laid in temporary directories that
``XDG_DATA_DIRS`` names, as a package manager would lay them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mnistlab.cli.app import run
from mnistlab.config import DATA_DIR_ENV, SYSTEM_DATA_DIRS_ENV, Locations, system_data_dirs
from mnistlab.data import Dataset, get_dataset_spec, load
from mnistlab.data.registry import IDX_FILES
from mnistlab.data.sources import default_sources
from mnistlab.errors import DataIntegrityError, DataSourceError
from tests.data.test_sources import corrupted_copy

MNIST = get_dataset_spec("mnist")


def install(files: Path, share: Path) -> Path:
    """Lay the four IDX files where a package would: ``share/datasets/mnist``."""
    target = share / "datasets" / "mnist"
    target.mkdir(parents=True)
    for f in IDX_FILES:
        shutil.copy(files / f.gz_name, target / f.gz_name)
    return target


def locations_with(tmp_path: Path, *shares: Path) -> Locations:
    environ = {SYSTEM_DATA_DIRS_ENV: ":".join(str(s) for s in shares)}
    return Locations.resolve(cache_dir=tmp_path / "cache", environ=environ)


def test_the_xdg_directories_come_first_then_usr_share() -> None:
    assert system_data_dirs("/opt/a:relative/b:/opt/c") == (
        Path("/opt/a"),
        Path("/opt/c"),
        Path("/usr/share"),
    )
    assert system_data_dirs("") == (Path("/usr/local/share"), Path("/usr/share"))
    assert system_data_dirs("/usr/share:/opt/a") == (Path("/usr/share"), Path("/opt/a"))


def test_an_installed_copy_serves_before_the_network(
    mnist_dir: Path, mnist: Dataset, tmp_path: Path
) -> None:
    installed = install(mnist_dir, tmp_path / "share")
    locations = locations_with(tmp_path, tmp_path / "share")
    names = [source.name for source in default_sources(MNIST, locations)]
    assert names[0] == f"system {installed}"
    assert names.index(f"system {installed}") < names.index("mirror")
    data = load("mnist", locations=locations)
    assert data.source == f"system {installed}"
    assert data.checksum == mnist.checksum
    assert (data.images == mnist.images).all() and (data.labels == mnist.labels).all()


def test_the_first_directory_of_the_list_wins(mnist_dir: Path, tmp_path: Path) -> None:
    first = install(mnist_dir, tmp_path / "first")
    install(mnist_dir, tmp_path / "second")
    locations = locations_with(tmp_path, tmp_path / "first", tmp_path / "second")
    assert load("mnist", locations=locations, source="system").source == f"system {first}"


def test_a_changed_system_copy_is_refused(mnist_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "share" / "datasets").mkdir(parents=True)
    corrupted_copy(mnist_dir, tmp_path / "share" / "datasets" / "mnist")
    locations = locations_with(tmp_path, tmp_path / "share")
    with pytest.raises(DataIntegrityError, match="MD5"):
        load("mnist", locations=locations, source="system")


def test_no_system_copy_says_where_it_looked(tmp_path: Path) -> None:
    locations = locations_with(tmp_path, tmp_path / "share")
    with pytest.raises(DataSourceError, match="no system copy of mnist") as err:
        load("mnist", locations=locations, source="system")
    assert str(tmp_path / "share" / "datasets" / "mnist") in str(err.value)


def test_data_info_names_the_directory_that_served(
    mnist_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    installed = install(mnist_dir, tmp_path / "share")
    monkeypatch.setenv(SYSTEM_DATA_DIRS_ENV, str(tmp_path / "share"))
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    code = run(["data", "info", "--cache-dir", str(tmp_path / "cache")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"source: system {installed}" in out
    assert "MISMATCH" not in out
