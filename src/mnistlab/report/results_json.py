"""``results.json``: every number of a report, unrounded, as plain JSON."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mnistlab.report.page import FigureEmbed

if TYPE_CHECKING:
    from mnistlab.study.data import StudyData
    from mnistlab.study.results import StudyResults

__all__ = ["figure_record", "jsonable", "results_document", "write_results_json"]


def jsonable(value: Any) -> Any:
    """Plain JSON values: numpy types and declared kinds to Python's, non-finite floats to strings.

    JSON has no infinity or NaN; browsers' ``JSON.parse`` rejects Python's
    ``Infinity``, so those become the strings ``"inf"``, ``"-inf"``, ``"nan"``.

    Example
    -------
    >>> jsonable({"a": np.float64("inf"), "b": (np.int64(3), [0.5])})
    {'a': 'inf', 'b': [3, [0.5]]}
    """
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else str(float(value))
    return value


def figure_record(figure: FigureEmbed) -> dict[str, str]:
    """The entry of one figure in ``results.json``: its slug, caption and files.

    Example
    -------
    >>> figure_record(FigureEmbed("roc_curve", "ROC.", b"", 1, 1))["svg"]
    'figures/roc_curve.svg'
    """
    return {
        "slug": figure.slug,
        "caption": figure.caption,
        "png": f"figures/{figure.slug}.png",
        "svg": f"figures/{figure.slug}.svg",
    }


def results_document(
    results: StudyResults,
    data: StudyData,
    *,
    source: str,
    generated_at: str,
    versions: dict[str, str],
    figures: dict[str, list[dict[str, str]]],
    extra: dict[str, Any],
) -> dict[str, Any]:
    """Everything ``results.json`` holds: the study's numbers and the facts of the report.

    Parameters
    ----------
    results : StudyResults
    data : StudyData
        The data the study ran on.
    source : str
        Where the data came from.
    generated_at : str
        When the report was written (ISO 8601, UTC).
    versions : dict
        The versions of mnistlab and of the libraries.
    figures : dict
        Each step's figure records (:func:`figure_record`).
    extra : dict
        Further entries, in order: where the work ran, the ladder, the book.

    Example
    -------
    >>> results_document(results, data, source="local", generated_at="2025-01-01T00:00:00Z",
    ...                  versions={}, figures={}, extra={})["data"]["n_train"]  # doctest: +SKIP
    60000
    """
    document = results.to_json_dict()
    document.update(
        {
            "generated_at": generated_at,
            "source": source,
            "data": {
                "name": data.name,
                "checksum": data.checksum,
                "source": source,
                "class_names": [str(c) for c in data.class_names],
                "n_train": len(data.y_train),
                "n_test": len(data.y_test),
            },
            "versions": versions,
            "total_seconds": float(results.seconds),
            "figures": figures,
            **extra,
        }
    )
    return document


def write_results_json(path: Path, document: dict[str, Any]) -> None:
    """Write ``document`` as indented, plain JSON (UTF-8, no ``NaN``) to ``path``.

    Example
    -------
    >>> write_results_json(report / "results.json", {"steps": {}})  # doctest: +SKIP
    """
    text = json.dumps(jsonable(document), indent=2, allow_nan=False, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")
