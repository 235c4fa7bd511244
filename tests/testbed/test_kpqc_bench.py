"""KpqC algorithms are benchmarked beside the classical baseline and the NIST peer."""

from __future__ import annotations

from inventory.catalog import canonical_name
from testbed import benchmark_runs
from testbed.timing import baseline_for, nist_peer_for


def test_smaug_t_runs_beside_x25519_and_ml_kem_512() -> None:
    req = benchmark_runs.BenchmarkRequest(
        algorithms=[canonical_name("smaug-t1"), "HAETAE-5"],
        engines=["kpqc"],
        time_budget_s=0.05,
        max_iterations=20,
        warmup=0,
    )
    runs = benchmark_runs.plan_runs(req)
    got = {(r.algorithm, r.baseline_for) for r in runs}
    assert got == {
        ("SMAUG-T-128", None),
        ("X25519", "SMAUG-T-128"),
        ("ML-KEM-512", "SMAUG-T-128"),  # on an engine that has it (OpenSSL first)
        ("HAETAE-5", None),
        ("ECDSA-P384", "HAETAE-5"),
        ("ML-DSA-87", "HAETAE-5"),
    }
    assert {r.engine for r in runs if r.baseline_for is None} == {"kpqc"}
    results = benchmark_runs.execute(runs, req)
    comparisons = {(c["algorithm"], c["baseline"]): c for c in benchmark_runs.comparisons(results)}
    assert set(comparisons) == {
        ("SMAUG-T-128", "X25519"),
        ("SMAUG-T-128", "ML-KEM-512"),
        ("HAETAE-5", "ECDSA-P384"),
        ("HAETAE-5", "ML-DSA-87"),
    }
    # wire bytes: SMAUG-T-128 sends 672 + 672, ML-KEM-512 800 + 768
    assert comparisons[("SMAUG-T-128", "ML-KEM-512")]["wire_bytes"] == [1344, 1568]
    assert set(comparisons[("SMAUG-T-128", "ML-KEM-512")]["latency_p50_us"]) == {
        "keygen",
        "encaps",
        "decaps",
    }


def test_every_kpqc_algorithm_has_a_baseline_and_a_peer() -> None:
    from testbed.engines import get_engine

    for alg in get_engine("kpqc").algorithms():
        assert baseline_for(alg) is not None, alg
        assert nist_peer_for(alg) is not None, alg


def test_kpqc_aimer_is_benchmarked_under_its_own_name_only() -> None:
    """kpqc's AIMer is the AIM3 revision: asking the kpqc engine for the KpqC final-round
    AIMer-128f is refused rather than measured on another algorithm."""
    import pytest

    from core.errors import InputError

    req = benchmark_runs.BenchmarkRequest(algorithms=["AIMer-128f"], engines=["kpqc"])
    with pytest.raises(InputError, match="AIMer-128f"):
        benchmark_runs.plan_runs(req)
    ok = benchmark_runs.BenchmarkRequest(algorithms=["AIMer-AIM3-128f"], engines=["kpqc"])
    got = {(r.algorithm, r.baseline_for) for r in benchmark_runs.plan_runs(ok)}
    assert ("AIMer-AIM3-128f", None) in got and ("ML-DSA-44", "AIMer-AIM3-128f") in got
