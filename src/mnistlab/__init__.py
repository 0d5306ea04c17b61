"""mnistlab: the classic MNIST classification study as real software.

The library gives each step of the study to notebook users; the ``mnistlab``
command runs the whole study and writes an HTML report.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
