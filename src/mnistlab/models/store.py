"""Trained models on disk: a model file beside a JSON metadata record that pins it.

Layout of the models directory::

    knn-shift.json                 the record: settings, data set and its checksum, metrics,
                                   robustness, versions, and the name and SHA-256 of the
                                   model file
    knn-shift-3f9a1c2b7d4e.skops   the model file, named after its own checksum
    fashion-mnist/knn-shift.json   the models of any other data set, one directory each
    fashion-mnist/knn-shift-….skops

Each data set keeps its models apart: MNIST's stay at the top, where they
always were (models trained before data sets were kept apart load as they
are), and every other data set's live in a directory of its name. A record
names the data set it was trained on and that data's checksum; a store of one
data set never lists, chooses or loads a model of another.

The record is the commit point. Saving writes the model file under a hidden
temporary name (the family's ``save``, atomically), renames it to its checksum
name, then replaces the record (:func:`mnistlab.files.atomic_write`: every
file synced, then its directory, and given the mode the umask gives); only
then is the previous model file removed. A crash at any moment leaves either
the old record with its old file or the new record with its new file, never a
record pointing at half a file. Loading checks the record, the versions and
the file's SHA-256 before the family's loader sees a byte of it, and the
loaders themselves never execute code (skops with an allow-list,
``torch.load`` with ``weights_only=True``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import filelock

from mnistlab.data import dataset_checksum
from mnistlab.data.registry import get_dataset_spec
from mnistlab.errors import ConfigError, ModelFileError, ModelNotTrainedError
from mnistlab.files import atomic_write, replace_file, temporary_file_beside
from mnistlab.models.base import DigitClassifier
from mnistlab.models.filecheck import cached_sha256, file_sha256
from mnistlab.models.records import ModelRecord, RobustnessRecord
from mnistlab.models.registry import MODEL_NAMES, get_model_spec
from mnistlab.versions import incompatible_versions

logger = logging.getLogger(__name__)

#: Seconds a save waits for another save of the same model (a few milliseconds each).
LOCK_TIMEOUT = 600.0
SUGGESTED_FIRST_MODEL = "knn-deskew"
#: A model measured by the robustness benchmark is preferred over a more accurate one
#: only when its clean test accuracy is at least this (the robust model's own rule).
ROBUST_CLEAN_FLOOR = 0.996
#: The data set whose models live at the top of the models directory.
DEFAULT_DATASET = "mnist"

#: The states of a model that has a record: its file is there and matches the
#: record's SHA-256; the file is gone (or cannot be read); the file's SHA-256
#: differs from the record's.
TRAINED, FILE_MISSING, DAMAGED = "trained", "file missing", "damaged"
#: The state of a model without a record (``mnistlab models`` lists every model).
NOT_TRAINED = "not trained"


def train_command(name: str, dataset: str = DEFAULT_DATASET, *, explicit: bool = False) -> str:
    """The command that trains model ``name`` on ``dataset``, for messages.

    ``-d DATASET`` is left out for the default data set unless ``explicit``.

    Example
    -------
    >>> train_command("knn-tuned", "fashion-mnist")
    'mnistlab train knn-tuned -d fashion-mnist'
    >>> train_command("knn-tuned")
    'mnistlab train knn-tuned'
    """
    command = f"mnistlab train {name}"
    return command if dataset == DEFAULT_DATASET and not explicit else f"{command} -d {dataset}"


@dataclass(frozen=True)
class TrainedModel:
    """A loaded, verified model and its record."""

    record: ModelRecord
    classifier: DigitClassifier
    path: Path

    @property
    def name(self) -> str:
        """The registry name of the model."""
        return self.record.name


def preferred(evaluated: Sequence[ModelRecord]) -> ModelRecord:
    """The model to answer with, among evaluated ones: the most robust that is accurate enough.

    A model whose robustness is measured (for its current file) and whose
    clean test accuracy is at least :data:`ROBUST_CLEAN_FLOOR` wins on its
    robust score; without one, the most accurate model (the newest on a tie).

    Example
    -------
    >>> preferred(store.records()).name                              # doctest: +SKIP
    'cnn-robust'
    """
    robust = [
        r
        for r in evaluated
        if r.robust_accuracy is not None
        and r.test_accuracy is not None
        and r.test_accuracy >= ROBUST_CLEAN_FLOOR
    ]
    if robust:
        return max(robust, key=lambda r: (r.robust_accuracy, r.test_accuracy, r.created))
    return max(evaluated, key=lambda r: (r.test_accuracy or 0.0, r.created))


@dataclass(frozen=True)
class ModelStatus:
    """A model's record and the state of its file (:data:`TRAINED`, :data:`FILE_MISSING`,
    :data:`DAMAGED`)."""

    record: ModelRecord
    state: str

    @property
    def name(self) -> str:
        """The registry name of the model."""
        return self.record.name

    @property
    def usable(self) -> bool:
        """Whether the file is there and is the one the record pins."""
        return self.state == TRAINED

    @property
    def problem(self) -> str:
        """What is wrong and the way out, in a few words (empty when usable)."""
        if self.usable:
            return ""
        what = {
            FILE_MISSING: f"its model file {self.record.file} is missing",
            DAMAGED: f"its model file {self.record.file} does not match the SHA-256 in its record",
        }[self.state]
        command = train_command(self.name, self.record.dataset)
        return f"{self.state}: {what}; train it again with: {command}"


@dataclass(frozen=True)
class Choice:
    """The model used when none is named, and the models passed over as unusable."""

    name: str
    skipped: tuple[ModelStatus, ...] = ()


class ModelStore:
    """The trained models of one data set, in a models directory.

    Parameters
    ----------
    directory : Path
        The models directory (``Locations.models_dir``); created on the first save.
    dataset : str, default "mnist"
        The data set whose models this store holds: MNIST's are at the top of
        ``directory``, any other's in ``directory / dataset``.

    Attributes
    ----------
    root : Path
        The models directory, as given.
    directory : Path
        Where this data set's records and model files live.

    Raises
    ------
    UnknownDatasetError
        If the data set registry has no data set called ``dataset``.

    Example
    -------
    >>> store = ModelStore(locations.models_dir, "fashion-mnist")   # doctest: +SKIP
    >>> store.load(store.default_name()).classifier               # doctest: +SKIP
    """

    def __init__(self, directory: Path, dataset: str = DEFAULT_DATASET) -> None:
        spec = get_dataset_spec(dataset)
        if Path(spec.name).name != spec.name or spec.name in (".", ".."):
            raise ConfigError(f"data set name {spec.name!r} cannot name a directory of models")
        self.dataset = spec.name
        self.root = Path(directory)
        self.directory = self.root if self.dataset == DEFAULT_DATASET else self.root / self.dataset
        try:
            self._checksum: str | None = dataset_checksum(spec)
        except KeyError:  # a data set without pinned checksums: its name must do
            self._checksum = None

    def train_command(self, name: str, *, explicit: bool = False) -> str:
        """The command that trains model ``name`` into this store (see :func:`train_command`)."""
        return train_command(name, self.dataset, explicit=explicit)

    def record_path(self, name: str) -> Path:
        """Where the record of model ``name`` lives."""
        return self.directory / f"{get_model_spec(name).name}.json"

    def save(self, classifier: DigitClassifier, record: ModelRecord) -> ModelRecord:
        """Write ``classifier`` with the family's ``save`` and commit ``record`` for it.

        The ``file`` and ``sha256`` of ``record`` are filled in here.
        """
        spec = get_model_spec(record.name)
        if not self._belongs(record):
            raise ModelFileError(
                f"a model trained on {record.dataset} (checksum {record.data_checksum[:12]}…) "
                f"cannot be saved among the models of {self.dataset}; save it in "
                f"ModelStore(directory, {record.dataset!r})"
            )
        family = spec.family_module()
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = temporary_file_beside(self.directory / spec.name, suffix=family.FILE_SUFFIX)
        try:
            family.save(classifier, tmp)
            sha = file_sha256(tmp)
            final = self.directory / f"{spec.name}-{sha[:12]}{family.FILE_SUFFIX}"
            record = replace(record, file=final.name, sha256=sha)
            # Saves of one model take turns from here: each removes the file of the
            # record it replaces, which must be the record on disk, not one that a
            # concurrent save has just replaced.
            with self._lock(spec.name):
                replace_file(tmp, final)
                previous = self._read_record_or_none(spec.name)
                try:
                    self._write_record(record)
                except BaseException:
                    if previous is None or previous.file != final.name:
                        final.unlink(missing_ok=True)  # no record points at it
                    raise
                if previous is not None and previous.file != final.name:
                    (self.directory / previous.file).unlink(missing_ok=True)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return record

    def _lock(self, name: str) -> filelock.FileLock:
        return filelock.FileLock(self.directory / f"{name}.lock", timeout=LOCK_TIMEOUT)

    def _write_record(self, record: ModelRecord) -> None:
        with atomic_write(self.record_path(record.name)) as f:
            f.write(record.to_json().encode("utf-8"))

    def update_metrics(self, name: str, metrics: Mapping[str, Any]) -> ModelRecord:
        """Replace the test metrics of a trained model's record."""
        with self._lock(name):
            record = replace(self.record(name), metrics=dict(metrics))
            self._write_record(record)
        return record

    def update_robustness(self, name: str, measured: RobustnessRecord) -> ModelRecord:
        """Record the robustness benchmark's means of a trained model.

        Raises
        ------
        ModelFileError
            If the record now pins another model file than the one measured (the
            model was trained again meanwhile): its score is not recorded.
        ModelNotTrainedError
            If the model is no longer trained.
        """
        with self._lock(name):
            record = self.record(name)
            if record.sha256 != measured.sha256:
                flag = "" if self.dataset == DEFAULT_DATASET else f" -d {self.dataset}"
                raise ModelFileError(
                    f"model {name!r} was trained again while it was measured (model file "
                    f"{measured.sha256[:12]}…, now {record.sha256[:12]}…); its robustness is "
                    f"not recorded; measure it again with: mnistlab robustness {name}{flag}"
                )
            record = replace(record, robustness=measured.as_dict())
            self._write_record(record)
        return record

    def record(self, name: str) -> ModelRecord:
        """Return the record of a trained model.

        Raises
        ------
        ModelNotTrainedError
            If the model has not been trained into this directory.
        ModelFileError
            If the record is damaged or from another format.
        """
        record = self._read(name)
        self._check_data(record)
        return record

    def _read(self, name: str) -> ModelRecord:
        """The record of ``name`` as it is on disk, whatever data set it names."""
        path = self.record_path(name)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ModelNotTrainedError(
                f"model {name!r} is not trained yet for {self.dataset} (looked in "
                f"{self.directory}); train it with: {self.train_command(name)}"
            ) from None
        record = ModelRecord.from_json(text, source=path)
        if record.name != name:
            raise ModelFileError(f"{path} holds a record of {record.name!r}, not {name!r}")
        return record

    def _belongs(self, record: ModelRecord) -> bool:
        """Whether ``record`` is of a model trained on this store's data set."""
        same_data = self._checksum is None or record.data_checksum == self._checksum
        return record.dataset == self.dataset and same_data

    def _check_data(self, record: ModelRecord) -> None:
        """Refuse a record of a model trained on other data than this store's."""
        if self._belongs(record):
            return
        if record.dataset == self.dataset:
            seen = f"other {record.dataset} data (checksum {record.data_checksum[:12]}…)"
        else:
            seen = record.dataset
        raise ModelFileError(
            f"model {record.name!r} in {self.directory} was trained on {seen}, not on "
            f"{self.dataset}; train it for {self.dataset} with: "
            f"{self.train_command(record.name, explicit=True)}"
        )

    def _read_record_or_none(self, name: str) -> ModelRecord | None:
        # Whatever data set it names: a save replaces the record and removes its file.
        try:
            return self._read(name)
        except (ModelNotTrainedError, ModelFileError):
            return None

    def records(self) -> list[ModelRecord]:
        """Return the records of every trained model, in registry order.

        Damaged records are skipped with a warning; ``load`` reports them in full.
        Records of models trained on another data set (saved here before data
        sets were kept apart) are not this store's models and are left out.
        """
        found = []
        for name in MODEL_NAMES:
            if not self.record_path(name).exists():
                continue
            try:
                record = self._read(name)
            except ModelFileError as exc:
                logger.warning("skipping a damaged model record: %s", exc)
                continue
            if self._belongs(record):
                found.append(record)
            else:
                logger.info("leaving out %s: it was trained on %s", name, record.dataset)
        return found

    def statuses(self) -> list[ModelStatus]:
        """Return every record with its file's state, in registry order.

        The state comes from the files, not the records: a file's SHA-256 is
        compared with the one its record pins (hashed again only when the file's
        size or modification time changed, see :mod:`mnistlab.models.filecheck`).
        """
        records = self.records()
        hashes = cached_sha256(self.directory, [r.file for r in records])
        statuses = []
        for record in records:
            actual = hashes[record.file]
            state = FILE_MISSING if actual is None else TRAINED
            if actual is not None and actual != record.sha256:
                state = DAMAGED
            statuses.append(ModelStatus(record=record, state=state))
        return statuses

    def choose(self) -> Choice:
        """Return the model to use when none is named, among usable models only.

        The :func:`preferred` of the evaluated usable models, else the newest;
        models whose file is missing or damaged are passed over and listed in
        ``skipped``.

        Raises
        ------
        ModelNotTrainedError
            If no model is usable.
        """
        statuses = self.statuses()
        skipped = tuple(s for s in statuses if not s.usable)
        usable = [s.record for s in statuses if s.usable]
        if not skipped and not usable:
            raise ModelNotTrainedError(
                f"no trained model in {self.directory} for {self.dataset}; train one with: "
                f"{self.train_command(SUGGESTED_FIRST_MODEL)}"
            )
        if not usable:
            broken = "".join(f"; {s.name} is {s.state}" for s in skipped)
            raise ModelNotTrainedError(
                f"no usable trained model in {self.directory} for {self.dataset}{broken}; "
                f"train one again with: {self.train_command(skipped[0].name)}"
            )
        evaluated = [r for r in usable if r.test_accuracy is not None]
        best = preferred(evaluated) if evaluated else max(usable, key=lambda r: r.created)
        return Choice(name=best.name, skipped=skipped)

    def default_name(self) -> str:
        """Return the model to use when none is named (see :meth:`choose`).

        Raises
        ------
        ModelNotTrainedError
            If no model is usable.
        """
        return self.choose().name

    def load(self, name: str) -> TrainedModel:
        """Load a trained model after checking its record, versions and checksum.

        Raises
        ------
        ModelNotTrainedError
            If it is not trained.
        ModelFileError
            If the record or file is damaged, tampered with, foreign, trained on
            another data set than this store's, or made by library versions this
            installation cannot read.
        """
        record = self.record(name)
        spec = get_model_spec(name)
        again = f"train it again with: {self.train_command(name)}"
        if record.family != spec.family:
            raise ModelFileError(
                f"the record of {name!r} is for family {record.family!r}, not {spec.family!r}; "
                f"{again}"
            )
        problems = incompatible_versions(record.versions, family=spec.family)
        if problems:
            raise ModelFileError(f"model {name!r} was made with {problems}; {again}")
        path = self.directory / record.file
        if not path.is_file():
            raise ModelFileError(f"model {name!r}: {FILE_MISSING} ({path} is missing); {again}")
        actual = file_sha256(path)
        if actual != record.sha256:
            raise ModelFileError(
                f"model {name!r}: {DAMAGED} ({path} does not match its record: SHA-256 "
                f"{actual[:12]}…, recorded {record.sha256[:12]}…); {again}"
            )
        classifier = spec.family_module().load(path, record.settings)
        return TrainedModel(record=record, classifier=classifier, path=path)
