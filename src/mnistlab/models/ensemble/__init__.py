"""Several convolutional networks voting on probabilities, each over several views: ``ensemble``.

Each member is a ``DigitNet`` (``mnistlab.models.cnn``) trained with its own
seed — its own initial weights, dropout, batch order and augmentation — and its
own held-out validation slice: member ``k`` holds out the ``k``-th slice of one
seeded permutation of the training images, so the members disagree where a
single network is unsure, and together they learn from every training image.

Each member also reads every image in a few *views*: the image itself and
copies turned or scaled a little (by default ±8° and ±8%), the kind of change
it learned to ignore from augmentation. The ensemble's probabilities are the
mean over members and views. On the members' own held-out slices (30,000
images none of them trained on), these views cut the errors of single members
from 130 to 112; that, not the test set, is how they were chosen.

Given a Dask client, the members train as Dask tasks, one member per task,
on as many workers as there are (``mnistlab train ensemble --scheduler``).
A task runs exactly the code of the in-process training, with the member's
seed and the registry's torch thread count, so it returns the very same
weights (a test checks it bit for bit).

The file is one ``torch.save`` of plain values and tensors (the views and a
list of the members' architectures and weights), read back with
``weights_only=True`` and checked member by member like a single CNN file.

Where each part lives: ``classifier`` (``EnsembleClassifier`` and its views),
``members`` (training one member), ``distributed`` (members as Dask tasks),
``training`` (``train``), ``files`` (``save`` and ``load``).
"""

from __future__ import annotations

from mnistlab.models.ensemble.classifier import (
    DEFAULT_VIEWS,
    IDENTITY_VIEW,
    EnsembleClassifier,
    check_views,
)
from mnistlab.models.ensemble.files import FILE_FORMAT, FILE_SUFFIX, load, save
from mnistlab.models.ensemble.training import train

__all__ = [
    "DEFAULT_VIEWS",
    "FILE_FORMAT",
    "FILE_SUFFIX",
    "IDENTITY_VIEW",
    "EnsembleClassifier",
    "check_views",
    "load",
    "save",
    "train",
]
