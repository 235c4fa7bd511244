"""KEM interoperability with the vendor as receiver (``kem_receiver``), against every engine.

The vendor sends its encapsulation key when it opens the session; each engine encapsulates
to it. Items (random ids, random order; what each is stays in the session's secret):

- one valid ciphertext per engine;
- for every KEM with a known rejection style (:mod:`testbed.conformance.rejection`): at least
  two tampered ciphertexts (fresh encapsulations with one bit flipped; for a hybrid, a bit of
  the post-quantum part), so that a constant can show;
- each of those ciphertexts appears twice, under two ids: a product must give the same
  answer for both (a tampered pair exposes fresh random bytes; the valid ones are doubled
  too, so a pair says nothing about what an item is);
- a ciphertext one byte short and one byte long (a conforming product rejects them).

Answers per item: ``{"shared_secret": b64}``, ``{"confirmation": hex}`` or
``{"rejected": true}``. The confirmation is ``HMAC-SHA256(key=output, msg="pqcplan-kem-confirm/2"
|| nonce)``: the product can compute it for every item, tampered or not, without knowing
which is which; equal outputs give equal confirmations, so the grader checks the tampered
items in either mode by comparing images under the same HMAC:

- implicit rejection: both copies alike; not the sender's secret; not a constant (any repeated
  byte); unlike the output of every other ciphertext of the session; none of the functions
  of public data in :data:`~testbed.conformance.rejection.PUBLIC_FUNCTIONS`. A pass says what
  could not be checked without the decapsulation key.
- explicit rejection (NTRU+): both copies rejected.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from core.errors import InputError, said_of
from core.i18n import N_
from testbed.conformance import details as D
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
    opaque_items,
    wire_sizes,
)
from testbed.conformance.rejection import (
    EXPLICIT,
    PUBLIC_FUNCTIONS,
    Style,
    not_verifiable,
    part,
    public_candidates,
    style_of,
)
from testbed.engines.errors import InvalidKey
from testbed.engines.fips203_checks import MLKEM_K, mlkem_encapsulation_key_ok
from testbed.engines.interface import Engine, Kind

CONFIRM_LABEL = b"pqcplan-kem-confirm/2"
CONFIRM_RULE = (
    "HMAC-SHA256(key=output, msg='pqcplan-kem-confirm/2' || nonce), hex, where output is what "
    "your decapsulation returned (for tampered ciphertexts too) and nonce is the session's "
    "'nonce' field hex-decoded (32 bytes)"
)
#: the smallest number of tampered ciphertexts, so that a constant rejection value shows
MIN_TAMPERED = 2
#: a vendor key larger than this is not kept for the public-data checks that hash it
MAX_KEPT_KEY = 16_384


def confirmation(output: bytes, nonce: bytes) -> bytes:
    """The key-confirmation value a receiver may return instead of its output."""
    return hmac.new(output, CONFIRM_LABEL + nonce, hashlib.sha256).digest()


def tamper(alg: str, ciphertext: bytes) -> bytes:
    """``ciphertext`` with one bit flipped in the middle of its (post-quantum) part."""
    style = style_of(alg)
    offset, length = (style.pq_ciphertext if style else None) or (0, len(ciphertext))
    return flip_bit(ciphertext, 8 * (offset + length // 2) + 3)


def prepare_receiver(alg: str, data: dict[str, Any], nonce: bytes) -> Prepared:
    engines = engines_for_kind(alg, Kind.KEM)
    sizes = wire_sizes(alg, engines)
    path = "$.input.encapsulation_key"
    raw = field(obj(data, "$.input"), "encapsulation_key", "$.input")
    ek = b64_bytes(raw, path, length=sizes.public_key)
    if alg in MLKEM_K and not mlkem_encapsulation_key_ok(alg, ek):
        raise InputError(N_("fails the FIPS 203 modulus check (a coefficient is >= 3329)"), path)
    style = style_of(alg)
    items: list[dict[str, Any]] = []
    expected: dict[str, Any] = {}

    def encapsulate(eng: Engine) -> tuple[bytes, bytes]:
        try:
            return eng.encapsulate(alg, ek)
        except InvalidKey as exc:
            raise InputError(
                N_("engine {engine} rejects the key: {reason}"),
                path,
                engine=eng.name,
                reason=said_of(exc),
            ) from None

    def add_twice(group: str, eng: Engine, ct: bytes, exp: dict[str, Any]) -> None:
        # "engine" names whose output an item is made from, for negative items too, so that
        # field does not single them out; ids are placeholders until opaque_items
        for copy in ("a", "b"):
            items.append({"id": f"{group}-{copy}", "engine": eng.name, "ciphertext": b64(ct)})
            expected[f"{group}-{copy}"] = {**exp, "group": group, "engine": eng.name}

    ct = b""
    for eng in engines:
        ct, ss = encapsulate(eng)
        add_twice(f"valid-{eng.name}", eng, ct, {"expect": "secret", "shared_secret": b64(ss)})
    if style is not None:
        for n in range(max(MIN_TAMPERED, len(engines))):
            # tamper with a fresh encapsulation, not one shown above: a ciphertext one bit
            # away from another item's would give the tampered item away
            eng = engines[n % len(engines)]
            fresh, ss = encapsulate(eng)
            exp = {"expect": f"{style.kind}-rejection", "sender_secret": b64(ss)}
            add_twice(f"tampered-{n}", eng, tamper(alg, fresh), exp)
    for item_id, bad in {"short": ct[:-1], "long": ct + b"\x00"}.items():
        items.append({"id": item_id, "engine": engines[-1].name, "ciphertext": b64(bad)})
        expected[item_id] = {"expect": "reject", "group": item_id}
    shown, expected = opaque_items(items, expected)
    challenge = {
        "encapsulation_key_sha256": hashlib.sha256(ek).hexdigest(),
        "items": shown,
        "answer_with": _hint(alg, style),
    }
    secret = {
        "expected": expected,
        "shared_secret_len": sizes.shared_secret,
        "encapsulation_key": b64(ek) if len(ek) <= MAX_KEPT_KEY else None,
    }
    oracles: dict[str, Any] = {"encapsulate": "engines"}
    if style is not None:
        oracles["rejection"] = {"style": style.kind, "source": style.source}
        if style.kind != EXPLICIT:
            oracles["rejection"]["public_functions_checked"] = list(PUBLIC_FUNCTIONS)
    return Prepared(challenge, secret, [e.name for e in engines], oracles)


def _hint(alg: str, style: Style | None) -> dict[str, str]:
    hint = {
        "items": "{item id: {'shared_secret': base64} | {'confirmation': hex} | "
        "{'rejected': true}}",
        "confirmation": CONFIRM_RULE,
        "nonce": "the session's 'nonce' field, hex-decoded (32 bytes)",
        "copies": "every ciphertext of the right length appears twice, under two ids: "
        "answer both alike",
    }
    if style is not None:
        what = "report failure ('rejected')" if style.kind == EXPLICIT else "return a secret"
        hint["tampered"] = (
            f"some ciphertexts of the right length are tampered with: decapsulate every item as "
            f"your product does; {alg} rejects {style.kind}ly, so for those it must {what}. "
            "Answer with 'shared_secret' or 'confirmation', either for any item."
        )
    return hint


def _receiver_answer(value: Any, path: str, ss_len: int) -> tuple[str, bytes]:
    item = obj(value, path)
    given = [k for k in ("shared_secret", "confirmation", "rejected") if k in item]
    if len(given) != 1 or len(item) != 1:
        raise InputError(
            N_("give exactly one of 'shared_secret', 'confirmation' or 'rejected'"), path
        )
    key = given[0]
    if key == "shared_secret":
        return key, b64_bytes(item[key], f"{path}.shared_secret", length=ss_len)
    if key == "confirmation":
        return key, hex_bytes(item[key], f"{path}.confirmation", length=32)
    if not boolean(item[key], f"{path}.rejected"):
        raise InputError(N_("if present, must be true"), f"{path}.rejected")
    return key, b""


class _Answers:
    """The parsed answers of one session, and each one's image under the confirmation HMAC."""

    def __init__(self, parsed: dict[str, tuple[str, bytes]], nonce: bytes) -> None:
        self.parsed = parsed
        self.nonce = nonce
        self.image = {
            i: value if how == "confirmation" else confirmation(value, nonce)
            for i, (how, value) in parsed.items()
            if how != "rejected"
        }

    def confirm(self, output: bytes) -> bytes:
        return confirmation(output, self.nonce)


