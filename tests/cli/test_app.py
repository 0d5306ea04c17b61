"""The command tree as a whole: every command and option explains itself."""

from __future__ import annotations

from typing import Any

import typer.main

from mnistlab.cli.app import app, run


def _walk(command: Any, path: str = "mnistlab") -> list[tuple[str, Any]]:
    # Typer ships its own copy of click, so walk by shape rather than by class.
    found = [(path, command)]
    for name, sub in getattr(command, "commands", {}).items():
        found += _walk(sub, f"{path} {name}")
    return found


def test_every_command_and_option_has_help_text() -> None:
    commands = _walk(typer.main.get_command(app))
    assert {path for path, _ in commands} >= {
        "mnistlab data fetch",
        "mnistlab data info",
        "mnistlab data show",
        "mnistlab study",
    }
    for path, command in commands:
        assert (command.help or "").strip(), f"{path} has no help text"
        for param in command.params:
            if param.param_type_name == "option" and not getattr(param, "hidden", False):
                assert (param.help or "").strip(), f"{path} {param.opts[0]} has no help text"


def test_version_and_help_exit_zero(capsys) -> None:
    assert run(["--version"]) == 0
    assert "mnistlab" in capsys.readouterr().out
    assert run(["--help"]) == 0


def test_unknown_command_is_a_usage_error() -> None:
    assert run(["no-such-command"]) == 2
