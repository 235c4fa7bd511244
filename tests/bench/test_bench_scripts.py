"""Every bench script runs at its tiny size, so none rots between the runs that matter.

Scripts are found by globbing bench/*.py (helper modules, named with a leading "_", aside):
a new script without a module-level `TINY_ARGS = [...]` (a list of string literals) fails
here. A script whose source accepts `--pg` also runs on a scratch PostgreSQL database made
from the test server's admin URL.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted(p for p in (ROOT / "bench").glob("*.py") if not p.name.startswith("_"))
FIGURE = re.compile(r"\d+(\.\d+)?\s*(s|ms|us|MB|KB|B|%|/s|x)?\b")
RENDERERS = {"perf_table"}  # scripts that render recorded figures and record none themselves


def tiny_args(script: Path) -> list[str]:
    """The literal value of the script's module-level TINY_ARGS."""
    tree = ast.parse(script.read_text(encoding="utf-8"), filename=str(script))
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == "TINY_ARGS"
        ):
            value = ast.literal_eval(node.value)
            assert isinstance(value, list) and all(isinstance(v, str) for v in value), (
                f"{script.name}: TINY_ARGS must be a list of strings"
            )
            return value
    pytest.fail(f"{script.name} has no module-level TINY_ARGS = [...] (see README, Benchmarks)")


def supports_pg(script: Path) -> bool:
    return '"--pg"' in script.read_text(encoding="utf-8")


def test_bench_scripts_are_found() -> None:
    assert len(SCRIPTS) >= 5, [s.name for s in SCRIPTS]


def test_tiny_args_reader_refuses_a_script_without_them(tmp_path: Path) -> None:
    script = tmp_path / "new_bench.py"
    script.write_text('"""A bench nobody sized."""\nprint(1)\n')
    with pytest.raises(pytest.fail.Exception, match="no module-level TINY_ARGS"):
        tiny_args(script)


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_bench_script_runs_tiny(
    script: Path, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    args = tiny_args(script)
    if supports_pg(script):
        args += ["--pg", request.getfixturevalue("pg_admin_url")]
    results = tmp_path / "results"  # never bench/results: tiny figures are not the figures
    env = os.environ | {"PYTHONUNBUFFERED": "1", "PQCPLAN_BENCH_RECORD": str(results)}
    env.pop("PQCPLAN_BENCH_PG_URL", None)
    proc = subprocess.run(
        [sys.executable, str(script), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, f"{script.name} exited {proc.returncode}:\n{proc.stderr[-4000:]}"
    lines = [line for line in proc.stdout.splitlines() if FIGURE.search(line)]
    assert lines, f"{script.name} printed no figures:\n{proc.stdout[-2000:]}"
    if supports_pg(script):
        assert "PostgreSQL" in proc.stdout, f"{script.name} did not run on PostgreSQL"
    recorded = results / f"{script.stem}.json"
    if script.stem in RENDERERS:
        assert not recorded.exists(), f"{script.name} renders figures; it records none"
        return
    assert recorded.exists(), (
        f"{script.name} recorded no figure with PQCPLAN_BENCH_RECORD set: call "
        f"_common.record(...) where it prints its headline figures (README, Benchmarks)"
    )
    run = json.loads(recorded.read_text(encoding="utf-8"))
    assert run["script"] == f"bench/{script.name}", run["script"]
    assert run["command"].startswith(f"python bench/{script.name}"), run["command"]
    assert run["figures"], run
    for figure in run["figures"]:
        assert figure["figure"] and isinstance(figure["value"], float), figure
        assert figure["met"] in (True, False, None), figure
        assert figure["met"] is None or figure["target"], f"a verdict needs its target: {figure}"
