"""`app.cli.quick_params`: typer's coercion built only for values that need it.

What a command receives (and what a bad value is told) must be what typer itself gives:
the same small command runs in two fresh interpreters, with and without `install()`, on
the same command lines, and every exit code and output must be equal. Short commands then
start without pydantic (issue 24: every command's first output within 0.5 s).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

_PROBE = """
import enum, json, sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.testing import CliRunner

if sys.argv[1] == "quick":
    from app.cli import quick_params

    assert quick_params.install()


class Color(str, enum.Enum):
    RED = "red"
    BLUE = "blue"


app = typer.Typer()


@app.command()
def main(
    name: str,
    org: Annotated[Optional[str], typer.Option()] = None,
    fmt: str = "table",
    n: int = 3,
    color: Color = Color.RED,
    flag: bool = False,
    path: Optional[Path] = None,
    tag: Annotated[Optional[list[str]], typer.Option()] = None,
    pair: Annotated[Optional[tuple[str, int]], typer.Option()] = None,
) -> None:
    got = [name, org, fmt, n, color.value, flag, path and str(path), tag, pair]
    print(json.dumps([repr(type(v).__name__) for v in got] + [repr(v) for v in got]))


text = typer.Typer()  # what the short commands take: text, and options left out


@text.command()
def text_main(name: str, org: Annotated[Optional[str], typer.Option()] = None, fmt: str = "t"):
    print(json.dumps([name, org, fmt]))


out = []
for argv in json.loads(sys.argv[2]):
    result = CliRunner().invoke(text if argv[:1] == ["text"] else app, argv[1:])
    out.append([result.exit_code, result.output])
print(json.dumps(out))
print(json.dumps("pydantic" in sys.modules))
"""

CASES = [
    ["app", "x"],
    ["app", "x", "--org", "bench", "--fmt", "json"],
    ["app", "x", "--org", "", "--fmt", " spaced "],
    ["app", "é", "--org", "기관"],
    ["app", "x", "--n", "7"],
    ["app", "x", "--n", "seven"],
    ["app", "x", "--color", "blue"],
    ["app", "x", "--color", "green"],
    ["app", "x", "--flag"],
    ["app", "x", "--path", "/tmp/a"],
    ["app", "x", "--tag", "a", "--tag", "b"],
    ["app", "x", "--pair", "a", "2"],
    ["app", "x", "--pair", "a", "b"],
    ["app"],
    ["app", "--n", "5"],
    ["app", "x", "--help"],
    ["text", "x"],
    ["text", "x", "--org", "bench", "--fmt", " json "],
    ["text", "--org", "bench"],
]


def _run(mode: str, cases: list[list[str]]) -> tuple[list[list[object]], bool]:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, mode, json.dumps(cases)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env=os.environ | {"COLUMNS": "100"},
    )
    lines = out.stdout.strip().splitlines()
    return json.loads(lines[-2]), json.loads(lines[-1])


def test_a_command_receives_what_typer_gives_it():
    quick, _ = _run("quick", CASES)
    plain, _ = _run("plain", CASES)
    assert quick == plain
    assert [code for code, _ in quick].count(0) >= 12  # most lines are valid ones
    assert any(code == 2 for code, _ in quick)  # and the bad ones are refused


def test_text_and_left_out_options_need_no_pydantic():
    lines = [["text", "x"], ["text", "x", "--org", "bench", "--fmt", "json"]]
    (quick, quick_loaded), (plain, plain_loaded) = _run("quick", lines), _run("plain", lines)
    assert quick == plain
    assert (quick_loaded, plain_loaded) == (False, True)


def test_org_list_starts_without_pydantic(sqlite_url: str):
    probe = (
        "import sys\n"
        "from app.cli.main import app\n"
        "for argv in (['org', 'list'], ['db', 'current']):\n"
        "    try:\n        app(argv)\n    except SystemExit:\n        pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'yaml')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env=os.environ | {"DATABASE_URL": sqlite_url},
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_the_installed_typer_is_the_one_read():
    """A typer bumped in requirements.lock must be read again (its coercion internals)
    before it is added to READ_AGAINST: until then the CLI coerces as typer does, slower."""
    import typer

    from app.cli.quick_params import READ_AGAINST

    assert typer.__version__ in READ_AGAINST
