"""The layout is the architecture: imports point inward only (edges -> operations -> engine ->
core), and no two modules import each other, directly or around a loop."""

from __future__ import annotations

import ast
from pathlib import Path

EDMS = Path(__file__).resolve().parents[2] / "edms"

# What each ring may not import (prefixes of module names).
OUTWARD = {
    "edms.backup.operations": ("edms.backup.http", "edms.web"),
    "edms.backup": ("edms.backup.operations", "edms.backup.http", "edms.web"),  # the engine
    "edms.core": ("edms.backup", "edms.web"),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(EDMS.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports() -> dict[str, set[str]]:
    """Each module's module-level imports of other edms modules (imports inside functions are
    deliberate late bindings and are left out)."""
    graph: dict[str, set[str]] = {}
    for path in EDMS.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        name, found = module_name(path), set()
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("edms"):
                found.add(node.module)
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.startswith("edms"))
        graph[name] = found
    return {name: {m for m in found if m in graph and m != name} for name, found in graph.items()}


def ring(name: str) -> str | None:
    if name.startswith(("edms.backup.http", "edms.backup.management")):
        return None  # an edge: it may import anything inward
    return next((prefix for prefix in OUTWARD if name.startswith(prefix)), None)


def test_no_module_imports_outward():
    """GIVEN every module of the engine, operations and core WHEN its imports are read
    THEN none reaches into a ring further out."""
    wrong = [
        f"{name} imports {target}"
        for name, targets in imports().items()
        if (inner := ring(name))
        for target in targets
        if target.startswith(OUTWARD[inner])
    ]
    assert wrong == []


def test_there_is_no_import_cycle():
    """GIVEN the module-level imports of every module WHEN they are followed THEN no module is
    reached again from itself."""
    graph, cycles = imports(), []
    state: dict[str, str] = {}

    def visit(name: str, trail: list[str]) -> None:
        state[name] = "open"
        for target in sorted(graph[name]):
            if state.get(target) == "open":
                cycles.append(" -> ".join([*trail[trail.index(target) :], target]))
            elif target not in state:
                visit(target, [*trail, target])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []
