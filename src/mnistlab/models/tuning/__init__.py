"""Cross-validated searches over a model's registry settings, on one machine or a Dask cluster.

``tune_model("knn-tuned", data, grid={"n_neighbors": [3, 4, 5], "weights": ["distance"]})``
scores every grid point by stratified k-fold accuracy on a stratified subset
of the *training* images (the test images are never read), through
scikit-learn's ``GridSearchCV``, and returns the points best first with the
full registry settings of the winner. The classical models can be tuned:
``knn-*`` over ``n_neighbors``, ``weights``, ``shift``, ``deskew``; ``svc-rbf``
over ``n_components``, ``C``, ``gamma``, ``deskew``, ``features``.

Why the result does not depend on where it ran
----------------------------------------------
Each fit is seeded or free of randomness, the folds are fixed before the
search, and scikit-learn orders its results by grid point, not by when a fit
ended. What remains is the number of threads: nearest neighbours break ties
between equidistant images by a strategy that scikit-learn picks from its
thread count, and BLAS sums in an order that depends on it. So every fit and
every prediction runs on exactly one thread, in this process, in joblib's
processes or on a Dask worker alike. With ``scheduler`` the fits run on Dask
through joblib's Dask backend; the inputs are copied to every worker first, so
that a worker lost in the middle loses no input and its fits simply run again.

Settings that only change the images a model sees (``deskew``, the SVC's
``features``) are computed once for each of their values, before the folds:
the transforms keep no fitted state, so no fold learns from another's images
through them, and an RBF search does not compute HOG features 2 × k times
per grid point.

Where each part lives: ``results`` (``TuneRow``, ``TuneResult``), ``options``
(``check_tune_options``), ``folds`` (the subset and the folds),
``estimators`` (the one-thread models a search fits, and the features computed
before the folds), ``batches`` (grid points grouped by features and into calls
of ``GridSearchCV``), ``search`` (``search_grid``) and ``runner``
(``tune_model``, on this machine or Dask).
"""

from __future__ import annotations

from mnistlab.models.grid import TUNABLE_MODELS, parse_grid
from mnistlab.models.tuning.folds import stratified_subset
from mnistlab.models.tuning.options import check_tune_options
from mnistlab.models.tuning.results import TuneResult, TuneRow
from mnistlab.models.tuning.runner import tune_model
from mnistlab.models.tuning.search import search_grid

__all__ = [
    "TUNABLE_MODELS",
    "TuneResult",
    "TuneRow",
    "check_tune_options",
    "parse_grid",
    "search_grid",
    "stratified_subset",
    "tune_model",
]
