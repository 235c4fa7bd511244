"""ACVP-shape conformance sessions: prompts from the testbed, answers from a product, grades.

The good product answers with other code than the testbed's reference where it can: liboqs
called directly for ML-KEM keyGen, PQClean for decapsulation and verification, OpenSSL (via
cryptography) for the encapsulation-key check; kyber-py / dilithium-py only for the internal
functions nothing else exposes.
"""

from __future__ import annotations

import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import mldsa, mlkem
from dilithium_py.ml_dsa import ML_DSA_65
from kyber_py.ml_kem import ML_KEM_768
from pqcrypto.kem import ml_kem_768 as pq_kem

from testbed.engines.oqs_loader import require_oqs
from tests.testbed.conformance.go_product import PRE_HASH, mu_of

K = 3  # ML-KEM-768


def _h(text: str) -> bytes:
    return bytes.fromhex(text)


def _hx(data: bytes) -> str:
    return data.hex().upper()


def _answer(vector_set: dict, solve) -> dict:
    groups = []
    for group in vector_set["testGroups"]:
        tests = [{"tcId": t["tcId"], **solve(group, t)} for t in group["tests"]]
        groups.append({"tgId": group["tgId"], "tests": tests})
    return {"vsId": vector_set["vsId"], "testGroups": groups}


def _failed(report: dict) -> set[str]:
    return {c["id"] for c in report["report"]["cases"] if c["verdict"] == "fail"}


# -- ML-KEM products -------------------------------------------------------------------------


def mlkem_keygen_liboqs(group, test):
    kem = require_oqs().KeyEncapsulation("ML-KEM-768")
    try:
        ek = kem.generate_keypair_seed(_h(test["d"]) + _h(test["z"]))
        return {"ek": _hx(ek), "dk": _hx(kem.export_secret_key())}
    finally:
        kem.free()


def mlkem_encap_decap_good(group, test):
    fn = group["function"]
    if fn == "encapsulation":
        k, c = ML_KEM_768._encaps_internal(_h(test["ek"]), _h(test["m"]))
        return {"c": _hx(c), "k": _hx(k)}
    if fn == "decapsulation":
        return {"k": _hx(pq_kem.decaps(_h(group["dk"]), _h(test["c"])))}
    if fn == "encapsulationKeyCheck":
        try:
            mlkem.MLKEM768PublicKey.from_public_bytes(_h(test["ek"]))
            return {"testPassed": True}
        except ValueError:
            return {"testPassed": False}
    dk = _h(test["dk"])  # decapsulationKeyCheck: H(ek) inside dk
    ek, h = dk[384 * K : 768 * K + 32], dk[768 * K + 32 : 768 * K + 64]
    return {"testPassed": hashlib.sha3_256(ek).digest() == h}


def mlkem_encap_decap_faulty(group, test):
    """Explicit rejection (zeros) instead of FIPS 203 implicit rejection; no modulus check."""
    fn = group["function"]
    if fn == "decapsulation":
        kyber, dk, c = ML_KEM_768, _h(group["dk"]), _h(test["c"])
        ek, h = dk[384 * K : 768 * K + 32], dk[768 * K + 32 : 768 * K + 64]
        m = kyber._k_pke_decrypt(dk[: 384 * K], c)
        k, r = kyber._G(m + h)
        return {"k": _hx(k if kyber._k_pke_encrypt(ek, m, r) == c else bytes(32))}
    if fn == "encapsulationKeyCheck":
        return {"testPassed": True}
    return mlkem_encap_decap_good(group, test)


def test_acvp_mlkem_keygen_good_and_pre_fips203(sqlite_vendors, pre_fips203_kyber):
    v = sqlite_vendors()
    pid = v.product()
    s = v.open(pid, "ML-KEM-768", "acvp_mlkem", mode="keyGen")
    vs = s["challenge"]["vector_set"]
    assert vs["vsId"] == s["id"] and vs["algorithm"] == "ML-KEM" and vs["revision"] == "FIPS203"
    test = vs["testGroups"][0]["tests"][0]
    assert set(test) == {"tcId", "d", "z"}  # prompts only, no answers
    report = v.answer(s["id"], _answer(vs, mlkem_keygen_liboqs))
    assert report["report"]["summary"]["verdict"] == "pass"
    assert report["report"]["reference"]["computed_by"].startswith("kyber-py")
    assert set(report["report"]["reference"]["cross_checked_with"]) == {"liboqs", "openssl"}

    # a product on the pre-FIPS-203 draft (no domain-separation byte in keyGen) fails every case
    def stale(group, test):
        ek, dk = pre_fips203_kyber.key_derive(_h(test["d"]) + _h(test["z"]))
        return {"ek": _hx(ek), "dk": _hx(dk)}

    s = v.open(pid, "ML-KEM-768", "acvp_mlkem", mode="keyGen")
    report = v.answer(s["id"], _answer(s["challenge"]["vector_set"], stale))
    assert _failed(report) == {c["id"] for c in report["report"]["cases"]}
    assert report["report"]["summary"]["cases"] == 2


