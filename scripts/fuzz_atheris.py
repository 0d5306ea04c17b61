"""Coverage-guided fuzzing of mnistlab's three readers of untrusted files, with atheris.

The hypothesis tests in ``tests/reliability/test_fuzz_*.py`` draw inputs from
strategies; this harness lets libFuzzer mutate inputs towards new branches of
mnistlab's own code (only ``mnistlab`` is instrumented). Each input goes to one
reader: ``idx`` (``read_idx``, plain and gzip), ``image`` (``preprocess``),
``skops`` (``classical.load``) or ``torch`` (``cnn.load``). An input may only
return or raise one of mnistlab's errors; any other exception is a crash that
libFuzzer reports with the input that caused it. libFuzzer's own limits catch
hangs (``-timeout``, seconds per input) and memory (``-rss_limit_mb``).

atheris is the optional extra ``fuzz``: ``pip install -e '.[fuzz]'`` (3.0.0 has
a wheel for CPython 3.11 on Linux, so nothing is compiled).

Example
-------
::

    .venv/bin/python scripts/fuzz_atheris.py idx -runs=20000 -timeout=10 -rss_limit_mb=2048
    .venv/bin/python scripts/fuzz_atheris.py skops -max_total_time=120
"""

from __future__ import annotations

import contextlib
import gzip
import io
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import atheris
import numpy as np

with atheris.instrument_imports(include=["mnistlab"]):
    from mnistlab.data.idx import idx_bytes, read_idx
    from mnistlab.errors import MnistlabError
    from mnistlab.models import classical, cnn
    from mnistlab.preprocess import preprocess

TARGETS = ("idx", "image", "skops", "torch")
KNN_SETTINGS = {"kind": "knn", "n_neighbors": 4, "weights": "distance", "shift": 0, "deskew": False}
CNN_SETTINGS = {"seed": 0, "threads": 1, "epochs": 1, "width": 4, "hidden": 8, "n_validation": 10}


def seeds(target: str, scratch: Path) -> list[bytes]:
    """A few valid inputs for libFuzzer to start from, made here (nothing is downloaded)."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (60, 784), dtype=np.uint8)
    labels = np.arange(60, dtype=np.uint8) % 10
    if target == "idx":
        plain = idx_bytes(images.reshape(60, 28, 28))
        return [plain, gzip.compress(plain), idx_bytes(labels)]
    if target == "image":
        from PIL import Image, ImageDraw

        page = Image.new("L", (64, 64), 255)
        ImageDraw.Draw(page).line([(16, 10), (48, 10), (28, 56)], fill=0, width=6)
        found = []
        for fmt in ("PNG", "JPEG", "GIF", "BMP", "TIFF"):
            buffer = io.BytesIO()
            page.save(buffer, fmt)
            found.append(buffer.getvalue())
        return found
    path = scratch / "seed"
    if target == "skops":
        model = classical.train(KNN_SETTINGS, images, labels, lambda *_: None)
        classical.save(model, path)
    else:
        cnn.save(cnn.train(CNN_SETTINGS, images, labels, lambda *_: None), path)
    return [path.read_bytes()]


def reader(target: str, scratch: Path) -> Callable[[bytes], object]:
    """The function that reads one input for ``target``."""
    path = scratch / "input"

    def through_file(load: Callable[[Path], object]) -> Callable[[bytes], object]:
        def read(data: bytes) -> object:
            path.write_bytes(data)
            return load(path)

        return read

    if target == "idx":
        return through_file(read_idx)
    if target == "image":
        return preprocess
    if target == "skops":
        return through_file(lambda p: classical.load(p, KNN_SETTINGS))
    return through_file(lambda p: cnn.load(p, CNN_SETTINGS))


def main() -> None:
    """``fuzz_atheris.py TARGET [libFuzzer options]``."""
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: fuzz_atheris.py {{{','.join(TARGETS)}}} [libFuzzer options]")
    target = sys.argv[1]
    scratch = Path(tempfile.mkdtemp(prefix=f"mnistlab-atheris-{target}-"))
    corpus = scratch / "corpus"
    corpus.mkdir()
    for i, seed in enumerate(seeds(target, scratch)):
        (corpus / f"seed-{i}").write_bytes(seed)
    read = reader(target, scratch)

    def one_input(data: bytes) -> None:
        # Our own errors are the right answer to bad input; anything else is a finding.
        with contextlib.suppress(MnistlabError):
            read(data)

    atheris.Setup([sys.argv[0], *sys.argv[2:], str(corpus)], one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
