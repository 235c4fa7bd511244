"""Benchmark one algorithm of one engine, and set it beside its classical baseline.

    >>> from testbed.timing import run_benchmark, baseline_for, compare
    >>> r = run_benchmark("openssl", "ML-KEM-768", time_budget_s=0.3)
    >>> sorted(r.operations)
    ['decaps', 'encaps', 'keygen']
    >>> b = run_benchmark("openssl", baseline_for("ML-KEM-768"), time_budget_s=0.3)
    >>> compare(r, b).wire_bytes  # ML-KEM-768 pk + ct vs X25519 pk + pk
    (2272, 64)

How it measures: each call is timed on its own, so percentiles are per-operation
latencies. ``ops_per_s`` is iterations / summed latencies (the mean), ``ops_per_s_p50`` is
1 / median latency (steadier on a busy machine, where a preempted call inflates the
mean), and ``ops_per_cpu_s`` divides by the CPU time the measuring thread got. The inputs
of each operation (keys, ciphertext, signature) are made once before its loop and checked
once through the public engine API (a decapsulation gives the encapsulated secret, a
signature verifies).

Two timings (``timing``), recorded per operation:

- ``per-call``: ``time.perf_counter_ns`` around each call of the public engine method,
  checks included, exactly as a Python caller pays it (key checks run once per key).
- ``native-loop``: the engine's own loop in C times each call (``Engine.native_loop``;
  liboqs), so a fast operation is not measured together with the crossing from Python
  into C and back (~1-3 us per call on ML-KEM's ~12 us operations).

``auto`` (the default) takes the native loop where the engine has one, else per call.

Iterations are bounded by time: ``time_budget_s`` is the total for the run, split evenly
over the operations; a loop stops once its share has passed (``max_iterations``, None by
default, can stop it earlier; :data:`MAX_SAMPLES` bounds memory). A single call is never
interrupted (a Classic McEliece keygen may overrun a tiny budget), and every operation
runs at least once. ``bench/harness_honesty.py`` checks the per-call figures against a bare
Python loop, ``bench/liboqs_native.py`` both timings against liboqs's own C.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from array import array
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from testbed.engines import Engine, EngineError, Kind, UnsupportedAlgorithm, get_engine
from testbed.engines.interface import NativeLoop
from testbed.engines.registry import engine_statuses

KEM_OPERATIONS = ("keygen", "encaps", "decaps")
SIGNATURE_OPERATIONS = ("keygen", "sign", "verify")
DEFAULT_MESSAGE = b"pqcplan testbed benchmark message: 64 bytes, like a TLS transcript"
TIMINGS = ("auto", "per-call", "native-loop")
#: most latencies kept for one operation (16 MB of samples); time is the usual bound
MAX_SAMPLES = 2_000_000
_TICK_NS = 100_000_000  # progress about every 0.1 s
_NATIVE_CHUNK = 65_536  # calls per native-loop batch at most (its buffer: 512 KB)


@dataclass(frozen=True)
class Progress:
    """Handed to the ``progress`` callback while a benchmark runs."""

    operation: str
    op_index: int
    op_count: int
    iterations: int
    fraction: float  # of the whole run, 0.0 .. 1.0


@dataclass(frozen=True)
class OperationStats:
    operation: str
    iterations: int
    total_s: float
    ops_per_s: float
    mean_us: float
    min_us: float
    p50_us: float
    p95_us: float
    p99_us: float
    max_us: float
    #: 1 / median latency: the rate a typical call achieves
    ops_per_s_p50: float = 0.0
    #: "per-call" or "native-loop" (see the module's docstring)
    timing: str = "per-call"
    #: CPU time the measuring thread got during the loop, and iterations per CPU second
    cpu_s: float | None = None
    ops_per_cpu_s: float | None = None


@dataclass
class BenchmarkResult:
    engine: str
    engine_version: str
    algorithm: str
    kind: str
    operations: dict[str, OperationStats]
    sizes: dict[str, int]
    warmup: int
    time_budget_s: float
    max_iterations: int | None
    started_at: str
    machine: dict[str, Any] = field(default_factory=dict)
    #: raw per-call latencies in ns, per operation (only with ``keep_samples=True``)
    samples_ns: dict[str, list[int]] = field(default_factory=dict)
    #: the timing asked for ("auto", "per-call", "native-loop")
    timing: str = "auto"
    #: what a reader should know, e.g. why an operation was timed per call
    notes: list[str] = field(default_factory=list)

    def ops_per_s(self, operation: str) -> float:
        return self.operations[operation].ops_per_s

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def percentile(sorted_values: list[int], q: float) -> int:
    """Nearest-rank percentile of an ascending list (``q`` in 0..100).

    >>> percentile([1, 2, 3, 4], 50)
    2
    """
    if not sorted_values:
        raise ValueError("no values")
    rank = max(1, -(-len(sorted_values) * q // 100))  # ceil(n*q/100), at least 1
    return sorted_values[min(len(sorted_values), int(rank)) - 1]


def _stats(
    operation: str, samples: list[int], timing: str = "per-call", cpu_ns: int | None = None
) -> OperationStats:
    ordered = sorted(samples)
    total = sum(ordered)
    n = len(ordered)
    p50 = percentile(ordered, 50)
    return OperationStats(
        operation=operation,
        iterations=n,
        total_s=total / 1e9,
        ops_per_s=n / (total / 1e9) if total else float("inf"),
        mean_us=total / n / 1e3,
        min_us=ordered[0] / 1e3,
        p50_us=p50 / 1e3,
        p95_us=percentile(ordered, 95) / 1e3,
        p99_us=percentile(ordered, 99) / 1e3,
        max_us=ordered[-1] / 1e3,
        ops_per_s_p50=1e9 / p50 if p50 else float("inf"),
        timing=timing,
        cpu_s=None if cpu_ns is None else cpu_ns / 1e9,
        ops_per_cpu_s=n / (cpu_ns / 1e9) if cpu_ns else None,
    )


def time_calls(
    fn: Callable[..., object],
    args: tuple[object, ...],
    *,
    budget_ns: int,
    max_iterations: int | None = None,
    on_tick: Callable[[int, int], None] | None = None,
) -> list[int]:
    """Per-call latencies (ns) of ``fn(*args)``: at least one call, at most
    ``max_iterations`` (and :data:`MAX_SAMPLES`), stopping once ``budget_ns`` has elapsed."""
    clock = time.perf_counter_ns
    samples: list[int] = []
    append = samples.append
    start = clock()
    deadline = start + budget_ns
    next_tick = start + _TICK_NS
    for _ in range(_cap(max_iterations)):
        t0 = clock()
        fn(*args)
        t1 = clock()
        append(t1 - t0)
        if t1 >= deadline:
            break
        if on_tick is not None and t1 >= next_tick:
            on_tick(len(samples), t1 - start)
            next_tick = t1 + _TICK_NS
    return samples


def time_native(
    loop: NativeLoop,
    *,
    budget_ns: int,
    max_iterations: int | None = None,
    on_tick: Callable[[int, int], None] | None = None,
) -> list[int]:
    """Like :func:`time_calls` for an engine's native loop, run in batches that end on the
    0.1 s tick (progress between batches) or after :data:`_NATIVE_CHUNK` calls.

    Every batch may hold a whole tick's calls: batches that started small and doubled cost
    a fast operation ~8 returns to Python in its first 0.1 s, each followed by calls on
    caches Python had just used; the engine keeps one buffer for all batches. Latencies
    stay machine integers until the loop is over."""
    clock = time.perf_counter_ns
    cap = _cap(max_iterations)
    samples = array("q")
    start = clock()
    deadline = start + budget_ns
    while True:
        batch_deadline = min(deadline, clock() + _TICK_NS)
        samples.extend(loop(batch_deadline, min(_NATIVE_CHUNK, cap - len(samples))))
        now = clock()
        if len(samples) >= cap or now >= deadline:
            return samples.tolist()
        if on_tick is not None:
            on_tick(len(samples), now - start)


def _cap(max_iterations: int | None) -> int:
    return MAX_SAMPLES if max_iterations is None else min(max_iterations, MAX_SAMPLES)


def _resolve(engine: Engine | str) -> Engine:
    return get_engine(engine) if isinstance(engine, str) else engine


def _plan(engine: Engine, alg: str, message: bytes) -> tuple[str, dict[str, tuple]]:
    """Kind of ``alg`` and, per operation, (bound method, args) with inputs made once and
    checked once through the public API."""
    if engine.supports(alg, Kind.KEM):
        pk, sk = engine.kem_keypair(alg)
        ct, ss = engine.encapsulate(alg, pk)
        if engine.decapsulate(alg, sk, ct) != ss:
            raise EngineError(f"{engine.name} {alg}: decapsulation gave another secret")
        return Kind.KEM.value, {
            "keygen": (engine.kem_keypair, (alg,)),
            "encaps": (engine.encapsulate, (alg, pk)),
            "decaps": (engine.decapsulate, (alg, sk, ct)),
        }
    if engine.supports(alg, Kind.SIGNATURE):
        pk, sk = engine.sign_keypair(alg)
        sig = engine.sign(alg, sk, message)
        if not engine.verify(alg, pk, message, sig):
            raise EngineError(f"{engine.name} {alg}: its own signature does not verify")
        return Kind.SIGNATURE.value, {
            "keygen": (engine.sign_keypair, (alg,)),
            "sign": (engine.sign, (alg, sk, message)),
            "verify": (engine.verify, (alg, pk, message, sig)),
        }
    raise UnsupportedAlgorithm(f"engine {engine.name!r} has no algorithm {alg!r}")


def _native_loop(
    eng: Engine, alg: str, op: str, args: tuple[object, ...], timing: str, notes: list[str]
) -> NativeLoop | None:
    """The engine's native loop for ``op`` when ``timing`` wants one, noting why not."""
    if timing == "per-call":
        return None
    loop = eng.native_loop(alg, op, args[1:])
    if loop is None:
        problem = eng.native_loop_problem()
        if problem or timing == "native-loop":
            reason = problem or "the engine has no native loop"
            notes.append(f"{op}: timed per call ({reason})")
    return loop


