"""Load ``mnistlab serve`` on loopback: throughput and latency of ``POST /api/predict``.

The server is the real command (``python -m mnistlab serve``) in its own
process, with the model it serves by default unless ``--model``
names one. The load is ``--requests`` predictions (2,000) sent by
``--concurrency`` clients (16) over keep-alive connections, each a real MNIST
test digit sent the way the page sends a drawing: its 280×280 pad scaled to a
140×140 PNG, dark ink on white (``--side 280`` sends the pad at full size).
Every answer is checked (status 200, a digit, ten probabilities); any error is
counted and reported, and the run is bounded in time. The server's CPU time
per request, read from /proc, is the figure least disturbed by other work on
a shared machine.

The peer is the plain way to serve a model with FastAPI, the tutorial's
``async def`` endpoint that reads the body and predicts right there, in the
event loop (``--peer``). It runs in its own process with the same model and
the same preprocessing, so the difference is only how the server schedules the
work.

Example
-------
::

    python benchmarks/bench_web.py --data-dir ../shared/data/mnist --peer
"""

from __future__ import annotations

import argparse
import gc
import http.client
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from fastapi import FastAPI, Request  # at module level: the endpoint's annotations name them
from PIL import Image

HERE = Path(__file__).resolve().parent
#: No directory: the tool's own chain (MNISTLAB_DATA_DIR, the cache, then remote sources).
DEFAULT_DATA_DIR: Path | None = None
DATA_DIR_HELP = "a directory of the four IDX files (default: the tool's own data chain)"
HOST = "127.0.0.1"


@dataclass(frozen=True)
class LoadResult:
    """What one load run measured."""

    name: str
    requests: int
    errors: int
    wrong_digits: int
    seconds: float
    latencies_ms: list[float]
    server_cpu_s: float = 0.0

    def percentile(self, q: float) -> float:
        """The ``q``-th percentile of latency, in ms (nearest rank)."""
        ordered = sorted(self.latencies_ms)
        rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
        return ordered[rank]

    def line(self) -> str:
        """One row of the results table."""
        return (
            f"{self.name:<30}{self.requests:>6}{self.errors:>7}{self.requests / self.seconds:>9.1f}"
            f"{self.percentile(50):>8.1f}{self.percentile(95):>8.1f}{self.percentile(99):>8.1f}"
            f"{max(self.latencies_ms):>8.1f}{statistics.fmean(self.latencies_ms):>8.1f}"
            f"{1000 * self.server_cpu_s / max(1, self.requests):>9.2f}"
        )


HEADER = (
    f"{'server':<30}{'reqs':>6}{'errors':>7}{'req/s':>9}"
    f"{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}{'mean':>8}{'cpu/req':>9}   (ms)"
)


def canvas_pngs(data_dir: Path | None, count: int, side: int) -> tuple[list[bytes], list[int]]:
    """Return ``count`` test digits as ``side``×``side`` dark-on-white PNGs, and their labels."""
    from mnistlab.config import Locations
    from mnistlab.data import load

    data = load("mnist", locations=Locations.resolve(data_dir=data_dir))
    bodies = []
    for pixels in data.X_test[:count]:
        image = 255 - np.kron(pixels.reshape(28, 28), np.ones((10, 10), dtype=np.uint8))
        drawing = Image.fromarray(image.astype(np.uint8), mode="L")
        if side != drawing.width:  # the page scales its 280×280 pad the same way
            drawing = drawing.resize((side, side), Image.Resampling.BILINEAR)
        buffer = io.BytesIO()
        drawing.save(buffer, format="PNG")
        bodies.append(buffer.getvalue())
    return bodies, [int(v) for v in data.y_test[:count]]


def free_port() -> int:
    """A free loopback port (the server binds it a moment later)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process and its live children so far, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except FileNotFoundError:
        return 0.0
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(cpu_seconds(int(child)) for child in children)


def wait_until_up(port: int, process: subprocess.Popen[bytes], timeout: float) -> None:
    """Poll ``/healthz`` until the server answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with code {process.returncode}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not answer within {timeout:.0f} s")


def run_load(
    name: str,
    port: int,
    bodies: list[bytes],
    labels: list[int],
    *,
    requests: int,
    concurrency: int,
    time_limit: float,
) -> LoadResult:
    """Send ``requests`` predictions from ``concurrency`` threads; stop at ``time_limit``.

    What the client has loaded (numpy, Pillow, the bodies) is first frozen out
    of its garbage collector (:func:`gc.freeze`): a full pass over it stalls
    every client thread for about 12 ms, which would be counted as the
    server's latency.
    """
    gc.collect()
    gc.freeze()
    latencies: list[float] = []
    errors = [0]
    wrong = [0]
    next_index = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + time_limit

    def client() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        while time.monotonic() < deadline:
            with lock:
                i = next_index[0]
                if i >= requests:
                    break
                next_index[0] += 1
            body = bodies[i % len(bodies)]
            started = time.perf_counter()
            try:
                conn.request(
                    "POST", "/api/predict", body=body, headers={"Content-Type": "image/png"}
                )
                response = conn.getresponse()
                payload = response.read()
                elapsed = (time.perf_counter() - started) * 1000
                answer = json.loads(payload) if response.status == 200 else None
                ok = answer is not None and len(answer["probabilities"]) == 10
            except (OSError, http.client.HTTPException, ValueError, KeyError):
                elapsed = (time.perf_counter() - started) * 1000
                ok, answer = False, None
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
            with lock:
                latencies.append(elapsed)
                if not ok:
                    errors[0] += 1
                elif answer is not None and answer["digit"] != labels[i % len(labels)]:
                    wrong[0] += 1
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    return LoadResult(name, len(latencies), errors[0], wrong[0], seconds, latencies)


