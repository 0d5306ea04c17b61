"""The study's computations import no plotting library: drawing is the report's job."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest


def _fresh_interpreter(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_importing_the_study_imports_no_matplotlib() -> None:
    proc = _fresh_interpreter("import mnistlab.study, sys; assert 'matplotlib' not in sys.modules")
    assert proc.returncode == 0, proc.stderr


@pytest.mark.slow
def test_running_every_step_imports_no_matplotlib() -> None:
    # Random images keep this quick and independent of any data set; a low target
    # precision is reached by any scores.
    proc = _fresh_interpreter(
        """
        import sys
        import warnings

        import numpy as np

        from mnistlab.study import STEPS, StudyData, StudySettings, run_study

        warnings.simplefilter("ignore")
        rng = np.random.default_rng(0)
        X = rng.integers(0, 256, size=(400, 784), dtype=np.uint8)
        y = (np.arange(400) % 10).astype(np.uint8)
        data = StudyData("random", tuple("0123456789"), X[:300], y[:300], X[300:], y[300:], "r")
        settings = StudySettings(target_precision=0.05, n_jobs=1)
        results = run_study(data, settings)
        assert list(results.steps) == [spec.name for spec in STEPS]
        loaded = sorted(m for m in sys.modules if m.split(".")[0] == "matplotlib")
        assert not loaded, loaded
        """
    )
    assert proc.returncode == 0, proc.stderr
