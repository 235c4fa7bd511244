"""The command line loads a subcommand's module only when that command runs.

`pqcplan --help` and every CLI module must start without SQLAlchemy, Alembic, networkx,
cryptography or the engines (they cost a second of CPU on each call of a CI gate); each
registered command must load, and the one-line help the top level shows must be its own.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from app.cli.main import COMMANDS, app

#: libraries a command may use but no CLI module may import when it is loaded
HEAVY = ("sqlalchemy", "alembic", "networkx", "cryptography", "oqs", "fastapi", "pydantic_settings")

_PROBE = """
import json, sys
{setup}
print(json.dumps(sorted({{m.split(".")[0] for m in sys.modules}} & set({heavy!r}))))
"""


def _heavy_after(setup: str) -> list[str]:
    code = _PROBE.format(setup=setup, heavy=HEAVY)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_top_help_imports_no_heavy_library():
    setup = "from app.cli.main import app\ntry:\n    app(['--help'])\nexcept SystemExit:\n    pass"
    assert _heavy_after(setup) == []


def test_no_cli_module_imports_a_heavy_library_at_load():
    """Each command's module loads light; what it needs is imported inside its functions."""
    modules = sorted({spec.target.partition(":")[0] for spec in COMMANDS.values()})
    setup = f"import importlib\nfor m in {modules!r}:\n    importlib.import_module(m)"
    assert _heavy_after(setup) == []


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_command_loads_with_its_own_help(name: str):
    command = COMMANDS[name].load(name)
    assert command.name == name
    own = " ".join((command.help or "").split("\n\n")[0].split())
    assert own == COMMANDS[name].help


def test_unknown_command_suggests_a_lazy_one():
    result = CliRunner().invoke(app, ["plna"])
    assert result.exit_code == 2
    assert "plan" in result.output


def test_a_group_with_one_command_stays_a_group():
    result = CliRunner().invoke(app, ["inventory", "--help"])
    assert result.exit_code == 0, result.output
    assert "summary" in result.output


def test_judge_runs_without_planning_alembic_or_settings_libraries():
    """`pqcplan judge` needs the importers and the judgement, not the graph, the migrations,
    pydantic-settings or, for a CBOM, a database (a CI gate pays each import on every call)."""
    cbom = "tests/inventory/exchange/data/cbomkit-hyperion-java-1.6.cdx.json"
    setup = (
        "from app.cli.main import app\n"
        f"try:\n    app(['judge', {cbom!r}, '--format', 'json'])\nexcept SystemExit:\n    pass"
    )
    assert _heavy_after(setup) == []  # a CBOM is read without a database (read_cbom)