def run_benchmark(
    engine: Engine | str,
    alg: str,
    *,
    operations: list[str] | tuple[str, ...] | None = None,
    warmup: int = 3,
    time_budget_s: float = 3.0,
    max_iterations: int | None = None,
    message: bytes = DEFAULT_MESSAGE,
    progress: Callable[[Progress], None] | None = None,
    with_machine_info: bool = True,
    keep_samples: bool = False,
    timing: str = "auto",
) -> BenchmarkResult:
    """Measure keygen/encaps/decaps (KEM) or keygen/sign/verify (signature) of ``alg``.

    ``operations`` picks a subset (default: all three); ``warmup`` untimed calls precede
    each loop (cut short after a quarter of the operation's budget); ``time_budget_s``
    is the total for the run, split evenly over the operations; ``max_iterations``
    (optional) caps each loop. ``timing`` is one of :data:`TIMINGS`. ``progress`` is
    called at the start and end of each operation and about every 0.1 s in between.
    ``keep_samples`` keeps the raw per-call latencies.
    Raises :class:`UnsupportedAlgorithm` for an unknown ``alg``.
    """
    if time_budget_s <= 0 or (max_iterations is not None and max_iterations < 1) or warmup < 0:
        raise ValueError("time_budget_s must be > 0, max_iterations >= 1, warmup >= 0")
    if timing not in TIMINGS:
        raise ValueError(f"timing must be one of {list(TIMINGS)}, got {timing!r}")
    eng = _resolve(engine)
    started = datetime.now(UTC).isoformat(timespec="seconds")
    kind, plan = _plan(eng, alg, message)
    names = list(plan) if operations is None else list(operations)
    unknown = [op for op in names if op not in plan]
    if unknown or not names:
        raise ValueError(f"operations for a {kind} are {list(plan)}, got {names}")
    per_op_ns = int(time_budget_s * 1e9 / len(names))
    results: dict[str, OperationStats] = {}
    raw: dict[str, list[int]] = {}
    notes: list[str] = []
    for index, op in enumerate(names):
        fn, args = plan[op]
        loop = _native_loop(eng, alg, op, args, timing, notes)

        def report(done: int, elapsed_ns: int, *, _op: str = op, _i: int = index) -> None:
            if progress is not None:
                part = min(1.0, elapsed_ns / per_op_ns)
                progress(Progress(_op, _i, len(names), done, (_i + part) / len(names)))

        report(0, 0)
        warm_deadline = time.perf_counter_ns() + per_op_ns // 4
        if loop is not None and warmup:
            loop(warm_deadline, warmup)
        for _ in range(0 if loop is not None else warmup):
            fn(*args)
            if time.perf_counter_ns() > warm_deadline:
                break
        tick = report if progress is not None else None
        cpu0 = time.thread_time_ns()
        if loop is not None:
            samples = time_native(
                loop, budget_ns=per_op_ns, max_iterations=max_iterations, on_tick=tick
            )
        else:
            samples = time_calls(
                fn, args, budget_ns=per_op_ns, max_iterations=max_iterations, on_tick=tick
            )
        cpu_ns = time.thread_time_ns() - cpu0
        results[op] = _stats(op, samples, "native-loop" if loop is not None else "per-call", cpu_ns)
        if keep_samples:
            raw[op] = samples
        report(len(samples), per_op_ns)
    sizes = eng.sizes(alg).as_dict()
    if kind == Kind.SIGNATURE.value:
        sizes["signature_measured"] = len(plan["verify"][1][3])
    return BenchmarkResult(
        engine=eng.name,
        engine_version=eng.version,
        algorithm=alg,
        kind=kind,
        operations=results,
        sizes=sizes,
        warmup=warmup,
        time_budget_s=time_budget_s,
        max_iterations=max_iterations,
        started_at=started,
        machine=machine_info() if with_machine_info else {},
        samples_ns=raw,
        timing=timing,
        notes=notes,
    )


