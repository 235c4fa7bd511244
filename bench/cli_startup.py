"""Benchmark: CPU time of the command line's start, as a CI gate pays it on every call.

    .venv/bin/python bench/cli_startup.py [--runs 5] [--components 56]

Runs real `pqcplan` processes and reads their CPU time (user + system, `wait4` through a
small interpreter, see `_common.run_measured`): `pqcplan --help`, and `pqcplan judge` on a
generated CBOM of N components (the generator of bench/cbom_import.py). Prints the best and
the median of the runs (the best is the least disturbed on a shared machine), beside an
empty interpreter's start (`python -c pass`) as the floor, with the machine's load.
Target (issue 24): each under 0.4 s CPU on the project's 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import machine_load, run_measured
from cbom_import import generate

TINY_ARGS = ["--runs", "1", "--components", "12"]
PQCPLAN = Path(sys.executable).with_name("pqcplan")


def cpu_seconds(args: list[str], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        figures = run_measured(args, dict(os.environ), subprocess.DEVNULL, subprocess.DEVNULL)
        if figures["code"] not in (0, 1):  # judge exits 1 when a usage fails the gate
            raise SystemExit(f"{' '.join(args)} exited {figures['code']:.0f}")
        out.append(figures["cpu_s"])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--components", type=int, default=56)
    args = parser.parse_args()
    print(f"CLI start-up, {args.runs} runs each ({machine_load()})")
    with tempfile.TemporaryDirectory() as tmp:
        cbom = Path(tmp) / "scan.cdx.json"
        cbom.write_text(json.dumps(generate(args.components)))
        cases = {
            "python -c pass (floor)": [sys.executable, "-c", "pass"],
            "pqcplan --help": [str(PQCPLAN), "--help"],
            f"pqcplan judge ({args.components} components)": [
                str(PQCPLAN),
                "judge",
                str(cbom),
                "--format",
                "json",
            ],
        }
        for label, command in cases.items():
            times = cpu_seconds(command, args.runs)
            best, median = min(times), statistics.median(times)
            target = (
                ""
                if "floor" in label
                else f"  (target < 0.40 s: {'met' if best < 0.4 else 'NOT met'})"
            )
            print(f"  {label:34} CPU best {best:.2f} s, median {median:.2f} s{target}")
            from _common import record

            record(
                f"{label}, CPU best",
                best,
                "s",
                **({} if "floor" in label else {"target": "< 0.40 s", "met": best < 0.4}),
                size=f"{args.runs} runs",
            )


if __name__ == "__main__":
    main()