def grade_receiver(
    alg: str, challenge: dict[str, Any], secret: dict[str, Any], answer: Any, nonce: bytes
) -> list[dict[str, Any]]:
    by_id = {i["id"]: i for i in challenge["items"]}
    raw = answer_items(answer, list(by_id), "$.answer")
    ss_len = secret["shared_secret_len"]
    answers = _Answers(
        {i: _receiver_answer(v, f"$.answer.items.{i}", ss_len) for i, v in raw.items()}, nonce
    )
    expected = secret["expected"]
    twins: dict[str, list[str]] = {}
    for item_id, exp in expected.items():
        twins.setdefault(exp.get("group", item_id), []).append(item_id)
    ek = unb64(secret["encapsulation_key"]) if secret.get("encapsulation_key") else None
    cases = []
    for item_id in sorted(answers.parsed):
        how, value = answers.parsed[item_id]
        exp = expected[item_id]
        ct = unb64(by_id[item_id]["ciphertext"])
        engine = exp.get("engine")
        kind = exp["expect"]
        if kind == "reject":
            ok = how == "rejected"
            detail = D.REJECTED if ok else D.BAD_LENGTH_ACCEPTED.format(size=len(ct))
            cases.append(case(item_id, "kem-receiver/reject-bad-length", ok, detail))
            continue
        twin = next((t for t in twins.get(exp.get("group", ""), []) if t != item_id), None)
        if kind == "secret":
            ok, detail = _valid(how, value, unb64(exp["shared_secret"]), engine, answers)
            cases.append(case(item_id, "kem-receiver/decapsulate", ok, detail, engine))
        elif kind == "explicit-rejection":
            ok = how == "rejected" and (twin is None or answers.parsed[twin][0] == "rejected")
            detail = (D.EXPLICIT_OK if ok else D.EXPLICIT_MISSING).format(alg=alg)
            cases.append(case(item_id, "kem-receiver/explicit-rejection", ok, detail, engine))
        else:
            ok, detail = _implicit(alg, item_id, twin, ct, exp, answers, by_id, ek, ss_len)
            cases.append(case(item_id, "kem-receiver/implicit-rejection", ok, detail, engine))
    return cases


