"""Where data comes from: one module per source, and the chain that tries them.

A source is any object with a ``name`` and a ``fetch(spec, *, progress)``
that returns the canonical arrays (the ``Source`` protocol of ``base``).
Sources only fetch; ``fetch_arrays`` verifies what they deliver against the
pinned MD5s before anyone uses it.

Modules
-------
``base``
    The ``Source`` protocol, and ``assemble`` (four IDX arrays to canonical ones).
``local``, ``system``
    IDX files in the data directory; copies installed by the system's package manager.
``mirror``, ``openml``, ``pypi``
    The authors' HTTP mirrors, OpenML, the copy in a wheel on the package index.
``chain``
    ``SOURCE_NAMES``, where each source keeps its files, and the ``auto`` order.
``fetch``
    ``fetch_arrays``: try sources in order, return the first verified arrays.

A new source goes in a module of its own here: a frozen dataclass with a
``name`` and a ``fetch`` that raises ``DataSourceError`` when it cannot
deliver (``DataIntegrityError`` or ``DataFormatError`` when what it got is
wrong) and never verifies on its own. It joins the chain in ``chain``: add a
builder to ``_BY_NAME`` (which makes its name a ``--source`` choice) and
append it in ``default_sources`` at its place (local files first, then what
fails fast offline, the largest download last); then export it below.
"""

from __future__ import annotations

from mnistlab.data.sources.base import Source, assemble
from mnistlab.data.sources.chain import SOURCE_NAMES, default_sources, source_by_name
from mnistlab.data.sources.fetch import fetch_arrays
from mnistlab.data.sources.local import LocalSource
from mnistlab.data.sources.mirror import MirrorSource
from mnistlab.data.sources.openml import OpenMLSource
from mnistlab.data.sources.pypi import PypiSource
from mnistlab.data.sources.system import first_system_copy, system_copies

__all__ = [
    "SOURCE_NAMES",
    "LocalSource",
    "MirrorSource",
    "OpenMLSource",
    "PypiSource",
    "Source",
    "assemble",
    "default_sources",
    "fetch_arrays",
    "first_system_copy",
    "source_by_name",
    "system_copies",
]
