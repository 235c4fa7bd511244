"""ML-KEM (FIPS 203) conformance vectors in ACVP's shape, computed when the session is made.

Modes: ``keyGen`` (prompts d, z; answers ek, dk) and ``encapDecap`` with four groups:
``encapsulation`` (ek, m -> c, k), ``decapsulation`` (group ek/dk, c -> k; valid and modified
ciphertexts, the latter answered by FIPS 203 implicit rejection), ``encapsulationKeyCheck``
(ek -> testPassed; the modulus check) and ``decapsulationKeyCheck`` (dk -> testPassed; the
hash check).

Where the answers come from (never from stored copies of vectors):

- keyGen: kyber-py ``key_derive(d || z)``; cross-checked against every engine with seeded key
  generation (liboqs ``keypair_derand``: ek and expanded dk; OpenSSL ``from_seed_bytes``: ek).
- encapsulation from a given m: kyber-py ``_encaps_internal`` (no engine exposes it);
  cross-checked by decapsulating c with every engine (each must return k).
- decapsulation: valid c from every engine's encapsulation, k = that engine's secret, and
  kyber-py must agree; modified c: kyber-py ``decaps`` and every engine must return the same
  implicit-rejection value.
- key checks: kyber-py (raises on a bad key), the engine layer's FIPS 203 checks and, for
  ek, OpenSSL's own key import, must all agree.

Any disagreement raises :class:`OracleDisagreement`: a vector every engine disagrees with is
never graded against (the stale pre-FIPS-203 keyGen, without the domain-separation byte,
would be caught here).
"""

from __future__ import annotations

import secrets
from typing import Any

from kyber_py.ml_kem import ML_KEM_512, ML_KEM_768, ML_KEM_1024

from core.errors import InputError
from core.i18n import N_, say
from testbed.conformance import acvp_common
from testbed.conformance import details as D
from testbed.conformance.acvp_common import hexu
from testbed.conformance.codec import flip_bit
from testbed.conformance.common import DISAGREE, OracleDisagreement, Prepared
from testbed.conformance.kem_sender import modulus_broken
from testbed.engines.errors import EngineError
from testbed.engines.fips203_checks import mlkem_decapsulation_key_ok, mlkem_encapsulation_key_ok
from testbed.engines.interface import Engine, Kind
from testbed.engines.registry import get_engines

try:
    from cryptography.hazmat.primitives.asymmetric import mlkem as _crypto_mlkem
except ImportError:  # pragma: no cover
    _crypto_mlkem = None  # type: ignore[assignment]

KYBER = {"ML-KEM-512": ML_KEM_512, "ML-KEM-768": ML_KEM_768, "ML-KEM-1024": ML_KEM_1024}
MODES = ("keyGen", "encapDecap")
#: keyGen: n seeds; encapDecap: n encapsulations and n modified ciphertexts
DEFAULT_TESTS, MAX_TESTS = 2, 5
#: the result fields of each test, by mode (and, for encapDecap, the group's function)
RESULTS = {
    "keyGen": {"keyGen": "ek, dk: hex"},
    "encapDecap": {
        "encapsulation": "c, k: hex",
        "decapsulation": "k: hex (for a modified c, the implicit-rejection value)",
        "encapsulationKeyCheck": "testPassed: boolean",
        "decapsulationKeyCheck": "testPassed: boolean",
    },
}


def _engines(alg: str) -> list[Engine]:
    return [e for e in get_engines().values() if e.supports(alg, Kind.KEM)]


def _engine_sk(eng: Engine, seed: bytes, dk: bytes) -> bytes:
    """The decapsulation key in ``eng``'s own encoding (seed for OpenSSL, else expanded)."""
    return dk if eng.expanded_mlkem_secret_keys else seed


def _agree(what: str, values: dict[str, bytes | bool]) -> None:
    if len({v if isinstance(v, bool) else bytes(v) for v in values.values()}) != 1:
        raise OracleDisagreement(say(DISAGREE, what=what, votes=str(sorted(values))))


def _keygen(alg: str, n: int, agreed: set[str]) -> tuple[list[dict], dict[str, Any]]:
    kyber = KYBER[alg]
    tests, expected = [], {}
    for tc in range(1, n + 1):
        d, z = secrets.token_bytes(32), secrets.token_bytes(32)
        ek, dk = kyber.key_derive(d + z)
        eks: dict[str, bytes | bool] = {"kyber-py": ek}
        dks: dict[str, bytes | bool] = {"kyber-py": dk}
        for eng in _engines(alg):
            try:
                pk, sk = eng.kem_keypair_from_seed(alg, d + z)
            except EngineError:
                continue  # no seeded key generation (PQClean)
            eks[eng.name] = pk
            if eng.expanded_mlkem_secret_keys:
                dks[eng.name] = sk
            agreed.add(eng.name)
        _agree(f"{alg} keyGen ek", eks)
        _agree(f"{alg} keyGen dk", dks)
        tests.append({"tcId": tc, "d": hexu(d), "z": hexu(z)})
        expected[f"1:{tc}"] = {
            "function": "keyGen",
            "reason": D.KEY_GENERATION,
            "fields": {"ek": hexu(ek), "dk": hexu(dk)},
        }
    group = {"tgId": 1, "testType": "AFT", "parameterSet": alg, "tests": tests}
    return [group], expected


