"""bench/liboqs_native.py's testbed side: the testbed's timing in a process of its own.

    python bench/native/oqs_testbed.py ALG

Speaks as ``oqs_speed`` (the C reference beside it) does, so the bench drives both alike:
says "ready" once liboqs is loaded, then reads lines "TIMING OPERATION SECONDS" (TIMING
``native-loop`` or ``per-call``) and answers each with one line
``iterations=N cpu_ns=C p50_ns=P mean_ns=M`` from ``testbed.timing.run_benchmark`` (the
function behind ``pqcplan bench`` and benchmark jobs, its default warm-up included).

The bench starts a fresh one (and fresh C processes) every round: where a process's code,
stack and heap land is drawn anew at each start (address-space layout randomization), and
that draw alone moves an operation's speed by several percent for the life of the process
(sntrup761 keygen: 181-193 us p50 over 16 starts of the same C program; one value with
``setarch -R``), so one process per side would compare two draws, not two programs.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from testbed.engines import get_engine
from testbed.timing import DEFAULT_MESSAGE, run_benchmark


def main() -> int:
    alg = sys.argv[1]
    engine = get_engine("liboqs")
    if not engine.supports(alg):
        print(f"oqs_testbed: liboqs has no {alg}", file=sys.stderr)
        return 2
    print("ready", flush=True)
    for line in sys.stdin:
        timing, op, seconds = line.split()
        r = run_benchmark(
            engine,
            alg,
            operations=[op],
            time_budget_s=float(seconds),
            timing=timing,
            message=DEFAULT_MESSAGE,
            with_machine_info=False,
        )
        s = r.operations[op]
        if s.timing != timing or s.cpu_s is None:
            print(f"oqs_testbed: {alg} {op}: asked for {timing}, timed {s.timing}: {r.notes}")
            return 2
        print(
            f"iterations={s.iterations} cpu_ns={round(s.cpu_s * 1e9)} "
            f"p50_ns={s.p50_us * 1e3:.0f} mean_ns={s.mean_us * 1e3:.0f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
