"""The C code behind ACVP ML-DSA expected values equals the FIPS 204 reference, byte for byte.

sigGen's expected signatures come from liboqs's pq-crystals Sign_internal with the test's rnd
(testbed/engines/liboqs_mldsa.py); sigVer's verdicts from OpenSSL and liboqs's
Verify_internal. dilithium-py (a pure-Python FIPS 204, written apart from both) is the
reference here: the tests compute mu from what the test shows, with their own M' encoding
(FIPS 204 Algorithms 2 and 4, tests/testbed/conformance/go_product.py), and sign mu with
dilithium-py's Algorithm 7 (external mu), so the hidden-M' construction of the external-mu
group is checked too.
"""

from __future__ import annotations

import hashlib
import secrets

import pytest
from dilithium_py.ml_dsa import ML_DSA_44, ML_DSA_65, ML_DSA_87

from testbed.conformance import acvp_mldsa, fips204
from testbed.engines import liboqs_mldsa
from testbed.engines.errors import InvalidKey
from testbed.engines.oqs_loader import LiboqsUnavailable, load_oqs
from tests.testbed.conformance.go_product import PRE_HASH

DILITHIUM = {"ML-DSA-44": ML_DSA_44, "ML-DSA-65": ML_DSA_65, "ML-DSA-87": ML_DSA_87}


def test_the_built_liboqs_exports_the_internal_functions():
    """A liboqs without them (another version) would make sigGen fall back to dilithium-py,
    seconds per session: say so here rather than in a slow bench. The test command builds
    liboqs (scripts/build_liboqs.sh), so its absence is a failure, not a skip."""
    assert not isinstance(load_oqs(), LiboqsUnavailable), load_oqs()
    missing = [alg for alg in DILITHIUM if not liboqs_mldsa.available(alg)]
    assert not missing, f"liboqs lacks pqcrystals_ml_dsa_*_signature_internal for {missing}"


@pytest.mark.parametrize("alg", list(DILITHIUM))
def test_liboqs_sign_internal_equals_dilithium_py(alg):
    ref = DILITHIUM[alg]
    pk, sk = liboqs_mldsa.keypair(alg)
    _, derived_sk = ref.key_derive(secrets.token_bytes(32))  # a key liboqs did not make
    for key in (sk, derived_sk):
        for formatted in (b"", b"\x00", secrets.token_bytes(300)):
            for rnd in (bytes(32), secrets.token_bytes(32)):
                got = liboqs_mldsa.sign_internal(alg, key, formatted, rnd)
                assert got == ref._sign_internal(key, formatted, rnd)
    sig = liboqs_mldsa.sign_internal(alg, sk, b"m", bytes(32))
    assert liboqs_mldsa.verify_internal(alg, pk, b"m", sig) and ref._verify_internal(pk, b"m", sig)
    assert not liboqs_mldsa.verify_internal(alg, pk, b"n", sig)
    assert not liboqs_mldsa.verify_internal(alg, pk[:-1], b"m", sig)  # lengths checked, not read
    assert not liboqs_mldsa.verify_internal(alg, pk, b"m", sig + b"\x00")
    with pytest.raises(InvalidKey):
        liboqs_mldsa.sign_internal(alg, sk[:-1], b"m", bytes(32))
    with pytest.raises(ValueError):
        liboqs_mldsa.sign_internal(alg, sk, b"m", bytes(31))


@pytest.mark.parametrize("alg", list(DILITHIUM))
def test_portable_and_avx2_builds_give_the_same_bytes(alg):
    """Only one of them runs by default on a machine; the other must agree with it.
    build_liboqs.sh builds liboqs with both (a distributable build), so both must be there;
    the AVX2 code is run only on a CPU that has AVX2 (elsewhere it would fault)."""
    assert liboqs_mldsa._functions(alg, "ref") is not None
    assert liboqs_mldsa._functions(alg, "avx2") is not None
    variants = ["ref", "avx2"] if liboqs_mldsa._cpu_has_avx2() else ["ref"]
    pk, sk = liboqs_mldsa.keypair(alg)
    formatted, rnd = secrets.token_bytes(100), secrets.token_bytes(32)
    ref = liboqs_mldsa.sign_internal(alg, sk, formatted, rnd, variant="ref")
    for variant in variants:
        assert ref == liboqs_mldsa.sign_internal(alg, sk, formatted, rnd, variant=variant)
    assert ref == liboqs_mldsa.sign_internal(alg, sk, formatted, rnd)
    for variant in variants:
        assert liboqs_mldsa.verify_internal(alg, pk, formatted, ref, variant=variant)
        assert not liboqs_mldsa.verify_internal(alg, pk, formatted + b"!", ref, variant=variant)


