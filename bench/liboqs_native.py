"""Benchmark: the testbed's liboqs figures beside liboqs's own C, in the same minute.

    .venv/bin/python bench/liboqs_native.py [--algs default|all|A,B,...] [--seconds 0.1]
        [--rounds 15] [--min-calls 20] [--no-liboqs-speed]

Builds with the machine's cc, into the cache (never the repo), linked to the liboqs that
scripts/build_liboqs.sh built, which is the library file the testbed loads (so the same
sources, the same build settings and the same machine code):

- ``bench/native/oqs_speed.c``: liboqs operations in a plain C loop (each call timed, the
  loop's CPU time), the reference; one process per algorithm keeps its keys and runs an
  operation for a given time on request, so it can be interleaved finely with the testbed;
- liboqs's own ``tests/speed_kem.c`` and ``tests/speed_sig.c``, from the oqs-sys crate
  sources build_liboqs.sh used: their mean time per call, as a cross-check of the reference.

For each algorithm, ``--rounds`` rounds. Each round starts fresh processes: the C loop, a
second C loop (the noise floor) and the testbed (``bench/native/oqs_testbed.py``: the
testbed's ``run_benchmark``, the function behind ``pqcplan bench`` and benchmark jobs,
timed in its native loop and per call). A fresh process per side per round, because where
a process's code, stack and heap land is drawn at its start (address-space layout
randomization) and that draw moves an operation by several percent for the life of the
process: sntrup761 keygen ran at p50 181-193 us in 16 starts of the same C program (one
value with ``setarch -R``), so a single process per side compares two draws. Within a
round, each operation runs on every side back to back (order rotated from round to round),
so a burst of load falls on the neighbours it is compared with, after the same warm-up (up
to 3 untimed calls), for ``--seconds`` each, or longer where the C loop would make fewer
than ``--min-calls`` calls (the median of the 2-3 calls a keygen that retries at random
makes in 0.1 s is luck). Per round, testbed / C as ops/s from the median latency and as
calls per CPU second (steadier on a shared machine: preemption costs wall time, not CPU);
the table prints the median of the per-round ratios. Target (issue 24): every operation at
>= 0.95 of native in the testbed's default timing (``auto``: the native loop for liboqs).
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import machine_load, record

from testbed.engines import Kind, get_engine
from testbed.engines.oqs_loader import cache_root, install_path, shared_library
from testbed.timing import DEFAULT_MESSAGE, machine_info

TINY_ARGS = ["--algs", "ML-KEM-512", "--seconds", "0.02", "--rounds", "2"]
ROOT = Path(__file__).resolve().parents[1]
REFERENCE_SOURCE = ROOT / "bench" / "native" / "oqs_speed.c"
TESTBED_SIDE = ROOT / "bench" / "native" / "oqs_testbed.py"
DEFAULT_ALGS = [
    "ML-KEM-512",
    "ML-KEM-768",
    "ML-KEM-1024",
    "ML-DSA-44",
    "ML-DSA-65",
    "ML-DSA-87",
    "Kyber768",
    "BIKE-L1",
    "FrodoKEM-640-AES",
    "sntrup761",
    "Classic-McEliece-348864",
    "Falcon-512",
    "SPHINCS+-SHA2-128f-simple",
    "MAYO-1",
    "cross-rsdp-128-fast",
    "OV-Is",
]
TARGET = 0.95
MODES = ("native-loop", "per-call")


@dataclass(frozen=True)
class Figure:
    p50_ns: float
    calls_per_cpu_s: float
    mean_ns: float


def oqs_sys_sources() -> Path | None:
    """The liboqs sources of the oqs-sys crate that scripts/build_liboqs.sh builds."""
    script = (ROOT / "scripts" / "build_liboqs.sh").read_text(encoding="utf-8")
    found = re.search(r'OQS_SYS_VERSION="\$\{OQS_SYS_VERSION:-([^}]+)\}"', script)
    version = os.environ.get("OQS_SYS_VERSION") or (found.group(1) if found else "")
    cargo_home = Path(os.environ.get("CARGO_HOME", Path.home() / ".cargo"))
    pattern = str(cargo_home / "registry" / "src" / "*" / f"oqs-sys-{version}" / "liboqs")
    hits = sorted(glob.glob(pattern))
    return Path(hits[0]) if hits else None


def build(out_dir: Path, name: str, sources: list[Path], includes: list[Path]) -> Path:
    """cc -O2 against the testbed's liboqs (rpath to it), cached by the inputs' digest."""
    prefix = install_path()
    library = shared_library(prefix)
    assert library is not None, f"liboqs not built under {prefix}: run scripts/build_liboqs.sh"
    digest = hashlib.sha256(library.read_bytes())
    for src in sources:
        digest.update(src.read_bytes())
    target = out_dir / digest.hexdigest()[:16] / name
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        cmd = [os.environ.get("CC", "cc"), "-O2", "-o", f"{target}.tmp", *map(str, sources)]
        cmd += [f"-I{p}" for p in (prefix / "include", *includes)]
        cmd += [f"-L{library.parent}", f"-Wl,-rpath,{library.parent}", "-loqs", "-lm"]
        subprocess.run(cmd, check=True, capture_output=True, text=True)
        os.replace(f"{target}.tmp", target)
    return target


class Side:
    """One process of one side for one round: ``oqs_speed`` or ``oqs_testbed.py``. Both say
    "ready" once set up, then answer each request line with one figure line."""

    def __init__(self, name: str, argv: list[str]) -> None:
        self.name = name
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self._answer("ready")  # set up before anything is timed: no overlap with a timing

    def _answer(self, start: str) -> str:
        assert self.proc.stdout is not None
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise SystemExit(f"{self.name} stopped (exit {self.proc.wait()})")
            if line.startswith(start):
                return line

    def run(self, request: str) -> Figure:
        assert self.proc.stdin is not None
        self.proc.stdin.write(request + "\n")
        self.proc.stdin.flush()
        got = dict(item.split("=") for item in self._answer("iterations=").split())
        n = int(got["iterations"])
        return Figure(float(got["p50_ns"]), n / (int(got["cpu_ns"]) / 1e9), float(got["mean_ns"]))

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def budgets(
    program: Path, kind: str, native: str, ops: list[str], seconds: float, min_calls: int
) -> dict[str, float]:
    """Seconds per operation, side and round: ``seconds``, or longer where the C loop makes
    fewer than ``min_calls`` calls in it (probed once). A keygen that retries at random
    (Classic-McEliece: 20-65 ms a call) makes 2-3 calls in 0.1 s, and the median of so few
    is the luck of the draw: C against C read 0.89 and 1.05 in two runs, the testbed 0.82
    in one and at par (29 calls per CPU second both) over 10 process pairs of 0.6 s."""
    probe = Side("oqs_speed", [str(program), kind, native, str(len(DEFAULT_MESSAGE))])
    try:
        return {
            op: max(seconds, min_calls * probe.run(f"{op} {seconds}").p50_ns / 1e9) for op in ops
        }
    finally:
        probe.close()


def one_round(
    program: Path,
    kind: str,
    alg: str,
    native: str,
    seconds: dict[str, float],
    turn: int,
) -> dict[str, dict[str, Figure]]:
    """Fresh processes for every side; each operation on every side back to back."""
    c_argv = [str(program), kind, native, str(len(DEFAULT_MESSAGE))]
    sides = {"c": Side("oqs_speed", c_argv), "c2": Side("oqs_speed", c_argv)}
    sides["testbed"] = Side(TESTBED_SIDE.name, [sys.executable, str(TESTBED_SIDE), alg])
    order = ["c", "c2", *MODES]
    order = order[turn % len(order) :] + order[: turn % len(order)]
    got: dict[str, dict[str, Figure]] = {which: {} for which in order}
    try:
        for op, budget in seconds.items():
            for which in order:
                if which in MODES:
                    got[which][op] = sides["testbed"].run(f"{which} {op} {budget:.6f}")
                else:
                    got[which][op] = sides[which].run(f"{op} {budget:.6f}")
    finally:
        for side in sides.values():
            side.close()
    return got


def liboqs_speed(programs: dict[str, Path], kind: str, native: str) -> dict[str, float]:
    """liboqs's own speed_kem / speed_sig (--duration 1, its minimum): mean us per op."""
    out = subprocess.run(
        [str(programs[kind]), "--duration", "1", native],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    means = {}
    for line in out.splitlines():
        cells = [c.strip() for c in line.split("|")]
        name = {"keypair": "keygen"}.get(cells[0], cells[0])
        if len(cells) > 3 and name in ("keygen", "encaps", "decaps", "sign", "verify"):
            means[name] = float(cells[3])
    return means


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--algs", default="default", help="default, all, or a comma list")
    parser.add_argument("--seconds", type=float, default=0.1, help="per operation and round")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument(
        "--min-calls",
        type=int,
        default=20,
        help="run an operation longer than --seconds where the C loop makes fewer calls",
    )
    parser.add_argument(
        "--no-liboqs-speed", action="store_true", help="skip liboqs's speed_kem/speed_sig"
    )
    opts = parser.parse_args()
    engine = get_engine("liboqs")
    algs = {"default": DEFAULT_ALGS, "all": engine.algorithms()}.get(
        opts.algs, opts.algs.split(",")
    )
    unknown = [a for a in algs if not engine.supports(a)]
    if unknown:
        parser.error(f"liboqs has no {unknown}")

    cpu0 = time.process_time()
    out_dir = cache_root() / "bench-native"
    program = build(out_dir, "oqs_speed", [REFERENCE_SOURCE], [])
    speed_programs: dict[str, Path] = {}
    sources = oqs_sys_sources()
    if not opts.no_liboqs_speed and sources is not None:
        tests = sources / "tests"
        for kind, name in (("kem", "speed_kem"), ("sig", "speed_sig")):
            speed_programs[kind] = build(out_dir, name, [tests / f"{name}.c"], [tests])
    library = shared_library(install_path())
    assert library is not None
    info = machine_info()
    print(f"CPU: {info['cpu_model']} ({info['cores']} cores); {machine_load()} at the start")
    print(f"liboqs: {library} (sha256 {hashlib.sha256(library.read_bytes()).hexdigest()[:16]})")
    print(f"reference C loop: {program}; {shutil.which(os.environ.get('CC', 'cc'))} -O2")
    if speed_programs:
        print(f"liboqs's own speed programs: {', '.join(map(str, speed_programs.values()))}")
    elif not opts.no_liboqs_speed:
        print("liboqs's own speed programs: not built (oqs-sys crate sources not found)")
    print(
        f"{len(algs)} algorithms x {opts.rounds} rounds x {opts.seconds} s per operation "
        f"(at least {opts.min_calls} calls); "
        "ratios are testbed / C, medians of the per-round ratios; fresh processes every round\n"
    )
    head = (
        f"{'algorithm':26} {'op':7} {'C p50 us':>9} {'C /CPU s':>9} {'C / C':>6} │ "
        f"{'native-loop p50 us':>18} {'x p50':>6} {'x CPU':>6} │ "
        f"{'per-call p50 us':>15} {'x p50':>6} {'x CPU':>6} │ {'C mean':>8} {'liboqs mean':>11}"
    )
    print(head)
    print("─" * len(head))
    worst: dict[str, list[tuple[float, float, str]]] = {m: [] for m in (*MODES, "C again")}
    for alg in algs:
        kind = "kem" if engine.supports(alg, Kind.KEM) else "sig"
        ops = ["keygen", "encaps", "decaps"] if kind == "kem" else ["keygen", "sign", "verify"]
        native = engine.native_name(alg)
        seconds = budgets(program, kind, native, ops, opts.seconds, opts.min_calls)
        for op, budget in seconds.items():
            if budget > opts.seconds:
                print(f"  ({alg} {op}: {budget:.2f} s per side and round, {opts.min_calls} calls)")
        rounds = [one_round(program, kind, alg, native, seconds, i) for i in range(opts.rounds)]
        own = liboqs_speed(speed_programs, kind, native) if speed_programs else {}
        for op in ops:
            c = [r["c"][op] for r in rounds]
            control = statistics.median(
                r["c2"][op].calls_per_cpu_s / r["c"][op].calls_per_cpu_s for r in rounds
            )
            worst["C again"].append((control, control, f"{alg} {op}"))
            cells = []
            for mode in MODES:
                mine = [r[mode][op] for r in rounds]
                x_p50 = statistics.median(a.p50_ns / b.p50_ns for a, b in zip(c, mine, strict=True))
                x_cpu = statistics.median(
                    b.calls_per_cpu_s / a.calls_per_cpu_s for a, b in zip(c, mine, strict=True)
                )
                worst[mode].append((x_cpu, x_p50, f"{alg} {op}"))
                p50 = statistics.median(m.p50_ns for m in mine) / 1e3
                width = 18 if mode == "native-loop" else 15
                cells.append(f"{p50:>{width}.1f} {x_p50:6.2f} {x_cpu:6.2f}")
            c_p50 = statistics.median(f.p50_ns for f in c) / 1e3
            c_cpu = statistics.median(f.calls_per_cpu_s for f in c)
            c_mean = statistics.median(f.mean_ns for f in c) / 1e3
            theirs = f"{own[op]:.1f}" if op in own else "-"
            print(
                f"{alg:26} {op:7} {c_p50:9.1f} {c_cpu:9.0f} {control:6.2f} │ {cells[0]} │ "
                f"{cells[1]} │ {c_mean:8.1f} {theirs:>11}"
            )
    print()
    for mode in (*MODES, "C again"):
        rows = worst[mode]
        by_cpu, by_p50 = min(rows), min(rows, key=lambda r: r[1])
        met = sum(1 for r in rows if r[0] >= TARGET)
        line = (
            f"{mode}: {met} of {len(rows)} operations at >= {TARGET} of C by CPU; lowest "
            f"x{by_cpu[0]:.2f} by CPU ({by_cpu[2]}), x{by_p50[1]:.2f} by p50 ({by_p50[2]})"
        )
        if mode == "native-loop":  # the testbed's default timing for liboqs
            line += f"; target {'met' if met == len(rows) else 'NOT met'} (default timing)"
        elif mode == "per-call":
            line += " (what a Python caller pays per call; no target)"
        else:
            line += " (the noise floor: a second C process against the first)"
        print(line)
        size = (
            f"{len(algs)} algorithms x {opts.rounds} rounds x {opts.seconds:g} s "
            f"(>= {opts.min_calls} calls)"
        )
        who = {"native-loop": "testbed native loop", "per-call": "testbed per call"}
        judged = mode == "native-loop"
        record(
            f"{who.get(mode, 'second C process (noise floor)')} / C, lowest by CPU ({by_cpu[2]})",
            by_cpu[0],
            "x",
            target=f">= {TARGET} for every operation" if judged else "",
            met=met == len(rows) if judged else None,
            size=size,
        )
        if judged:
            record(f"{who[mode]} / C, lowest by p50 ({by_p50[2]})", by_p50[1], "x", size=size)
            name = f"{who[mode]}: operations >= {TARGET} of C by CPU"
            record(name, met, f"of {len(rows)}", size=size)
    print(
        f"bench CPU time {time.process_time() - cpu0:.1f} s "
        "(this process; every side runs in processes of its own)"
    )
    print(f"{machine_load()} at the end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
