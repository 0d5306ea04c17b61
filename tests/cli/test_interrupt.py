"""Ctrl-C on a real ``mnistlab study`` process leaves nothing broken behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from mnistlab.cli.app import EXIT_INTERRUPTED
from mnistlab.config import Settings
from mnistlab.data import Dataset


def _study(out: Path, cache: Path, settings: Settings) -> list[str]:
    cmd = [sys.executable, "-m", "mnistlab", "study", "--limit", "3000,500"]
    cmd += ["--out", str(out), "--cache-dir", str(cache)]
    if settings.data_dir is not None:
        cmd += ["--data-dir", str(settings.data_dir)]
    return cmd


def test_ctrl_c_keeps_the_old_report_and_a_sound_cache(
    settings: Settings, mnist: Dataset, tmp_path: Path
) -> None:
    out, cache = tmp_path / "report", tmp_path / "cache"
    # The data set itself comes from the session's cache: this test is about the study.
    (cache / "datasets").mkdir(parents=True)
    (cache / "datasets" / "mnist.npz").symlink_to(settings.cache_dir / "datasets" / "mnist.npz")
    out.mkdir()
    (out / "index.html").write_text("the previous report")
    (out / "results.json").write_text("{}")

    proc = subprocess.Popen(
        _study(out, cache, settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        # A job started in the background inherits SIGINT ignored, and then
        # Python never turns it into KeyboardInterrupt: undo that, as a terminal has it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    # Wait until the study has started computing (its cache directory appears),
    # then interrupt the whole process group, as a terminal's Ctrl-C does.
    deadline = time.monotonic() + 120
    while not (cache / "study").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)
    os.killpg(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)

    assert proc.returncode == EXIT_INTERRUPTED, stderr
    assert "Traceback" not in stderr
    assert "interrupted" in stderr
    assert (out / "index.html").read_text() == "the previous report"
    leftovers = [p for p in tmp_path.rglob(".*") if p.name != ".gitignore"]
    assert leftovers == [], leftovers

    # Whatever made it into the cache is whole: the next run uses it and finishes.
    again = subprocess.run(
        _study(out, cache, settings), capture_output=True, text=True, timeout=600, check=False
    )
    assert again.returncode == 0, again.stderr
    assert json.loads((out / "results.json").read_text())["steps"]["tuning"]["values"]
