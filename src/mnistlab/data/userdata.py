"""The data sets a user added: one directory each, four IDX files and a manifest.

``mnistlab data add`` stores a data set as ``DATASETS_DIR/NAME/``: the four
IDX files (gzip-compressed, named as MNIST's) and ``dataset.json``, the
manifest (name, title, class names, sizes, the SHA-256 and MD5 of each file,
where the data came from, how it was preprocessed and how a user's image is
framed to be like its images: ``framing``, ``digit`` when a manifest written
before there were framings lacks it). A directory is written
whole under a hidden temporary name and renamed into place, so a data set is
there complete or not at all; a name already taken is refused, never replaced.

Loading checks each file's SHA-256 against the manifest before parsing it:
a data set changed on disk since it was added is refused with the way out.
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mnistlab.data.idx import idx_bytes, idx_md5, parse_idx
from mnistlab.data.spec import IDX_FILES, DatasetSpec
from mnistlab.errors import ConfigError, DataFormatError, DataIntegrityError, UnknownDatasetError

if TYPE_CHECKING:
    from mnistlab.preprocess import Framing

__all__ = [
    "MANIFEST_NAME",
    "MAX_CLASSES",
    "MIN_CLASSES",
    "check_name_free",
    "check_new_name",
    "describe_origin",
    "normalize_name",
    "read_manifest",
    "read_user_arrays",
    "read_user_spec",
    "remove_user_dataset",
    "store_user_dataset",
    "user_specs",
]

logger = logging.getLogger(__name__)

#: The manifest's file name inside a data set's directory.
MANIFEST_NAME = "dataset.json"
#: The version of the manifest's fields.
MANIFEST_FORMAT = 1
#: The fewest and most classes a data set may have (labels are 0..n_classes-1).
MIN_CLASSES, MAX_CLASSES = 2, 62
#: A name: lower-case letters, digits and single hyphens, starting with a letter.
_NAME = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
_MAX_NAME = 40


def normalize_name(name: str) -> str:
    """Return ``name`` as the registry spells names: lower case, ``-`` for ``_``.

    Example
    -------
    >>> normalize_name(" My_Digits ")
    'my-digits'
    """
    return name.strip().lower().replace("_", "-")


def _valid(name: str) -> bool:
    return len(name) <= _MAX_NAME and _NAME.fullmatch(name) is not None


def check_new_name(name: str, builtin: tuple[str, ...]) -> str:
    """Return the normalized ``name`` after checking that a new data set may take it.

    Parameters
    ----------
    name : str
        The name the user gave.
    builtin : tuple of str
        The built-in names, which no added data set may take.

    Returns
    -------
    str

    Raises
    ------
    ConfigError
        If the name is not valid or is a built-in data set's.

    Example
    -------
    >>> check_new_name("My_Digits", ("mnist",))
    'my-digits'
    """
    wanted = normalize_name(name)
    if not _valid(wanted):
        raise ConfigError(
            f"{name!r} is not a valid data set name: use up to {_MAX_NAME} lower-case letters, "
            "digits and single hyphens, starting with a letter (e.g. my-digits)"
        )
    if wanted in builtin:
        raise ConfigError(
            f"{wanted!r} is a built-in data set and cannot be replaced; choose another name"
        )
    return wanted


def _changed(name: str, what: str) -> DataIntegrityError:
    return DataIntegrityError(
        f"data set {name!r} changed on disk since it was added ({what}); run "
        f"`mnistlab data remove {name}` and `mnistlab data add {name} PATH` again"
    )


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_manifest(directory: Path) -> dict[str, Any]:
    """Read and check the manifest of the data set stored in ``directory``.

    Parameters
    ----------
    directory : Path
        ``DATASETS_DIR/NAME``.

    Returns
    -------
    dict
        The manifest, its fields checked for presence and type.

    Raises
    ------
    DataIntegrityError
        If the manifest is missing, not JSON or lacks a field.

    Example
    -------
    >>> read_manifest(locations.datasets_dir / "my-digits")["n_train"]  # doctest: +SKIP
    80
    """
    name = directory.name
    try:
        manifest = json.loads((directory / MANIFEST_NAME).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _changed(name, f"its {MANIFEST_NAME} is missing") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _changed(name, f"its {MANIFEST_NAME} is not JSON: {exc}") from None
    expected: dict[str, type | tuple[type, ...]] = {
        "format": int,
        "name": str,
        "title": str,
        "class_names": list,
        "n_train": int,
        "n_test": int,
        "files": dict,
        "origin": dict,
    }
    if not isinstance(manifest, dict) or any(
        not isinstance(manifest.get(key), kind) for key, kind in expected.items()
    ):
        raise _changed(name, f"its {MANIFEST_NAME} lacks fields")
    files = manifest["files"]
    if (
        manifest["format"] != MANIFEST_FORMAT
        or manifest["name"] != name
        or not MIN_CLASSES <= len(manifest["class_names"]) <= MAX_CLASSES
        or not all(isinstance(c, str) for c in manifest["class_names"])
        or not isinstance(manifest.get("framing", "digit"), str)
        or any(
            not isinstance(files.get(f.key), dict)
            or not isinstance(files[f.key].get("sha256"), str)
            or not isinstance(files[f.key].get("md5"), str)
            for f in IDX_FILES
        )
    ):
        raise _changed(name, f"its {MANIFEST_NAME} is not one mnistlab wrote")
    return dict(manifest)


def _spec(directory: Path, manifest: Mapping[str, Any]) -> DatasetSpec:
    return DatasetSpec(
        name=manifest["name"],
        title=manifest["title"],
        class_names=tuple(manifest["class_names"]),
        md5={f.key: manifest["files"][f.key]["md5"] for f in IDX_FILES},
        n_train=manifest["n_train"],
        n_test=manifest["n_test"],
        directory=directory,
        framing=manifest.get("framing", "digit"),
    )


def read_user_spec(root: Path, name: str) -> DatasetSpec | None:
    """Return the record of the added data set ``name``, or ``None`` if there is none.

    Parameters
    ----------
    root : Path
        The directory of added data sets (``Locations.datasets_dir``).
    name : str
        A data set name (normalized here).

    Raises
    ------
    DataIntegrityError
        If the data set's directory is there but its manifest is damaged.

    Example
    -------
    >>> read_user_spec(locations.datasets_dir, "my-digits").n_test  # doctest: +SKIP
    20
    """
    wanted = normalize_name(name)
    if not _valid(wanted):
        return None
    directory = root / wanted
    if not directory.is_dir():
        return None
    return _spec(directory, read_manifest(directory))


def user_specs(root: Path) -> tuple[DatasetSpec, ...]:
    """Return the records of every added data set in ``root``, by name.

    A directory whose manifest is damaged is left out with a warning in the
    log (``mnistlab data add`` of the same name then says it exists, and
    ``mnistlab data remove`` removes it); a missing ``root`` means none.

    Example
    -------
    >>> [spec.name for spec in user_specs(locations.datasets_dir)]  # doctest: +SKIP
    ['my-digits']
    """
    if not root.is_dir():
        return ()
    specs = []
    for directory in sorted(root.iterdir()):
        if not directory.is_dir() or not _valid(directory.name):
            continue  # hidden temporary directories, stray files
        try:
            specs.append(_spec(directory, read_manifest(directory)))
        except DataIntegrityError as exc:
            logger.warning("skipping the data set in %s: %s", directory, exc)
    return tuple(specs)


def describe_origin(spec: DatasetSpec) -> str:
    """Return where a data set came from, in a few words: ``built-in``, or what was added.

    A framing other than ``digit`` is named at the end (``..., object framing``).

    Example
    -------
    >>> describe_origin(get_dataset_spec("my-digits"))  # doctest: +SKIP
    'image-folder scans/ (test share 0.2, seed 0), made MNIST-like'
    """
    if spec.directory is None:
        return "built-in"
    manifest = read_manifest(spec.directory)
    origin = manifest["origin"]
    text = f"{origin.get('kind', 'added')} {origin.get('path', '')}".strip()
    if "test_size" in origin:
        text += f" (test share {origin['test_size']}, seed {origin.get('seed')})"
    made = "made MNIST-like" if manifest.get("preprocessing") else "as given"
    framed = "" if spec.framing == "digit" else f", {spec.framing} framing"
    return f"{text}, {made}{framed}"


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "xb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def check_name_free(root: Path, name: str) -> None:
    """Raise ``ConfigError`` if an added data set called ``name`` exists in ``root``.

    Example
    -------
    >>> check_name_free(Path("/nonexistent"), "my-digits")
    """
    if (root / name).exists():
        raise _exists_error(name)


def _exists_error(name: str) -> ConfigError:
    return ConfigError(
        f"a data set called {name!r} exists already; run `mnistlab data remove {name}` first "
        "or choose another name"
    )


def store_user_dataset(
    root: Path,
    name: str,
    parts: Mapping[str, np.ndarray],
    *,
    title: str,
    class_names: tuple[str, ...],
    origin: Mapping[str, Any],
    preprocessing: str | None,
    framing: Framing = "digit",
) -> DatasetSpec:
    """Write a new data set to ``root/name``, whole or not at all; return its record.

    Parameters
    ----------
    root : Path
        The directory of added data sets (created if missing).
    name : str
        A valid, normalized name (see :func:`check_new_name`).
    parts : mapping of str to ndarray
        The four arrays keyed by ``IdxFile.key``: images uint8 (n, 28, 28), labels uint8 (n,).
    title : str
        How the data set is named in reports.
    class_names : tuple of str
        Name of each label.
    origin : mapping
        Where the data came from (kind, path, split settings); kept in the manifest.
    preprocessing : str or None
        How the images were made MNIST-like, or ``None`` when stored as given.
    framing : {"digit", "object"}, default "digit"
        How a user's image is framed to be like these (``predict``, ``serve``).

    Returns
    -------
    DatasetSpec

    Raises
    ------
    ConfigError
        If a data set of that name exists already.
    OSError
        If the files cannot be written (nothing is left behind).

    Example
    -------
    >>> spec = store_user_dataset(root, "toy", parts, title="Toy", class_names=("a", "b"),
    ...     origin={"kind": "npz"}, preprocessing=None)  # doctest: +SKIP
    """
    directory = root / name
    check_name_free(root, name)
    root.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".new", dir=root))
    try:
        files: dict[str, dict[str, str]] = {}
        for f in IDX_FILES:
            raw = idx_bytes(parts[f.key])
            data = gzip.compress(raw, compresslevel=6, mtime=0)
            _write_synced(temporary / f.gz_name, data)
            files[f.key] = {
                "file": f.gz_name,
                "sha256": _sha256(data),
                "md5": idx_md5(parts[f.key]),
            }
        manifest = {
            "format": MANIFEST_FORMAT,
            "name": name,
            "title": title,
            "class_names": list(class_names),
            "n_train": int(parts["train-labels"].shape[0]),
            "n_test": int(parts["test-labels"].shape[0]),
            "image_shape": [28, 28],
            "files": files,
            "origin": dict(origin),
            "preprocessing": preprocessing,
            "framing": framing,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
        _write_synced(temporary / MANIFEST_NAME, text.encode("utf-8"))
        try:
            # A rename never replaces a non-empty directory: of two processes adding
            # the same name at once, the second is told that it exists.
            os.rename(temporary, directory)
        except OSError as exc:
            if exc.errno in (errno.ENOTEMPTY, errno.EEXIST):
                raise _exists_error(name) from None
            raise
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    return _spec(directory, manifest)


def remove_user_dataset(root: Path, name: str, builtin: tuple[str, ...]) -> Path:
    """Remove the added data set ``name`` from ``root``; return the directory it was in.

    The directory is first renamed aside, then deleted, so a concurrent load
    sees the whole data set or none.

    Raises
    ------
    ConfigError
        If ``name`` is a built-in data set.
    UnknownDatasetError
        If no added data set has that name; the message lists those there are.

    Example
    -------
    >>> remove_user_dataset(locations.datasets_dir, "my-digits", ("mnist",))  # doctest: +SKIP
    """
    wanted = normalize_name(name)
    if wanted in builtin:
        raise ConfigError(
            f"{wanted!r} is a built-in data set; only data sets added with "
            "`mnistlab data add` can be removed"
        )
    directory = root / wanted
    if not _valid(wanted) or not directory.is_dir():
        added = [spec.name for spec in user_specs(root)]
        have = ", ".join(added) if added else "none"
        raise UnknownDatasetError(
            f"no added data set called {name!r} (added data sets: {have}); "
            "`mnistlab data list` shows them all"
        )
    aside = root / f".{wanted}.{uuid.uuid4().hex[:8]}.removed"
    os.rename(directory, aside)
    shutil.rmtree(aside, ignore_errors=True)
    return directory


def read_user_arrays(spec: DatasetSpec) -> tuple[np.ndarray, np.ndarray]:
    """Read an added data set's files after checking each one's SHA-256.

    Parameters
    ----------
    spec : DatasetSpec
        The record of an added data set (``spec.directory`` set).

    Returns
    -------
    images : ndarray of uint8, shape (n_images, 784)
        Training images, then test images.
    labels : ndarray of uint8, shape (n_images,)

    Raises
    ------
    DataIntegrityError
        If a file is missing or its SHA-256 differs from the manifest's, or
        the manifest is damaged: the message says to remove and add it again.

    Example
    -------
    >>> images, labels = read_user_arrays(get_dataset_spec("my-digits"))  # doctest: +SKIP
    """
    if spec.directory is None:
        raise ValueError(f"{spec.name} is a built-in data set")
    manifest = read_manifest(spec.directory)
    parts: dict[str, np.ndarray] = {}
    for f in IDX_FILES:
        path = spec.directory / f.gz_name
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise _changed(spec.name, f"{f.gz_name} is missing") from None
        if _sha256(data) != manifest["files"][f.key]["sha256"]:
            raise _changed(spec.name, f"the SHA-256 of {f.gz_name} differs from its manifest")
        try:
            parts[f.key] = parse_idx(gzip.decompress(data), source=str(path))
        except (OSError, EOFError, DataFormatError) as exc:  # pragma: no cover - hash matched
            raise _changed(spec.name, f"{f.gz_name} cannot be read: {exc}") from None
    want = {
        "train-images": (spec.n_train, *spec.image_shape),
        "train-labels": (spec.n_train,),
        "test-images": (spec.n_test, *spec.image_shape),
        "test-labels": (spec.n_test,),
    }
    if any(parts[f.key].shape != want[f.key] for f in IDX_FILES):
        raise _changed(spec.name, "the sizes of its files differ from its manifest")
    images = np.concatenate(
        [
            parts["train-images"].reshape(spec.n_train, -1),
            parts["test-images"].reshape(spec.n_test, -1),
        ]
    )
    labels = np.concatenate([parts["train-labels"], parts["test-labels"]])
    return images, labels