# --------------------------------------------------------------------------------------
# The machine


_CPU_FLAGS = ("avx2", "avx512f", "aes", "vaes", "bmi2", "sha_ni", "adx")


@lru_cache(maxsize=1)
def _cpu() -> tuple[str, frozenset[str]]:
    model = platform.processor() or platform.machine()
    flags: frozenset[str] = frozenset()
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "model name" and model in ("", platform.machine()):
                    model = value.strip()
                elif key in ("flags", "Features") and not flags:
                    flags = frozenset(value.split())
    except OSError:
        pass
    return model, flags


def machine_info() -> dict[str, Any]:
    """CPU model and crypto-relevant flags, cores, Python and engine versions."""
    model, flags = _cpu()
    return {
        "cpu_model": model,
        "cpu_flags": {f: f in flags for f in _CPU_FLAGS}
        | {"avx512": any(f.startswith("avx512") for f in flags)},
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "machine": platform.machine(),
        "system": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_implementation()} {sys.version.split()[0]}",
        "engines": {
            s.name: (s.version if s.available else f"unavailable: {s.reason}")
            for s in engine_statuses()
        },
    }


# --------------------------------------------------------------------------------------
# Classical baselines and side-by-side comparison

#: explicit baselines: the classical algorithm doing the same job at a similar level
_BASELINES: dict[str, str] = {
    "ML-KEM-512": "X25519",
    "ML-KEM-768": "X25519",
    "ML-KEM-1024": "ECDH-P384",
    "X25519MLKEM768": "X25519",
    "Kyber512": "X25519",
    "Kyber768": "X25519",
    "Kyber1024": "ECDH-P384",
    "sntrup761": "X25519",
    "ML-DSA-44": "ECDSA-P256",
    "ML-DSA-65": "ECDSA-P256",
    "ML-DSA-87": "ECDSA-P384",
    "Falcon-512": "ECDSA-P256",
    "Falcon-1024": "ECDSA-P384",
    "Falcon-padded-512": "ECDSA-P256",
    "Falcon-padded-1024": "ECDSA-P384",
}

