"""The sources a user can name, and the order the automatic chain tries them in."""

from __future__ import annotations

from pathlib import Path

import pytest

from mnistlab.config import Locations
from mnistlab.data import SOURCE_NAMES, get_dataset_spec
from mnistlab.data.sources import (
    LocalSource,
    MirrorSource,
    OpenMLSource,
    PypiSource,
    default_sources,
    source_by_name,
)
from mnistlab.errors import ConfigError, DataSourceError

MNIST = get_dataset_spec("mnist")
FASHION = get_dataset_spec("fashion-mnist")


def locations_in(tmp_path: Path, *, data_dir: Path | None) -> Locations:
    return Locations(
        data_dir=data_dir,
        cache_dir=tmp_path / "cache",
        system_data_dirs=(tmp_path / "share",),
    )


def test_the_source_names_and_their_order() -> None:
    assert SOURCE_NAMES == ("auto", "local", "system", "mirror", "openml", "pypi")


def test_the_chain_tries_local_files_first_and_the_package_index_last(tmp_path: Path) -> None:
    installed = tmp_path / "share" / "datasets" / "mnist"
    installed.mkdir(parents=True)
    locations = locations_in(tmp_path, data_dir=tmp_path / "data")
    names = [source.name for source in default_sources(MNIST, locations)]
    assert names == ["local", f"system {installed}", "mirror", "openml", "pypi"]


def test_without_a_data_directory_the_chain_starts_at_the_network(tmp_path: Path) -> None:
    names = [s.name for s in default_sources(MNIST, locations_in(tmp_path, data_dir=None))]
    assert names == ["mirror", "openml", "pypi"]


def test_a_data_set_without_a_package_copy_skips_the_package_index(tmp_path: Path) -> None:
    assert FASHION.package_copy is None
    names = [s.name for s in default_sources(FASHION, locations_in(tmp_path, data_dir=None))]
    assert names == ["mirror", "openml"]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("local", LocalSource),
        ("mirror", MirrorSource),
        ("openml", OpenMLSource),
        ("pypi", PypiSource),
    ],
)
def test_a_named_source_is_the_one_the_chain_uses(name: str, kind: type, tmp_path: Path) -> None:
    locations = locations_in(tmp_path, data_dir=tmp_path / "data")
    named = source_by_name(name, MNIST, locations)
    assert isinstance(named, kind) and named.name == name
    assert named in default_sources(MNIST, locations)


def test_the_named_system_source_is_the_first_installed_copy(tmp_path: Path) -> None:
    installed = tmp_path / "share" / "datasets" / "mnist"
    installed.mkdir(parents=True)
    named = source_by_name("system", MNIST, locations_in(tmp_path, data_dir=None))
    assert named == LocalSource(installed, name=f"system {installed}")


def test_local_without_a_data_directory_says_how_to_give_one(tmp_path: Path) -> None:
    with pytest.raises(DataSourceError, match="needs a data directory: pass --data-dir or set"):
        source_by_name("local", MNIST, locations_in(tmp_path, data_dir=None))


@pytest.mark.parametrize("name", ["ftp", ""])
def test_an_unknown_name_lists_the_choices(name: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="choose one of: auto, local, system"):
        source_by_name(name, MNIST, locations_in(tmp_path, data_dir=None))


def test_the_downloads_stay_in_the_cache_directory(tmp_path: Path) -> None:
    locations = locations_in(tmp_path, data_dir=None)
    for source in default_sources(MNIST, locations):
        directory = getattr(source, "directory", None) or getattr(source, "data_home", None)
        assert directory is not None and directory.is_relative_to(locations.cache_dir)
