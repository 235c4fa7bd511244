"""Imports run one way: app -> {migration, testbed} -> inventory -> core.

`testbed` stands on `core` alone (a vendor's product is tested without the inventory), and
`migration` and `testbed` never import each other. Every import counts, including those
inside functions, so a lazy import cannot hide a wrong-way dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("app", "core", "inventory", "migration", "testbed")
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "inventory": {"core"},
    "testbed": {"core"},
    "migration": {"inventory", "core"},
    "app": {"migration", "testbed", "inventory", "core"},
}


def imported_layers(path: Path, package: str) -> set[tuple[str, int]]:
    """(layer, line) of every import in `path` that names one of the project's packages."""
    found: set[tuple[str, int]] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            # a relative import stays inside its own package
            names = [package] if node.level else [node.module or ""]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top in LAYERS:
                found.add((top, node.lineno))
    return found


def wrong_way_imports() -> list[str]:
    problems = []
    for layer in LAYERS:
        for path in sorted((ROOT / layer).rglob("*.py")):
            for target, line in sorted(imported_layers(path, layer)):
                if target != layer and target not in ALLOWED[layer]:
                    problems.append(f"{path.relative_to(ROOT)}:{line}: {layer} imports {target}")
    return problems


def test_imports_run_one_way() -> None:
    assert wrong_way_imports() == []


@pytest.mark.parametrize(
    ("source", "wrong"),
    [
        ("from inventory.models import Asset\n", True),
        ("def f():\n    import app.settings\n", True),
        ("import migration.graph as g\n", True),
        ("from core.db import session_scope\n", False),
        ("import json\n", False),
    ],
)
def test_the_check_sees_wrong_way_imports(tmp_path: Path, source: str, wrong: bool) -> None:
    """A testbed module importing the inventory, the app or the planner is caught."""
    module = tmp_path / "probe.py"
    module.write_text(source)
    layers = {layer for layer, _ in imported_layers(module, "testbed")}
    assert bool(layers - ALLOWED["testbed"] - {"testbed"}) is wrong


def module_imports() -> dict[str, set[str]]:
    """Each project module and the project modules it imports (inside functions too)."""
    modules = {}
    for layer in LAYERS:
        for path in (ROOT / layer).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            modules[name.removesuffix(".__init__")] = path
    edges: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                targets = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            else:
                continue
            edges[name] |= {t for t in targets if t in modules and t != name}
    return edges


def test_no_two_modules_import_each_other() -> None:
    """A cycle (migration.service <-> migration.timeline was one) hides behind imports
    inside functions until the order of imports changes; every import counts here."""
    import networkx as nx

    graph = nx.DiGraph([(a, b) for a, targets in module_imports().items() for b in targets])
    cycles = [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]
    assert cycles == []