def served_model(models_dir: Path) -> str:
    """The model ``mnistlab serve`` serves when none is named."""
    from mnistlab.models.leaderboard import best_within
    from mnistlab.models.store import ModelStore
    from mnistlab.web.server import LIVE_MAX_MS

    return best_within(ModelStore(models_dir), LIVE_MAX_MS)


def serve_plain(models_dir: Path, model: str | None, port: int) -> None:
    """The peer: FastAPI's plain way, predicting inside the ``async def`` endpoint."""
    import uvicorn

    from mnistlab.models.store import ModelStore
    from mnistlab.preprocess import preprocess

    trained = ModelStore(models_dir).load(model or served_model(models_dir))
    app = FastAPI()

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/api/predict")
    async def predict(request: Request) -> dict[str, object]:
        digit = preprocess(await request.body())
        p = trained.classifier.predict_proba(digit.reshape(1, 784))[0]
        return {
            "digit": int(np.argmax(p)),
            "probabilities": [float(v) for v in p],
            "model": trained.name,
            "input": digit.tolist(),
        }

    uvicorn.run(app, host=HOST, port=port, log_level="warning")


def start_server(
    kind: str, models_dir: Path, model: str | None, port: int, workers: int | None = None
) -> subprocess.Popen[bytes]:
    """Start ``mnistlab serve`` or the plain peer in a new process."""
    if kind == "mnistlab":
        command = [sys.executable, "-m", "mnistlab", "serve", "--host", HOST, "--port", str(port)]
        command += ["--models-dir", str(models_dir)]
        if workers is not None:  # else serve's default
            command += ["--workers", str(workers)]
    else:
        command = [sys.executable, __file__, "--serve-plain", "--port", str(port)]
        command += ["--models-dir", str(models_dir)]
    if model:
        command += ["--model", model]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL)


def measure(
    kind: str, args: argparse.Namespace, bodies: list[bytes], labels: list[int]
) -> LoadResult:
    """Start one server, warm it up, load it, stop it."""
    port = free_port()
    process = start_server(kind, args.models_dir, args.model, port, args.workers)
    try:
        wait_until_up(port, process, timeout=120)
        run_load("warm-up", port, bodies, labels, requests=64, concurrency=4, time_limit=60)
        name = "mnistlab serve" + (f" --workers {args.workers}" if args.workers else "")
        if kind != "mnistlab":
            name = "plain FastAPI (in event loop)"
        cpu_before = cpu_seconds(process.pid)
        result = run_load(
            name,
            port,
            bodies,
            labels,
            requests=args.requests,
            concurrency=args.concurrency,
            time_limit=args.time_limit,
        )
        return replace(result, server_cpu_s=cpu_seconds(process.pid) - cpu_before)
    finally:
        stop_server(process)


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """Stop a server started by ``start_server``: SIGTERM, then SIGKILL after 20 s."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def main() -> int:
    """Parse options, run the load against each server, print the table."""
    from mnistlab.config import Locations

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help=DATA_DIR_HELP)
    parser.add_argument(
        "--models-dir", type=Path, default=None, help="default: mnistlab's models directory"
    )
    parser.add_argument("--model", default=None, help="default: the one `mnistlab serve` picks")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--side", type=int, default=140, help="image side in pixels (the page sends 140)"
    )
    parser.add_argument("--time-limit", type=float, default=300, help="seconds per load run")
    parser.add_argument(
        "--workers", type=int, default=None, help="mnistlab serve --workers (default: serve's)"
    )
    parser.add_argument("--peer", action="store_true", help="also load the plain FastAPI peer")
    parser.add_argument("--serve-plain", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.models_dir = Locations.resolve(models_dir=args.models_dir).models_dir
    if args.serve_plain:
        serve_plain(args.models_dir, args.model, args.port)
        return 0

    from mnistlab.models.store import ModelStore

    name = args.model or served_model(args.models_dir)
    record = ModelStore(args.models_dir).record(name)
    bodies, labels = canvas_pngs(args.data_dir, 200, args.side)
    print(
        f"model {name} ({record.family}, trained on {record.n_train:,} images); "
        f"{args.requests} requests, concurrency {args.concurrency}; "
        f"body: {args.side}x{args.side} PNG of real test digits "
        f"({statistics.fmean(map(len, bodies)):.0f} B mean); "
        f"{os.cpu_count()} CPUs, shared"
    )
    results = [measure("mnistlab", args, bodies, labels)]
    if args.peer:
        results.append(measure("plain", args, bodies, labels))
    print(HEADER)
    for result in results:
        print(result.line())
    for result in results:
        print(
            f"{result.name}: {result.wrong_digits} of {result.requests - result.errors} "
            "answers differ from the test label (the model's own errors)"
        )
    for result in results:
        if result.requests < args.requests:
            print(f"{result.name}: stopped at the time limit after {result.requests} requests")
    # A slow peer is a result; an error, or mnistlab serve not finishing, is a failure.
    return 1 if any(r.errors for r in results) or results[0].requests < args.requests else 0


if __name__ == "__main__":
    sys.exit(main())
