"""ML-DSA (FIPS 204) conformance vectors in ACVP's shape, computed when the session is made.

Modes: ``keyGen`` (seed -> pk, sk), ``sigGen`` (sk, message or mu [, context, hashAlg, rnd]
-> signature) and ``sigVer`` (pk, message or mu [, context, hashAlg], signature ->
testPassed). sigGen and sigVer have a group for every signature interface of
draft-celi-acvp-ml-dsa (:data:`INTERFACES`): internal (the message is M' itself), internal
with external mu, external pure and external HashML-DSA (``hashAlg`` one of the twelve of
FIPS 204 section 5.4), the external ones with a context of 1 to 64 bytes (sigGen's second
test: empty); sigGen once deterministic and once
hedged (``rnd`` given). A session may ask for fewer, as an ACVP registration does
(``input.signatureInterfaces``, ``preHash``, ``externalMu``, ``deterministic``). sigVer:
``tests_per_group`` valid signatures per group (and, in the external pure group, from every
engine), each with modified signatures (c~, z, hint) and one shown with another message.

Where the answers come from (never from stored copies of vectors):

- keyGen: dilithium-py ``key_derive(seed)`` (no C library here derives the expanded sk from
  a seed); cross-checked against OpenSSL (``from_seed_bytes``: same pk) and by signing with
  the derived sk in every engine that takes expanded secret keys (liboqs, PQClean) and
  verifying under pk in every engine and OpenSSL.
- sigGen: FIPS 204 Sign_internal (Algorithm 7 with rnd = 0^32 or the given rnd) on M' from
  liboqs's pq-crystals C code (:func:`fips204.sign_internal`; dilithium-py where liboqs lacks
  it); the key pair from liboqs. An external-mu test's mu is H(tr || M') of a random M' that
  is never shown, so its signature is Sign_internal(sk, M', rnd) too (mu alone is all
  Algorithm 7 uses of M'). OpenSSL's ``verify_mu`` checks each expected signature verifies.
- sigVer: liboqs signs hedged (Sign_internal on the interface's M' with a fresh rnd; OpenSSL's
  ``sign_mu`` without liboqs), and in the external pure group every engine signs too (the
  signatures made only to be spoiled: liboqs under the engine's key, where it is expanded);
  OpenSSL (``verify_mu``), liboqs's Verify_internal on M' and, for the engines' own
  signatures, every engine judge each test; all must agree.

Everything a session opening runs is C (OpenSSL, liboqs, PQClean) but keyGen's derivation;
tests/testbed/conformance/test_vendor_mldsa_internal.py holds the expected values equal to
dilithium-py's for every interface and parameter set.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from dilithium_py.ml_dsa import ML_DSA_44, ML_DSA_65, ML_DSA_87

from core.errors import InputError
from core.i18n import N_, say
from testbed.conformance import acvp_common, fips204
from testbed.conformance import details as D
from testbed.conformance.acvp_common import hexu
from testbed.conformance.codec import flip_bit
from testbed.conformance.common import DISAGREE, OracleDisagreement, Prepared
from testbed.engines import liboqs_mldsa
from testbed.engines.interface import Engine, Kind
from testbed.engines.registry import get_engines

try:
    from cryptography.hazmat.primitives.asymmetric import mldsa as _crypto_mldsa
except ImportError:  # pragma: no cover
    _crypto_mldsa = None  # type: ignore[assignment]

DILITHIUM = {"ML-DSA-44": ML_DSA_44, "ML-DSA-65": ML_DSA_65, "ML-DSA-87": ML_DSA_87}
MODES = ("keyGen", "sigGen", "sigVer")
#: tests per group: keyGen n seeds; sigGen n per group (eight groups); sigVer n signatures
#: per group (and per engine in the external pure group), each with four modified variants
DEFAULT_TESTS = {"keyGen": 2, "sigGen": 1, "sigVer": 1}
MAX_TESTS = 3
RESULTS = {
    "keyGen": {"keyGen": "pk, sk: hex"},
    "sigGen": {
        "sigGen": "signature: hex (over the group's interface: M', mu, or the message "
        "with its context and hashAlg)"
    },
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
    internal = fips204.internal_implementation(alg)
    votes = {internal: fips204.verify_internal(alg, pk, fips204.m_prime(msg, ctx, None), sig)}
    agreed.add(internal)
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
        raise OracleDisagreement(say(DISAGREE, what=f"{alg} verify", votes=str(votes)))
    return votes[internal]


def _keygen(alg: str, n: int, agreed: set[str]) -> tuple[list[dict], dict[str, Any]]:
    tests, expected = [], {}
    for tc in range(1, n + 1):
        seed = secrets.token_bytes(32)
        pk, sk = DILITHIUM[alg].key_derive(seed)
        cls = _crypto_key(alg, "Private")
        if cls is not None:
            if cls.from_seed_bytes(seed).public_key().public_bytes_raw() != pk:
                raise OracleDisagreement(
                    say(N_("{alg} keyGen: OpenSSL derives another pk"), alg=alg)
                )
            agreed.add("openssl")
        for eng in _engines(alg):
            if eng.sizes(alg).secret_key == len(sk):  # expanded secret keys
                msg = secrets.token_bytes(16)
                if not _verifies(alg, pk, msg, b"", eng.sign(alg, sk, msg), agreed):
                    raise OracleDisagreement(
                        say(N_("{alg} keyGen: {engine} cannot sign with sk"), alg=alg,
                            engine=eng.name)
                    )  # fmt: skip
                agreed.add(eng.name)
        tests.append({"tcId": tc, "seed": hexu(seed)})
        expected[f"1:{tc}"] = {
            "function": "keyGen",
            "reason": D.KEY_GENERATION,
            "fields": {"pk": hexu(pk), "sk": hexu(sk)},
        }
    return [{"tgId": 1, "testType": "AFT", "parameterSet": alg, "tests": tests}], expected


#: the ACVP signature interfaces: (signatureInterface, preHash or None, externalMu or None);
#: draft-celi-acvp-ml-dsa: "preHash" is present only with the external interface,
#: "externalMu" only with the internal one
INTERFACES: tuple[tuple[str, str | None, bool | None], ...] = (
    ("internal", None, False),
    ("internal", None, True),
    ("external", "pure", None),
    ("external", "preHash", None),
)


@dataclass
class _Signed:
    """What one test shows and what its signature is over: mu, and the M' behind it."""

    fields: dict[str, str]
    mu: bytes
    formatted: bytes


