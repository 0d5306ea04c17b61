"""Rerun every fault and hostile-input test with many cases and write ``docs/reliability.md``.

Every test that carries ``@pytest.mark.fault("what is tried", cases=N)`` is
selected (``-m fault``) and run in this process by ``pytest.main`` with
``MNISTLAB_RELIABILITY_CASES`` set to ``--cases``, which the tests read to try
that many cases instead of the few the ordinary suite tries. A small plugin
reads each test's marker and records its outcome and duration; the report is
a table of them, with the command that made it, the date and the machine. When
atheris is installed (the ``fuzz`` extra: ``pip install 'mnistlab[fuzz]'``, or
``--install-fuzz`` to have this script install it), ``scripts/fuzz_atheris.py``
then fuzzes each of the four readers of untrusted files for
``--atheris-seconds`` (coverage-guided; a row each, its cases the runs libFuzzer
made); without atheris those four rows are skipped, with the command that
installs it. Last comes the result of the sustained web load
(``benchmarks/bench_web_sustained.py``, read from its JSON when it has been
run). The report is written atomically. The summary, printed and in the
report, counts passed, failed and skipped tests apart, with the reasons for the
skips; the exit code is 1 if any test failed or none passed.

Example
-------
::

    .venv/bin/python scripts/reliability.py --cases 500
    .venv/bin/python scripts/reliability.py --cases 500 --install-fuzz
    .venv/bin/python scripts/reliability.py --cases 50 tests/reliability/test_fuzz_idx.py
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import shlex
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mnistlab.files import atomic_write

ROOT = Path(__file__).resolve().parent.parent
CASES_ENV = "MNISTLAB_RELIABILITY_CASES"
DEFAULT_OUTPUT = ROOT / "docs" / "reliability.md"
DEFAULT_WEB_JSON = ROOT / "docs" / "web_sustained.json"  # and its siblings web_sustained-*.json
FUZZ_EXTRA = "fuzz"  # the extra of pyproject.toml that installs atheris
ATHERIS_MISSING = f"atheris not installed: pip install 'mnistlab[{FUZZ_EXTRA}]'"


@dataclass
class Row:
    """One fault test: what its marker says, and how it went."""

    what: str
    test: str
    cases: int | None
    outcome: str = "not run"
    seconds: float = 0.0
    reason: str = ""  # why it was skipped


class FaultCollector:
    """A pytest plugin that records the marker, outcome and duration of each fault test."""

    def __init__(self) -> None:
        self.rows: dict[str, Row] = {}

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        """Note the ``fault`` marker of every selected test."""
        for item in items:
            marker = item.get_closest_marker("fault")
            if marker is None:
                continue
            what = str(marker.args[0]) if marker.args else item.name
            cases = marker.kwargs.get("cases")
            self.rows[item.nodeid] = Row(what, item.nodeid, int(cases) if cases else None)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Fold the setup, call and teardown reports of a test into its row."""
        row = self.rows.get(report.nodeid)
        if row is None:
            return
        row.seconds += report.duration
        if report.failed:
            row.outcome = "failed" if report.when == "call" else f"error in {report.when}"
        elif hasattr(report, "wasxfail"):
            # an expected failure (pytest.mark.xfail): a known problem, named by its reason
            reason = str(report.wasxfail).removeprefix("reason: ")
            row.outcome = f"expected failure: {reason}" if reason else "expected failure"
        elif report.skipped and row.outcome == "not run":
            row.outcome = "skipped"
            if isinstance(report.longrepr, tuple):
                row.reason = str(report.longrepr[2]).removeprefix("Skipped: ")
        elif report.when == "call" and report.passed and row.outcome == "not run":
            row.outcome = "passed"


ATHERIS_TARGETS = {
    "idx": "coverage-guided (atheris) inputs to the IDX reader",
    "image": "coverage-guided (atheris) inputs to image preprocessing",
    "skops": "coverage-guided (atheris) inputs to the skops model loader",
    "torch": "coverage-guided (atheris) inputs to the torch model loader",
}


@dataclass
class Tally:
    """How many rows passed, failed and were skipped, counted apart."""

    passed: int = 0
    failed: int = 0
    skipped: int = 0
    expected_failures: int = 0
    skip_reasons: Counter[str] = field(default_factory=Counter)
    cases: int = 0

    def line(self) -> str:
        """``43 passed, 0 failed, 4 skipped (why)``; expected failures only when there are any."""
        parts = [f"{self.passed} passed", f"{self.failed} failed", f"{self.skipped} skipped"]
        if self.skip_reasons:
            reasons = self.skip_reasons.most_common()
            if len(reasons) == 1:
                parts[-1] += f" ({reasons[0][0]})"
            else:
                parts[-1] += " (" + "; ".join(f"{n} {why}" for why, n in reasons) + ")"
        if self.expected_failures:
            ending = "" if self.expected_failures == 1 else "s"
            parts.append(f"{self.expected_failures} expected failure{ending}")
        return ", ".join(parts)


