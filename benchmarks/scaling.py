"""What grows with the data: time and peak memory against the number of training images.

Planning a cluster means knowing what one worker needs when the training set
grows past MNIST's 60,000 images. This script measures, at several sizes, the
pieces of work that the cluster runs and that dominate their commands:

``sgd``
    One 10-class ``SGDClassifier(random_state=42)`` fit on float64 pixels: the
    unit of work of the study's steps 10-11 (seven such fits, three of them on
    scaled pixels, are 85% of a cold ``mnistlab study``).
``svc``
    Training ``svc-rbf`` (deskew, HOG, PCA, three calibration folds and the
    final fit): the kernel machine, whose cost grows faster than the data.
``knn``
    ``knn-tuned`` fitted on the images, then predicting the 10,000 test
    images: what a search over KNN settings and the study's step 14 repeat.

Each (work, size) runs in a fresh subprocess with one BLAS/OpenMP thread, as
on a Dask worker started with one thread, so the peak memory is its own and
the time (CPU seconds) is one core's. A warm-up on 500 images comes first;
then the kernel's peak-RSS count (``VmHWM``) is reset, and the work's memory
is that peak minus the memory before the work (``ru_maxrss``, which cannot be
reset, where ``/proc`` is missing). The script fits a power law ``a * n**b``
to the time and to the work's memory, extrapolates to 240,000 and 1,000,000
images, prints the command line and the tables, writes the tables into
``docs/scaling.md`` (between its ``scaling-table`` markers), keeps the raw
measurements in ``docs/scaling.json`` and draws ``docs/scaling.svg``.
``--replot`` redoes the tables and the plot from that JSON without measuring.

Both laws are fitted: a power law ``a·n^b``, and an affine law ``c + k·n`` (a
fixed part and a part per image). Memory is arrays that grow with the images
plus buffers of fixed size (the SVC's kernel cache, the 10,000 queries of
KNN); over 5,000-60,000 images the fixed part flattens a power law, which
then underestimates 1,000,000 images, so the tables give both.

Example
-------
The measurement of ``docs/scaling.md`` (about 10 minutes on 2 cores)::

    python benchmarks/scaling.py --data-dir ../shared/data/mnist

A quick check that writes nothing::

    python benchmarks/scaling.py --sizes 1000,2000 --works knn,sgd --no-write
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
#: No directory: the tool's own chain (MNISTLAB_DATA_DIR, the cache, then remote sources).
DEFAULT_DATA_DIR: Path | None = None
DATA_DIR_HELP = "a directory of the four IDX files (default: the tool's own data chain)"
DEFAULT_SIZES = (5_000, 10_000, 20_000, 40_000, 60_000)
EXTRAPOLATE_TO = (240_000, 1_000_000)
#: One thread everywhere, as on a Dask worker started with ``--nthreads 1``.
ONE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
#: Images of the warm-up run that precedes each measurement (every digit occurs).
WARM_UP = 500
TABLE_START, TABLE_END = "<!-- scaling-table:start -->", "<!-- scaling-table:end -->"


def _sgd(X: np.ndarray, y: np.ndarray, X_test: np.ndarray) -> str:
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import SGDClassifier

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        started = time.process_time()
    model = SGDClassifier(random_state=42).fit(X.astype(np.float64), y)
    per_epoch = (time.process_time() - started) / model.n_iter_
    return f"{model.n_iter_} epochs, {per_epoch * 1000:.0f} ms an epoch"


def _svc(X: np.ndarray, y: np.ndarray, X_test: np.ndarray) -> str:
    from mnistlab.models import classical
    from mnistlab.models.registry import get_model_spec
    from mnistlab.progress import ignore_progress

    model = classical.train(get_model_spec("svc-rbf").settings, X, y, ignore_progress)
    svc = model[-1].calibrated_classifiers_[0].estimator
    return f"{int(svc.n_support_.sum()):,} support vectors"


def _knn(X: np.ndarray, y: np.ndarray, X_test: np.ndarray) -> str:
    from mnistlab.models import classical
    from mnistlab.models.registry import get_model_spec
    from mnistlab.progress import ignore_progress

    started = time.perf_counter()
    model = classical.train(get_model_spec("knn-tuned").settings, X, y, ignore_progress)
    fitted = time.perf_counter()
    model.predict_proba(X_test)
    return f"fit {fitted - started:.1f} s, predict {time.perf_counter() - fitted:.1f} s"


@dataclass(frozen=True)
class Work:
    """A piece of work to measure: what it is, and the function that does it."""

    title: str
    run: Callable[[np.ndarray, np.ndarray, np.ndarray], str]


WORKS: dict[str, Work] = {
    "sgd": Work("study steps 10-11: one 10-class SGD fit", _sgd),
    "svc": Work("train svc-rbf", _svc),
    "knn": Work("knn-tuned: fit, predict 10,000", _knn),
}


@dataclass(frozen=True)
class Measurement:
    """One (work, size) in its own process."""

    work: str
    n: int
    seconds: float
    cpu_seconds: float
    base_mb: float
    peak_mb: float
    detail: str

    @property
    def work_mb(self) -> float:
        """Memory the work added to the process at its peak."""
        return max(self.peak_mb - self.base_mb, 0.0)


@dataclass(frozen=True)
class Law:
    """A straight line fitted by least squares: on log-log axes a power law ``a·n^b``,
    on plain ones an affine law ``c + k·n`` (a fixed part and a part per image)."""

    log: bool
    slope: float
    intercept: float

    @classmethod
    def fit(cls, n: Sequence[float], values: Sequence[float], *, log: bool) -> Law:
        x, y = np.asarray(n, dtype=float), np.asarray(values, dtype=float)
        if log:
            x, y = np.log(x), np.log(np.maximum(y, 1e-9))
        slope, intercept = np.polyfit(x, y, 1)
        return cls(log=log, slope=float(slope), intercept=float(intercept))

    def __call__(self, n: float | np.ndarray) -> Any:
        x = np.asarray(n, dtype=float)
        if self.log:
            return math.exp(self.intercept) * x**self.slope
        return self.intercept + self.slope * x

    def __str__(self) -> str:
        if self.log:
            return f"{math.exp(self.intercept):.3g}·n^{self.slope:.2f}"
        return f"{self.intercept:.3g} + {self.slope:.3g}·n"


@dataclass(frozen=True)
class Fits:
    """Both laws fitted to one quantity of one work."""

    power: Law
    affine: Law

    @classmethod
    def fit(cls, n: Sequence[float], values: Sequence[float]) -> Fits:
        return cls(Law.fit(n, values, log=True), Law.fit(n, values, log=False))


def _rss_mb() -> float:
    import psutil

    return float(psutil.Process().memory_info().rss) / 2**20


def _reset_peak() -> bool:
    """Start the kernel's peak-RSS count (VmHWM) afresh; False where that is not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _peak_mb(reset: bool) -> float:
    """Peak resident memory since ``_reset_peak`` (or since the process started)."""
    if reset:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    # Linux reports ru_maxrss in kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(work: str, n: int, arrays: Path) -> Measurement:
    """Measure ``work`` on the first ``n`` images, in this (fresh) process."""
    spec = WORKS[work]
    # Memory-mapped, so only the rows used are read into memory.
    X = np.ascontiguousarray(np.load(arrays / "X_train.npy", mmap_mode="r")[:n])
    y = np.ascontiguousarray(np.load(arrays / "y_train.npy", mmap_mode="r")[:n])
    X_test = np.ascontiguousarray(np.load(arrays / "X_test.npy", mmap_mode="r"))
    # The same work on a few images first: imports, BLAS's buffers and other
    # one-time costs land before the baseline, so what is measured is what
    # grows with the images.
    spec.run(X[:WARM_UP], y[:WARM_UP], X_test)
    gc.collect()
    base = _rss_mb()
    # Without the reset, a peak of the setup would hide a smaller one of the work.
    reset = _reset_peak()
    cpu, start = time.process_time(), time.perf_counter()
    detail = spec.run(X, y, X_test)
    return Measurement(
        work=work,
        n=n,
        seconds=time.perf_counter() - start,
        cpu_seconds=time.process_time() - cpu,
        base_mb=base,
        peak_mb=_peak_mb(reset),
        detail=detail,
    )


