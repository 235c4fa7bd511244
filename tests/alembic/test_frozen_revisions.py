"""A revision carries its own SQL: none imports the project's code, so changing that code
never changes what an old migration does (Alembic's advice; migration 0011 once imported
its trigger SQL from the models)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

VERSIONS = Path(__file__).resolve().parents[2] / "alembic" / "versions"
PROJECT = {"app", "core", "inventory", "migration", "testbed"}


def _imported(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted(VERSIONS.glob("*.py")), ids=lambda p: p.stem)
def test_revision_imports_no_project_code(path: Path) -> None:
    assert not _imported(ast.parse(path.read_text())) & PROJECT


def test_the_check_sees_an_import_inside_a_function() -> None:
    tree = ast.parse("def upgrade():\n    from migration import timeline\n")
    assert _imported(tree) & PROJECT == {"migration"}
