"""Recorded bench figures and the README table rendered from them.

Result files here are written the way bench scripts write them: a small script calling
`bench/_common.record` in its own process with PQCPLAN_BENCH_RECORD set, never by hand.
`bench/perf_table.py` then runs as a process, on a README of the test's own.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"

FAKE_BENCH = f"""
import json, sys
sys.path.insert(0, {str(BENCH)!r})
from _common import record
for name, value, unit, target, met, size in json.loads(sys.argv[1]):
    record(name, value, unit, target=target, met=met, size=size)
"""

README = """# A project

## Benchmarks
Some words.

<!-- perf-table:start -->
an old table nobody regenerated
<!-- perf-table:end -->

## Next section
"""


def bench_run(
    folder: Path | None, where: Path, script: str, figures: list[tuple], *extra: str
) -> None:
    """Run a bench script named ``script`` that records ``figures``."""
    path = where / f"{script}.py"
    path.write_text(FAKE_BENCH)
    env = dict(os.environ)
    env.pop("PQCPLAN_BENCH_RECORD", None)
    if folder is not None:
        env["PQCPLAN_BENCH_RECORD"] = str(folder)
    subprocess.run(
        [sys.executable, str(path), json.dumps(figures), *extra], env=env, check=True, cwd=where
    )


def perf_table(results: Path, readme: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(BENCH / "perf_table.py"), "--results", str(results)]
    return subprocess.run(
        [*command, "--readme", str(readme), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )


def table_of(readme: Path) -> str:
    text = readme.read_text()
    return text.split("<!-- perf-table:start -->\n", 1)[1].split("<!-- perf-table:end -->", 1)[0]


def test_a_run_replaces_the_last_runs_file_and_adds_its_own_figures(tmp_path: Path) -> None:
    results = tmp_path / "results"
    first = [("p99", 12.5, "ms", "< 100 ms", True, "300 assets"), ("rate", 3, "x", "", None, "")]
    bench_run(results, tmp_path, "listing", first, "--pg", "postgresql://me:s3cret@db/postgres")
    run = json.loads((results / "listing.json").read_text())
    assert [f["figure"] for f in run["figures"]] == ["p99", "rate"]
    assert run["figures"][0] | {"utc": "", "load": ""} == {
        "figure": "p99",
        "value": 12.5,
        "unit": "ms",
        "target": "< 100 ms",
        "met": True,
        "size": "300 assets",
        "utc": "",
        "load": "",
    }
    assert run["command"].endswith("--pg 'postgresql://me:***@db/postgres'"), run["command"]
    assert "s3cret" not in (results / "listing.json").read_text()
    assert run["cpu_count"] == os.cpu_count() and run["machine_load"].startswith("load ")
    assert run["figures"][0]["utc"].endswith(" UTC")

    bench_run(results, tmp_path, "listing", [("p95", 7.25, "ms", "", None, "")])
    run = json.loads((results / "listing.json").read_text())
    assert [(f["figure"], f["value"]) for f in run["figures"]] == [("p95", 7.25)]

    bench_run(None, tmp_path, "quiet", [("p95", 1.0, "ms", "", None, "")])
    assert not (results / "quiet.json").exists()
    assert sorted(p.name for p in results.iterdir()) == ["listing.json"]


def test_the_table_is_rendered_from_the_results_alone_and_check_fails_when_stale(
    tmp_path: Path,
) -> None:
    results = tmp_path / "results"
    bench_run(
        results,
        tmp_path,
        "web",
        [
            ("SQLite: page p95", 412.0, "ms", "< 300 ms", False, "100,000 assets"),
            ("SQLite: pages ok", 19, "of 20", "", None, "100,000 assets"),
        ],
    )
    bench_run(results, tmp_path, "api", [("ratio 2/1 processes", 1.734, "x", "", None, "")])
    readme = tmp_path / "README.md"
    readme.write_text(README)

    stale = perf_table(results, readme, "--check")
    assert stale.returncode == 1, stale.stdout
    assert "not what the results give" in stale.stdout
    assert "-an old table nobody regenerated" in stale.stdout
    assert (
        "+| SQLite: page p95 | 412 ms | < 300 ms | **NOT met** | 100,000 assets |" in stale.stdout
    )
    assert readme.read_text() == README  # --check writes nothing

    written = perf_table(results, readme)
    assert written.returncode == 0, written.stderr
    text = readme.read_text()
    assert text.startswith("# A project\n\n## Benchmarks\nSome words.\n\n")
    assert text.endswith("<!-- perf-table:end -->\n\n## Next section\n")
    rows = [line for line in table_of(readme).splitlines() if line.startswith("| ")]
    assert rows[0] == "| figure | measured | target | met | size | machine and date | command |"
    # files in name order (api before web), figures in the order each run recorded them
    assert [r.split(" | ")[:4] for r in rows[2:]] == [
        ["| ratio 2/1 processes", "1.73x", "", ""],
        ["| SQLite: page p95", "412 ms", "< 300 ms", "**NOT met**"],
        ["| SQLite: pages ok", "19 of 20", "", ""],
    ]
    assert f"| `python {tmp_path / 'api.py'} " in rows[2]
    assert f"| `python {tmp_path / 'web.py'} " in rows[3]
    assert perf_table(results, readme, "--check").returncode == 0

    # the same result files, copied elsewhere in another order, give the same bytes
    again = tmp_path / "again"
    again.mkdir()
    for name in ("web.json", "api.json"):
        shutil.copy(results / name, again / name)
    other = tmp_path / "OTHER.md"
    other.write_text(README)
    assert perf_table(again, other).returncode == 0
    assert table_of(other) == table_of(readme)
    assert perf_table(results, readme).returncode == 0
    assert readme.read_text() == text

    # a figure changed by hand in the README is named by --check
    readme.write_text(text.replace("| 412 ms |", "| 280 ms |"))
    edited = perf_table(results, readme, "--check")
    assert edited.returncode == 1
    assert "-| SQLite: page p95 | 280 ms |" in edited.stdout
    assert "+| SQLite: page p95 | 412 ms |" in edited.stdout

    # a new run of one script changes its rows only, and the old table is stale
    readme.write_text(text)
    bench_run(results, tmp_path, "api", [("ratio 2/1 processes", 1.9, "x", "", None, "")])
    moved = perf_table(results, readme, "--check")
    assert moved.returncode == 1 and "+| ratio 2/1 processes | 1.90x |" in moved.stdout


def test_a_readme_without_the_markers_is_refused(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# A project\n\n## Benchmarks\n")
    (tmp_path / "results").mkdir()
    out = perf_table(tmp_path / "results", readme)
    assert out.returncode != 0 and "perf-table:start" in out.stderr
    assert readme.read_text() == "# A project\n\n## Benchmarks\n"
