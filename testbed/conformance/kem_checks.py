"""KEM interoperability: the vendor as receiver and as sender, against every engine.

Receiver (``kem_receiver``): the vendor sends its encapsulation key when it opens the
session; each engine encapsulates to it; the vendor answers, per ciphertext, the shared
secret or a key-confirmation value ``HMAC-SHA256(key=shared_secret, msg=transcript)`` with
``transcript = b"pqcplan-kem-confirm/1" || nonce || item id (UTF-8) || ciphertext``. Negative
items: a ciphertext one byte short and one byte long (a conforming product rejects them),
and for ML-KEM one tampered ciphertext per engine, a fresh encapsulation with one bit flipped
(FIPS 203 implicit rejection). Ids are random digits and the order is random; what each item
is stays in the session's secret, so a product cannot single out the negative ones by id,
position or likeness to another item. A tampered item must be answered with ``shared_secret`` (the
implicit-rejection value discloses nothing about the key; a confirmation could not show that
it is not a constant), and the secrets must be distinct from each other, from every other
secret of the session, from all-zero or any one repeated byte, and from the ciphertext's own
bytes: a product that returns a constant or echoes its input on failure does not pass.

Sender (``kem_sender``): each engine makes a key pair and gives its encapsulation key; the
vendor encapsulates to each and answers ciphertext and shared secret; the engine
decapsulates and compares. Negative items: a truncated key and, for ML-KEM, a key failing the
FIPS 203 modulus check; a conforming product refuses to encapsulate to them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from core.errors import InputError
from testbed.conformance.codec import (
    b64,
    b64_bytes,
    boolean,
    field,
    flip_bit,
    hex_bytes,
    obj,
    same,
    unb64,
)
from testbed.conformance.common import (
    Prepared,
    answer_items,
    case,
    engines_for_kind,
    opaque_ids,
    wire_sizes,
)
from testbed.engines.errors import EngineError, InvalidKey
from testbed.engines.fips203_checks import MLKEM_K, mlkem_encapsulation_key_ok
from testbed.engines.interface import Kind
from testbed.engines.registry import get_engine

CONFIRM_LABEL = b"pqcplan-kem-confirm/1"
CONFIRM_RULE = (
    "HMAC-SHA256(key=shared_secret, msg='pqcplan-kem-confirm/1' || nonce || item id (UTF-8) "
    "|| ciphertext), hex; nonce is the session's 'nonce' field hex-decoded (32 bytes)"
)


def confirmation(shared_secret: bytes, nonce: bytes, item_id: str, ciphertext: bytes) -> bytes:
    """The key-confirmation value a receiver may return instead of the shared secret."""
    msg = CONFIRM_LABEL + nonce + item_id.encode() + ciphertext
    return hmac.new(shared_secret, msg, hashlib.sha256).digest()


def _shuffled(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = list(items)
    secrets.SystemRandom().shuffle(out)
    return out


def _opaque(
    items: list[dict[str, Any]], expected: dict[str, Any]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Random ids in random order: neither tells a product which items are negative."""
    ids = opaque_ids(len(items))
    renamed = {item["id"]: new for item, new in zip(items, ids, strict=True)}
    out = _shuffled([{**item, "id": renamed[item["id"]]} for item in items])
    return out, {renamed[k]: v for k, v in expected.items()}


# -- vendor as receiver ------------------------------------------------------------------


