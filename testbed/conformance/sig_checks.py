"""Signature interoperability, both ways, against every engine.

Vendor signs (``sig_vendor_signs``): the testbed issues a random challenge message (it
includes the session nonce, so an old signature cannot be replayed); the vendor answers its
public key and a signature (pure mode, empty context); every engine implementing the
algorithm verifies it.

Vendor verifies (``sig_vendor_verifies``): each engine makes a key pair and signs random
messages; the testbed sends a good signature and three bad ones (one bit flipped, one byte
short, a signature presented with another message), each over a message and signature of its
own so that no two items are related, in random order under random ids; the vendor
answers ``accept`` or ``reject`` for each. Every engine verifies every item first, and the
expected answer is the one they all agree on.
"""

from __future__ import annotations

import secrets
from typing import Any

from core.errors import InputError
from testbed.conformance.codec import b64, b64_bytes, field, flip_bit, obj, unb64
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
        raise OracleDisagreement(f"{alg}: engines disagree on the public key size {lengths}")
    return lengths.pop()


# -- vendor signs ---------------------------------------------------------------------------


def prepare_vendor_signs(alg: str, data: dict[str, Any], nonce: bytes) -> Prepared:
    engines = engines_for_kind(alg, Kind.SIGNATURE)
    _public_key_len(alg, engines)
    message = CHALLENGE_LABEL + nonce + secrets.token_bytes(32)
    challenge = {
        "message": b64(message),
        "context": "",
        "answer_with": {"public_key": "base64", "signature": "base64 (pure, empty context)"},
    }
    return Prepared(
        challenge, {"message": b64(message)}, [e.name for e in engines], {"verify": "engines"}
    )


def grade_vendor_signs(
    alg: str, challenge: dict[str, Any], secret: dict[str, Any], answer: Any, nonce: bytes
) -> list[dict[str, Any]]:
    engines = engines_for_kind(alg, Kind.SIGNATURE)
    body = obj(answer, "$.answer")
    pk = b64_bytes(
        field(body, "public_key", "$.answer"),
        "$.answer.public_key",
        length=_public_key_len(alg, engines),
    )
    sig = b64_bytes(
        field(body, "signature", "$.answer"),
        "$.answer.signature",
        max_len=_max_signature(alg, engines),
    )
    message = unb64(secret["message"])
    cases = []
    for eng in engines:
        try:
            ok = eng.verify(alg, pk, message, sig)
            detail = "signature verifies" if ok else "signature does not verify"
        except EngineError as exc:
            ok, detail = False, f"public key rejected: {exc}"
        cases.append(case(f"verify-{eng.name}", "sig-vendor-signs/verify", ok, detail, eng.name))
    return cases


# -- vendor verifies ------------------------------------------------------------------------

BAD_KINDS = ("bit-flip", "truncated", "other-message")


def prepare_vendor_verifies(alg: str, data: dict[str, Any], nonce: bytes) -> Prepared:
    engines = engines_for_kind(alg, Kind.SIGNATURE)
    _public_key_len(alg, engines)
    raw: list[tuple[str, str, bytes, bytes, bytes]] = []  # engine, what, pk, msg, sig
    for eng in engines:
        pk, sk = eng.sign_keypair(alg)
        # a fresh message and signature per item: items sharing a message or a signature
        # would tell a product which of them is the good one
        signed = [(m, eng.sign(alg, sk, m)) for m in (secrets.token_bytes(48) for _ in range(4))]
        (m1, s1), (m2, s2), (m3, s3), (_, s4) = signed
        raw += [
            (eng.name, "good", pk, m1, s1),
            (eng.name, "bit-flip", pk, m2, flip_bit(s2, 8 * (len(s2) // 2) + 5)),
            (eng.name, "truncated", pk, m3, s3[:-1]),
            (eng.name, "other-message", pk, secrets.token_bytes(48), s4),
        ]
    secrets.SystemRandom().shuffle(raw)
    items, expected = [], {}
    agreement: dict[str, int] = {}
    for item_id, (engine, what, pk, msg, sig) in zip(opaque_ids(len(raw)), raw, strict=True):
        want = what == "good"
        for eng in engines:  # every engine must agree with the expectation
            got = eng.verify(alg, pk, msg, sig)
            if got != want:
                raise OracleDisagreement(
                    f"{alg}: engine {eng.name} says {got} for a {what} signature made by {engine}"
                )
            agreement[eng.name] = agreement.get(eng.name, 0) + 1
        items.append(
            {"id": item_id, "public_key": b64(pk), "message": b64(msg), "signature": b64(sig)}
        )
        expected[item_id] = {
            "expect": "accept" if want else "reject",
            "what": what,
            "engine": engine,
        }
    challenge = {
        "items": items,
        "context": "",
        "answer_with": {"items": "{item id: 'accept' | 'reject'}"},
    }
    oracles = {"sign": "engines", "verified_items_per_engine": agreement}
    return Prepared(challenge, {"expected": expected}, [e.name for e in engines], oracles)


def grade_vendor_verifies(
    alg: str, challenge: dict[str, Any], secret: dict[str, Any], answer: Any, nonce: bytes
) -> list[dict[str, Any]]:
    ids = [i["id"] for i in challenge["items"]]
    raw = answer_items(answer, ids, "$.answer")
    for item_id, value in raw.items():
        if value not in ("accept", "reject"):
            raise InputError("must be 'accept' or 'reject'", f"$.answer.items.{item_id}")
    cases = []
    for item_id in ids:
        exp = secret["expected"][item_id]
        ok = raw[item_id] == exp["expect"]
        detail = f"{exp['what']} signature: {raw[item_id]}ed" + (
            "" if ok else f", expected {exp['expect']}"
        )
        cases.append(case(item_id, f"sig-vendor-verifies/{exp['what']}", ok, detail, exp["engine"]))
    return cases
