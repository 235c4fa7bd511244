"""Does the benchmark harness report what a bare loop would measure?

For several algorithms and engines, compare ops/s from ``testbed.timing.run_benchmark``
with ops/s of a bare Python loop calling the same engine method with the same kind of
inputs (``for _ in range(n): fn(*args)``, timed as a whole). The ratio harness / bare
should be within 5% of 1.0: the harness's two clock reads per call must not inflate or
deflate the figures.

Two comparisons are printed:

- ``mean``: the harness's headline ``ops_per_s`` (iterations / summed latencies) against
  whole-loop ops/s, medians over interleaved rounds. On a busy machine both swing with
  the other processes' load.
- ``robust``: both cut into chunks of about 5 ms (consecutive per-call latencies for the
  harness, timed blocks of calls for the bare loop), ops/s per chunk, median over all
  chunks. A chunk hit by preemption is an outlier and drops out of the median.
- ``paired``: the median over rounds of (harness ops/s / bare ops/s) of the two
  measurements taken back to back in that round; slow drift in the machine's load
  cancels within each pair. It decides the exit status.

    .venv/bin/python bench/harness_honesty.py [--budget 0.15] [--rounds 25]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import record

from testbed.engines import get_engine
from testbed.timing import _plan, run_benchmark, time_calls

# At a tiny budget the ratios are noise: the tiny run proves the script runs, not the claim.
TINY_ARGS = ["--budget", "0.005", "--rounds", "2", "--tolerance", "10"]
CASES = [
    ("liboqs", "ML-KEM-768", "encaps"),
    ("liboqs", "ML-KEM-768", "decaps"),
    ("liboqs", "ML-DSA-65", "verify"),
    ("openssl", "ML-KEM-768", "encaps"),
    ("openssl", "X25519", "keygen"),
    ("openssl", "ML-DSA-65", "sign"),
    ("openssl", "Ed25519", "verify"),
    ("pqclean", "ML-KEM-768", "decaps"),
    ("pqclean", "ML-DSA-65", "sign"),
    ("liboqs", "Falcon-512", "sign"),
]
CHUNK_NS = 5_000_000
MIN_CALLS = 150


def chunk_rates(samples_ns: list[int], k: int) -> list[float]:
    """ops/s of consecutive chunks of ``k`` per-call latencies (one chunk of all of them when
    a short run took fewer than ``k`` calls, as at the tiny CI budget on a loaded machine)."""
    k = max(1, min(k, len(samples_ns)))
    return [
        k * 1e9 / sum(samples_ns[i : i + k])
        for i in range(0, len(samples_ns) - k + 1, k)
        if sum(samples_ns[i : i + k]) > 0
    ]


def bare_loop(fn, args, seconds: float, k: int) -> tuple[float, list[float]]:
    """Bare calls in timed blocks of ``k``: (whole-loop ops/s, per-block ops/s)."""
    clock = time.perf_counter_ns
    rates = []
    calls = 0
    start = clock()
    deadline = start + int(seconds * 1e9)
    while True:
        t0 = clock()
        for _ in range(k):
            fn(*args)
        t1 = clock()
        calls += k
        rates.append(k * 1e9 / (t1 - t0))
        if t1 >= deadline:
            break
    return calls * 1e9 / (t1 - start), rates


def measure(engine, alg: str, op: str, budget: float, rounds: int):
    """Interleaved rounds, alternating which goes first so load drift hits both alike."""
    _, plan = _plan(engine, alg, b"pqcplan testbed benchmark message")
    fn, args = plan[op]
    probe = run_benchmark(engine, alg, operations=[op], time_budget_s=0.05, with_machine_info=False)
    k = max(1, round(CHUNK_NS / 1e3 / probe.operations[op].p50_us))
    # slow, variable-time operations (ML-DSA signing loops a random number of times) need
    # enough calls per measurement for a stable mean: at least MIN_CALLS
    budget = max(budget, MIN_CALLS / probe.operations[op].ops_per_s)
    h_mean, b_mean, h_chunks, b_chunks = [], [], [], []
    for i in range(rounds):
        for which in ("h", "b") if i % 2 == 0 else ("b", "h"):
            if which == "h":
                r = run_benchmark(
                    engine,
                    alg,
                    operations=[op],
                    time_budget_s=budget,
                    max_iterations=10**9,
                    with_machine_info=False,
                    keep_samples=True,
                )
                h_mean.append(r.ops_per_s(op))
                h_chunks += chunk_rates(r.samples_ns[op], k)
            else:
                whole, rates = bare_loop(fn, args, budget, k)
                b_mean.append(whole)
                b_chunks += rates
    paired = statistics.median(h / b for h, b in zip(h_mean, b_mean, strict=True))
    return (
        statistics.median(h_mean),
        statistics.median(b_mean),
        statistics.median(h_chunks),
        statistics.median(b_chunks),
        paired,
    )


def timer_overhead_ns(n: int = 200_000) -> float:
    """What the harness adds per call: its loop with two clock reads, minus a bare loop,
    both around the same trivial call (the median of several tries)."""

    def noop() -> None:
        return None

    tries = []
    for _ in range(7):
        timed = sum(time_calls(noop, (), budget_ns=10**10, max_iterations=n))
        t0 = time.perf_counter_ns()
        for _ in range(n):
            noop()
        bare = time.perf_counter_ns() - t0
        # the summed latencies exclude the loop itself; compare per call
        tries.append(timed / n - bare / n)
    return statistics.median(tries)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=0.15, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=25, help="interleaved repetitions")
    parser.add_argument(
        "--tolerance", type=float, default=0.05, help="largest paired deviation that passes"
    )
    opts = parser.parse_args()

    print(
        f"{'engine':8} {'algorithm':11} {'op':7} {'harness/s':>10} {'bare/s':>10} "
        f"{'mean':>6}   {'harness/s':>10} {'bare/s':>10} {'robust':>6} {'paired':>6}"
    )
    worst = worst_mean = worst_paired = 0.0
    fastest_us = float("inf")
    for engine_name, alg, op in CASES:
        engine = get_engine(engine_name)
        hm, bm, hr, br, paired = measure(engine, alg, op, opts.budget, opts.rounds)
        fastest_us = min(fastest_us, 1e6 / bm)
        worst_mean = max(worst_mean, abs(hm / bm - 1))
        worst_paired = max(worst_paired, abs(paired - 1))
        worst = max(worst, abs(hr / br - 1))
        print(
            f"{engine_name:8} {alg:11} {op:7} {hm:10.0f} {bm:10.0f} {hm / bm:6.3f}   "
            f"{hr:10.0f} {br:10.0f} {hr / br:6.3f} {paired:6.3f}"
        )
    print(
        f"largest deviation from 1.0: paired {worst_paired * 100:.1f}%, robust "
        f"{worst * 100:.1f}%, mean {worst_mean * 100:.1f}% (target: within 5%)"
    )
    size = f"{len(CASES)} operations x {opts.rounds} rounds x {opts.budget:g} s"
    record(
        "harness vs bare loop, largest deviation (paired)",
        worst_paired * 100,
        "%",
        target="within 5%",
        met=worst_paired <= 0.05,
        size=size,
    )
    record("harness vs bare loop, largest deviation (robust)", worst * 100, "%", size=size)
    record("harness vs bare loop, largest deviation (mean)", worst_mean * 100, "%", size=size)
    overhead = timer_overhead_ns()
    print(
        f"timer overhead in the harness: {overhead:+.0f} ns per call, "
        f"{overhead / (fastest_us * 1e3) * 100:+.2f}% of the fastest operation above "
        f"({fastest_us:.1f} us)"
    )
    record("harness timer overhead per call", overhead, "ns", size=size)
    return 0 if worst_paired <= opts.tolerance else 1


if __name__ == "__main__":
    raise SystemExit(main())
