"""The benchmark harness: result shape, caps, progress, baselines and comparisons."""

from __future__ import annotations

import json
import time

import pytest

from testbed.engines import UnsupportedAlgorithm, get_engine
from testbed.timing import (
    BenchmarkResult,
    Progress,
    baseline_for,
    benchmark_with_baseline,
    compare,
    machine_info,
    percentile,
    run_benchmark,
    time_calls,
    wire_bytes,
)


def test_kem_result_shape() -> None:
    r = run_benchmark("liboqs", "ML-KEM-768", time_budget_s=0.3, max_iterations=200)
    assert isinstance(r, BenchmarkResult)
    assert (r.engine, r.algorithm, r.kind) == ("liboqs", "ML-KEM-768", "kem")
    assert list(r.operations) == ["keygen", "encaps", "decaps"]
    for op, s in r.operations.items():
        assert s.operation == op
        assert 1 <= s.iterations <= 200
        assert s.ops_per_s > 0
        assert 0 < s.min_us <= s.p50_us <= s.p95_us <= s.p99_us <= s.max_us
        assert s.ops_per_s == pytest.approx(s.iterations / s.total_s)
    assert r.sizes == {
        "public_key": 1184,
        "secret_key": 2400,
        "ciphertext": 1088,
        "shared_secret": 32,
    }
    assert r.machine["cores"] >= 1
    assert "liboqs" in r.machine["engines"]
    json.dumps(r.to_dict())  # serialisable as a job result


def test_signature_result_shape_and_operation_subset() -> None:
    r = run_benchmark(
        get_engine("openssl"),
        "ML-DSA-65",
        operations=["sign", "verify"],
        time_budget_s=0.2,
        with_machine_info=False,
    )
    assert r.kind == "signature"
    assert list(r.operations) == ["sign", "verify"]
    assert r.sizes["signature"] == 3309
    assert r.sizes["signature_measured"] == 3309
    assert r.machine == {}


def test_iteration_cap_is_respected() -> None:
    r = run_benchmark("openssl", "X25519", max_iterations=7, time_budget_s=10, warmup=0)
    assert all(s.iterations == 7 for s in r.operations.values())


def test_time_budget_is_respected() -> None:
    started = time.monotonic()
    r = run_benchmark("pqclean", "ML-KEM-512", time_budget_s=0.3, max_iterations=10**9)
    elapsed = time.monotonic() - started
    assert elapsed < 0.3 + 1.0  # budget plus setup and warmup slack
    # each op got about a third of the budget (the loop stops at the first call past it)
    for s in r.operations.values():
        assert s.iterations > 1
        assert s.total_s < 0.1 + 0.05


def test_slow_operation_runs_at_least_once() -> None:
    r = run_benchmark("pqclean", "ML-DSA-65", operations=["sign"], time_budget_s=1e-7, warmup=0)
    assert r.operations["sign"].iterations == 1


def test_progress_reports_fractions_in_order() -> None:
    seen: list[Progress] = []
    run_benchmark("openssl", "Ed25519", time_budget_s=0.6, progress=seen.append)
    assert seen[0].fraction == 0.0
    assert seen[-1].fraction == pytest.approx(1.0)
    fractions = [p.fraction for p in seen]
    assert fractions == sorted(fractions)
    assert {p.operation for p in seen} == {"keygen", "sign", "verify"}
    assert all(p.op_count == 3 for p in seen)
    assert len(seen) > 6  # ticks in between, about every 0.1 s


def test_bad_arguments() -> None:
    with pytest.raises(UnsupportedAlgorithm):
        run_benchmark("openssl", "NO-SUCH-ALG", time_budget_s=0.1)
    with pytest.raises(ValueError, match="operations"):
        run_benchmark("openssl", "X25519", operations=["sign"], time_budget_s=0.1)
    with pytest.raises(ValueError):
        run_benchmark("openssl", "X25519", time_budget_s=0)
    with pytest.raises(ValueError):
        run_benchmark("openssl", "X25519", max_iterations=0)


def test_time_calls_counts_calls() -> None:
    calls = []
    samples = time_calls(calls.append, (1,), budget_ns=10**9, max_iterations=50)
    assert len(samples) == len(calls) == 50
    assert all(s >= 0 for s in samples)


def test_percentile() -> None:
    values = list(range(1, 101))
    assert percentile(values, 50) == 50
    assert percentile(values, 95) == 95
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile([5], 99) == 5
    with pytest.raises(ValueError):
        percentile([], 50)


def test_baselines() -> None:
    assert baseline_for("ML-KEM-768") == "X25519"
    assert baseline_for("X25519MLKEM768") == "X25519"
    assert baseline_for("ML-KEM-1024") == "ECDH-P384"
    assert baseline_for("ML-DSA-65") == "ECDSA-P256"
    assert baseline_for("ML-DSA-87") == "ECDSA-P384"
    assert baseline_for("Falcon-512") == "ECDSA-P256"
    assert baseline_for("SLH-DSA-SHA2-128s") == "ECDSA-P256"
    assert baseline_for("SLH-DSA-SHAKE-256f") == "ECDSA-P384"
    assert baseline_for("HQC-128") == baseline_for("HQC-1") == "X25519"
    assert baseline_for("HQC-5") == "ECDH-P384"
    assert baseline_for("Classic-McEliece-6688128") == "ECDH-P384"
    assert baseline_for("RSA-2048") is None
    assert baseline_for("something-else") is None
    openssl = get_engine("openssl")
    for alg in ("ML-KEM-768", "ML-DSA-87", "SLH-DSA-SHA2-128s", "HQC-256"):
        assert openssl.supports(baseline_for(alg))


def test_side_by_side_with_baseline() -> None:
    r, base, cmp = benchmark_with_baseline("liboqs", "ML-KEM-768", time_budget_s=0.3)
    assert base is not None and cmp is not None
    assert base.algorithm == "X25519" and base.engine == "openssl"
    assert cmp.wire_bytes == (1184 + 1088, 32 + 32)
    assert cmp.wire_ratio == pytest.approx(2272 / 64)
    assert set(cmp.latency) == {"keygen", "encaps", "decaps"}
    for op, (pq, classical, ratio) in cmp.latency.items():
        assert ratio == pytest.approx(pq / classical), op
    assert cmp.rows()[0][0] == "wire bytes"
    assert wire_bytes(r) == 2272


def test_compare_signatures_uses_the_measured_signature() -> None:
    pq = run_benchmark("openssl", "ML-DSA-65", time_budget_s=0.2, with_machine_info=False)
    base = run_benchmark("openssl", "ECDSA-P256", time_budget_s=0.2, with_machine_info=False)
    cmp = compare(pq, base)
    assert cmp.wire_bytes[0] == 1952 + 3309
    assert 65 + 64 <= cmp.wire_bytes[1] <= 65 + 72  # DER ECDSA signature varies
    with pytest.raises(ValueError, match="cannot compare"):
        compare(pq, run_benchmark("openssl", "X25519", time_budget_s=0.1))


def test_machine_info() -> None:
    info = machine_info()
    assert info["cpu_model"]
    assert set(info["cpu_flags"]) >= {"avx2", "avx512", "aes", "bmi2"}
    assert info["python"].split()[1].startswith("3.")
    assert info["engines"]["liboqs"].startswith("liboqs 0.13.0")
