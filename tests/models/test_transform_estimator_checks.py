"""The image transformers as scikit-learn estimators: the generic checks, and their contracts.

``Deskew`` and ``HogFeatures`` take only uint8 images of 784 pixels
(``check_images``), which scikit-learn's checks never generate, so the checks
that feed them data are expected to fail for that reason alone; the contracts
those checks verify are checked below on real images instead. ``PixelScaler``
takes any finite numeric array and passes every check.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone

from mnistlab.data import Dataset
from mnistlab.errors import ImageInputError
from mnistlab.models.transforms import Deskew, HogFeatures, PixelScaler
from tests.estimator_checks import CHECKS_ON_GENERATED_DATA, parametrize_with_expected_failures

NOT_IMAGES = "takes only uint8 images of 784 pixels; the check's data are a few float columns"
NOT_AN_ARRAY = "takes only numpy arrays of uint8 images; the check passes another array-like"
OWN_MESSAGE = (
    "refuses anything but uint8 images of 784 pixels with check_images's own message, "
    "before looking at the values or the storage the check's message is about"
)
#: Checks that Deskew and HogFeatures fail only because their input is MNIST images.
IMAGE_ONLY_FAILURES: dict[str, str] = {
    **dict.fromkeys(
        [
            *CHECKS_ON_GENERATED_DATA,
            "check_transformer_general",
            "check_transformers_unfitted_stateless",
        ],
        NOT_IMAGES,
    ),
    "check_transformer_data_not_an_array": NOT_AN_ARRAY,
    **dict.fromkeys(
        [
            "check_complex_data",
            "check_estimator_sparse_array",
            "check_estimator_sparse_matrix",
            "check_estimator_sparse_tag",
            "check_estimators_empty_data_messages",
            "check_estimators_nan_inf",
        ],
        OWN_MESSAGE,
    ),
}


def _expected_failures(estimator) -> dict[str, str]:
    if isinstance(estimator, PixelScaler):
        return {}
    failures = dict(IMAGE_ONLY_FAILURES)
    if isinstance(estimator, Deskew):
        # Deskew keeps uint8 images uint8; HogFeatures preserves no dtype.
        failures["check_transformer_preserve_dtypes"] = NOT_IMAGES
    return failures


@parametrize_with_expected_failures([Deskew(), HogFeatures(), PixelScaler()], _expected_failures)
def test_scikit_learn_estimator_checks(estimator, check) -> None:
    check(estimator)


# ------------------------------------------------------------------ the same contracts on images


@pytest.fixture(scope="module")
def images(mnist: Dataset) -> np.ndarray:
    return mnist.X_train[:40]


@pytest.mark.parametrize("transformer", [Deskew(order=3), HogFeatures(cell=7), PixelScaler(0.5)])
def test_stateless_transformers_keep_the_estimator_contract(transformer, images) -> None:
    unfitted = transformer.transform(images)
    assert transformer.fit(images) is transformer
    assert transformer.n_features_in_ == 784
    fitted = transformer.transform(images)
    np.testing.assert_array_equal(fitted, unfitted)
    np.testing.assert_array_equal(clone(transformer).fit_transform(images), fitted)
    np.testing.assert_array_equal(transformer.transform(images[5:9]), fitted[5:9])
    restored = pickle.loads(pickle.dumps(transformer))
    assert restored.get_params() == transformer.get_params()
    np.testing.assert_array_equal(restored.transform(images), fitted)


def test_image_transformers_refuse_what_is_not_images(images) -> None:
    for transformer in (Deskew(), HogFeatures()):
        with pytest.raises(ImageInputError, match=r"must have shape \(n, 784\)"):
            transformer.fit(images[:, :100])
        with pytest.raises(ImageInputError, match="must be uint8"):
            transformer.fit(images.astype(np.float64))


def test_pixel_scaler_checks_the_width_it_was_fitted_with(images) -> None:
    scaler = PixelScaler().fit(images)
    with pytest.raises(ValueError, match="is expecting 784 features"):
        scaler.transform(images[:, :100])
    with pytest.raises(ValueError, match="Input X contains NaN"):
        scaler.transform(np.full((1, 784), np.nan))