def measure(work: str, n: int, arrays: Path, *, timeout: float) -> Measurement:
    """Run one measurement in a fresh subprocess with one thread."""
    command = [sys.executable, __file__, "--child", work, "--n", str(n), "--arrays", str(arrays)]
    proc = subprocess.run(
        command,
        env={**os.environ, **ONE_THREAD},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{work} at {n:,} images failed:\n{proc.stderr[-2000:]}")
    return Measurement(**json.loads(proc.stdout.strip().splitlines()[-1]))


def write_arrays(data_dir: Path | None, directory: Path) -> None:
    """Save the verified MNIST arrays for the children to memory-map."""
    from mnistlab.config import Locations
    from mnistlab.data import load

    if data_dir is None:
        data = load("mnist")
    else:
        locations = Locations.resolve(data_dir=data_dir, cache_dir=directory / "cache")
        data = load("mnist", locations=locations, source="local")
    for name in ("X_train", "y_train", "X_test"):
        np.save(directory / f"{name}.npy", getattr(data, name))


def _seconds(value: float) -> str:
    if value < 120:
        return f"{value:.1f} s"
    if value < 2 * 3600:
        return f"{value / 60:.1f} min"
    return f"{value / 3600:.1f} h"


def _megabytes(value: float) -> str:
    return f"{value:,.0f} MB" if value < 10_000 else f"{value / 1024:,.1f} GB"


Laws = dict[str, tuple[Fits, Fits]]


def tables(results: Sequence[Measurement]) -> tuple[str, Laws]:
    """The measurements and the fits as Markdown, and the fitted laws (time, memory) per work."""
    lines = [
        "| work | images | wall | CPU | peak RSS | added by the work | note |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for m in results:
        lines.append(
            f"| {m.work} | {m.n:,} | {m.seconds:.1f} s | {m.cpu_seconds:.1f} s "
            f"| {m.peak_mb:,.0f} MB | {m.work_mb:,.0f} MB | {m.detail} |"
        )
    laws: Laws = {}
    heads = " | ".join(f"{n:,} images" for n in EXTRAPOLATE_TO)
    lines += [
        "",
        f"| work | quantity | power law | affine law | {heads} |",
        "|---|---|---|---|---:|---:|",
    ]
    for work in dict.fromkeys(m.work for m in results):
        rows = [m for m in results if m.work == work]
        if len(rows) < 2:
            continue
        n = [m.n for m in rows]
        laws[work] = (
            Fits.fit(n, [m.cpu_seconds for m in rows]),
            Fits.fit(n, [m.work_mb for m in rows]),
        )
        for quantity, fits, show in zip(
            ("CPU s", "MB"), laws[work], (_seconds, _megabytes), strict=True
        ):
            cells = " | ".join(
                f"{show(float(fits.power(size)))} (affine {show(float(fits.affine(size)))})"
                for size in EXTRAPOLATE_TO
            )
            lines.append(f"| {work} | {quantity} | {fits.power} | {fits.affine} | {cells} |")
    return "\n".join(lines), laws


def draw(results: Sequence[Measurement], laws: Laws) -> Any:
    """Time and memory against images: measured points and both fitted laws, log-log."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 4.4), layout="constrained")
    time_ax, memory_ax = figure.subplots(1, 2)
    upto = max(EXTRAPOLATE_TO)
    for i, (work, (time_fits, memory_fits)) in enumerate(laws.items()):
        rows = [m for m in results if m.work == work]
        n = np.array([m.n for m in rows], dtype=float)
        measured = np.geomspace(n.min(), n.max(), 50)
        beyond = np.geomspace(n.max(), upto, 50)
        colour = f"C{i}"
        for ax, fits, values in (
            (time_ax, time_fits, [m.cpu_seconds for m in rows]),
            (memory_ax, memory_fits, [m.work_mb for m in rows]),
        ):
            ax.plot(n, values, "o", color=colour, label=f"{WORKS[work].title}: {fits.power}")
            ax.plot(measured, fits.power(measured), "-", color=colour)
            ax.plot(beyond, fits.power(beyond), "--", color=colour)
            ax.plot(beyond, fits.affine(beyond), ":", color=colour, linewidth=1)
            ax.plot(EXTRAPOLATE_TO, fits.power(EXTRAPOLATE_TO), "x", color=colour)
    for ax, title, unit in (
        (time_ax, "time on one core", "CPU seconds"),
        (memory_ax, "memory the work adds (peak RSS)", "MB"),
    ):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.axvline(60_000, color="grey", linewidth=0.8)
        ax.set_xlabel(
            "training images (grey: MNIST's 60,000)\n"
            "extrapolated: dashed = power law, dotted = affine law"
        )
        ax.set_ylabel(unit)
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7, loc="upper left")
    return figure


def write_doc(doc: Path, text: str) -> None:
    """Replace the text between the ``scaling-table`` markers of ``doc``."""
    from mnistlab.files import atomic_write

    page = doc.read_text(encoding="utf-8")
    if TABLE_START not in page or TABLE_END not in page:
        raise SystemExit(f"{doc} has no {TABLE_START} ... {TABLE_END} block to fill")
    head, rest = page.split(TABLE_START, 1)
    _, tail = rest.split(TABLE_END, 1)
    with atomic_write(doc) as fh:
        fh.write(f"{head}{TABLE_START}\n{text}\n{TABLE_END}{tail}".encode())


def run_all(args: argparse.Namespace, works: Sequence[str], sizes: Sequence[int]) -> dict[str, Any]:
    """Measure every (work, size) and return the record that ``--json`` keeps."""
    import sklearn

    command = shlex.join(["python", *sys.argv])
    machine = (
        f"python {platform.python_version()}, numpy {np.__version__}, scikit-learn "
        f"{sklearn.__version__}, {os.cpu_count()} CPUs, one thread per measurement; "
        f"load average before {' '.join(f'{v:.2f}' for v in os.getloadavg())}"
    )
    print("command:", command)
    print(machine, flush=True)
    results: list[Measurement] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mnistlab-scaling-") as tmp:
        write_arrays(args.data_dir, Path(tmp))
        for work in works:
            for n in sizes:
                m = measure(work, n, Path(tmp), timeout=args.timeout)
                results.append(m)
                print(
                    f"{work} {n:>6,}: wall {m.seconds:7.1f} s  CPU {m.cpu_seconds:7.1f} s  "
                    f"peak {m.peak_mb:7,.0f} MB  added {m.work_mb:7,.0f} MB  ({m.detail})",
                    flush=True,
                )
    machine += f", after {' '.join(f'{v:.2f}' for v in os.getloadavg())}"
    machine += f"; measured in {time.perf_counter() - started:.0f} s"
    print(machine)
    return {"command": command, "machine": machine, "measurements": [m.__dict__ for m in results]}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help=DATA_DIR_HELP)
    parser.add_argument("--sizes", default=",".join(str(s) for s in DEFAULT_SIZES))
    parser.add_argument("--works", default=",".join(WORKS), help="Comma-separated: sgd,svc,knn.")
    parser.add_argument("--timeout", type=float, default=900, help="Seconds per measurement.")
    parser.add_argument("--doc", type=Path, default=ROOT / "docs" / "scaling.md")
    parser.add_argument("--svg", type=Path, default=ROOT / "docs" / "scaling.svg")
    parser.add_argument("--json", type=Path, default=ROOT / "docs" / "scaling.json")
    parser.add_argument(
        "--replot", action="store_true", help="Measure nothing: redo tables and plot from --json."
    )
    parser.add_argument("--no-write", action="store_true", help="Print only; write no file.")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--arrays", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(run_child(args.child, args.n, args.arrays).__dict__))
        return 0

    sizes = [int(s) for s in args.sizes.split(",")]
    works = [w.strip() for w in args.works.split(",")]
    unknown = sorted(set(works) - set(WORKS))
    if unknown or not all(1_000 <= s <= 60_000 for s in sizes):
        parser.error(f"works from {sorted(WORKS)} and sizes from 1000 to 60000; got {unknown}")
    if args.replot:
        record = json.loads(args.json.read_text(encoding="utf-8"))
    else:
        record = run_all(args, works, sizes)
    results = [Measurement(**m) for m in record["measurements"]]
    text, laws = tables(results)
    print(text)
    if args.no_write:
        return 0
    import matplotlib

    from mnistlab.files import atomic_write

    if not args.replot:
        with atomic_write(args.json) as fh:
            fh.write((json.dumps(record, indent=1) + "\n").encode())
    header = f"```\ncommand: {record['command']}\n{record['machine']}\n```"
    write_doc(args.doc, f"{header}\n\n{text}")
    # A fixed hash salt and no date make the SVG, and so the file, reproducible.
    with matplotlib.rc_context({"svg.hashsalt": "mnistlab"}), atomic_write(args.svg) as fh:
        draw(results, laws).savefig(fh, format="svg", metadata={"Date": None})
    print(f"wrote {args.doc} and {args.svg}" + ("" if args.replot else f" and {args.json}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
