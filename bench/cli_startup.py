"""Benchmark: the command line's start, as a CI gate and a person at a terminal pay it.

    .venv/bin/python bench/cli_startup.py [--runs 5] [--components 56] [--no-first-output]

CPU: runs real `pqcplan` processes and reads their CPU time (user + system, `wait4` through a
small interpreter, see `_common.run_measured`): `pqcplan --help`, and `pqcplan judge` on a
generated CBOM of N components (the generator of bench/cbom_import.py). Prints the best and
the median of the runs (the best is the least disturbed on a shared machine), beside an
empty interpreter's start (`python -c pass`) as the floor, with the machine's load.
Target (issue 24): each under 0.4 s CPU on the project's 2-core machine. Commands run with
their bytecode cached, as installed (`child_env`); judge is also timed without (each start
compiling pqcplan's modules from source, as under PYTHONDONTWRITEBYTECODE=1), unjudged.

First output: runs every kind of command in a pseudo-terminal, as a person sees it, and
times from the start of the process to the first byte it writes (stdout or stderr) and to
its end: `--help`, `judge`, `org list`, `profiles list`, `sector check`, `scan tls` (one
loopback port that accepts and never answers, `--timeout 2`), `plan generate`, then one
command of each remaining group (plan list and judge, inventory summary, export, sector
show, procedure show, supervision list, testbed engines, db current), against a
scratch SQLite database (upgraded, one organization holding the generated CBOM). Target
(issue 24): the first useful output within 0.5 s of start: the answer itself for short
commands, a line saying what a long one is doing, judged on the best run. Each line also
gives the median and each command's CPU seconds (user + system, to its end): wall time
moves with the machine's load (printed), CPU much less.
"""

from __future__ import annotations

import argparse
import json
import os
import pty
import select
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import machine_load, record, run_measured, start_hanging
from cbom_import import generate

TINY_ARGS = ["--runs", "1", "--components", "12"]
PQCPLAN = Path(sys.executable).with_name("pqcplan")
FIRST_OUTPUT_TARGET_S = 0.5