def _message(
    alg: str, pk: bytes, interface: tuple[str, str | None, bool | None], ctx: bytes | None = None
) -> _Signed:
    """A random message for ``interface``, as the test shows it and as it is signed.

    External mu: mu = H(tr || M') of a random M' that only ``formatted`` keeps (never shown):
    as good as random bytes to the product, and it lets liboqs sign and judge it on M'."""
    iface, pre_hash, external_mu = interface
    if external_mu:
        hidden = secrets.token_bytes(64)
        mu = fips204.mu(pk, hidden)
        return _Signed({"mu": hexu(mu)}, mu, hidden)
    msg = secrets.token_bytes(32 + secrets.randbelow(64))
    if iface == "internal":  # M' is the message itself (Algorithm 7's input)
        return _Signed({"message": hexu(msg)}, fips204.mu(pk, msg), msg)
    if ctx is None:
        ctx = secrets.token_bytes(1 + secrets.randbelow(64))
    fields = {"message": hexu(msg), "context": hexu(ctx)}
    hash_alg = None
    if pre_hash == "preHash":
        hash_alg = secrets.choice(list(fips204.PRE_HASH))
        fields["hashAlg"] = hash_alg
    formatted = fips204.m_prime(msg, ctx, hash_alg)
    return _Signed(fields, fips204.mu(pk, formatted), formatted)


def _group_keys(interface: tuple[str, str | None, bool | None]) -> dict[str, Any]:
    iface, pre_hash, external_mu = interface
    keys: dict[str, Any] = {"signatureInterface": iface}
    if pre_hash is not None:
        keys["preHash"] = pre_hash
    if external_mu is not None:
        keys["externalMu"] = external_mu
    return keys


def _judged(
    alg: str, pk: bytes, signed: _Signed, sig: bytes, agreed: set[str], second: bool = True
) -> bool:
    """OpenSSL (verify_mu) and, with ``second``, liboqs (Verify_internal on M') must agree.
    sigGen passes ``second=False``: liboqs made the signature, so its own verdict adds
    nothing to OpenSSL's independent one."""
    votes = {"openssl": fips204.openssl_verify_mu(alg, pk, signed.mu, sig)}
    agreed.add("openssl")
    if second:
        internal = fips204.internal_implementation(alg)
        votes[internal] = fips204.verify_internal(alg, pk, signed.formatted, sig)
        agreed.add(internal)
    if len(set(votes.values())) != 1:
        raise OracleDisagreement(say(DISAGREE, what=f"{alg} verify", votes=str(votes)))
    return votes["openssl"]


