"""The metadata record of a trained model: what pins its file, as JSON beside it.

A record names the model, its settings, the data set it was trained on and
that data's checksum, the file's name and SHA-256, the versions it was made
with, and later its test metrics and robustness. :meth:`ModelRecord.from_json`
refuses anything that is not such a record, field by field, with the way out
in the message; :class:`mnistlab.models.store.ModelStore` reads and writes them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mnistlab.errors import ModelFileError

RECORD_FORMAT = 1


@dataclass(frozen=True)
class RobustnessRecord:
    """The robustness benchmark's means for one model file, as its record keeps them.

    Attributes
    ----------
    overall_mean, mnist_c_mean, photo_mean : float or None
        Mean accuracy over every test, over MNIST-C's corruptions, over the
        photo variants (fractions; ``None`` when nothing of that kind ran).
    n_images, seed : int
        The test images scored and the seed of the subset, corruptions and photos.
    sha256 : str
        The SHA-256 of the model file that was measured: a model trained again
        since is another file, and its record does not show this score.

    Example
    -------
    >>> RobustnessRecord(0.8, 0.79, 0.81, 2000, 0, "ab" * 32).as_dict()["overall_mean"]
    0.8
    """

    overall_mean: float | None
    mnist_c_mean: float | None
    photo_mean: float | None
    n_images: int
    seed: int
    sha256: str

    def as_dict(self) -> dict[str, Any]:
        """Return the values as JSON-ready values."""
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> RobustnessRecord | None:
        """The record's robustness, or ``None`` when there is none or it is not one of ours."""
        means = ("overall_mean", "mnist_c_mean", "photo_mean")
        if not all(raw.get(k) is None or _is(raw.get(k), (int, float)) for k in means):
            return None
        if not (_is(raw.get("n_images"), (int,)) and _is(raw.get("seed"), (int,))):
            return None
        if not isinstance(raw.get("sha256"), str):
            return None
        overall, mnist_c, photo = (None if raw[k] is None else float(raw[k]) for k in means)
        return cls(overall, mnist_c, photo, raw["n_images"], raw["seed"], raw["sha256"])


@dataclass(frozen=True)
class ModelRecord:
    """The metadata record of one trained model.

    Attributes
    ----------
    name, family : str
        The registry entry and its family.
    settings : dict
        What it was trained with, the seed included.
    dataset, data_checksum : str
        The data set it was trained on and that data's checksum.
    n_train : int
        How many training images it saw.
    file, sha256 : str
        The model file's name (in the models directory) and its SHA-256.
    created : str
        When training finished (ISO 8601, UTC).
    train_seconds : float
        Wall time of training.
    versions : dict
        Library versions it was made with.
    metrics : dict
        Test metrics, filled in by ``evaluate`` (empty until then).
    robustness : dict
        The robustness benchmark's means (a :class:`RobustnessRecord`), filled
        in by ``robustness`` (empty until then; records written before it lack it).
    """

    name: str
    family: str
    settings: dict[str, Any]
    dataset: str
    data_checksum: str
    n_train: int
    file: str
    sha256: str
    created: str
    train_seconds: float
    versions: dict[str, str]
    metrics: dict[str, Any] = field(default_factory=dict)
    robustness: dict[str, Any] = field(default_factory=dict)
    format: int = RECORD_FORMAT

    @property
    def test_accuracy(self) -> float | None:
        """The recorded test accuracy, or ``None`` before evaluation."""
        value = self.metrics.get("test_accuracy")
        return float(value) if isinstance(value, int | float) else None

    @property
    def measured_robustness(self) -> RobustnessRecord | None:
        """The robustness measured on this record's model file, or ``None``.

        ``None`` before ``mnistlab robustness``, and when the score was measured
        on another file than the one the record pins (never shown for a model
        trained again since).
        """
        measured = RobustnessRecord.from_dict(self.robustness)
        return measured if measured is not None and measured.sha256 == self.sha256 else None

    @property
    def robust_accuracy(self) -> float | None:
        """The mean accuracy over the robustness benchmark (see :attr:`measured_robustness`)."""
        measured = self.measured_robustness
        return None if measured is None else measured.overall_mean

    def to_json(self) -> str:
        """Return the record as indented JSON."""
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str, *, source: Path) -> ModelRecord:
        """Parse and check a record; ``ModelFileError`` for anything that is not one of ours."""
        try:
            raw = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ModelFileError(f"{source} is not a model record (bad JSON: {exc})") from None
        if not isinstance(raw, dict):
            raise ModelFileError(f"{source} is not a model record (not a JSON object)")
        raw = {**{k: make() for k, make in _OPTIONAL_FIELDS.items()}, **raw}
        if raw.get("format") != RECORD_FORMAT:
            raise ModelFileError(
                f"{source} has record format {raw.get('format')!r}, this mnistlab reads "
                f"format {RECORD_FORMAT}; train the model again with: "
                f"mnistlab train {raw.get('name', 'NAME')}"
            )
        names = {f for f in cls.__dataclass_fields__}
        missing = sorted(names - set(raw))
        if missing:
            raise ModelFileError(f"{source} is not a complete model record (missing {missing})")
        wrong = _wrong_fields(raw)
        if wrong:
            raise ModelFileError(
                f"{source} is not a model record (fields of the wrong type: {wrong}); "
                "train the model again"
            )
        record = cls(**{k: raw[k] for k in names})
        if Path(record.file).name != record.file or record.file in ("", ".", ".."):
            raise ModelFileError(f"{source} names a model file outside its directory")
        return record


# What each field of a record must hold, as ``json.loads`` gives it; a bool is
# refused where a number is meant (JSON's true is not a count of images).
_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "name": (str,),
    "family": (str,),
    "settings": (dict,),
    "dataset": (str,),
    "data_checksum": (str,),
    "n_train": (int,),
    "file": (str,),
    "sha256": (str,),
    "created": (str,),
    "train_seconds": (int, float),
    "versions": (dict,),
    "metrics": (dict,),
    "robustness": (dict,),
    "format": (int,),
}
# Fields added to format 1 after it was first written: a record without them takes these.
_OPTIONAL_FIELDS: dict[str, Callable[[], Any]] = {"robustness": dict}


def _is(value: Any, kinds: tuple[type, ...]) -> bool:
    return isinstance(value, kinds) and not isinstance(value, bool)


def _wrong_fields(raw: dict[str, Any]) -> list[str]:
    """The fields of a parsed record that hold a value of the wrong type."""
    wrong = [k for k, kinds in _FIELD_TYPES.items() if not _is(raw[k], kinds)]
    versions = raw["versions"]
    if isinstance(versions, dict) and not all(isinstance(v, str) for v in versions.values()):
        wrong.append("versions")  # compared part by part as version strings
    return sorted(wrong)
