"""Does the benchmark harness report what a bare loop would measure?

For several algorithms and engines, compare ops/s from ``testbed.benchmark.run_benchmark``
with ops/s of a bare Python loop calling the same engine method with the same inputs
(``for _ in range(n): fn(*args)``, timed as a whole). The ratio harness / bare should be
within 5% of 1.0: the harness's two clock reads per call must not inflate or deflate the
figures. Each pair is measured a few times, interleaved, and the medians are compared.

    .venv/bin/python bench/harness_honesty.py [--budget 1.0] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from testbed.benchmark import _plan, run_benchmark
from testbed.engines import get_engine

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


def bare_ops_per_s(fn, args, seconds: float) -> float:
    """Calibrate n to about ``seconds`` then time ``n`` bare calls as a whole."""
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn(*args)
        elapsed = time.perf_counter() - t0
        if elapsed >= seconds / 4 or n >= 1 << 22:
            break
        n *= 4
    n = max(1, int(n * seconds / max(elapsed, 1e-9)))
    t0 = time.perf_counter()
    for _ in range(n):
        fn(*args)
    return n / (time.perf_counter() - t0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=1.0, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved repetitions")
    opts = parser.parse_args()

    print(f"{'engine':8} {'algorithm':11} {'op':7} {'harness/s':>11} {'bare/s':>11} {'ratio':>7}")
    worst = 0.0
    for engine_name, alg, op in CASES:
        engine = get_engine(engine_name)
        _, plan = _plan(engine, alg, b"pqcplan testbed benchmark message")
        fn, args = plan[op]
        harness, bare = [], []
        for _ in range(opts.rounds):
            r = run_benchmark(
                engine,
                alg,
                operations=[op],
                time_budget_s=opts.budget,
                max_iterations=10**9,
                with_machine_info=False,
            )
            harness.append(r.ops_per_s(op))
            bare.append(bare_ops_per_s(fn, args, opts.budget))
        h, b = statistics.median(harness), statistics.median(bare)
        ratio = h / b
        worst = max(worst, abs(ratio - 1))
        print(f"{engine_name:8} {alg:11} {op:7} {h:11.0f} {b:11.0f} {ratio:7.3f}")
    print(f"largest deviation from 1.0: {worst * 100:.1f}% (target: within 5%)")
    return 0 if worst <= 0.05 else 1


if __name__ == "__main__":
    raise SystemExit(main())
