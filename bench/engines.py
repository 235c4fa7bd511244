"""Side-by-side figures: each algorithm in every engine that has it, and its baseline.

    .venv/bin/python bench/engines.py [--budget 0.6] [--algs ML-KEM-768,ML-DSA-65] [--json]

For KEMs the columns are keygen / encaps / decaps per second, for signatures keygen /
sign / verify; "wire" is public key + ciphertext (a key exchange) or public key +
signature. The second table sets each post-quantum algorithm beside its classical
baseline (``testbed.timing.baseline_for``), on the fastest engine for both.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import record

from testbed.engines import engine_statuses, engines_for
from testbed.timing import (
    BenchmarkResult,
    baseline_for,
    compare,
    machine_info,
    run_benchmark,
    wire_bytes,
)

TINY_ARGS = ["--budget", "0.02", "--algs", "ML-KEM-768,X25519,ML-DSA-44,Ed25519"]
DEFAULT_ALGS = [
    "ML-KEM-512",
    "ML-KEM-768",
    "ML-KEM-1024",
    "X25519MLKEM768",
    "Kyber768",
    "HQC-128",
    "BIKE-L1",
    "FrodoKEM-640-AES",
    "sntrup761",
    "SMAUG-T-192",
    "NTRU+KEM-864",
    "X25519",
    "ECDH-P256",
    "ECDH-P384",
    "RSA-2048",
    "ML-DSA-44",
    "ML-DSA-65",
    "ML-DSA-87",
    "Falcon-512",
    "SLH-DSA-SHA2-128f",
    "SPHINCS+-SHA2-128f-simple",
    "HAETAE-3",
    "AIMer-AIM3-192f",
    "ECDSA-P256",
    "ECDSA-P384",
    "Ed25519",
]
# whose latency ratio to the classical baseline goes to the README's table (recorded runs)
HEADLINE = ("ML-KEM-768", "X25519MLKEM768", "ML-DSA-44", "ML-DSA-65")


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if x >= 10 else f"{x:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=0.6, help="seconds per benchmark")
    parser.add_argument("--algs", default=",".join(DEFAULT_ALGS))
    parser.add_argument("--json", action="store_true", help="print JSON results instead")
    opts = parser.parse_args()

    info = machine_info()
    results: list[BenchmarkResult] = []
    for alg in opts.algs.split(","):
        for engine in engines_for(alg):
            results.append(
                run_benchmark(engine, alg, time_budget_s=opts.budget, with_machine_info=False)
            )
    if opts.json:
        print(json.dumps({"machine": info, "results": [r.to_dict() for r in results]}))
        return 0

    flags = [f for f, on in info["cpu_flags"].items() if on]
    print(f"CPU: {info['cpu_model']} ({info['cores']} cores; {' '.join(flags)})")
    print(f"Python: {info['python']}")
    for s in engine_statuses():
        print(f"  {s.name:8} {s.version if s.available else 'unavailable: ' + str(s.reason)}")
    print()
    header = f"{'algorithm':27} {'engine':8} {'op/s: keygen':>13} {'enc|sign':>10} "
    header += f"{'dec|verify':>10} {'pk':>7} {'ct|sig':>6} {'wire':>7}"
    print(header)
    print("-" * len(header))
    for r in results:
        ops = list(r.operations.values())
        ct_or_sig = r.sizes.get("ciphertext", r.sizes.get("signature_measured", 0))
        print(
            f"{r.algorithm:27} {r.engine:8} {_fmt(ops[0].ops_per_s):>13} "
            f"{_fmt(ops[1].ops_per_s):>10} {_fmt(ops[2].ops_per_s):>10} "
            f"{r.sizes['public_key']:>7} {ct_or_sig:>6} {wire_bytes(r):>7}"
        )

    print()
    print(f"{'post-quantum (engine)':34} {'baseline':11} {'wire':>13} {'latency ratio p50':>30}")
    fastest: dict[str, BenchmarkResult] = {}
    for r in results:
        best = fastest.get(r.algorithm)
        score = sum(s.p50_us for s in r.operations.values())
        if best is None or score < sum(s.p50_us for s in best.operations.values()):
            fastest[r.algorithm] = r
    for alg, r in list(fastest.items()):
        base_alg = baseline_for(alg)
        if base_alg is None:
            continue
        base = fastest.get(base_alg)
        if base is None:
            base_engines = engines_for(base_alg)
            if not base_engines:
                continue
            base = run_benchmark(
                base_engines[0], base_alg, time_budget_s=opts.budget, with_machine_info=False
            )
            fastest[base_alg] = base
        c = compare(r, base)
        ratios = " ".join(f"{op} x{ratio:.1f}" for op, (_, _, ratio) in c.latency.items())
        print(
            f"{alg + ' (' + r.engine + ')':34} {base_alg:11} "
            f"{c.wire_bytes[0]:>6}/{c.wire_bytes[1]:<6} {ratios:>30}"
        )
        if alg in HEADLINE:
            for op, (_, _, ratio) in c.latency.items():
                record(
                    f"{alg} ({r.engine}) {op}, p50 latency / {base_alg} ({base.engine})",
                    ratio,
                    "x",
                    size=f"{opts.budget:g} s per algorithm and engine",
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
