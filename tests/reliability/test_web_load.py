"""The web app under sustained load, briefly: the real server, no errors, memory that stays put.

A short run of ``benchmarks/bench_web_sustained.py`` (the full one holds 32
clients for 10 minutes; see docs/reliability.md): the real ``mnistlab serve``
on loopback with a knn-tuned trained on 2,000 images, 8 clients sending real
MNIST test digits as PNGs until ``LOAD_REQUESTS`` have been answered.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mnistlab.config import CACHE_DIR_ENV, Locations
from mnistlab.data import Dataset
from mnistlab.models.store import ModelStore
from mnistlab.models.training import train_model
from tests.reliability.fuzzing import cases

LOAD_REQUESTS = 10 * cases(100)
TIME_LIMIT = 120.0  # seconds: a server this slow has failed anyway
# Memory may move by allocator noise between the end of the warm-up and the
# end of the run, but a leak of even 10 kB per request would exceed this.
MAX_GROWTH_MB = 40.0
SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_web_sustained.py"


@pytest.mark.slow
@pytest.mark.fault("sustained load on the web app (requests)", cases=LOAD_REQUESTS)
def test_sustained_load_has_no_errors_and_flat_memory(
    mnist: Dataset, locations: Locations, mnist_dir: Path, tmp_path: Path
) -> None:
    models_dir = tmp_path / "models"
    train_model("knn-tuned", mnist, store=ModelStore(models_dir), n_train=2_000)
    result_file = tmp_path / "sustained.json"
    command = [sys.executable, str(SCRIPT), "--data-dir", str(mnist_dir)]
    command += ["--models-dir", str(models_dir), "--seconds", str(TIME_LIMIT)]
    command += ["--max-requests", str(LOAD_REQUESTS), "--concurrency", "8"]
    command += ["--every", "0.5", "--warmup", "3", "--json", str(result_file)]
    env = {**os.environ, CACHE_DIR_ENV: str(locations.cache_dir)}
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=TIME_LIMIT + 120
    )
    assert result_file.exists(), done.stderr[-2000:]
    result = json.loads(result_file.read_text())

    assert result["requests"] == LOAD_REQUESTS, "the server did not keep up within the limit"
    assert result["errors"] == 0
    rss = result["rss_mb"]
    assert rss["end"] - rss["after_warmup"] < MAX_GROWTH_MB, rss
    assert len(result["rss_samples"]) >= 3
    # The script's verdict follows its own numbers.
    assert done.returncode == (0 if result["flat_memory"] else 1), done.stdout