def test_acvp_mlkem_encap_decap_good_and_faulty(sqlite_vendors):
    v = sqlite_vendors()
    pid = v.product()
    s = v.open(pid, "ML-KEM-768", "acvp_mlkem", mode="encapDecap")
    vs = s["challenge"]["vector_set"]
    functions = [g["function"] for g in vs["testGroups"]]
    assert functions == [
        "encapsulation",
        "decapsulation",
        "encapsulationKeyCheck",
        "decapsulationKeyCheck",
    ]
    report = v.answer(s["id"], _answer(vs, mlkem_encap_decap_good))
    assert report["report"]["summary"]["failed"] == 0, report["report"]["cases"]
    assert set(report["report"]["reference"]["cross_checked_with"]) == {
        "liboqs",
        "openssl",
        "pqclean",
    }

    s = v.open(pid, "ML-KEM-768", "acvp_mlkem", mode="encapDecap")
    report = v.answer(s["id"], _answer(s["challenge"]["vector_set"], mlkem_encap_decap_faulty))
    cases = report["report"]["cases"]
    expected_fail = {
        c["id"]
        for c in cases
        if "modified ciphertext" in c["detail"] or c["detail"].startswith("modulus check fails")
    }
    assert len(expected_fail) == 3  # two modified ciphertexts, one bad key
    assert _failed(report) == expected_fail


def test_acvp_answer_format_is_checked_and_missing_tests_fail(sqlite_vendors):
    v = sqlite_vendors()
    pid = v.product()
    s = v.open(pid, "ML-KEM-768", "acvp_mlkem", mode="keyGen")
    vs = s["challenge"]["vector_set"]
    bad = _answer(vs, lambda g, t: {"ek": "XYZ", "dk": "00"})
    resp = v.answer(s["id"], bad, expect=422).json()
    assert resp["location"] == "$.answer.testGroups[0].tests[0].ek"
    short = _answer(vs, lambda g, t: {"ek": "00" * 10, "dk": "00"})
    resp = v.answer(s["id"], short, expect=422).json()
    assert "1184 bytes" in resp["detail"]
    unknown = {"vsId": vs["vsId"], "testGroups": [{"tgId": 9, "tests": [{"tcId": 1}]}]}
    resp = v.answer(s["id"], unknown, expect=422).json()
    assert resp["location"] == "$.answer.testGroups[0].tests[0].tcId"
    # the 422s did not use the session up; an empty answer grades every test as failed
    report = v.answer(s["id"], {"vsId": vs["vsId"], "testGroups": []})
    assert [c["detail"] for c in report["report"]["cases"]] == [
        "no answer (key generation from seed)"
    ] * 2


# -- ML-DSA products -------------------------------------------------------------------------


def _mldsa_mu(group, test) -> bytes:
    """mu as FIPS 204 defines it for the group's interface (the product's own code)."""
    if group.get("externalMu"):
        return _h(test["mu"])
    pk = _h(test["pk"])
    if group["signatureInterface"] == "internal":  # M' is the message itself
        tr = hashlib.shake_256(pk).digest(64)
        return hashlib.shake_256(tr + _h(test["message"])).digest(64)
    return mu_of(pk, *_formatted(group, test))


def _formatted(group, test):
    if group["signatureInterface"] == "internal":
        return _h(test["message"]), None, None  # M' is the message itself
    return _h(test["message"]), _h(test["context"]), test.get("hashAlg")


def mldsa_good(group, test):
    """keyGen and sigGen: dilithium-py (pure Python, apart from the testbed's liboqs signer);
    sigVer: OpenSSL's verify_mu with mu computed as FIPS 204 says, per interface."""
    if "seed" in test:
        pk, sk = ML_DSA_65.key_derive(_h(test["seed"]))
        return {"pk": _hx(pk), "sk": _hx(sk)}
    if "signature" in test:
        try:
            pk = mldsa.MLDSA65PublicKey.from_public_bytes(_h(test["pk"]))
            pk.verify_mu(_h(test["signature"]), _mldsa_mu(group, test))
            return {"testPassed": True}
        except (InvalidSignature, ValueError):
            return {"testPassed": False}
    sk = _h(test["sk"])
    rnd = bytes(32) if group["deterministic"] else _h(test["rnd"])
    if group.get("externalMu"):
        sig = ML_DSA_65._sign_internal(sk, _h(test["mu"]), rnd, external_mu=True)
    elif group["signatureInterface"] == "internal":
        sig = ML_DSA_65._sign_internal(sk, _h(test["message"]), rnd)
    else:
        msg, ctx, hash_alg = _formatted(group, test)
        if hash_alg is None:
            formatted = b"\x00" + bytes([len(ctx)]) + ctx + msg
        else:
            oid, digest = PRE_HASH[hash_alg]
            formatted = b"\x01" + bytes([len(ctx)]) + ctx + bytes.fromhex(oid) + digest(msg)
        sig = ML_DSA_65._sign_internal(sk, formatted, rnd)
    return {"signature": _hx(sig)}