def tally(rows: list[Row]) -> Tally:
    """Count the rows by outcome; anything neither passed, skipped nor expected counts as failed."""
    counts = Tally()
    for row in rows:
        counts.cases += row.cases or 0
        if row.outcome == "passed":
            counts.passed += 1
        elif row.outcome.startswith("skipped"):
            counts.skipped += 1
            counts.skip_reasons[row.reason or "no reason given"] += 1
        elif row.outcome.startswith("expected failure"):
            counts.expected_failures += 1
        else:  # failed, an error in setup or teardown, or not run at all
            counts.failed += 1
    return counts


def fuzz_requirements(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    """The requirements of the ``fuzz`` extra, as pyproject.toml declares them."""
    with pyproject.open("rb") as f:
        project = tomllib.load(f)["project"]
    return [str(r) for r in project["optional-dependencies"][FUZZ_EXTRA]]


def install_fuzz() -> bool:
    """Install the ``fuzz`` extra's requirements (wheels only) unless atheris is there."""
    if importlib.util.find_spec("atheris") is not None:
        return True
    command = [sys.executable, "-m", "pip", "install", "--only-binary=:all:"]
    command += fuzz_requirements()
    print("installing:", shlex.join(command[2:]), flush=True)  # noqa: T201
    done = subprocess.run(command, check=False)
    importlib.invalidate_caches()
    return done.returncode == 0 and importlib.util.find_spec("atheris") is not None


def run_atheris(seconds: int) -> list[Row]:
    """Run ``scripts/fuzz_atheris.py`` on each target for ``seconds``; one row each."""
    harness = ROOT / "scripts" / "fuzz_atheris.py"
    rows = []
    for target, what in ATHERIS_TARGETS.items():
        test = f"scripts/fuzz_atheris.py {target} -max_total_time={seconds}"
        if importlib.util.find_spec("atheris") is None:
            rows.append(Row(what, test, None, "skipped", reason=ATHERIS_MISSING))
            continue
        command = [sys.executable, str(harness), target, f"-max_total_time={seconds}"]
        command += ["-timeout=20", "-rss_limit_mb=3072", "-print_final_stats=1"]
        started = time.monotonic()
        with tempfile.TemporaryDirectory() as scratch:
            command.append(f"-artifact_prefix={scratch}/")
            done = subprocess.run(command, capture_output=True, text=True, check=False)
        runs = re.search(r"Done (\d+) runs", done.stderr)
        outcome = "passed" if done.returncode == 0 else f"failed (exit {done.returncode})"
        if done.returncode != 0:
            print(done.stderr[-3000:], file=sys.stderr)  # noqa: T201
        rows.append(
            Row(
                what,
                test,
                int(runs.group(1)) if runs else None,
                outcome,
                time.monotonic() - started,
            )
        )
    return rows


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def fault_table(rows: list[Row]) -> list[str]:
    """The Markdown table of every fault test."""
    lines = [
        "| fault or hostile input | test | cases | outcome | seconds |",
        "| --- | --- | ---: | --- | ---: |",
    ]
    for row in rows:
        cases = f"{row.cases:,}" if row.cases is not None else "?"
        outcome = f"{row.outcome} ({row.reason})" if row.reason else row.outcome
        lines.append(
            f"| {_cell(row.what)} | `{_cell(row.test)}` | {cases} | {_cell(outcome)} "
            f"| {row.seconds:.1f} |"
        )
    return lines


def _web_column(result: dict[str, Any]) -> list[str]:
    """One run's values, in the order of ``WEB_ROWS``."""
    lat, rss, model = result["latency_ms"], result["rss_mb"], result["model"]
    environment = result.get("server_environment") or {}
    # Runs from before serve capped its heaps recorded only what the benchmark set.
    before_the_cap = "glibc's default (before serve capped it)"
    heaps = result.get("server_heaps") or (
        " ".join(f"{k}={v}" for k, v in environment.items()) or before_the_cap
    )
    return [
        result.get("mnistlab_commit", "not recorded"),
        heaps,
        f"{model['name']} ({model['family']}, {model['n_train']:,} images)",
        f"{result['concurrency']}, {result['workers']}",
        f"{result['seconds']} s",
        f"{result['requests']:,}",
        str(result["errors"]),
        f"{result['throughput_per_second']}/s",
        f"{lat['p50']} / {lat['p95']} / {lat['p99']} / {lat['max']} ms",
        f"{rss['start']} / {rss['after_warmup']} / {rss['end']} MB",
        f"{result['rss_slope_mb_per_minute']} / "
        f"{result.get('rss_slope_last_half_mb_per_minute', '?')} MB/min",
        "flat" if result["flat_memory"] else "**growing**",
        f"{result['machine']['load_average_before'][0]} → "
        f"{result['machine']['load_average_after'][0]}",
    ]


WEB_ROWS = (
    "mnistlab commit",
    "server's glibc heaps",
    "model",
    "clients, server workers",
    "duration",
    "requests",
    "errors",
    "throughput",
    "latency p50 / p95 / p99 / max",
    "server RSS: start / after warm-up / end",
    "RSS slope: after warm-up / last half",
    "memory",
    "load average (1 min): before → after",
)


def web_section(paths: list[Path]) -> list[str]:
    """The sustained-load runs, from the benchmark's JSON files, or how to produce them."""
    lines = ["## The web app under sustained load", ""]
    results = sorted(
        (json.loads(p.read_text(encoding="utf-8")) for p in paths if p.is_file()),
        key=lambda result: str(result["date"]),
    )
    if not results:
        return [
            *lines,
            "Not run yet. Run `python benchmarks/bench_web_sustained.py` (10 minutes at",
            "concurrency 32), then this script again.",
        ]
    for i, result in enumerate(results, 1):
        lines.append(
            f"{i}. `{result['command']}` ({result['date']}, {result['machine']['cpus']} CPUs)"
        )
    columns = [_web_column(result) for result in results]
    lines += [
        "",
        "| measure | " + " | ".join(f"run {i}" for i in range(1, len(results) + 1)) + " |",
        "| --- |" + " --- |" * len(results),
    ]
    for row, name in enumerate(WEB_ROWS):
        lines.append(f"| {name} | " + " | ".join(_cell(c[row]) for c in columns) + " |")
    return lines


def render(
    rows: list[Row],
    *,
    command: str,
    started: datetime,
    seconds: float,
    cases: int,
    web_json: list[Path],
) -> str:
    """The whole report."""
    counts = tally(rows)
    lines = [
        "# Reliability: faults survived and hostile input refused",
        "",
        "Every test marked `@pytest.mark.fault` (fault injection: killed workers, interrupts,",
        "concurrent runs, a full disk; hostile input: fuzzed IDX files, images and model",
        "files; sustained load), rerun with many cases. Written by `scripts/reliability.py`;",
        "rerun it to check again:",
        "",
        "```bash",
        command,
        "```",
        "",
        f"Run {started.isoformat(timespec='seconds')} on {os.cpu_count()} CPUs "
        f"(Python {platform.python_version()}, load average {os.getloadavg()[0]:.2f} at the "
        f"end), {seconds / 60:.1f} minutes, `{CASES_ENV}={cases}`.",
        f"**{len(rows)} tests: {counts.line()}; {counts.cases:,} cases in all.**",
        "Seconds are each test's own time (setup, call, teardown) on a shared machine: noisy.",
        "",
        *fault_table(rows),
        "",
        *web_section(web_json),
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the fault tests, write the report, return 0 if every one passed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--cases", type=int, default=500, help=f"sets {CASES_ENV}")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument(
        "--web-json",
        type=Path,
        nargs="+",
        default=None,
        help="results of bench_web_sustained.py (default: docs/web_sustained*.json)",
    )
    parser.add_argument(
        "--atheris-seconds",
        type=int,
        default=60,
        help="coverage-guided fuzzing per target with scripts/fuzz_atheris.py (0: none)",
    )
    parser.add_argument(
        "--install-fuzz",
        action="store_true",
        help=f"pip install the '{FUZZ_EXTRA}' extra (atheris) first if it is missing",
    )
    parser.add_argument("paths", nargs="*", default=["tests"], help="where to look for tests")
    args = parser.parse_args(argv)
    if args.cases < 1:
        parser.error("--cases must be at least 1")
    command = shlex.join(["python", "scripts/reliability.py", *sys.argv[1:]])
    os.environ[CASES_ENV] = str(args.cases)
    os.chdir(ROOT)
    if args.install_fuzz and args.atheris_seconds > 0 and not install_fuzz():
        print("atheris did not install; its rows are skipped", file=sys.stderr)  # noqa: T201
    collector = FaultCollector()
    started, clock = datetime.now(UTC), time.monotonic()
    code = pytest.main(["-m", "fault", "-p", "no:cacheprovider", *args.paths], [collector])
    rows = sorted(collector.rows.values(), key=lambda row: row.test)
    if args.atheris_seconds > 0:
        rows += run_atheris(args.atheris_seconds)
    seconds = time.monotonic() - clock
    text = render(
        rows,
        command=command,
        started=started,
        seconds=seconds,
        cases=args.cases,
        web_json=args.web_json or sorted(DEFAULT_WEB_JSON.parent.glob("web_sustained*.json")),
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(args.output) as f:
        f.write(text.encode("utf-8"))
    counts = tally(rows)
    print(f"fault tests: {counts.line()}; wrote {args.output}")  # noqa: T201
    passed = counts.passed > 0 and counts.failed == 0
    return 0 if passed and code == pytest.ExitCode.OK else 1


if __name__ == "__main__":
    sys.exit(main())
