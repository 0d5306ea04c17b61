"""The wheel that ``pip install .`` builds: its contents, its entry point, and that it runs.

The wheel is built for real (``pip wheel``, as ``pip install .`` and ``pipx
install .`` do), then installed on its own into a fresh directory and run from
outside the repository, so a file missing from the package (the web page's
static files, ``py.typed``) cannot hide behind the source tree.
"""

from __future__ import annotations

import email
import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "mnistlab"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(ROOT)],
        check=True,
        timeout=600,
    )
    (built,) = out.glob("mnistlab-*.whl")
    return built


def test_the_wheel_holds_every_module_and_data_file(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        "mnistlab/" + path.relative_to(SOURCE).as_posix()
        for path in SOURCE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }
    assert expected <= names, sorted(expected - names)
    for must in ("mnistlab/py.typed", "mnistlab/web/static/index.html"):
        assert must in names
    assert not [name for name in names if name.startswith(("tests/", "benchmarks/", "scripts/"))]


def test_the_wheel_declares_the_entry_point_and_the_dependencies(wheel: Path) -> None:
    archive = zipfile.ZipFile(wheel)
    dist_info = next(n.split("/")[0] for n in archive.namelist() if ".dist-info/" in n)
    entry_points = archive.read(f"{dist_info}/entry_points.txt").decode()
    assert "[console_scripts]" in entry_points
    assert "mnistlab = mnistlab.cli:main" in entry_points
    metadata = email.message_from_bytes(archive.read(f"{dist_info}/METADATA"))
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    required = {r.replace(" ", "") for r in metadata.get_all("Requires-Dist") or []}
    for dependency in declared["dependencies"]:
        assert dependency.replace(" ", "") in required
    assert metadata["Requires-Python"] == declared["requires-python"]


def test_the_installed_wheel_runs_outside_the_repository(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    install = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps"]
    subprocess.run(
        [*install, "--target", str(target), str(wheel)],
        check=True,
        timeout=300,
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    script = (
        "import mnistlab, mnistlab.web.app as web, pathlib, sys;"
        "from importlib.resources import files;"
        "print(pathlib.Path(mnistlab.__file__).parent);"
        "print(files('mnistlab.web').joinpath('static/index.html').read_text()[:15]);"
        "from mnistlab.cli import main; sys.argv = ['mnistlab', '--version']; main()"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    where, page, version = proc.stdout.splitlines()
    assert Path(where) == target / "mnistlab"
    assert page.lower().startswith("<!doctype html")
    assert version.startswith("mnistlab ")
