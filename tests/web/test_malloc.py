"""The server's cap on glibc's heaps takes effect in a real process."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mnistlab.web.malloc import ARENA_ENV, SERVER_ARENAS

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or os.confstr("CS_GNU_LIBC_VERSION") is None,
    reason="glibc's arenas exist only on Linux with glibc",
)

# Eight threads allocate at once, then glibc reports its heaps ("<heap nr=...>")
# through malloc_info into a file.
_PROGRAM = textwrap.dedent(
    """
    import ctypes, os, sys, threading
    import numpy as np
    from mnistlab.web.malloc import cap_malloc_arenas

    capped = cap_malloc_arenas() if sys.argv[1] == "cap" else False
    start = threading.Barrier(8)
    kept = []

    def allocate():
        start.wait()
        kept.append([np.ones(1000) for _ in range(200)])

    threads = [threading.Thread(target=allocate) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    libc = ctypes.CDLL(None)
    libc.fopen.restype = ctypes.c_void_p
    libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
    libc.fclose.argtypes = [ctypes.c_void_p]
    stream = libc.fopen(sys.argv[2].encode(), b"w")
    libc.malloc_info(0, stream)
    libc.fclose(stream)
    print(capped, os.environ.get("MALLOC_ARENA_MAX"))
    """
)


def _heaps(tmp_path: Path, mode: str, env: dict[str, str]) -> tuple[int, str]:
    report = tmp_path / f"{mode}.xml"
    out = subprocess.run(
        [sys.executable, "-c", _PROGRAM, mode, str(report)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return report.read_text().count("<heap nr="), out.strip()


def _env_without_cap() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != ARENA_ENV}


def test_the_cap_limits_the_heaps_of_threads_that_start_later(tmp_path: Path) -> None:
    uncapped, _ = _heaps(tmp_path, "plain", _env_without_cap())
    capped, printed = _heaps(tmp_path, "cap", _env_without_cap())
    assert uncapped > SERVER_ARENAS  # glibc's default really gives threads heaps of their own
    assert capped <= SERVER_ARENAS
    # ... and processes started later (serve --workers) inherit the cap.
    assert printed == f"True {SERVER_ARENAS}"


def test_a_cap_the_user_set_is_kept(tmp_path: Path) -> None:
    env = {**_env_without_cap(), ARENA_ENV: "4"}
    heaps, printed = _heaps(tmp_path, "cap", env)
    assert printed == "False 4"
    assert SERVER_ARENAS < heaps <= 4
