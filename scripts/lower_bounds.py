"""Write pip constraints that pin every dependency to its declared lower bound.

Reads ``pyproject.toml`` and turns each ``name>=x`` of ``[project].dependencies``
and of the chosen extras into ``name==x``, so that ``pip install -c FILE`` builds
the oldest environment that the project claims to support (``make test-oldest``).
Environment markers are kept; a package's extras (``dask[distributed]``) are
dropped, since constraints cannot carry them. A requirement without a ``>=``
bound is an error: every dependency must say how old it may be.

    python scripts/lower_bounds.py --extras dev,web,models,cnn,dask --output constraints.txt
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from collections.abc import Iterable
from pathlib import Path

#: name, optional [extras], version specifiers, optional ``; marker``.
_REQUIREMENT = re.compile(
    r"""^\s*
    (?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)
    \s*(?:\[(?P<extras>[^\]]*)\])?
    \s*(?P<specs>[^;]*?)
    \s*(?:;\s*(?P<marker>.+?))?
    \s*$""",
    re.VERBOSE,
)
_LOWER = re.compile(r"^>=\s*(?P<version>[0-9][A-Za-z0-9.+!_-]*)$")


class LowerBoundError(ValueError):
    """A requirement has no usable ``>=`` lower bound."""


def normalize(name: str) -> str:
    """The PEP 503 normal form of a project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pin(requirement: str) -> str:
    """``name[extra]>=x,<y; marker`` -> ``name==x; marker``."""
    match = _REQUIREMENT.match(requirement)
    if match is None:
        raise LowerBoundError(f"cannot read the requirement {requirement!r}")
    lowest = [
        m.group("version")
        for spec in match.group("specs").split(",")
        if (m := _LOWER.match(spec.strip())) is not None
    ]
    if len(lowest) != 1:
        raise LowerBoundError(f"{requirement!r} needs exactly one '>=' lower bound")
    line = f"{normalize(match.group('name'))}=={lowest[0]}"
    marker = match.group("marker")
    return f"{line}; {marker}" if marker else line


def constraints(pyproject: dict, extras: Iterable[str]) -> list[str]:
    """The pinned lines for the core dependencies and ``extras``, one per package."""
    project = pyproject["project"]
    optional = project.get("optional-dependencies", {})
    requirements = list(project.get("dependencies", []))
    for extra in extras:
        if extra not in optional:
            known = ", ".join(sorted(optional)) or "none"
            raise LowerBoundError(f"no extra named {extra!r} (known: {known})")
        requirements.extend(optional[extra])
    # A package named twice with the same bound is written once; with two
    # different bounds both lines stay, and pip refuses the contradiction.
    return list(dict.fromkeys(pin(r) for r in requirements))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pyproject", type=Path, default=Path("pyproject.toml"))
    parser.add_argument(
        "--extras",
        default="",
        help="comma-separated extras to include besides the core dependencies",
    )
    parser.add_argument("--output", type=Path, help="file to write (default: standard output)")
    args = parser.parse_args(argv)
    extras = [e.strip() for e in args.extras.split(",") if e.strip()]
    try:
        with args.pyproject.open("rb") as f:
            lines = constraints(tomllib.load(f), extras)
    except (OSError, tomllib.TOMLDecodeError, LowerBoundError, KeyError) as exc:
        sys.stderr.write(f"lower_bounds: {exc}\n")
        return 1
    text = "".join(f"{line}\n" for line in lines)
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
