"""What a classical model's settings may say, and the scikit-learn steps they choose."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sklearn.decomposition import PCA
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC

from mnistlab.errors import ConfigError
from mnistlab.models.transforms import Deskew, HogFeatures, PixelScaler

__all__ = ["build_svc", "check_settings", "feature_steps"]

_REQUIRED = {"knn": {"n_neighbors", "weights"}, "svc": {"features", "n_components", "C", "gamma"}}
_OPTIONAL = {"knn": {"kind", "shift", "deskew"}, "svc": {"kind", "deskew", "calibration_folds"}}


def check_settings(settings: Mapping[str, Any]) -> str:
    """Return the kind (``"knn"`` or ``"svc"``) of ``settings``, or raise ``ConfigError``.

    Raises
    ------
    ConfigError
        For another kind, or settings that the kind does not take or misses.
    """
    kind = settings.get("kind")
    if kind not in _REQUIRED:
        raise ConfigError(f"classical model settings need kind 'knn' or 'svc', got {kind!r}")
    missing = sorted(_REQUIRED[kind] - set(settings))
    unknown = sorted(set(settings) - _REQUIRED[kind] - _OPTIONAL[kind])
    if missing or unknown:
        raise ConfigError(
            f"settings of a {kind} model: missing {missing or 'none'}, unknown "
            f"{unknown or 'none'}; they take {', '.join(sorted(_REQUIRED[kind] | _OPTIONAL[kind]))}"
        )
    return str(kind)


def build_svc(settings: Mapping[str, Any]) -> Pipeline:
    """Return the unfitted PCA → SVC pipeline of an ``svc`` model (its features come first)."""
    return Pipeline(
        [
            # The eigenvectors of the 1296×1296 covariance: exact, deterministic, and
            # much faster than the randomised solver for many more rows than columns.
            (
                "pca",
                PCA(n_components=int(settings["n_components"]), svd_solver="covariance_eigh"),
            ),
            ("svc", SVC(C=float(settings["C"]), gamma=settings["gamma"], cache_size=500)),
        ]
    )


def feature_steps(settings: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """Return the unfitted steps that turn images into an ``svc`` model's features.

    ``[Deskew] → HogFeatures`` or ``[Deskew] → PixelScaler(1/255)``; none of
    them learns anything from the images it is fitted on.

    Raises
    ------
    ConfigError
        If ``settings["features"]`` is neither ``"hog"`` nor ``"pixels"``.
    """
    steps: list[tuple[str, Any]] = [("deskew", Deskew())] if settings.get("deskew") else []
    features = settings.get("features", "pixels")
    if features == "hog":
        steps.append(("hog", HogFeatures()))
    elif features == "pixels":
        steps.append(("scale", PixelScaler(scale=1.0 / 255.0)))
    else:
        raise ConfigError(f"svc features must be 'hog' or 'pixels', got {features!r}")
    return steps