def _sign_keypair(alg: str) -> tuple[bytes, bytes]:
    """A fresh (pk, expanded sk): liboqs's, or dilithium-py's where liboqs lacks ML-DSA."""
    if liboqs_mldsa.available(alg):
        return liboqs_mldsa.keypair(alg)
    pk, sk = DILITHIUM[alg].key_derive(secrets.token_bytes(32))
    return bytes(pk), bytes(sk)


def _siggen(
    alg: str, n: int, agreed: set[str], interfaces: list, deterministic: list[bool]
) -> tuple[list[dict], dict[str, Any]]:
    groups, expected = [], {}
    tg = 0
    for det in deterministic:
        for interface in interfaces:
            tg += 1
            tests = []
            pk, sk = _sign_keypair(alg)
            for tc in range(1, n + 1):
                signed = _message(alg, pk, interface, b"" if tc == 2 else None)
                rnd = bytes(32) if det else secrets.token_bytes(32)
                sig = fips204.sign_internal(alg, sk, signed.formatted, rnd)
                agreed.add(fips204.internal_implementation(alg))
                if not _judged(alg, pk, signed, sig, agreed, second=False):
                    raise OracleDisagreement(
                        say(N_("{alg} sigGen: the expected signature fails"), alg=alg)
                    )
                test = {"tcId": tc, "sk": hexu(sk), **signed.fields}
                if not det:
                    test["rnd"] = hexu(rnd)
                tests.append(test)
                said = D.DETERMINISTIC if det else D.GIVEN_RND
                expected[f"{tg}:{tc}"] = {
                    "function": "sigGen",
                    "reason": said.format(interface=_describe(interface)),
                    "fields": {"signature": hexu(sig)},
                }
            groups.append(
                {"tgId": tg, "testType": "AFT", "parameterSet": alg, "deterministic": det}
                | _group_keys(interface)
                | {"tests": tests}
            )
    return groups, expected


def _describe(interface: tuple[str, str | None, bool | None]) -> str:
    iface, pre_hash, external_mu = interface
    if iface == "internal":
        return D.INTERFACES[0] if external_mu else D.INTERFACES[1]
    return D.INTERFACES[2] if pre_hash == "preHash" else D.INTERFACES[3]