def test_dilithium_py_stands_in_without_liboqs_internals(monkeypatch):
    _, sk = liboqs_mldsa.keypair("ML-DSA-44")
    rnd = secrets.token_bytes(32)
    made = fips204.sign_internal("ML-DSA-44", sk, b"M'", rnd)
    monkeypatch.setattr(liboqs_mldsa, "available", lambda alg: False)
    assert fips204.internal_implementation("ML-DSA-44") == "dilithium-py"
    assert fips204.sign_internal("ML-DSA-44", sk, b"M'", rnd) == made


def _mu(group: dict, test: dict, tr: bytes) -> bytes:
    """mu of a test from what it shows (tr from the secret or public key)."""
    if group.get("externalMu"):
        return bytes.fromhex(test["mu"])
    msg = bytes.fromhex(test["message"])
    if group["signatureInterface"] == "internal":
        return hashlib.shake_256(tr + msg).digest(64)
    ctx = bytes.fromhex(test["context"])
    return hashlib.shake_256(tr + _m_prime(msg, ctx, test.get("hashAlg"))).digest(64)


def _m_prime(msg: bytes, ctx: bytes, hash_alg: str | None) -> bytes:
    """M' of FIPS 204 Algorithm 2 (pure) or 4 (HashML-DSA), written apart from fips204.py."""
    if hash_alg is None:
        return b"\x00" + bytes([len(ctx)]) + ctx + msg
    oid, digest = PRE_HASH[hash_alg]
    return b"\x01" + bytes([len(ctx)]) + ctx + bytes.fromhex(oid) + digest(msg)


@pytest.mark.parametrize("alg, n", [("ML-DSA-44", 1), ("ML-DSA-65", 2), ("ML-DSA-87", 1)])
def test_siggen_expected_signatures_equal_dilithium_py(alg, n):
    """Every interface, deterministic and hedged (and, with n = 2, the empty context)."""
    ref = DILITHIUM[alg]
    prepared = acvp_mldsa.prepare(alg, {"tests_per_group": n}, b"", "sigGen")
    assert prepared.oracles["computed_by"].startswith("liboqs")
    expected = prepared.secret["expected"]
    groups = prepared.challenge["vector_set"]["testGroups"]
    assert len(groups) == 8
    for group in groups:
        for test in group["tests"]:
            sk = bytes.fromhex(test["sk"])
            tr = sk[64:128]  # FIPS 204 skEncode: rho (32) || K (32) || tr (64) || ...
            rnd = bytes(32) if group["deterministic"] else bytes.fromhex(test["rnd"])
            mine = ref._sign_internal(sk, _mu(group, test, tr), rnd, external_mu=True)
            key = f"{group['tgId']}:{test['tcId']}"
            assert expected[key]["fields"]["signature"] == mine.hex().upper(), (group, key)


def test_sigver_verdicts_equal_dilithium_py_and_the_reasons():
    alg = "ML-DSA-44"
    ref = DILITHIUM[alg]
    prepared = acvp_mldsa.prepare(alg, {}, b"", "sigVer")
    expected = prepared.secret["expected"]
    seen = {True: 0, False: 0}
    for group in prepared.challenge["vector_set"]["testGroups"]:
        for test in group["tests"]:
            want = expected[f"{group['tgId']}:{test['tcId']}"]
            passed = want["fields"]["testPassed"]
            assert passed is want["reason"].startswith("valid signature"), want
            seen[passed] += 1
            if group.get("externalMu"):
                continue  # dilithium-py verifies from M' only; OpenSSL and liboqs judged these
            pk, sig = bytes.fromhex(test["pk"]), bytes.fromhex(test["signature"])
            msg = bytes.fromhex(test["message"])
            if group["signatureInterface"] == "internal":
                formatted = msg
            else:
                formatted = _m_prime(msg, bytes.fromhex(test["context"]), test.get("hashAlg"))
            assert ref._verify_internal(pk, formatted, sig) is passed, want
    # each valid signature comes with three modified ones and one shown with another message
    assert seen[True] and seen[False] == 4 * seen[True]