_CLASSICAL = {
    "X25519",
    "ECDH-P256",
    "ECDH-P384",
    "RSA-2048",
    "RSA-3072",
    "ECDSA-P256",
    "ECDSA-P384",
    "Ed25519",
}

_KEM_PREFIXES = (
    "HQC-",
    "BIKE-",
    "FrodoKEM-",
    "eFrodoKEM-",
    "Classic-McEliece-",
    "sntrup",
    "SMAUG-T-",
    "NTRU+KEM-",
)
_SIG_PREFIXES = (
    "SLH-DSA-",
    "SPHINCS+-",
    "MAYO-",
    "cross-",
    "OV-",
    "Dilithium",
    "HAETAE-",
    "AIMer-",
)

#: the NIST standard at the same category, for the KpqC winners (NTRU+: the category its
#: designers target, which the catalog's sources do not state)
_NIST_PEERS: dict[str, str] = {
    "SMAUG-T-128": "ML-KEM-512",
    "SMAUG-T-192": "ML-KEM-768",
    "SMAUG-T-256": "ML-KEM-1024",
    "NTRU+KEM-768": "ML-KEM-512",
    "NTRU+KEM-864": "ML-KEM-768",
    "NTRU+KEM-1152": "ML-KEM-1024",
    "HAETAE-2": "ML-DSA-44",
    "HAETAE-3": "ML-DSA-65",
    "HAETAE-5": "ML-DSA-87",
    **{f"AIMer-{r}128{v}": "ML-DSA-44" for v in "fs" for r in ("", "AIM3-")},
    **{f"AIMer-{r}192{v}": "ML-DSA-65" for v in "fs" for r in ("", "AIM3-")},
    **{f"AIMer-{r}256{v}": "ML-DSA-87" for v in "fs" for r in ("", "AIM3-")},
}