def _decaps_all(alg: str, seed: bytes, dk: bytes, c: bytes, agreed: set[str]) -> bytes:
    values: dict[str, bytes | bool] = {"kyber-py": KYBER[alg].decaps(dk, c)}
    for eng in _engines(alg):
        values[eng.name] = eng.decapsulate(alg, _engine_sk(eng, seed, dk), c)
        agreed.add(eng.name)
    _agree(f"{alg} decapsulation", values)
    return bytes(values["kyber-py"])  # type: ignore[arg-type]


def _ek_ok_everywhere(alg: str, ek: bytes, agreed: set[str]) -> bool:
    votes: dict[str, bytes | bool] = {"engine-layer": mlkem_encapsulation_key_ok(alg, ek)}
    try:
        KYBER[alg]._encaps_internal(ek, bytes(32))
        votes["kyber-py"] = True
    except ValueError:
        votes["kyber-py"] = False
    cls = getattr(_crypto_mlkem, f"MLKEM{alg[7:]}PublicKey", None) if _crypto_mlkem else None
    if cls is not None:
        try:
            cls.from_public_bytes(ek)
            votes["openssl"] = True
        except ValueError:
            votes["openssl"] = False
        agreed.add("openssl")
    _agree(f"{alg} encapsulation key check", votes)
    return bool(votes["kyber-py"])


def _dk_ok_everywhere(alg: str, dk: bytes, c: bytes) -> bool:
    votes: dict[str, bytes | bool] = {"engine-layer": mlkem_decapsulation_key_ok(alg, dk)}
    try:
        KYBER[alg].decaps(dk, c)
        votes["kyber-py"] = True
    except ValueError:
        votes["kyber-py"] = False
    _agree(f"{alg} decapsulation key check", votes)
    return bool(votes["kyber-py"])


def _encap_decap(alg: str, n: int, agreed: set[str]) -> tuple[list[dict], dict[str, Any]]:
    kyber = KYBER[alg]
    groups: list[dict] = []
    expected: dict[str, Any] = {}

    def add(tg: int, tc: int, function: str, reason: str, fields: dict) -> None:
        expected[f"{tg}:{tc}"] = {"function": function, "reason": reason, "fields": fields}

    def group(tg: int, test_type: str, function: str, tests: list, **keys: str) -> None:
        groups.append(
            {"tgId": tg, "testType": test_type, "parameterSet": alg, "function": function}
            | keys
            | {"tests": tests}
        )

    # 1. encapsulation from a given m (kyber-py; every engine decapsulates c to k)
    tests = []
    for tc in range(1, n + 1):
        seed, m = secrets.token_bytes(64), secrets.token_bytes(32)
        ek, dk = kyber.key_derive(seed)
        k, c = kyber._encaps_internal(ek, m)
        if _decaps_all(alg, seed, dk, c, agreed) != k:
            raise OracleDisagreement(
                say(N_("{alg}: decapsulation does not return the encapsulated k"), alg=alg)
            )
        tests.append({"tcId": tc, "ek": hexu(ek), "m": hexu(m)})
        add(1, tc, "encapsulation", D.VALID_ENCAPSULATION, {"c": hexu(c), "k": hexu(k)})
    group(1, "AFT", "encapsulation", tests)

    # 2. decapsulation: valid ciphertexts from every engine, then modified ones
    seed = secrets.token_bytes(64)
    ek, dk = kyber.key_derive(seed)
    tests, tc = [], 0
    valid = []
    for eng in _engines(alg):
        c, k = eng.encapsulate(alg, ek)
        if _decaps_all(alg, seed, dk, c, agreed) != k:
            raise OracleDisagreement(
                say(N_("{alg}: decapsulation of {engine}'s ciphertext differs"), alg=alg,
                    engine=eng.name)
            )  # fmt: skip
        valid.append(c)
        tc += 1
        tests.append({"tcId": tc, "c": hexu(c)})
        add(2, tc, "decapsulation", D.VALID_DECAPSULATION.format(engine=eng.name), {"k": hexu(k)})
    engines = _engines(alg)
    for i in range(n):
        # modify a fresh ciphertext, not a valid one shown above (one bit from another test
        # would give the modified test away)
        fresh, _ = engines[i % len(engines)].encapsulate(alg, ek)
        c = flip_bit(fresh, secrets.randbelow(8 * len(fresh)))
        k = _decaps_all(alg, seed, dk, c, agreed)
        tc += 1
        tests.append({"tcId": tc, "c": hexu(c)})
        add(2, tc, "decapsulation", D.MODIFIED_CIPHERTEXT, {"k": hexu(k)})
    group(2, "VAL", "decapsulation", tests, ek=hexu(ek), dk=hexu(dk))

    # 3. encapsulation key check (FIPS 203 modulus check)
    good = kyber.key_derive(secrets.token_bytes(64))[0]
    cases = [(good, D.VALID_EK), (modulus_broken(good), D.MODULUS_FAILS)]
    tests = []
    for tc, (key, reason) in enumerate(cases, start=1):
        passed = _ek_ok_everywhere(alg, key, agreed)
        tests.append({"tcId": tc, "ek": hexu(key)})
        add(3, tc, "encapsulationKeyCheck", reason, {"testPassed": passed})
    group(3, "VAL", "encapsulationKeyCheck", tests)

    # 4. decapsulation key check (FIPS 203 hash check of H(ek) inside dk)
    k_pos = 768 * kyber.k + 32
    broken = dk[:k_pos] + flip_bit(dk[k_pos : k_pos + 32], 0) + dk[k_pos + 32 :]
    tests = []
    for tc, (key, reason) in enumerate([(dk, D.VALID_DK), (broken, D.HASH_CHECK_FAILS)], start=1):
        passed = _dk_ok_everywhere(alg, key, valid[0])
        tests.append({"tcId": tc, "dk": hexu(key)})
        add(4, tc, "decapsulationKeyCheck", reason, {"testPassed": passed})
    group(4, "VAL", "decapsulationKeyCheck", tests)
    return groups, expected