def prepare_receiver(alg: str, data: dict[str, Any], nonce: bytes) -> Prepared:
    engines = engines_for_kind(alg, Kind.KEM)
    sizes = wire_sizes(alg, engines)
    path = "$.input.encapsulation_key"
    raw = field(obj(data, "$.input"), "encapsulation_key", "$.input")
    ek = b64_bytes(raw, path, length=sizes.public_key)
    if alg in MLKEM_K and not mlkem_encapsulation_key_ok(alg, ek):
        raise InputError("fails the FIPS 203 modulus check (a coefficient is >= 3329)", path)
    items: list[dict[str, Any]] = []
    expected: dict[str, Any] = {}

    def encapsulate(eng: Any) -> tuple[bytes, bytes]:
        try:
            return eng.encapsulate(alg, ek)
        except InvalidKey as exc:
            raise InputError(f"engine {eng.name} rejects the key: {exc}", path) from None

    # item ids are placeholders until _opaque; "engine" names whose output an item is made
    # from, for negative items too, so that field does not single them out either
    ct = b""
    for eng in engines:
        ct, ss = encapsulate(eng)
        items.append({"id": f"enc-{eng.name}", "engine": eng.name, "ciphertext": b64(ct)})
        expected[f"enc-{eng.name}"] = {
            "expect": "secret",
            "shared_secret": b64(ss),
            "engine": eng.name,
        }
    last = engines[-1].name
    for item_id, bad in {"short": ct[:-1], "long": ct + b"\x00"}.items():
        items.append({"id": item_id, "engine": last, "ciphertext": b64(bad)})
        expected[item_id] = {"expect": "reject"}
    if alg in MLKEM_K:
        for n, eng in enumerate(engines):
            # tamper with a fresh encapsulation, not one shown above: a ciphertext one bit
            # away from another item's would give the tampered item away
            fresh, ss = encapsulate(eng)
            bit = 8 * (len(fresh) // 2) + 3 + 8 * 97 * n
            item_id = f"tampered-{eng.name}"
            items.append(
                {"id": item_id, "engine": eng.name, "ciphertext": b64(flip_bit(fresh, bit))}
            )
            expected[item_id] = {
                "expect": "implicit-rejection",
                "shared_secret": b64(ss),
                "engine": eng.name,
            }
    shown, expected = _opaque(items, expected)
    answer_with = {
        "items": "{item id: {'shared_secret': base64} | {'confirmation': hex} | "
        "{'rejected': true}}",
        "confirmation": CONFIRM_RULE,
        "nonce": "the session's 'nonce' field, hex-decoded (32 bytes)",
    }
    if alg in MLKEM_K:
        answer_with["tampered"] = (
            "some ciphertexts of the right length are tampered with, and FIPS 203 implicit "
            "rejection is checked on them: answer every ciphertext of the right length with "
            "'shared_secret' (a confirmation cannot show that a rejection secret is not constant)"
        )
    challenge = {
        "encapsulation_key_sha256": hashlib.sha256(ek).hexdigest(),
        "items": shown,
        "answer_with": answer_with,
    }
    secret = {"expected": expected, "shared_secret_len": sizes.shared_secret}
    return Prepared(challenge, secret, [e.name for e in engines], {"encapsulate": "engines"})


def _receiver_answer(value: Any, path: str, ss_len: int) -> tuple[str, bytes]:
    item = obj(value, path)
    given = [k for k in ("shared_secret", "confirmation", "rejected") if k in item]
    if len(given) != 1:
        raise InputError("give exactly one of 'shared_secret', 'confirmation' or 'rejected'", path)
    key = given[0]
    if key == "shared_secret":
        return key, b64_bytes(item[key], f"{path}.shared_secret", length=ss_len)
    if key == "confirmation":
        return key, hex_bytes(item[key], f"{path}.confirmation", length=32)
    if not boolean(item[key], f"{path}.rejected"):
        raise InputError("if present, must be true", f"{path}.rejected")
    return key, b""


def grade_receiver(
    alg: str, challenge: dict[str, Any], secret: dict[str, Any], answer: Any, nonce: bytes
) -> list[dict[str, Any]]:
    by_id = {i["id"]: i for i in challenge["items"]}
    raw = answer_items(answer, list(by_id), "$.answer")
    parsed = {
        i: _receiver_answer(v, f"$.answer.items.{i}", secret["shared_secret_len"])
        for i, v in raw.items()
    }
    returned = [v for how, v in parsed.values() if how == "shared_secret"]
    cases = []
    for item_id, (how, value) in sorted(parsed.items()):
        exp = secret["expected"][item_id]
        ct = unb64(by_id[item_id]["ciphertext"])
        engine = exp.get("engine")
        if exp["expect"] == "reject":
            ok = how == "rejected"
            detail = "rejected" if ok else f"a ciphertext of {len(ct)} bytes was accepted"
            cases.append(case(item_id, "kem-receiver/reject-bad-length", ok, detail))
            continue
        if exp["expect"] == "implicit-rejection":
            ok, detail = _implicit_rejection(how, value, unb64(exp["shared_secret"]), ct, returned)
            cases.append(case(item_id, "kem-receiver/implicit-rejection", ok, detail, engine))
            continue
        if how == "rejected":
            cases.append(
                case(
                    item_id, "kem-receiver/secret", False, "a valid ciphertext was rejected", engine
                )
            )
            continue
        ss = unb64(exp["shared_secret"])
        want = ss if how == "shared_secret" else confirmation(ss, nonce, item_id, ct)
        matches = same(value, want)
        detail = f"{how} matches {engine}" if matches else f"{how} differs from {engine}'s"
        cases.append(case(item_id, "kem-receiver/decapsulate", matches, detail, engine))
    return cases


def _implicit_rejection(
    how: str, value: bytes, senders: bytes, ct: bytes, returned: list[bytes]
) -> tuple[bool, str]:
    """FIPS 203 implicit rejection: a pseudo-random secret, not a constant, not an echo.

    ``returned`` holds every shared secret the product answered in this session; the value
    must occur there once (itself), so two tampered ciphertexts giving the same secret fail.
    """
    if how == "rejected":
        return False, "FIPS 203 decapsulation must not signal failure (implicit rejection)"
    if how == "confirmation":
        return False, (
            "answer tampered ciphertexts with shared_secret: a confirmation cannot show that "
            "the implicit-rejection secret is not a constant"
        )
    if same(value, senders):
        return False, "returned the sender's secret for a tampered ciphertext"
    if len(set(value)) == 1:
        return False, f"returned a constant secret (every byte 0x{value[0]:02x})"
    if value in ct or value in ct[::-1]:
        return False, "returned bytes of the ciphertext itself"
    if sum(same(value, other) for other in returned) > 1:
        return False, "returned the same secret for another ciphertext (a constant)"
    return True, "implicit rejection: a distinct pseudo-random secret"


# -- vendor as sender ----------------------------------------------------------------------


def modulus_broken(ek: bytes) -> bytes:
    """``ek`` with its first 12-bit coefficient set to 4095 (>= q = 3329)."""
    out = bytearray(ek)
    out[0] = 0xFF
    out[1] |= 0x0F
    return bytes(out)


def prepare_sender(alg: str, data: dict[str, Any], nonce: bytes) -> Prepared:
    engines = engines_for_kind(alg, Kind.KEM)
    wire_sizes(alg, engines)
    items: list[dict[str, Any]] = []
    what: dict[str, Any] = {}  # placeholder id -> a key's engine and secret, or a negative check
    pk = b""
    for eng in engines:
        pk, sk = eng.kem_keypair(alg)
        items.append({"id": f"ek-{eng.name}", "engine": eng.name, "encapsulation_key": b64(pk)})
        what[f"ek-{eng.name}"] = {"engine": eng.name, "secret_key": b64(sk)}
    # the short key shows itself by its length (rejecting it is all that is asked); the bad
    # modulus comes from a fresh key pair, not a shown key with two bytes changed
    eng = engines[-1]
    bad = {"short-key": pk[:-1]}
    if alg in MLKEM_K:
        bad["modulus-key"] = modulus_broken(eng.kem_keypair(alg)[0])
    for check, key in bad.items():
        items.append({"id": check, "engine": eng.name, "encapsulation_key": b64(key)})
        what[check] = {"negative": check}
    shown, what = _opaque(items, what)
    challenge = {
        "items": shown,
        "answer_with": {
            "items": "{item id: {'ciphertext': base64, 'shared_secret': base64} | "
            "{'rejected': true}}"
        },
    }
    keys = {k: v for k, v in what.items() if "negative" not in v}
    negatives = {k: v["negative"] for k, v in what.items() if "negative" in v}
    return Prepared(
        challenge,
        {"keys": keys, "negatives": negatives},
        [e.name for e in engines],
        {"decapsulate": "engines"},
    )


def grade_sender(
    alg: str, challenge: dict[str, Any], secret: dict[str, Any], answer: Any, nonce: bytes
) -> list[dict[str, Any]]:
    engines = engines_for_kind(alg, Kind.KEM)
    sizes = wire_sizes(alg, engines)
    ids = [i["id"] for i in challenge["items"]]
    raw = answer_items(answer, ids, "$.answer")
    parsed: dict[str, tuple[bytes, bytes] | None] = {}
    for item_id, value in raw.items():
        path = f"$.answer.items.{item_id}"
        item = obj(value, path)
        if "rejected" in item:
            if not boolean(item["rejected"], f"{path}.rejected") or len(item) != 1:
                raise InputError("give either {'rejected': true} or ciphertext and secret", path)
            parsed[item_id] = None
            continue
        ct = b64_bytes(
            field(item, "ciphertext", path), f"{path}.ciphertext", length=sizes.ciphertext
        )
        ss = b64_bytes(
            field(item, "shared_secret", path), f"{path}.shared_secret", length=sizes.shared_secret
        )
        parsed[item_id] = (ct, ss)
    # sessions opened before ids were opaque named their negatives "neg-..."
    negatives = secret.get("negatives") or {
        i: i.removeprefix("neg-") for i in parsed if i.startswith("neg-")
    }
    cases = []
    for item_id in sorted(parsed):
        got = parsed[item_id]
        if item_id in negatives:
            ok = got is None
            detail = "refused the malformed key" if ok else "encapsulated to a malformed key"
            cases.append(case(item_id, f"kem-sender/{negatives[item_id]}", ok, detail))
            continue
        key = secret["keys"][item_id]
        if got is None:
            cases.append(
                case(item_id, "kem-sender/encapsulate", False, "refused a valid key", key["engine"])
            )
            continue
        ct, ss = got
        try:
            mine = get_engine(key["engine"]).decapsulate(alg, unb64(key["secret_key"]), ct)
        except EngineError as exc:
            cases.append(case(item_id, "kem-sender/encapsulate", False, str(exc), key["engine"]))
            continue
        ok = same(mine, ss)
        detail = (
            f"{key['engine']} decapsulates the same secret"
            if ok
            else f"{key['engine']} decapsulates a different secret"
        )
        cases.append(case(item_id, "kem-sender/encapsulate", ok, detail, key["engine"]))
    return cases
