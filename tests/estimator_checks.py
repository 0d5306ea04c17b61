"""What the tests of mnistlab's scikit-learn estimators share: the generic checks, run strictly.

scikit-learn's generic checks feed an estimator data of their own making: a few
columns of fractional values. mnistlab's estimators that take only integer
pixels or MNIST images refuse that data, so these checks fail for that reason
alone; each test module names them (and any of its own) as expected failures,
with why, and checks the same contracts on real pixels instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sklearn.utils.estimator_checks import parametrize_with_checks

#: The generic checks that fit or transform the checks' own fractional data.
CHECKS_ON_GENERATED_DATA: tuple[str, ...] = (
    "check_dict_unchanged",
    "check_dont_overwrite_parameters",
    "check_dtype_object",
    "check_estimators_dtypes",
    "check_estimators_fit_returns_self",
    "check_estimators_overwrite_params",
    "check_estimators_pickle",
    "check_f_contiguous_array_estimator",
    "check_fit2d_1feature",
    "check_fit2d_1sample",
    "check_fit2d_predict1d",
    "check_fit_check_is_fitted",
    "check_fit_idempotent",
    "check_fit_score_takes_y",
    "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
    "check_n_features_in",
    "check_n_features_in_after_fitting",
    "check_pipeline_consistency",
    "check_positive_only_tag_during_fit",
    "check_readonly_memmap_input",
)


def parametrize_with_expected_failures(
    estimators: Iterable[Any], expected_failures: Callable[[Any], Mapping[str, str]]
) -> Any:
    """Parametrize a test with scikit-learn's generic checks of ``estimators``.

    ``expected_failures(estimator)`` maps each check that must fail to why; a
    check expected to fail that passes fails the test (strict), so the list
    stays exact when scikit-learn or the estimator changes.
    """
    return parametrize_with_checks(
        list(estimators), expected_failed_checks=expected_failures, xfail_strict=True
    )