def prepare(alg: str, data: dict[str, Any], nonce: bytes, mode: str | None = None) -> Prepared:
    if alg not in KYBER:
        raise InputError(
            N_("ACVP ML-KEM vectors exist for ML-KEM-512, -768 and -1024"), "$.algorithm"
        )
    mode = acvp_common.check_mode(mode, MODES)
    n = acvp_common.tests_per_group(data, DEFAULT_TESTS, MAX_TESTS)
    agreed: set[str] = set()
    if mode == "keyGen":
        groups, expected = _keygen(alg, n, agreed)
    else:
        groups, expected = _encap_decap(alg, n, agreed)
        expected = acvp_common.shuffle_tests(groups, expected)
    return acvp_common.prepared(
        ("ML-KEM", mode, "FIPS203"), RESULTS[mode], groups, expected, agreed, "kyber-py (FIPS 203)"
    )


def grade(
    alg: str, challenge: dict[str, Any], secret: dict[str, Any], answer: Any, nonce: bytes
) -> list[dict[str, Any]]:
    return acvp_common.grade("acvp-mlkem", answer, secret, challenge["vector_set"]["vsId"])


def audit_keygen_vectors(doc: dict[str, Any]) -> dict[str, Any]:
    """Check someone's ML-KEM keyGen vector file (ACVP shape with d, z, ek) against the engines.

    The testbed never grades against stored vectors, but vendors and auditors bring them. Each
    test is recomputed by every engine with seeded key generation: ``current`` when they all
    reproduce ek, ``stale`` when every engine disagrees (copies made before FIPS 203 was final
    have no domain-separation byte in keyGen), ``mixed`` otherwise. A stale set is reported,
    never followed: no engine is ever adjusted to it.
    """
    tests = []
    for group in doc.get("testGroups", []):
        alg = group.get("parameterSet")
        for test in group.get("tests", []):
            try:
                seed = bytes.fromhex(test["d"] + test["z"])
                want = bytes.fromhex(test["ek"])
            except (KeyError, TypeError, ValueError):
                raise InputError(
                    N_("each test needs hex d, z and ek"), f"tgId {group.get('tgId')}"
                ) from None
            agree, disagree = [], []
            for eng in _engines(alg) if alg in KYBER else []:
                try:
                    pk, _ = eng.kem_keypair_from_seed(alg, seed)
                except EngineError:
                    continue
                (agree if pk == want else disagree).append(eng.name)
            tests.append(
                {
                    "tgId": group.get("tgId"),
                    "tcId": test.get("tcId"),
                    "parameterSet": alg,
                    "agree": agree,
                    "disagree": disagree,
                }
            )
    checked = [t for t in tests if t["agree"] or t["disagree"]]
    if checked and all(not t["disagree"] for t in checked):
        status = "current"
    elif checked and all(not t["agree"] for t in checked):
        status = "stale"
    else:
        status = "mixed" if checked else "unchecked"
    return {"status": status, "tests": tests}