def child_env(folder: Path) -> dict[str, str]:
    """The environment of the measured commands: bytecode cached as an installed pqcplan has
    it (pip compiles on install; a checkout writes `__pycache__` on its first run), kept in
    the scratch folder. With PYTHONDONTWRITEBYTECODE set, as in some sandboxes, every start
    compiles pqcplan's own modules from source again (0.1-0.2 s of CPU)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return env | {"PYTHONPYCACHEPREFIX": str(folder / "pycache")}


def cpu_seconds(args: list[str], runs: int, env: dict[str, str]) -> list[float]:
    run_measured(args, env, subprocess.DEVNULL, subprocess.DEVNULL)  # writes the bytecode
    out = []
    for _ in range(runs):
        figures = run_measured(args, env, subprocess.DEVNULL, subprocess.DEVNULL)
        if figures["code"] not in (0, 1):  # judge exits 1 when a usage fails the gate
            raise SystemExit(f"{' '.join(args)} exited {figures['code']:.0f}")
        out.append(figures["cpu_s"])
    return out


def in_terminal(args: list[str], env: dict[str, str]) -> tuple[float, float, int, bytes, float]:
    """Run ``args`` on a pseudo-terminal: (seconds to its first byte, seconds to its end,
    exit code, what it wrote, its CPU seconds: user + system)."""
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: the terminal is its stdin, stdout and stderr
        try:
            os.execve(args[0], args, env)
        finally:
            os._exit(127)
    first = None
    out = bytearray()
    try:
        while True:
            ready, _, _ = select.select([fd], [], [], 120)
            if not ready:
                raise SystemExit(f"{' '.join(args)}: no output for 120 s")
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            if first is None:
                first = time.perf_counter() - start
            out += chunk
    finally:
        os.close(fd)
    _, status, usage = os.wait4(pid, 0)
    end = time.perf_counter() - start
    cpu = usage.ru_utime + usage.ru_stime
    first = first if first is not None else end
    return first, end, os.waitstatus_to_exitcode(status), bytes(out), cpu


def first_output(cbom: Path, folder: Path, runs: int) -> None:
    env = {
        **child_env(folder),
        "DATABASE_URL": f"sqlite:///{folder / 'cli.sqlite3'}",
        "COLUMNS": "100",
        "LINES": "40",
        "TERM": "xterm-256color",
    }

    def setup(*args: str) -> None:
        subprocess.run([str(PQCPLAN), *args], env=env, check=True, capture_output=True)

    setup("db", "upgrade")
    setup("org", "create", "bench", "Bench", "--sector", "finance", "--tier", "private")
    setup("import", "cbom", "--org", "bench", str(cbom))
    port = start_hanging(1)[0]  # a scan target that never answers
    setup("scan", "scope", "add", "127.0.0.1/32", "--org", "bench", "--ports", str(port))
    target = f"127.0.0.1:{port}"
    cases = {
        "--help": ["--help"],
        "judge": ["judge", str(cbom)],
        "org list": ["org", "list"],
        "profiles list": ["profiles", "list"],
        "sector check": ["sector", "check", "--org", "bench"],
        "scan tls": ["scan", "tls", "--org", "bench", "--no-store", "--timeout", "2", target],
        "plan generate": ["plan", "generate", "--org", "bench", "--profile", "kr-2035"],
        "plan list": ["plan", "list", "--org", "bench"],
        "plan judge": ["plan", "judge", "--org", "bench", "--profile", "kr-2035"],
        "inventory summary": ["inventory", "summary", "--org", "bench"],
        "export csv": ["export", "csv", "--org", "bench", "--output", str(folder / "out.csv")],
        "sector show": ["sector", "show", "finance"],
        "procedure show": ["procedure", "show", "--org", "bench"],
        "supervision list": ["supervision", "list", "--org", "bench"],
        "testbed engines": ["testbed", "engines"],
        "db current": ["db", "current"],
    }
    print(f"First output in a terminal, {runs} runs each ({machine_load()})")
    for label, args in cases.items():
        in_terminal([str(PQCPLAN), *args], env)  # writes the bytecode, as an install has it
        firsts, ends, cpus = [], [], []
        for _ in range(runs):
            first, end, code, out, cpu = in_terminal([str(PQCPLAN), *args], env)
            if first == end and not out:
                raise SystemExit(f"pqcplan {' '.join(args)} wrote nothing")
            if code not in (0, 1):
                text = out.decode("utf-8", "replace")[-2000:]
                raise SystemExit(f"pqcplan {' '.join(args)} exited {code}:\n{text}")
            firsts.append(first)
            ends.append(end)
            cpus.append(cpu)
        best, median = min(firsts), statistics.median(firsts)
        verdict = "met" if best < FIRST_OUTPUT_TARGET_S else "NOT met"
        print(
            f"  pqcplan {label:17} first output best {best:.2f} s, median {median:.2f} s; "
            f"done in {statistics.median(ends):.2f} s; "
            f"CPU best {min(cpus):.2f} s, median {statistics.median(cpus):.2f} s  "
            f"(target < {FIRST_OUTPUT_TARGET_S:.2f} s: {verdict})"
        )
        record(
            f"pqcplan {label}: first output in a terminal, best",
            best,
            "s",
            target=f"< {FIRST_OUTPUT_TARGET_S:.1f} s",
            met=best < FIRST_OUTPUT_TARGET_S,
            size=f"{runs} runs",
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--components", type=int, default=56)
    parser.add_argument(
        "--no-first-output", action="store_true", help="CPU figures only (no terminal runs)."
    )
    args = parser.parse_args()
    print(f"CLI start-up, {args.runs} runs each ({machine_load()})")
    with tempfile.TemporaryDirectory() as tmp:
        cbom = Path(tmp) / "scan.cdx.json"
        cbom.write_text(json.dumps(generate(args.components)))
        judge = [str(PQCPLAN), "judge", str(cbom), "--format", "json"]
        env = child_env(Path(tmp))
        uncached = os.environ | {"PYTHONDONTWRITEBYTECODE": "1"}
        uncached.pop("PYTHONPYCACHEPREFIX", None)
        cases = {
            "python -c pass (floor)": ([sys.executable, "-c", "pass"], env),
            "pqcplan --help": ([str(PQCPLAN), "--help"], env),
            f"pqcplan judge ({args.components} components)": (judge, env),
            "  the same, no bytecode cache": (judge, uncached),
        }
        for label, (command, command_env) in cases.items():
            times = cpu_seconds(command, args.runs, command_env)
            best, median = min(times), statistics.median(times)
            target = (
                ""
                if "floor" in label or "no bytecode" in label
                else f"  (target < 0.40 s: {'met' if best < 0.4 else 'NOT met'})"
            )
            print(f"  {label:34} CPU best {best:.2f} s, median {median:.2f} s{target}")
            name = label.replace("  the same", f"pqcplan judge ({args.components} components)")
            judged = {"target": "< 0.40 s", "met": best < 0.4} if target else {}
            record(f"{name}, CPU best", best, "s", **judged, size=f"{args.runs} runs")
        if not args.no_first_output:
            first_output(cbom, Path(tmp), args.runs)


if __name__ == "__main__":
    main()