def nist_peer_for(alg: str) -> str | None:
    """The NIST standard (ML-KEM / ML-DSA) at the same category as a KpqC ``alg``.

    >>> nist_peer_for("SMAUG-T-192"), nist_peer_for("HAETAE-5"), nist_peer_for("ML-KEM-768")
    ('ML-KEM-768', 'ML-DSA-87', None)
    """
    return _NIST_PEERS.get(alg)


def baseline_for(alg: str) -> str | None:
    """The classical algorithm a post-quantum ``alg`` replaces, for comparisons.

    KEMs compare with X25519 (ECDH-P384 at NIST level 5), signatures with ECDSA-P256
    (ECDSA-P384 at level 5 / 256-bit parameter sets). ``None`` for classical algorithms
    and names it cannot place.

    >>> baseline_for("ML-KEM-768"), baseline_for("ML-DSA-87"), baseline_for("RSA-2048")
    ('X25519', 'ECDSA-P384', None)
    """
    if alg in _BASELINES:
        return _BASELINES[alg]
    if alg in _CLASSICAL:
        return None
    high = any(
        marker in alg
        for marker in (
            "256",
            "1024",
            "L5",
            "1344",
            "6688128",
            "6960119",
            "8192128",
            "-V",
            "MAYO-5",
            "HQC-5",
            "Dilithium5",
            "sntrup1013",
            "sntrup1277",
            "NTRU+KEM-1152",
            "HAETAE-5",
        )
    )
    if alg.startswith(_KEM_PREFIXES):
        return "ECDH-P384" if high else "X25519"
    if alg.startswith(_SIG_PREFIXES):
        return "ECDSA-P384" if high else "ECDSA-P256"
    return None


@dataclass(frozen=True)
class Comparison:
    algorithm: str
    baseline: str
    kind: str
    #: bytes on the wire: KEM key exchange = public key + ciphertext; signature = public
    #: key + signature (what a certificate chain carries per link)
    wire_bytes: tuple[int, int]
    wire_ratio: float
    #: per operation: (pq p50 us, baseline p50 us, pq/baseline latency ratio)
    latency: dict[str, tuple[float, float, float]]
    #: per operation: (pq ops/s, baseline ops/s)
    throughput: dict[str, tuple[float, float]]

    def rows(self) -> list[tuple[str, str, str, str]]:
        out = [
            (
                "wire bytes",
                str(self.wire_bytes[0]),
                str(self.wire_bytes[1]),
                f"x{self.wire_ratio:.1f}",
            )
        ]
        for op, (pq, base, ratio) in self.latency.items():
            out.append((f"{op} p50 us", f"{pq:.1f}", f"{base:.1f}", f"x{ratio:.2f}"))
        return out


def wire_bytes(result: BenchmarkResult) -> int:
    s = result.sizes
    if result.kind == Kind.KEM.value:
        return s["public_key"] + s["ciphertext"]
    return s["public_key"] + s.get("signature_measured", s.get("signature", 0))


def compare(pq: BenchmarkResult, baseline: BenchmarkResult) -> Comparison:
    """Side by side: wire bytes and latency/throughput ratios per common operation."""
    if pq.kind != baseline.kind:
        raise ValueError(f"cannot compare a {pq.kind} with a {baseline.kind}")
    latency = {}
    throughput = {}
    for op, stats in pq.operations.items():
        other = baseline.operations.get(op)
        if other is None:
            continue
        ratio = stats.p50_us / other.p50_us if other.p50_us else float("inf")
        latency[op] = (stats.p50_us, other.p50_us, ratio)
        throughput[op] = (stats.ops_per_s, other.ops_per_s)
    a, b = wire_bytes(pq), wire_bytes(baseline)
    return Comparison(
        algorithm=pq.algorithm,
        baseline=baseline.algorithm,
        kind=pq.kind,
        wire_bytes=(a, b),
        wire_ratio=a / b if b else float("inf"),
        latency=latency,
        throughput=throughput,
    )


def benchmark_with_baseline(
    engine: Engine | str,
    alg: str,
    *,
    baseline_engine: Engine | str = "openssl",
    **kwargs: Any,
) -> tuple[BenchmarkResult, BenchmarkResult | None, Comparison | None]:
    """Benchmark ``alg`` and its :func:`baseline_for` (on ``baseline_engine``)."""
    result = run_benchmark(engine, alg, **kwargs)
    base_alg = baseline_for(alg)
    if base_alg is None:
        return result, None, None
    base = run_benchmark(baseline_engine, base_alg, **kwargs)
    return result, base, compare(result, base)
