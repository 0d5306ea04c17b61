"""Compare ``mnistlab serve`` of this tree with that of another commit, under the same load.

Each round runs ``bench_web.py`` (the same load client, from this tree) once
against the server of ``--base`` (checked out in a temporary git worktree) and
once against this tree's, alternating so that both meet the same machine, and
prints every run, the medians and the ratios of the medians (base / this tree,
or this tree / base for throughput: above 1 means this tree is better).

Example
-------
::

    python benchmarks/compare_web.py --base e05ae11 --rounds 6 --data-dir ../shared/data/mnist
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
#: The columns of bench_web.py's result line after the server's name, and whether more is better.
COLUMNS = {
    "req/s": True,
    "p50": False,
    "p95": False,
    "p99": False,
    "max": False,
    "cpu/req": False,
}
_LINE_FIELDS = ("reqs", "errors", "req/s", "p50", "p95", "p99", "max", "mean", "cpu/req")


def run_bench(src: Path, bench_args: list[str]) -> dict[str, float]:
    """Run bench_web.py once with the server's code taken from ``src``; return its numbers."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run(
        [sys.executable, str(HERE / "bench_web.py"), *bench_args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("mnistlab serve")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"bench_web.py failed with the code of {src}:\n{done.stdout}{done.stderr}")
    values = lines[0][len("mnistlab serve") :].split()[-len(_LINE_FIELDS) :]
    return dict(zip(_LINE_FIELDS, map(float, values), strict=True))


def main() -> int:
    """Alternate the two servers, then print the medians and their ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--base", required=True, help="the git commit to compare against")
    parser.add_argument("--rounds", type=int, default=6)
    args, bench_args = parser.parse_known_args()
    runs: dict[str, list[dict[str, float]]] = {"base": [], "this tree": []}
    with tempfile.TemporaryDirectory(prefix="mnistlab-compare-") as scratch:
        base = Path(scratch) / "base"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(base), args.base],
            check=True,
        )
        try:
            for round_ in range(1, args.rounds + 1):
                for name, src in (("base", base / "src"), ("this tree", ROOT / "src")):
                    result = run_bench(src, bench_args)
                    runs[name].append(result)
                    shown = "  ".join(f"{k} {result[k]:.2f}" for k in COLUMNS)
                    print(f"round {round_} {name:<10} errors {result['errors']:.0f}  {shown}")
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], check=False
            )
    print(f"\nmedians of {args.rounds} runs each (ms, but req/s):")
    print(f"{'':<12}" + "".join(f"{k:>10}" for k in COLUMNS))
    medians = {
        name: {k: statistics.median(r[k] for r in results) for k in COLUMNS}
        for name, results in runs.items()
    }
    for name, values in medians.items():
        print(f"{name:<12}" + "".join(f"{values[k]:>10.2f}" for k in COLUMNS))
    ratios = {
        k: (medians["this tree"][k] / medians["base"][k])
        if more_is_better
        else (medians["base"][k] / medians["this tree"][k])
        for k, more_is_better in COLUMNS.items()
    }
    print(f"{'better by':<12}" + "".join(f"{ratios[k]:>9.2f}x" for k in COLUMNS))
    errors = sum(r["errors"] for results in runs.values() for r in results)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
