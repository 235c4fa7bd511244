"""The README's performance table, rendered from the figures bench scripts recorded.

    .venv/bin/python bench/perf_table.py [--results bench/results] [--readme README.md] [--check]

A bench script run with PQCPLAN_BENCH_RECORD=FOLDER writes its headline figures to
FOLDER/<script>.json (`_common.record`: the figure, its unit, target and verdict, the size
it ran at, the command line, the UTC time, the machine's load and CPUs, the commit). This
script renders every such file in `--results` as one Markdown table (figure | measured |
target | met | size | machine and date | command) and puts it in `--readme` between the
markers `<!-- perf-table:start -->` and `<!-- perf-table:end -->`; nothing in the table is
typed by hand. `--check` writes nothing: it exits 1, naming the lines that differ, when the
README's table is not what the result files give (CI runs it: a result file refreshed
without the table, or a table edited by hand, fails).
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from pathlib import Path
from typing import Any

TINY_ARGS = ["--check"]
ROOT = Path(__file__).resolve().parents[1]
START = "<!-- perf-table:start -->"
END = "<!-- perf-table:end -->"
FIELDS = ("figure", "value", "unit", "target", "met", "size", "utc", "load")
RUN_FIELDS = ("script", "command", "cpu_count", "cpu_model", "commit", "figures")


def load(results: Path) -> list[dict[str, Any]]:
    """Every result file in ``results``, by file name; a malformed one is named and refused."""
    runs = []
    for path in sorted(results.glob("*.json")):
        try:
            run = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise SystemExit(f"{path}: not JSON ({exc})") from exc
        missing = [k for k in RUN_FIELDS if k not in run]
        missing += [
            f"figures[{i}].{k}" for i, f in enumerate(run.get("figures", [])) for k in FIELDS
            if k not in f
        ]  # fmt: skip
        if missing:
            raise SystemExit(f"{path}: not a result file of _common.record (no {missing})")
        runs.append(run)
    return runs


def number(value: float, unit: str) -> str:
    """A measured value as a reader wants it: counts whole, ratios to 2 places, else 3
    significant digits (thousands separated)."""
    if unit.startswith("of ") or (value == int(value) and unit in ("", "jobs", "requests")):
        return f"{int(value):,}"
    if unit == "x":
        return f"{value:.2f}"
    size = abs(value)
    if size >= 100:
        return f"{value:,.0f}"
    if size >= 10:
        return f"{value:.1f}"
    if size >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def measured(value: float, unit: str) -> str:
    text = number(value, unit)
    if unit in ("x", "%"):
        return text + unit
    return f"{text} {unit}".strip()


def cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def verdict(met: bool | None) -> str:
    return {True: "met", False: "**NOT met**", None: ""}[met]


def render(runs: list[dict[str, Any]], scripts: list[str]) -> str:
    """The table (and what it leaves out), the same text for the same result files."""
    lines = [
        "Rendered by `python bench/perf_table.py` from `bench/results/*.json`, which bench "
        "scripts write when run with `PQCPLAN_BENCH_RECORD=bench/results`; not edited by hand.",
        "",
        "| figure | measured | target | met | size | machine and date | command |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for run in runs:
        for f in run["figures"]:
            machine = f"{f['load']}; {f['utc']}" + (f"; {run['commit']}" if run["commit"] else "")
            row = [
                cell(f["figure"]),
                cell(measured(f["value"], f["unit"])),
                cell(f["target"]),
                verdict(f["met"]),
                cell(f["size"]),
                cell(machine),
                f"`{cell(run['command'])}`",
            ]
            lines.append("| " + " | ".join(row) + " |")
    if not runs:
        lines.append("| (no result files yet) |  |  |  |  |  |  |")
    models = sorted({f"{r['cpu_model']} ({r['cpu_count']} CPUs)" for r in runs})
    lines.append("")
    if models:
        lines.append(f"CPU of the runs: {'; '.join(models)}.")
    recorded = {Path(r["script"]).stem for r in runs}
    missing = [s for s in scripts if s not in recorded]
    if missing:
        lines.append(
            "Not in the table (no result file yet): " + ", ".join(f"`{s}`" for s in missing) + "."
        )
    return "\n".join(lines).rstrip("\n") + "\n"


def bench_scripts() -> list[str]:
    """The bench scripts whose figures belong in the table (helpers and this one aside)."""
    here = Path(__file__).resolve()
    return sorted(
        p.stem for p in here.parent.glob("*.py") if not p.name.startswith("_") and p != here
    )


def split(readme: Path) -> tuple[str, str, str]:
    """The README's text before the table, the table, and after it."""
    text = readme.read_text(encoding="utf-8")
    if text.count(START) != 1 or text.count(END) != 1 or text.index(START) > text.index(END):
        raise SystemExit(f"{readme}: needs one {START} line and one {END} line after it")
    head, rest = text.split(START, 1)
    table, tail = rest.split(END, 1)
    return head + START + "\n", table.lstrip("\n"), END + tail


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the README's table is not up to date"
    )
    opts = parser.parse_args()
    runs = load(opts.results)
    table = render(runs, bench_scripts())
    head, current, tail = split(opts.readme)
    count = sum(len(r["figures"]) for r in runs)
    what = f"{count} figures from {len(runs)} result files in {opts.results}"
    if opts.check:
        if current == table:
            print(f"{opts.readme}: the performance table is up to date ({what})")
            return 0
        diff = difflib.unified_diff(
            current.splitlines(),
            table.splitlines(),
            f"{opts.readme} (its table now)",
            f"{opts.results} (what the results give)",
            n=0,
            lineterm="",
        )
        print(f"{opts.readme}: the performance table is not what the results give ({what}):")
        print("\n".join(diff))
        print("run: python bench/perf_table.py")
        return 1
    opts.readme.write_text(head + table + tail, encoding="utf-8")
    print(f"{opts.readme}: performance table written ({what})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