def mldsa_faulty(group, test):
    """Ignores the given rnd (fresh randomness) and accepts every signature."""
    if "signature" in test:
        return {"testPassed": True}
    if "rnd" in test:
        return mldsa_good({**group, "deterministic": True}, test)
    return mldsa_good(group, test)


def mldsa_ignores_context(group, test):
    """A product that treats every HashML-DSA / pure external message as if its context
    were empty."""
    if "context" in test:
        test = {**test, "context": ""}
    return mldsa_good(group, test)


def test_acvp_mldsa_all_modes_good_and_faulty(sqlite_vendors):
    v = sqlite_vendors()
    pid = v.product()
    for mode in ("keyGen", "sigGen", "sigVer"):
        s = v.open(pid, "ML-DSA-65", "acvp_mldsa", mode=mode)
        vs = s["challenge"]["vector_set"]
        assert vs["algorithm"] == "ML-DSA" and vs["mode"] == mode and vs["revision"] == "FIPS204"
        report = v.answer(s["id"], _answer(vs, mldsa_good))
        assert report["report"]["summary"]["failed"] == 0, (mode, report["report"]["cases"])

    s = v.open(pid, "ML-DSA-65", "acvp_mldsa", mode="sigGen", tests_per_group=1)
    groups = s["challenge"]["vector_set"]["testGroups"]
    combos = {
        (g["deterministic"], g["signatureInterface"], g.get("preHash"), g.get("externalMu"))
        for g in groups
    }
    assert len(groups) == len(combos) == 8  # every interface, deterministic and hedged
    report = v.answer(s["id"], _answer(s["challenge"]["vector_set"], mldsa_faulty))
    hedged = {f"tg{g['tgId']}/tc1" for g in groups if not g["deterministic"]}
    assert _failed(report) == hedged  # the hedged groups fail; the deterministic ones pass

    s = v.open(pid, "ML-DSA-65", "acvp_mldsa", mode="sigVer")
    report = v.answer(s["id"], _answer(s["challenge"]["vector_set"], mldsa_faulty))
    modified = {c["id"] for c in report["report"]["cases"] if "modified" in c["detail"]}
    assert len(modified) == 4 * 3 + 4 * 4 and _failed(report) == modified

    # a product that ignores the context fails the external groups' tests that have one
    for mode, narrower in (("sigGen", {"deterministic": [True]}), ("sigVer", {})):
        s = v.open(
            pid, "ML-DSA-65", "acvp_mldsa", mode=mode, signatureInterfaces=["external"], **narrower
        )
        vs = s["challenge"]["vector_set"]
        assert {g["signatureInterface"] for g in vs["testGroups"]} == {"external"}
        report = v.answer(s["id"], _answer(vs, mldsa_ignores_context))
        assert _failed(report), mode


def test_stale_pre_fips203_keygen_vectors_are_flagged_not_followed(pre_fips203_kyber):
    from testbed.conformance.acvp_mlkem import audit_keygen_vectors

    def vector_set(kyber) -> dict:
        tests = []
        for tc in range(1, 3):
            d, z = bytes([tc]) * 32, bytes([tc + 100]) * 32
            ek, dk = kyber.key_derive(d + z)
            tests.append({"tcId": tc, "d": _hx(d), "z": _hx(z), "ek": _hx(ek), "dk": _hx(dk)})
        group = {"tgId": 1, "testType": "AFT", "parameterSet": "ML-KEM-768", "tests": tests}
        return {"vsId": 42, "algorithm": "ML-KEM", "mode": "keyGen", "testGroups": [group]}

    current = audit_keygen_vectors(vector_set(ML_KEM_768))
    assert current["status"] == "current"
    assert all(set(t["agree"]) == {"liboqs", "openssl"} for t in current["tests"])
    stale = audit_keygen_vectors(vector_set(pre_fips203_kyber))
    assert stale["status"] == "stale"
    assert all(set(t["disagree"]) == {"liboqs", "openssl"} for t in stale["tests"])
