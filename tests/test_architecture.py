"""The layout of docs/architecture.md, checked: who may import whom, no cycles, no side effects.

The rules are read from the source (every ``import`` statement, also those
inside functions, which hide a dependency as well as any other), so a new
module is checked the day it is added.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import mnistlab

PACKAGE = Path(mnistlab.__file__).parent

#: The foundation: modules every layer may use, which import no other part of mnistlab
#: except each other.
FOUNDATION = frozenset(
    {"errors", "files", "progress", "system", "versions", "config", "private_apis"}
)
#: The parts above the foundation, and the parts each may import besides it.
#: Read bottom to top: data and the search below the models and the study, the
#: report above both, the command line and the web app at the top.
MAY_IMPORT: dict[str, frozenset[str]] = {
    "data": frozenset(),
    "preprocess": frozenset(),
    "knn": frozenset(),
    "sgd": frozenset(),
    "scheduling": frozenset(),
    "plots": frozenset(),
    "models": frozenset({"data", "knn", "preprocess", "scheduling"}),
    "study": frozenset({"data", "knn", "sgd", "scheduling"}),
    "book": frozenset({"data", "study", "models"}),
    "robustness": frozenset({"data", "models", "preprocess"}),
    "report": frozenset({"data", "study", "models", "plots", "book", "scheduling"}),
    "web": frozenset({"data", "models", "preprocess"}),
    "__main__": frozenset({"cli"}),
}
#: The command line sits on top of everything.
MAY_IMPORT["cli"] = frozenset(MAY_IMPORT) - {"__main__"}


def module_names() -> list[str]:
    """Every module of the installed package, as dotted names."""
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def _source(module: str) -> Path:
    path = PACKAGE.parent.joinpath(*module.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def _type_checking_block(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    )


def _drawn_for_jupyter(node: ast.AST) -> bool:
    # Jupyter alone calls ``_repr_html_``: a result may reach up to the report to draw
    # itself there, lazily, without the layer below depending on the one above.
    return isinstance(node, ast.FunctionDef) and node.name == "_repr_html_"


def _imports(tree: ast.AST, module: str) -> Iterator[str]:
    """The mnistlab modules ``module`` imports at run time (type-only imports left out)."""
    package = module if _source(module).name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.iter_child_nodes(tree):
        if _type_checking_block(node) or _drawn_for_jupyter(node):
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)
        else:
            yield from _imports(node, module)


def import_graph() -> dict[str, set[str]]:
    """Each module and the mnistlab modules it imports."""
    names = set(module_names())
    graph = {}
    for module in names:
        tree = ast.parse(_source(module).read_text(encoding="utf-8"))
        graph[module] = {name for name in _imports(tree, module) if name in names} - {module}
    return graph


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph[node]):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_back_through_others() -> None:
    # A package's __init__ re-exporting its modules is not a cycle of ideas.
    graph = {
        module: {
            target
            for target in targets
            if not (_source(target).name == "__init__.py" and module.startswith(target + "."))
        }
        for module, targets in import_graph().items()
    }
    assert _cycles(graph) == []


def test_every_part_imports_only_the_parts_below_it() -> None:
    known = FOUNDATION | set(MAY_IMPORT) | {""}
    wrong = []
    for module, targets in sorted(import_graph().items()):
        part = _part(module)
        assert part in known, f"{module} is in no layer of docs/architecture.md"
        if part == "":
            continue
        allowed = FOUNDATION | {part, ""} | MAY_IMPORT.get(part, frozenset())
        wrong += [f"{module} -> {t}" for t in sorted(targets) if _part(t) not in allowed]
    assert wrong == [], "imports against the layers of docs/architecture.md"


def test_the_foundation_imports_no_layer_above_it() -> None:
    wrong = [
        f"{module} -> {target}"
        for module, targets in sorted(import_graph().items())
        if _part(module) in FOUNDATION
        for target in targets
        if _part(target) not in FOUNDATION
    ]
    assert wrong == []


#: Set by other libraries when they are imported (joblib and scikit-learn set ``KMP_*``
#: variables for Intel's OpenMP).
THEIRS = "KMP_"

#: Imported once by the parent of the forked interpreters below: other libraries, whose imports
#: take seconds, and none of mnistlab. Each child starts from that state, so what
#: it checks is mnistlab's own: every module imports first, alone, and changes nothing.
PRELOADED = ("numpy", "scipy", "sklearn", "matplotlib", "PIL", "joblib", "numba", "torch")

IMPORT_EACH_IN_A_FORK = f"""
import importlib, json, os, sys
for name in {PRELOADED!r}:
    try:
        importlib.import_module(name)
    except ImportError:  # an optional extra that is not installed
        pass
assert not any(m == "mnistlab" or m.startswith("mnistlab.") for m in sys.modules)
running = set()
for module in json.loads(sys.argv[1]):
    if len(running) == 2:
        running.discard(os.wait()[0])
    pid = os.fork()
    if pid == 0:
        before = dict(os.environ)
        try:
            importlib.import_module(module)
        except BaseException as error:
            why = type(error).__name__ + ": " + str(error)
        else:
            changed = sorted(k for k in set(before) | set(os.environ)
                             if before.get(k) != os.environ.get(k) and not k.startswith({THEIRS!r}))
            why = "changes the environment: " + str(changed) if changed else ""
        # One write per line: two children report at once, and print() writes its parts
        # one by one where stdout is unbuffered (PYTHONUNBUFFERED).
        os.write(1, ("imported " + json.dumps([module, why]) + "\\n").encode())
        os._exit(0)
    running.add(pid)
while running:
    running.discard(os.wait()[0])
"""


@pytest.mark.slow
def test_each_module_imports_alone_and_changes_nothing() -> None:
    # ``mnistlab.__main__`` runs the command when imported, as ``python -m`` wants.
    modules = [m for m in module_names() if m != "mnistlab.__main__"]
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    run = subprocess.run(
        [sys.executable, "-c", IMPORT_EACH_IN_A_FORK, json.dumps(modules)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    prefix = "imported "
    seen = dict(
        json.loads(line[len(prefix) :])
        for line in run.stdout.splitlines()
        if line.startswith(prefix)
    )
    assert sorted(seen) == sorted(modules), run.stderr
    failures = [f"{m}: {why}" for m, why in seen.items() if why]
    assert failures == []
