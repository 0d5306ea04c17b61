"""How models hold up on digits unlike MNIST's: MNIST-C's corruptions and a photographed page.

Two families of tests, both on the test images of a data set: the 15
corruptions of MNIST-C (Mu & Gilmer, 2019), applied to the 28×28 images
(:mod:`~mnistlab.robustness.corruptions`), and the path a user's photo takes,
a digit printed on simulated paper, photographed and read back through the
same preprocessing as ``predict`` (:mod:`~mnistlab.robustness.paper`).
:func:`~mnistlab.robustness.benchmark.run_benchmark` scores a model on all of them,
:func:`~mnistlab.robustness.benchmark.run_benchmarks` several models on the same images.

Example
-------
>>> from mnistlab.robustness import run_benchmark
>>> result = run_benchmark(model, data.X_test, data.y_test, n=1000)  # doctest: +SKIP
>>> result.mnist_c_mean, result.photo_mean  # doctest: +SKIP
(0.83, 0.71)
"""

from mnistlab.robustness.benchmark import (
    RobustnessResult,
    Score,
    benchmark_model,
    benchmark_models,
    run_benchmark,
    run_benchmarks,
)
from mnistlab.robustness.corruptions import CORRUPTION_NAMES, CORRUPTIONS, Corruption, corrupt
from mnistlab.robustness.paper import PHOTO_NAMES, PHOTO_VARIANTS, PhotoVariant, photograph

__all__ = [
    "CORRUPTIONS",
    "CORRUPTION_NAMES",
    "PHOTO_NAMES",
    "PHOTO_VARIANTS",
    "Corruption",
    "PhotoVariant",
    "RobustnessResult",
    "Score",
    "benchmark_model",
    "benchmark_models",
    "corrupt",
    "photograph",
    "run_benchmark",
    "run_benchmarks",
]
