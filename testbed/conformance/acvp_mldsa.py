"""ML-DSA (FIPS 204) conformance vectors in ACVP's shape, computed when the session is made.

Modes: ``keyGen`` (seed -> pk, sk), ``sigGen`` (external interface, pure: one deterministic
group and one hedged group whose ``rnd`` is given; sk, message, context -> signature) and
``sigVer`` (pk, message, context, signature -> testPassed; ``tests_per_group`` valid
signatures from every engine, each with modified signatures (c~, z, hint) and a modified
message).

Where the answers come from (never from stored copies of vectors):

- keyGen: dilithium-py ``key_derive(seed)``; cross-checked against OpenSSL
  (``from_seed_bytes``: same pk) and by signing with the derived sk in every engine that takes
  expanded secret keys (liboqs, PQClean) and verifying under pk in every engine.
- sigGen: dilithium-py's internal signing (Algorithm 7 with rnd = 0^32 or the given rnd): no
  engine exposes deterministic or given-rnd signing, so the value itself is computed once;
  every engine (empty context) and OpenSSL's context-aware verify check that it verifies.
- sigVer: every engine and dilithium-py verify each item; all must agree.
"""

from __future__ import annotations

import secrets
from typing import Any

from dilithium_py.ml_dsa import ML_DSA_44, ML_DSA_65, ML_DSA_87

from core.errors import InputError
from testbed.conformance import acvp_common
from testbed.conformance.acvp_common import hexu
from testbed.conformance.codec import flip_bit
from testbed.conformance.common import OracleDisagreement, Prepared
from testbed.engines.interface import Engine, Kind
from testbed.engines.registry import get_engines

try:
    from cryptography.hazmat.primitives.asymmetric import mldsa as _crypto_mldsa
except ImportError:  # pragma: no cover
    _crypto_mldsa = None  # type: ignore[assignment]

DILITHIUM = {"ML-DSA-44": ML_DSA_44, "ML-DSA-65": ML_DSA_65, "ML-DSA-87": ML_DSA_87}
MODES = ("keyGen", "sigGen", "sigVer")
#: tests per group: keyGen n seeds; sigGen n per group (two groups); sigVer n signatures per
#: engine, each with four modified variants (so 5 * n * engines tests)
DEFAULT_TESTS = {"keyGen": 2, "sigGen": 2, "sigVer": 1}
MAX_TESTS = 3
RESULTS = {
    "keyGen": {"keyGen": "pk, sk: hex"},
    "sigGen": {"sigGen": "signature: hex (pure, the test's context)"},
    "sigVer": {"sigVer": "testPassed: boolean"},
}


def _engines(alg: str) -> list[Engine]:
    return [e for e in get_engines().values() if e.supports(alg, Kind.SIGNATURE)]


def _crypto_key(alg: str, kind: str):  # type: ignore[no-untyped-def]
    if _crypto_mldsa is None:
        return None
    return getattr(_crypto_mldsa, f"MLDSA{alg[7:]}{kind}Key", None)


def _verifies(alg: str, pk: bytes, msg: bytes, ctx: bytes, sig: bytes, agreed: set[str]) -> bool:
    """Every implementation's verdict on one signature; they must all agree."""
    votes = {"dilithium-py": DILITHIUM[alg].verify(pk, msg, sig, ctx=ctx)}
    if not ctx:
        for eng in _engines(alg):
            votes[eng.name] = eng.verify(alg, pk, msg, sig)
            agreed.add(eng.name)
    cls = _crypto_key(alg, "Public")
    if cls is not None:
        try:
            cls.from_public_bytes(pk).verify(sig, msg, ctx)
            votes["openssl"] = True
        except Exception:  # InvalidSignature, ValueError
            votes["openssl"] = False
        agreed.add("openssl")
    if len(set(votes.values())) != 1:
        raise OracleDisagreement(f"{alg} verify: implementations disagree: {votes}")
    return votes["dilithium-py"]


def _keygen(alg: str, n: int, agreed: set[str]) -> tuple[list[dict], dict[str, Any]]:
    tests, expected = [], {}
    for tc in range(1, n + 1):
        seed = secrets.token_bytes(32)
        pk, sk = DILITHIUM[alg].key_derive(seed)
        cls = _crypto_key(alg, "Private")
        if cls is not None:
            if cls.from_seed_bytes(seed).public_key().public_bytes_raw() != pk:
                raise OracleDisagreement(f"{alg} keyGen: OpenSSL derives another pk")
            agreed.add("openssl")
        for eng in _engines(alg):
            if eng.sizes(alg).secret_key == len(sk):  # expanded secret keys
                msg = secrets.token_bytes(16)
                if not _verifies(alg, pk, msg, b"", eng.sign(alg, sk, msg), agreed):
                    raise OracleDisagreement(f"{alg} keyGen: {eng.name} cannot sign with sk")
                agreed.add(eng.name)
        tests.append({"tcId": tc, "seed": hexu(seed)})
        expected[f"1:{tc}"] = {
            "function": "keyGen",
            "reason": "key generation from seed",
            "fields": {"pk": hexu(pk), "sk": hexu(sk)},
        }
    return [{"tgId": 1, "testType": "AFT", "parameterSet": alg, "tests": tests}], expected


