"""Timing modes (native loop, per call), time-bounded loops, key checks once per key, and
engines left out of a benchmark saying so."""

from __future__ import annotations

import time
from collections.abc import Sequence

import pytest

from testbed import benchmark_runs
from testbed.engines import InvalidKey, get_engine
from testbed.engines import interface as engine_interface
from testbed.timing import _plan, run_benchmark, time_native

from .conftest import MCELIECE_TESTED


def test_liboqs_times_every_operation_in_its_native_loop_by_default() -> None:
    r = run_benchmark("liboqs", "ML-KEM-512", time_budget_s=0.15, with_machine_info=False)
    assert r.timing == "auto" and r.notes == []
    for s in r.operations.values():
        assert s.timing == "native-loop"
        assert s.ops_per_s_p50 == pytest.approx(1e6 / s.p50_us)
        assert s.cpu_s is not None and s.cpu_s > 0
        assert s.ops_per_cpu_s == pytest.approx(s.iterations / s.cpu_s)
    per_call = run_benchmark(
        "liboqs", "ML-DSA-44", time_budget_s=0.15, timing="per-call", with_machine_info=False
    )
    assert {s.timing for s in per_call.operations.values()} == {"per-call"}


def test_an_engine_without_a_native_loop_says_it_timed_per_call() -> None:
    r = run_benchmark(
        "openssl", "X25519", time_budget_s=0.06, timing="native-loop", with_machine_info=False
    )
    assert {s.timing for s in r.operations.values()} == {"per-call"}
    assert r.notes == [
        f"{op}: timed per call (the engine has no native loop)"
        for op in ("keygen", "encaps", "decaps")
    ]
    with pytest.raises(ValueError, match="timing must be one of"):
        run_benchmark("openssl", "X25519", time_budget_s=0.06, timing="fast")


def test_loops_end_on_time_unless_a_cap_is_given() -> None:
    engine = get_engine("liboqs")
    _, plan = _plan(engine, "ML-KEM-512", b"")
    loop = engine.native_loop("ML-KEM-512", "encaps", plan["encaps"][1][1:])
    assert loop is not None
    started = time.perf_counter_ns()
    samples = time_native(loop, budget_ns=250_000_000)
    assert time.perf_counter_ns() - started >= 250_000_000  # time, not a count, ended it
    assert len(samples) > 1 and all(s > 0 for s in samples)
    assert len(time_native(loop, budget_ns=10**10, max_iterations=7)) == 7


def test_native_batches_last_a_tick_and_keep_their_samples() -> None:
    """A fast operation's native loop returns to Python about once per 0.1 s tick (batches
    that started at 64 calls and doubled returned ~10 times in 0.25 s), its buffer is
    reused, and what one batch returned is not overwritten by the next."""
    engine = get_engine("liboqs")
    _, plan = _plan(engine, "ML-KEM-512", b"")
    loop = engine.native_loop("ML-KEM-512", "encaps", plan["encaps"][1][1:])
    assert loop is not None
    batches: list[int] = []

    def counted(deadline_ns: int, capacity: int) -> Sequence[int]:
        got = loop(deadline_ns, capacity)
        batches.append(len(got))
        return got

    samples = time_native(counted, budget_ns=250_000_000)
    assert len(batches) <= 4, batches  # 3 ticks (0.1, 0.2, 0.25 s), one spare
    assert sum(batches) == len(samples) and all(s > 0 for s in samples)
    far = time.perf_counter_ns() + 10**10
    first = loop(far, 50)
    kept = list(first)
    second = loop(far, 50)
    assert len(first) == len(second) == 50
    assert list(first) == kept  # a copy, not a view of the reused buffer


def test_native_loop_runs_every_liboqs_algorithm_and_reports_failures() -> None:
    """Each liboqs algorithm's three operations once in C (the slowest parameter sets of
    families already covered are left to bench/liboqs_native.py)."""
    engine = get_engine("liboqs")
    slow = [
        a
        for a in engine.algorithms()
        if (a.startswith("Classic-McEliece-") and a != MCELIECE_TESTED)
        or (a.startswith("SPHINCS+-") and "s-simple" in a)
    ]
    for alg in engine.algorithms():
        if alg in slow:
            continue
        _, plan = _plan(engine, alg, b"message")
        for op, (_, args) in plan.items():
            loop = engine.native_loop(alg, op, args[1:])
            assert loop is not None and len(loop(0, 1)) == 1, (alg, op)
    pk, sk = engine.sign_keypair("ML-DSA-44")
    forged = engine.native_loop(
        "ML-DSA-44", "verify", (pk, b"another message", engine.sign("ML-DSA-44", sk, b"m"))
    )
    assert forged is not None
    with pytest.raises(RuntimeError, match="ML-DSA-44 verify: a signature failed to verify"):
        forged(0, 1)


@pytest.mark.parametrize("engine_name", ["liboqs", "pqclean"])
def test_fips203_key_checks_run_once_per_key(
    engine_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = get_engine(engine_name)
    calls = {"ek": 0, "dk": 0}
    real_ek = engine_interface.mlkem_encapsulation_key_ok
    real_dk = engine_interface.mlkem_decapsulation_key_ok

    def counted_ek(alg: str, key: bytes) -> bool:
        calls["ek"] += 1
        return real_ek(alg, key)

    def counted_dk(alg: str, key: bytes) -> bool:
        calls["dk"] += 1
        return real_dk(alg, key)

    monkeypatch.setattr(engine_interface, "mlkem_encapsulation_key_ok", counted_ek)
    monkeypatch.setattr(engine_interface, "mlkem_decapsulation_key_ok", counted_dk)
    engine._passed_keys.clear()  # (a full set is emptied on the next insert)
    pk, sk = engine.kem_keypair("ML-KEM-768")
    for _ in range(5):
        ct, ss = engine.encapsulate("ML-KEM-768", bytes(pk))  # equal bytes, new objects
        assert engine.decapsulate("ML-KEM-768", bytes(sk), ct) == ss
    assert calls == {"ek": 1, "dk": 1}
    # a key that fails is refused every time (only keys that passed are remembered)
    bad_dk = sk[: 768 * 3 + 32] + bytes(32) + sk[768 * 3 + 64 :]  # H(ek) zeroed
    bad_ek = b"\xff" * 384 * 3 + pk[384 * 3 :]
    for _ in range(2):
        with pytest.raises(InvalidKey, match="hash check"):
            engine.decapsulate("ML-KEM-768", bad_dk, ct)
        with pytest.raises(InvalidKey, match="modulus check"):
            engine.encapsulate("ML-KEM-768", bad_ek)
    assert calls == {"ek": 3, "dk": 3}


def test_an_engine_left_out_of_an_algorithm_is_named() -> None:
    named = benchmark_runs.BenchmarkRequest(
        algorithms=["ML-KEM-512"], engines=["liboqs", "openssl"], include_baseline=False
    )
    runs, skipped = benchmark_runs.plan_with_skips(named)
    assert [(r.engine, r.algorithm) for r in runs] == [("liboqs", "ML-KEM-512")]
    assert skipped == ["openssl: skipped for ML-KEM-512 (it has no ML-KEM-512)"]
    every = benchmark_runs.BenchmarkRequest(algorithms=["ML-DSA-44"], include_baseline=False)
    runs, skipped = benchmark_runs.plan_with_skips(every)
    assert {r.engine for r in runs} == {"liboqs", "openssl", "pqclean"}
    assert skipped == ["kpqc: skipped for ML-DSA-44 (it has no ML-DSA-44)"]