def _valid(
    how: str, value: bytes, ss: bytes, engine: str | None, answers: _Answers
) -> tuple[bool, str]:
    if how == "rejected":
        return False, D.VALID_REJECTED
    want = ss if how == "shared_secret" else answers.confirm(ss)
    if same(value, want):
        return True, D.MATCHES.format(how=how, engine=engine)
    return False, D.DIFFERS.format(how=how, engine=engine)


def _implicit(
    alg: str,
    item_id: str,
    twin: str | None,
    ct: bytes,
    exp: dict[str, Any],
    answers: _Answers,
    by_id: dict[str, dict[str, Any]],
    ek: bytes | None,
    ss_len: int,
) -> tuple[bool, str]:
    """Every check of an implicit-rejection answer a grader can make without the key."""
    style = style_of(alg)
    assert style is not None
    how, value = answers.parsed[item_id]
    if how == "rejected":
        return False, D.IMPLICIT_SIGNALLED.format(alg=alg, source=style.source)
    mine = answers.image[item_id]
    if twin is not None and answers.image.get(twin) != mine:
        return False, D.NOT_DETERMINISTIC.format(item=twin)
    sender = unb64(exp["sender_secret"])
    classical = _classical(sender, style)

    def whole(pq_value: bytes) -> bytes:
        """A post-quantum value completed with the sender's classical part (hybrids)."""
        return _splice(pq_value, classical, style)

    if same(mine, answers.confirm(sender)):
        return False, D.SENDERS_SECRET
    if how == "shared_secret" and classical and _classical(value, style) != classical:
        return False, D.CLASSICAL_DIFFERS
    pq_len = (style.pq_secret or (0, ss_len))[1]
    for byte in range(256):
        constant = bytes([byte]) * pq_len
        if same(mine, answers.confirm(whole(constant))) or same(
            mine, answers.confirm(bytes([byte]) * ss_len)
        ):
            return False, D.CONSTANT.format(byte=f"{byte:02x}")
    for other, image in answers.image.items():
        if other in (item_id, twin) or by_id[other]["ciphertext"] == by_id[item_id]["ciphertext"]:
            continue
        if image == mine or (
            how == "shared_secret"
            and answers.parsed[other][0] == "shared_secret"
            and part(answers.parsed[other][1], style.pq_secret) == part(value, style.pq_secret)
        ):
            return False, D.SAME_AS_OTHER.format(item=other)
    pq_ct = part(ct, style.pq_ciphertext)
    if how == "shared_secret" and part(value, style.pq_secret) in pq_ct:
        return False, D.CIPHERTEXT_BYTES
    checked = 0
    if ek is not None:
        candidates = public_candidates(part(ek, style.pq_key), pq_ct, answers.nonce, pq_len)
        checked = len(candidates)
        for name, candidate in candidates.items():
            if same(mine, answers.confirm(whole(candidate))):
                return False, D.PUBLIC_VALUE.format(name=name)
    public = D.PUBLIC_CHECKED.format(count=checked) if ek is not None else D.PUBLIC_NOT_CHECKED
    passed = D.IMPLICIT_PASSED_CONFIRMATION if classical and how == "confirmation" else None
    detail = (passed or D.IMPLICIT_PASSED).format(public=public, unverifiable=not_verifiable(alg))
    return True, detail


def _classical(secret: bytes, style: Style) -> bytes:
    """A hybrid secret without its post-quantum part (empty for a plain KEM)."""
    if style.pq_secret is None:
        return b""
    offset, length = style.pq_secret
    return secret[:offset] + secret[offset + length :]


def _splice(pq_value: bytes, classical: bytes, style: Style) -> bytes:
    if style.pq_secret is None:
        return pq_value
    offset, _ = style.pq_secret
    return classical[:offset] + pq_value + classical[offset:]
