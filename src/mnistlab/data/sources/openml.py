"""The OpenML copy of a data set, through scikit-learn's ``fetch_openml``."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mnistlab.data.registry import DatasetSpec
from mnistlab.data.verify import whole_numbers_uint8
from mnistlab.errors import DataIntegrityError, DataSourceError
from mnistlab.progress import ProgressCallback, ignore_progress

__all__ = ["OpenMLSource"]


def _check_reachable(host: str, port: int, timeout: float) -> None:
    """Fail within ``timeout`` when ``host`` cannot be reached.

    scikit-learn opens OpenML URLs without a timeout, so on a network that
    drops packets it would hang; a short connect first makes offline fail fast.
    """
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as exc:
        raise DataSourceError(f"cannot reach {host}:{port}: {exc}") from exc


@dataclass(frozen=True)
class OpenMLSource:
    """The OpenML copy, through ``sklearn.datasets.fetch_openml``.

    Parameters
    ----------
    data_home : Path
        scikit-learn's download cache (kept inside mnistlab's cache directory).
    host, port : str, int
        Checked for reachability (short timeout) before scikit-learn is called,
        unless its cache already holds the data. Tests point them at a closed port.
    timeout : float
        Seconds allowed for that check.

    Example
    -------
    >>> OpenMLSource(Path("~/.cache/mnistlab/openml")).fetch(spec)  # doctest: +SKIP
    """

    data_home: Path
    host: str = "www.openml.org"
    port: int = 443
    timeout: float = 5.0
    name: str = "openml"

    def fetch(
        self, spec: DatasetSpec, *, progress: ProgressCallback = ignore_progress
    ) -> tuple[np.ndarray, np.ndarray]:
        """Fetch from OpenML; see ``Source.fetch``."""
        if spec.openml_id is None:
            raise DataSourceError(f"{spec.name} has no OpenML copy")
        cached = (self.data_home / "openml.org").is_dir()
        if not cached:
            _check_reachable(self.host, self.port, self.timeout)
        from sklearn.datasets import fetch_openml  # heavy import, only when used

        progress("fetch from OpenML", 0, None)
        try:
            # liac-arff needs no pandas; n_retries=0 because retrying an
            # unreachable server only delays the next source of the chain.
            bunch = fetch_openml(
                data_id=spec.openml_id,
                data_home=str(self.data_home),
                as_frame=False,
                parser="liac-arff",
                n_retries=0,
            )
        except (OSError, ValueError) as exc:
            raise DataSourceError(f"OpenML data id {spec.openml_id}: {exc}") from exc
        progress("fetch from OpenML", 1, 1)
        features = np.asarray(bunch.data)
        target = np.asarray(bunch.target)
        if features.shape != (spec.n_images, spec.n_pixels) or target.shape != (spec.n_images,):
            raise DataIntegrityError(
                f"OpenML data id {spec.openml_id} has shape {features.shape}/{target.shape}, "
                f"expected ({spec.n_images}, {spec.n_pixels})/({spec.n_images},)"
            )
        images = whole_numbers_uint8(features.astype(np.float64), "OpenML pixel values", 255)
        try:
            numeric = target.astype(np.float64)
        except ValueError as exc:
            raise DataIntegrityError(f"OpenML labels are not digits: {exc}") from exc
        labels = whole_numbers_uint8(numeric, "OpenML labels", len(spec.class_names) - 1)
        return images, labels