def _sign(alg: str, sk: bytes, msg: bytes, ctx: bytes, rnd: bytes) -> bytes:
    """FIPS 204 Algorithm 2 with a given rnd (external interface, pure)."""
    m_prime = bytes([0, len(ctx)]) + ctx + msg
    return DILITHIUM[alg]._sign_internal(sk, m_prime, rnd)


def _siggen(alg: str, n: int, agreed: set[str]) -> tuple[list[dict], dict[str, Any]]:
    groups, expected = [], {}
    for tg, deterministic in ((1, True), (2, False)):
        tests = []
        for tc in range(1, n + 1):
            pk, sk = DILITHIUM[alg].key_derive(secrets.token_bytes(32))
            msg = secrets.token_bytes(32 + secrets.randbelow(64))
            ctx = b"" if tc == 1 else secrets.token_bytes(1 + secrets.randbelow(32))
            rnd = bytes(32) if deterministic else secrets.token_bytes(32)
            sig = _sign(alg, sk, msg, ctx, rnd)
            if not _verifies(alg, pk, msg, ctx, sig, agreed):
                raise OracleDisagreement(f"{alg} sigGen: the expected signature does not verify")
            test = {"tcId": tc, "pk": hexu(pk), "sk": hexu(sk), "message": hexu(msg)}
            test["context"] = hexu(ctx)
            if not deterministic:
                test["rnd"] = hexu(rnd)
            tests.append(test)
            reason = "deterministic signature" if deterministic else "signature with given rnd"
            expected[f"{tg}:{tc}"] = {
                "function": "sigGen",
                "reason": reason,
                "fields": {"signature": hexu(sig)},
            }
        groups.append(
            {
                "tgId": tg,
                "testType": "AFT",
                "parameterSet": alg,
                "deterministic": deterministic,
                "signatureInterface": "external",
                "preHash": "pure",
                "externalMu": False,
                "tests": tests,
            }
        )
    return groups, expected


def _sigver(alg: str, n: int, agreed: set[str]) -> tuple[list[dict], dict[str, Any]]:
    tests, expected = [], {}
    tc = 0
    for eng in [e for e in _engines(alg) for _ in range(n)]:  # n signatures per engine
        pk, sk = eng.sign_keypair(alg)
        # each test its own message and signature: tests sharing them would give away which
        # one is the valid signature
        (m1, s1), (m2, s2), (m3, s3), (m4, s4), (_, s5) = [
            (m, eng.sign(alg, sk, m)) for m in (secrets.token_bytes(48) for _ in range(5))
        ]
        c_len = DILITHIUM[alg].c_tilde_bytes
        variants = [
            (m1, s1, f"valid signature ({eng.name})"),
            (m2, flip_bit(s2, secrets.randbelow(8 * c_len)), "modified signature - commitment"),
            (m3, flip_bit(s3, 8 * (len(s3) // 2) + 1), "modified signature - z"),
            (m4, flip_bit(s4, 8 * (len(s4) - 1)), "modified signature - hint"),
            (secrets.token_bytes(48), s5, "modified message"),
        ]
        for m, s, reason in variants:
            tc += 1
            passed = _verifies(alg, pk, m, b"", s, agreed)
            tests.append(
                {
                    "tcId": tc,
                    "pk": hexu(pk),
                    "message": hexu(m),
                    "context": "",
                    "signature": hexu(s),
                }
            )
            expected[f"1:{tc}"] = {
                "function": "sigVer",
                "reason": reason,
                "fields": {"testPassed": passed},
            }
    group = {
        "tgId": 1,
        "testType": "AFT",
        "parameterSet": alg,
        "signatureInterface": "external",
        "preHash": "pure",
        "externalMu": False,
        "tests": tests,
    }
    return [group], expected


def prepare(alg: str, data: dict[str, Any], nonce: bytes, mode: str | None = None) -> Prepared:
    if alg not in DILITHIUM:
        raise InputError("ACVP ML-DSA vectors exist for ML-DSA-44, -65 and -87", "$.algorithm")
    mode = acvp_common.check_mode(mode, MODES)
    n = acvp_common.tests_per_group(data, DEFAULT_TESTS[mode], MAX_TESTS)
    agreed: set[str] = set()
    build = {"keyGen": _keygen, "sigGen": _siggen, "sigVer": _sigver}[mode]
    groups, expected = build(alg, n, agreed)
    expected = acvp_common.shuffle_tests(groups, expected)
    return acvp_common.prepared(
        ("ML-DSA", mode, "FIPS204"),
        RESULTS[mode],
        groups,
        expected,
        agreed,
        "dilithium-py (FIPS 204)",
    )


def grade(
    alg: str, challenge: dict[str, Any], secret: dict[str, Any], answer: Any, nonce: bytes
) -> list[dict[str, Any]]:
    return acvp_common.grade("acvp-mldsa", answer, secret, challenge["vector_set"]["vsId"])
