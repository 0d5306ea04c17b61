"""scripts/lower_bounds.py: the constraints behind ``make test-oldest``."""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lower_bounds", ROOT / "scripts/lower_bounds.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


lower_bounds = _load()


@pytest.mark.parametrize(
    ("requirement", "expected"),
    [
        ("numpy>=1.25", "numpy==1.25"),
        ("scikit-learn >= 1.8.0", "scikit-learn==1.8.0"),
        ("Python_Multipart>=0.0.9", "python-multipart==0.0.9"),
        ("dask[distributed]>=2024.8.0", "dask==2024.8.0"),
        ("torch>=2.13.0,<3", "torch==2.13.0"),
        (
            "uvloop>=0.19; sys_platform != 'win32'",
            "uvloop==0.19; sys_platform != 'win32'",
        ),
    ],
)
def test_pin_turns_the_lower_bound_into_an_exact_version(requirement: str, expected: str) -> None:
    assert lower_bounds.pin(requirement) == expected


@pytest.mark.parametrize("requirement", ["numpy", "numpy<2", "numpy==1.26", "numpy>=1,>=2"])
def test_a_requirement_without_one_lower_bound_is_refused(requirement: str) -> None:
    with pytest.raises(lower_bounds.LowerBoundError):
        lower_bounds.pin(requirement)


def test_every_declared_dependency_has_a_lower_bound() -> None:
    with (ROOT / "pyproject.toml").open("rb") as f:
        pyproject = tomllib.load(f)
    extras = sorted(pyproject["project"]["optional-dependencies"])
    lines = lower_bounds.constraints(pyproject, extras)
    names = [line.split("==")[0] for line in lines]
    assert len(names) == len(set(names)), "a package is pinned twice"
    assert "threadpoolctl" in names
    assert any(line.startswith("torch==") for line in lines)


def test_unknown_extra_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert lower_bounds.main(["--pyproject", str(ROOT / "pyproject.toml"), "--extras", "nope"]) == 1
    assert "no extra named 'nope'" in capsys.readouterr().err


def test_main_writes_the_constraints_file(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[project]\nname = "x"\ndependencies = ["numpy>=1.25"]\n'
        '[project.optional-dependencies]\ncnn = ["torch>=2.13.0"]\n',
        encoding="utf-8",
    )
    out = tmp_path / "constraints.txt"
    args = ["--pyproject", str(pyproject), "--extras", "cnn", "--output", str(out)]
    assert lower_bounds.main(args) == 0
    assert out.read_text(encoding="utf-8") == "numpy==1.25\ntorch==2.13.0\n"
