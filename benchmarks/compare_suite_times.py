"""Compare the test times of two runs of the suite, test by test.

Each run is a JUnit XML file written by ``pytest --junitxml=FILE``. Only the
tests that ran (not skipped) in both runs are compared: their summed times, the
ratio of the sums, and the median of the per-test ratios over the tests that
took more than a second in the first run. Run the two sides at the same time,
each on its own core, so that a busy patch of the machine hurts both alike.

Example
-------
From two clones (``before`` at an older commit, ``after`` at this one), each set
up with ``make setup``, with the same data directory and a cache each::

    (cd before && taskset -c 0 .venv/bin/python -m pytest -q -m "not full" \\
        --junitxml=../before.xml) &
    (cd after && taskset -c 1 .venv/bin/python -m pytest -q -m "not full" \\
        --junitxml=../after.xml) &
    wait
    python benchmarks/compare_suite_times.py before.xml after.xml
"""

from __future__ import annotations

import argparse
import statistics
import xml.etree.ElementTree as ET
from pathlib import Path


def test_times(path: Path) -> dict[str, float]:
    """Seconds per test id (``classname::name``) of the tests that were not skipped."""
    times: dict[str, float] = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        if case.find("skipped") is None:
            times[f"{case.get('classname')}::{case.get('name')}"] = float(case.get("time", 0))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path, help="JUnit XML of the first run")
    parser.add_argument("after", type=Path, help="JUnit XML of the second run")
    args = parser.parse_args()
    before, after = test_times(args.before), test_times(args.after)
    common = sorted(set(before) & set(after))
    total_before = sum(before[t] for t in common)
    total_after = sum(after[t] for t in common)
    ratios = [after[t] / before[t] for t in common if before[t] > 1.0]
    print(f"tests: {len(before)} in the first run, {len(after)} in the second")
    print(f"tests in both: {len(common)}")
    print(f"time of the tests in both: {total_before:.0f} s, then {total_after:.0f} s")
    print(f"ratio of the sums (second / first): {total_after / total_before:.3f}")
    if ratios:
        median = statistics.median(ratios)
        print(f"median per-test ratio ({len(ratios)} tests over 1 s): {median:.3f}")


if __name__ == "__main__":
    main()
