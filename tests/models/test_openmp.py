"""How OpenMP threads wait is chosen by the program, once, before torch is imported.

No mnistlab module changes the environment when it is imported; the command
line chooses passive waiting before any command imports torch.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from mnistlab.models.openmp import OMP_WAIT_POLICY_ENV, prefer_passive_openmp


def _python(code: str, **env: str) -> str:
    """Run ``code`` in a fresh interpreter without OMP_WAIT_POLICY (unless given); its stdout."""
    clean = {k: v for k, v in os.environ.items() if k != OMP_WAIT_POLICY_ENV}
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**clean, **env},
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


# joblib, scikit-learn and threadpoolctl set KMP_* variables when imported:
# theirs, not mnistlab's, so they are imported before the environment is noted.
IMPORT_EVERY_MODULE = """
import importlib, json, os, pkgutil
import joblib, sklearn, threadpoolctl
import mnistlab
before = dict(os.environ)
imported, changes = [], {}
for info in pkgutil.walk_packages(mnistlab.__path__, "mnistlab."):
    if info.name == "mnistlab.__main__":  # runs the command line
        continue
    try:
        importlib.import_module(info.name)
    except ImportError:  # an optional extra that is not installed
        continue
    imported.append(info.name)
    changed = sorted(k for k in set(before) | set(os.environ) if before.get(k) != os.environ.get(k))
    if changed:
        changes[info.name] = changed
        before = dict(os.environ)
print(json.dumps({"imported": imported, "changes": changes}))
"""


@pytest.mark.slow
def test_importing_any_mnistlab_module_leaves_the_environment_alone() -> None:
    found = json.loads(_python(IMPORT_EVERY_MODULE))
    assert found["changes"] == {}
    # Those that import torch were among them.
    for module in ("mnistlab.models.cnn.training", "mnistlab.models.ensemble", "mnistlab.cli"):
        assert module in found["imported"], module


def test_passive_waiting_is_set_unless_the_user_chose(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(OMP_WAIT_POLICY_ENV, raising=False)
    prefer_passive_openmp()
    assert os.environ[OMP_WAIT_POLICY_ENV] == "PASSIVE"
    monkeypatch.setenv(OMP_WAIT_POLICY_ENV, "ACTIVE")
    prefer_passive_openmp()
    assert os.environ[OMP_WAIT_POLICY_ENV] == "ACTIVE"


COMMAND_LINE = """
import os, sys
import mnistlab.cli.app
from mnistlab.cli import main

def run(argv):
    print(os.environ.get("OMP_WAIT_POLICY"), "torch" in sys.modules)
    return 0

mnistlab.cli.app.run = run
main(["models"])
"""


@pytest.mark.parametrize(
    ("given", "seen"), [({}, "PASSIVE"), ({"OMP_WAIT_POLICY": "ACTIVE"}, "ACTIVE")]
)
def test_the_command_line_chooses_before_torch_is_imported(
    given: dict[str, str], seen: str
) -> None:
    assert _python(COMMAND_LINE, **given).split() == [seen, "False"]
