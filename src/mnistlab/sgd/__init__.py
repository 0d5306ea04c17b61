"""An exact, faster fit of scikit-learn's ``SGDClassifier`` for the study's settings.

:func:`fit_sgd` gives the very ``coef_``, ``intercept_``, ``n_iter_`` and
``t_`` of ``clone(estimator).fit(X, y)``; for the hinge loss with scikit-learn's
defaults it runs a compiled loop (:mod:`mnistlab.sgd.kernel`, numba) that
trains the one-versus-rest problems together, otherwise scikit-learn's own
fit. :func:`kernel_supports` says why the loop does not apply.
"""

from __future__ import annotations

from mnistlab.sgd.fit import fit_sgd, kernel_supports

__all__ = ["fit_sgd", "kernel_supports"]
