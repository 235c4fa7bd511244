"""Signature interoperability, both ways, against every engine.

Vendor signs (``sig_vendor_signs``): the testbed issues a random challenge message (it
includes the session nonce, so an old signature cannot be replayed); the vendor answers its
public key and a signature (pure, empty context) that every engine verifies. For ML-DSA the
challenge also carries a random non-empty ``context`` (1 to 255 bytes) and the vendor adds
``context_signature``, made under it; OpenSSL and liboqs (Verify_internal on M') verify it
with that context.

Vendor verifies (``sig_vendor_verifies``): each engine makes a key pair and signs random
messages; the testbed sends a good signature and three bad ones (one bit flipped, one byte
short, a signature presented with another message; for ML-DSA liboqs signs these under the
engine's key, see :func:`fips204.signature_to_spoil`), each over a message and signature of
its own so that no two items are related, in random order under random ids; the vendor answers
``accept`` or ``reject`` for each. For ML-DSA, OpenSSL adds signatures under non-empty
contexts (one of 255 bytes) and three that a verifier ignoring the context would accept or
misjudge: a signature presented with another context, with none, and an empty-context
signature presented with a context. With ``input.hash_ml_dsa`` the items include HashML-DSA
(FIPS 204 Algorithm 4) signatures, one presented with another hash function, one as pure and
a pure one as HashML-DSA; with ``input.external_mu`` items carry ``mu`` instead of a message.
Every engine (pure, empty context), OpenSSL and liboqs's FIPS 204 Verify_internal on M'
(dilithium-py where liboqs lacks it; see :mod:`fips204`) judge every item first, and the
expected answer is the one they all agree on.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from core.errors import UNKNOWN_MEMBERS, InputError
from core.i18n import N_, say
from testbed.conformance import details as D
from testbed.conformance import fips204
from testbed.conformance.codec import b64, b64_bytes, boolean, field, flip_bit, obj, unb64
from testbed.conformance.common import (
    OracleDisagreement,
    Prepared,
    answer_items,
    case,
    engines_for_kind,
    opaque_ids,
)
from testbed.engines.errors import EngineError
from testbed.engines.interface import Kind

CHALLENGE_LABEL = b"pqcplan-sig-challenge/1|"


def _max_signature(alg: str, engines) -> int:  # type: ignore[no-untyped-def]
    return max(e.sizes(alg).signature or 0 for e in engines)


def _public_key_len(alg: str, engines) -> int:  # type: ignore[no-untyped-def]
    lengths = {e.sizes(alg).public_key for e in engines}
    if len(lengths) != 1:
        raise OracleDisagreement(
            say(N_("{alg}: engines disagree on the public key size {lengths}"), alg=alg,
                lengths=str(lengths))
        )  # fmt: skip
    return lengths.pop()


def _with_contexts(alg: str) -> bool:
    """Contexts are checked where two implementations here sign and verify with them."""
    return alg in fips204.DILITHIUM and fips204.openssl_key(alg, "Private") is not None


def _random_context(low: int = 1, high: int = fips204.MAX_CONTEXT) -> bytes:
    return secrets.token_bytes(low + secrets.randbelow(high - low + 1))


# -- vendor signs ---------------------------------------------------------------------------


def prepare_vendor_signs(alg: str, data: dict[str, Any], nonce: bytes) -> Prepared:
    engines = engines_for_kind(alg, Kind.SIGNATURE)
    _public_key_len(alg, engines)
    message = CHALLENGE_LABEL + nonce + secrets.token_bytes(32)
    context = _random_context() if _with_contexts(alg) else b""
    answer_with = {"public_key": "base64", "signature": "base64 (pure, empty context)"}
    if context:
        answer_with["context_signature"] = "base64: the same message signed under 'context'"
    challenge = {"message": b64(message), "context": b64(context), "answer_with": answer_with}
    oracles: dict[str, Any] = {"verify": "engines"}
    if context:
        judge = fips204.internal_implementation(alg)
        oracles["context_signature"] = f"OpenSSL and {judge} (FIPS 204, with context)"
    return Prepared(
        challenge,
        {"message": b64(message), "context": b64(context)},
        [e.name for e in engines],
        oracles,
    )


def grade_vendor_signs(
    alg: str, challenge: dict[str, Any], secret: dict[str, Any], answer: Any, nonce: bytes
) -> list[dict[str, Any]]:
    engines = engines_for_kind(alg, Kind.SIGNATURE)
    body = obj(answer, "$.answer")
    context = unb64(secret.get("context", ""))
    allowed = {"public_key", "signature"} | ({"context_signature"} if context else set())
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise InputError(UNKNOWN_MEMBERS, "$.answer", members=unknown)
    pk_len, sig_len = _public_key_len(alg, engines), _max_signature(alg, engines)
    pk = b64_bytes(field(body, "public_key", "$.answer"), "$.answer.public_key", length=pk_len)
    sig = b64_bytes(field(body, "signature", "$.answer"), "$.answer.signature", max_len=sig_len)
    message = unb64(secret["message"])
    cases = []
    for eng in engines:
        try:
            ok = eng.verify(alg, pk, message, sig)
            detail = D.SIGNATURE_VERIFIES if ok else D.SIGNATURE_FAILS
        except EngineError as exc:
            ok, detail = False, D.PUBLIC_KEY_REJECTED.format(error=exc)
        cases.append(case(f"verify-{eng.name}", "sig-vendor-signs/verify", ok, detail, eng.name))
    if context:
        path = "$.answer.context_signature"
        if "context_signature" not in body:
            raise InputError(
                N_("is required: sign the message under the challenge's context"), path
            )
        ctx_sig = b64_bytes(body["context_signature"], path, max_len=sig_len)
        formatted = fips204.m_prime(message, context, None)
        judge = fips204.internal_implementation(alg)
        votes = {
            "openssl": fips204.openssl_verify_mu(alg, pk, fips204.mu(pk, formatted), ctx_sig),
            judge: fips204.verify_internal(alg, pk, formatted, ctx_sig),
        }
        if len(set(votes.values())) != 1:
            raise OracleDisagreement(
                say(N_("{alg} context signature: {votes}"), alg=alg, votes=str(votes))
            )
        ok = votes["openssl"]
        said = D.CONTEXT_VERIFIES if ok else D.CONTEXT_FAILS
        detail = said.format(size=len(context), judge=judge)
        cases.append(case("verify-context", "sig-vendor-signs/context", ok, detail, "openssl"))
    return cases


# -- vendor verifies ------------------------------------------------------------------------

BAD_KINDS = ("bit-flip", "truncated", "other-message")


@dataclass
class _Item:
    """One item before it gets its id: what it is, what is shown, and what was signed."""

    engine: str
    what: str
    accept: bool
    shown: dict[str, Any]
    #: the FIPS 204 M' the signature is judged over (None: only the engines judge it)
    formatted: bytes | None = None


def _engine_items(alg: str, engines: list) -> list[_Item]:  # type: ignore[type-arg]
    out = []
    for eng in engines:
        pk, sk = eng.sign_keypair(alg)
        # a fresh message and signature per item: items sharing a message or a signature
        # would tell a product which of them is the good one
        # the engine signs the good item; the others are spoiled, so liboqs may sign them
        # under the engine's key (fips204.signature_to_spoil)
        m1, m2, m3, m4 = (secrets.token_bytes(48) for _ in range(4))
        s1 = eng.sign(alg, sk, m1)
        s2, s3, s4 = (fips204.signature_to_spoil(alg, eng, sk, m) for m in (m2, m3, m4))
        for what, msg, sig in (
            ("good", m1, s1),
            ("bit-flip", m2, flip_bit(s2, 8 * (len(s2) // 2) + 5)),
            ("truncated", m3, s3[:-1]),
            ("other-message", secrets.token_bytes(48), s4),
        ):
            shown = {"public_key": pk, "message": msg, "signature": sig}
            formatted = fips204.m_prime(msg, b"", None) if _with_contexts(alg) else None
            out.append(_Item(eng.name, what, what == "good", shown, formatted))
    return out


def _context_items(alg: str, hash_ml_dsa: bool, external_mu: bool) -> list[_Item]:
    """Signatures OpenSSL makes with contexts, pre-hashes and external mu (ML-DSA only)."""
    key, pk = fips204.openssl_keypair(alg)
    out = []

    def pure(what: str, sign_ctx: bytes, shown_ctx: bytes, accept: bool) -> None:
        msg = secrets.token_bytes(48)
        sig = key.sign(msg, sign_ctx)
        shown = {"public_key": pk, "message": msg, "context": shown_ctx, "signature": sig}
        out.append(_Item("openssl", what, accept, shown, fips204.m_prime(msg, shown_ctx, None)))

    ctx = _random_context(1, fips204.MAX_CONTEXT - 1)
    pure("context", ctx, ctx, True)
    long_ctx = _random_context(fips204.MAX_CONTEXT, fips204.MAX_CONTEXT)
    pure("context-255", long_ctx, long_ctx, True)
    wrong = _random_context(16, 64)
    pure("wrong-context", wrong, flip_bit(wrong, 0), False)
    pure("context-dropped", _random_context(1, 64), b"", False)
    pure("context-added", b"", _random_context(1, 64), False)
    if hash_ml_dsa:
        out += _hash_items(key, pk)
    if external_mu:
        for what, accept in (("external-mu", True), ("external-mu-other", False)):
            formatted = fips204.m_prime(secrets.token_bytes(48), _random_context(0, 32), None)
            signed = formatted if accept else fips204.m_prime(secrets.token_bytes(48), b"", None)
            sig = key.sign_mu(fips204.mu(pk, signed))
            shown = {"public_key": pk, "mu": fips204.mu(pk, formatted), "signature": sig}
            out.append(_Item("openssl", what, accept, shown, formatted))
    return out


def _hash_items(key: Any, pk: bytes) -> list[_Item]:
    """HashML-DSA signatures (OpenSSL's sign_mu over FIPS 204 Algorithm 4's M')."""
    names = list(fips204.PRE_HASH)
    out = []

    def item(what: str, signed_as: str | None, shown_as: str | None, accept: bool) -> None:
        msg, ctx = secrets.token_bytes(48), _random_context(0, 64)
        sig = key.sign_mu(fips204.mu(pk, fips204.m_prime(msg, ctx, signed_as)))
        shown: dict[str, Any] = {"public_key": pk, "message": msg, "context": ctx, "signature": sig}
        if shown_as is not None:
            shown["pre_hash"] = shown_as
        out.append(_Item("openssl", what, accept, shown, fips204.m_prime(msg, ctx, shown_as)))

    first, second = secrets.SystemRandom().sample(names, 2)
    item("hash", first, first, True)
    item("hash", second, second, True)
    item("hash-other-function", first, second, False)
    item("hash-as-pure", first, None, False)
    item("pure-as-hash", None, second, False)
    return out


def _judge(alg: str, engines: list, item: _Item) -> dict[str, bool]:  # type: ignore[type-arg]
    """Every implementation's verdict on one item; all must be the expected one."""
    shown, votes = item.shown, {}
    pk, sig = shown["public_key"], shown["signature"]
    pure_empty = "pre_hash" not in shown and "mu" not in shown and not shown.get("context")
    if pure_empty:
        for eng in engines:
            votes[eng.name] = eng.verify(alg, pk, shown["message"], sig)
    if item.formatted is not None:
        mu = shown.get("mu") or fips204.mu(pk, item.formatted)
        votes["openssl"] = fips204.openssl_verify_mu(alg, pk, mu, sig)
        if not pure_empty:  # the engines' own verdicts stand beside OpenSSL's there
            judge = fips204.internal_implementation(alg)
            votes[judge] = fips204.verify_internal(alg, pk, item.formatted, sig)
    for name, got in votes.items():
        if got != item.accept:
            raise OracleDisagreement(
                say(N_("{alg}: {engine} says {got} for a {what} signature made by {maker}"),
                    alg=alg, engine=name, got=str(got), what=item.what, maker=item.engine)
            )  # fmt: skip
    return votes


def _options(alg: str, data: dict[str, Any]) -> tuple[bool, bool]:
    body = obj(data, "$.input")
    unknown = sorted(set(body) - {"hash_ml_dsa", "external_mu"})
    if unknown:
        raise InputError(UNKNOWN_MEMBERS, "$.input", members=unknown)
    hashed = boolean(body.get("hash_ml_dsa", False), "$.input.hash_ml_dsa")
    mu = boolean(body.get("external_mu", False), "$.input.external_mu")
    if (hashed or mu) and not _with_contexts(alg):
        path = "$.input.hash_ml_dsa" if hashed else "$.input.external_mu"
        raise InputError(
            N_("HashML-DSA and external mu are checked for ML-DSA only, not {algorithm}"),
            path,
            algorithm=alg,
        )
    return hashed, mu


def prepare_vendor_verifies(alg: str, data: dict[str, Any], nonce: bytes) -> Prepared:
    engines = engines_for_kind(alg, Kind.SIGNATURE)
    _public_key_len(alg, engines)
    hashed, external_mu = _options(alg, data)
    raw = _engine_items(alg, engines)
    if _with_contexts(alg):
        raw += _context_items(alg, hashed, external_mu)
    secrets.SystemRandom().shuffle(raw)
    items, expected = [], {}
    agreement: dict[str, int] = {}
    for item_id, item in zip(opaque_ids(len(raw)), raw, strict=True):
        for name in _judge(alg, engines, item):
            agreement[name] = agreement.get(name, 0) + 1
        shown = {"id": item_id}
        for key, value in item.shown.items():
            shown[key] = b64(value) if isinstance(value, bytes) else value
        shown.setdefault("context", "")
        shown["interface"] = (
            "external_mu" if "mu" in item.shown else "hash" if "pre_hash" in item.shown else "pure"
        )
        items.append(shown)
        expected[item_id] = {
            "expect": "accept" if item.accept else "reject",
            "what": item.what,
            "engine": item.engine,
        }
    covered = ["pure, empty context"]
    if _with_contexts(alg):
        covered.append("contexts of 1 to 255 bytes")
    covered += ["HashML-DSA"] * hashed + ["external mu"] * external_mu
    challenge = {
        "items": items,
        "covers": covered,
        "answer_with": {
            "items": "{item id: 'accept' | 'reject'}",
            "item": "interface 'pure': verify message under context (base64, may be empty); "
            "'hash': HashML-DSA (FIPS 204 Algorithm 5) with pre_hash (an ACVP hashAlg name) "
            "and context; 'external_mu': verify the signature over mu (64 bytes)",
        },
    }
    oracles = {"sign": "engines and OpenSSL", "verified_items_per_implementation": agreement}
    return Prepared(challenge, {"expected": expected}, [e.name for e in engines], oracles)


def grade_vendor_verifies(
    alg: str, challenge: dict[str, Any], secret: dict[str, Any], answer: Any, nonce: bytes
) -> list[dict[str, Any]]:
    ids = [i["id"] for i in challenge["items"]]
    raw = answer_items(answer, ids, "$.answer")
    for item_id, value in raw.items():
        if value not in ("accept", "reject"):
            raise InputError(N_("must be 'accept' or 'reject'"), f"$.answer.items.{item_id}")
    cases = []
    for item_id in ids:
        exp = secret["expected"][item_id]
        ok = raw[item_id] == exp["expect"]
        detail = D.VERIFIED[raw[item_id], ok].format(what=exp["what"])
        cases.append(case(item_id, f"sig-vendor-verifies/{exp['what']}", ok, detail, exp["engine"]))
    return cases
