"""scripts/reliability.py: its summary counts passed, failed and skipped tests apart."""

from __future__ import annotations

import importlib.util
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("reliability", ROOT / "scripts/reliability.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


reliability = _load()
Row = reliability.Row


def _atheris_skipped() -> Any:
    what, test = "coverage-guided", "scripts/fuzz_atheris.py idx"
    return Row(what, test, None, "skipped", reason=reliability.ATHERIS_MISSING)


def test_a_skipped_row_is_counted_as_skipped_with_its_reason() -> None:
    rows = [
        Row("a", "t::a", 500, "passed"),
        Row("b", "t::b", 1, "passed"),
        _atheris_skipped(),
    ]
    counts = reliability.tally(rows)
    assert (counts.passed, counts.failed, counts.skipped) == (2, 0, 1)
    assert counts.cases == 501
    assert counts.line() == (
        "2 passed, 0 failed, 1 skipped (atheris not installed: pip install 'mnistlab[fuzz]')"
    )


def test_failures_errors_and_tests_not_run_count_as_failed() -> None:
    rows = [
        Row("a", "t::a", 1, "failed"),
        Row("b", "t::b", 1, "error in setup"),
        Row("c", "t::c", 1, "not run"),
        Row("d", "t::d", 1, "failed (exit 77)"),
        Row("e", "t::e", 1, "passed"),
    ]
    assert reliability.tally(rows).line() == "1 passed, 4 failed, 0 skipped"


def test_several_skip_reasons_are_each_counted() -> None:
    rows = [_atheris_skipped(), _atheris_skipped(), Row("x", "t::x", 1, "skipped", reason="no GPU")]
    rows.append(Row("y", "t::y", 1, "expected failure: known"))
    assert reliability.tally(rows).line() == (
        "0 passed, 0 failed, 3 skipped "
        "(2 atheris not installed: pip install 'mnistlab[fuzz]'; 1 no GPU), 1 expected failure"
    )


def test_the_report_states_the_skips_and_the_table_their_reason() -> None:
    rows = [Row("a", "t::a", 2, "passed"), _atheris_skipped()]
    text = reliability.render(
        rows,
        command="python scripts/reliability.py --cases 2",
        started=datetime(2026, 1, 1, tzinfo=UTC),
        seconds=60.0,
        cases=2,
        web_json=[],
    )
    assert (
        "**2 tests: 1 passed, 0 failed, 1 skipped "
        "(atheris not installed: pip install 'mnistlab[fuzz]'); 2 cases in all.**"
    ) in text
    assert "| skipped (atheris not installed: pip install 'mnistlab[fuzz]') |" in text
    assert " of 2 tests passed" not in text


def test_without_atheris_its_rows_are_skipped_with_the_install_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(reliability.importlib.util, "find_spec", lambda name: None)
    rows = reliability.run_atheris(1)
    assert len(rows) == len(reliability.ATHERIS_TARGETS)
    counts = reliability.tally(rows)
    assert (counts.passed, counts.failed, counts.skipped) == (0, 0, len(rows))
    assert "pip install 'mnistlab[fuzz]'" in counts.line()


def test_the_fuzz_extra_declares_atheris_with_a_lower_bound() -> None:
    assert reliability.fuzz_requirements() == ["atheris>=3.0.0"]
