"""The check with real handwriting: 1,000 MNIST test digits as scans, preprocessed, classified.

The digits were written by people none of us know; the model never saw them
(it is trained on the training images only). Each is rendered as a person's
scan (see ``scans.py``), written to a real PNG or JPEG file, preprocessed from
that file and classified by the default model of a store holding a freshly
trained ``knn-deskew``. At least 97% must be right, and preprocessing may cost
at most 1.5 points against the same model on the original 28×28 digits.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mnistlab.models.store import ModelStore
from mnistlab.models.training import train_model
from mnistlab.preprocess import preprocess
from tests.preprocess.scans import render_scan

N_DIGITS = 1_000


@pytest.mark.slow
def test_default_model_reads_1000_scanned_test_digits(
    mnist, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # A store of its own: the session's models directory may hold other
    # models (trained on fewer images) that would become the default.
    store = ModelStore(tmp_path_factory.mktemp("handwriting-models"))
    train_model("knn-deskew", mnist, store=store)
    trained = store.load(store.default_name())
    assert trained.name == "knn-deskew"

    rng = np.random.default_rng(2024)
    folder = tmp_path_factory.mktemp("scans")
    paths: list[Path] = []
    for index in range(N_DIGITS):
        fmt = "PNG" if index % 2 == 0 else "JPEG"
        path = folder / f"test-{index:04d}.{fmt.lower()}"
        path.write_bytes(render_scan(mnist.X_test[index], rng, fmt))
        paths.append(path)

    digits = np.stack([preprocess(path).reshape(784) for path in paths])
    labels = mnist.y_test[:N_DIGITS]
    predicted = trained.classifier.predict_proba(digits).argmax(axis=1)
    right = predicted == labels
    on_originals = trained.classifier.predict_proba(mnist.X_test[:N_DIGITS]).argmax(axis=1)
    baseline = float((on_originals == labels).mean())
    summary = (
        f"scans {right.mean():.3f} (PNG {right[0::2].mean():.3f}, JPEG {right[1::2].mean():.3f}), "
        f"original 28×28 digits {baseline:.3f}"
    )
    assert right.mean() >= 0.97, summary
    assert right.mean() >= baseline - 0.015, summary