def _variants(sig: bytes, c_len: int) -> list[tuple[bytes, str]]:
    return [
        (flip_bit(sig, secrets.randbelow(8 * c_len)), D.MODIFIED_COMMITMENT),
        (flip_bit(sig, 8 * (len(sig) // 2) + 1), D.MODIFIED_Z),
        (flip_bit(sig, 8 * (len(sig) - 1)), D.MODIFIED_HINT),
    ]


def _sigver(
    alg: str, n: int, agreed: set[str], interfaces: list, deterministic: list[bool]
) -> tuple[list[dict], dict[str, Any]]:
    groups, expected = [], {}
    for tg, interface in enumerate(interfaces, start=1):
        tests: list[dict] = []
        for pk, fields, sig, reason, passed in _sigver_tests(alg, n, interface, agreed):
            tc = len(tests) + 1
            tests.append({"tcId": tc, "pk": hexu(pk), **fields, "signature": hexu(sig)})
            expected[f"{tg}:{tc}"] = {
                "function": "sigVer",
                "reason": reason,
                "fields": {"testPassed": passed},
            }
        groups.append(
            {"tgId": tg, "testType": "AFT", "parameterSet": alg}
            | _group_keys(interface)
            | {"tests": tests}
        )
    return groups, expected


def _sigver_tests(
    alg: str, n: int, interface: tuple[str, str | None, bool | None], agreed: set[str]
) -> list[tuple[bytes, dict[str, str], bytes, str, bool]]:
    """(pk, shown fields, signature, reason, verdict) for one group: n valid signatures, each
    with three modified ones and one shown with another message (or mu)."""
    c_len = DILITHIUM[alg].c_tilde_bytes
    out = []
    if interface == ("external", "pure", None):  # every engine's own signatures too
        for eng in [e for e in _engines(alg) for _ in range(n)]:
            pk, sk = eng.sign_keypair(alg)
            # each test its own message and signature: tests sharing them would give away
            # which one is the valid signature
            for k in range(5):
                msg = secrets.token_bytes(48)
                if k == 0:
                    sig = eng.sign(alg, sk, msg)
                else:  # spoiled below
                    sig = fips204.signature_to_spoil(alg, eng, sk, msg)
                reason = D.VALID_SIGNATURE.format(engine=eng.name)
                if 0 < k < 4:
                    sig, reason = _variants(sig, c_len)[k - 1]
                elif k == 4:
                    msg, reason = secrets.token_bytes(48), D.MODIFIED_MESSAGE
                passed = _verifies(alg, pk, msg, b"", sig, agreed)
                out.append((pk, {"message": hexu(msg), "context": ""}, sig, reason, passed))
    signer, pk, sign = fips204.hedged_signer(alg)
    for _ in range(n):
        for k in range(5):
            signed = shown = _message(alg, pk, interface)
            sig = sign(signed.formatted)
            reason = D.VALID_SIGNATURE_VIA.format(engine=signer, interface=_describe(interface))
            if 0 < k < 4:
                sig, reason = _variants(sig, c_len)[k - 1]
            elif k == 4:  # the same signature shown with another message (or mu)
                shown = _message(alg, pk, interface)
                reason = D.MODIFIED_MU if interface[2] else D.MODIFIED_MESSAGE
            passed = _judged(alg, pk, shown, sig, agreed)
            out.append((pk, shown.fields, sig, reason, passed))
    return out


def _capabilities(data: dict[str, Any], mode: str) -> tuple[list, list[bool]]:
    """The interfaces (and, for sigGen, deterministic settings) the session asks for.

    As in an ACVP registration: ``signatureInterfaces`` ("internal", "external"), ``preHash``
    ("pure", "preHash"; external only) and ``externalMu`` (true, false; internal only);
    each defaults to all.
    """
    names = ("signatureInterfaces", "preHash", "externalMu", "deterministic")
    given = {k: data[k] for k in names if k in data}
    if given and mode == "keyGen":
        raise InputError(
            N_("only sigGen and sigVer take capabilities"), f"$.input.{next(iter(given))}"
        )
    allowed: dict[str, tuple[Any, ...]] = {
        "signatureInterfaces": ("internal", "external"),
        "preHash": ("pure", "preHash"),
        "externalMu": (True, False),
        "deterministic": (True, False),
    }
    chosen = {}
    for name, values in allowed.items():
        value = given.get(name, list(values))
        if (
            not isinstance(value, list)
            or not value
            or any(v not in values or type(v) is not type(values[0]) for v in value)
        ):
            raise InputError(
                N_("must be a non-empty list of {choices}"), f"$.input.{name}", choices=list(values)
            )
        chosen[name] = value
    if mode == "sigVer" and "deterministic" in given:
        raise InputError(N_("only sigGen takes 'deterministic'"), "$.input.deterministic")
    interfaces = [
        i
        for i in INTERFACES
        if i[0] in chosen["signatureInterfaces"]
        and (i[1] is None or i[1] in chosen["preHash"])
        and (i[2] is None or i[2] in chosen["externalMu"])
    ]
    if not interfaces:
        raise InputError(N_("these capabilities leave no test group"), "$.input")
    return interfaces, chosen["deterministic"]


def prepare(alg: str, data: dict[str, Any], nonce: bytes, mode: str | None = None) -> Prepared:
    if alg not in DILITHIUM:
        raise InputError(N_("ACVP ML-DSA vectors exist for ML-DSA-44, -65 and -87"), "$.algorithm")
    mode = acvp_common.check_mode(mode, MODES)
    n = acvp_common.tests_per_group(data, DEFAULT_TESTS[mode], MAX_TESTS)
    agreed: set[str] = set()
    if mode == "keyGen":
        _capabilities(data, mode)
        groups, expected = _keygen(alg, n, agreed)
    else:
        interfaces, deterministic = _capabilities(data, mode)
        build = _siggen if mode == "sigGen" else _sigver
        groups, expected = build(alg, n, agreed, interfaces, deterministic)
    expected = acvp_common.shuffle_tests(groups, expected)
    return acvp_common.prepared(
        ("ML-DSA", mode, "FIPS204"),
        RESULTS[mode],
        groups,
        expected,
        agreed,
        _computed_by(alg, mode),
    )


def _computed_by(alg: str, mode: str) -> str:
    if mode == "keyGen":
        return "dilithium-py (FIPS 204 ML-DSA.KeyGen_internal)"
    if mode == "sigVer":
        judge = fips204.internal_implementation(alg)
        signer = "liboqs (Sign_internal, hedged)" if judge == "liboqs" else "OpenSSL (sign_mu)"
        return f"{signer}, judged by OpenSSL and {judge} (FIPS 204 Verify_internal)"
    if fips204.internal_implementation(alg) == "liboqs":
        return "liboqs (pq-crystals reference, FIPS 204 Sign_internal with the test's rnd)"
    return "dilithium-py (FIPS 204 Sign_internal with the test's rnd)"


def grade(
    alg: str, challenge: dict[str, Any], secret: dict[str, Any], answer: Any, nonce: bytes
) -> list[dict[str, Any]]:
    return acvp_common.grade("acvp-mldsa", answer, secret, challenge["vector_set"]["vsId"])
