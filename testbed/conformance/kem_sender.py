"""KEM interoperability with the vendor as sender (``kem_sender``), against every engine.

Each engine makes a key pair and gives its encapsulation key; every key is shown
:data:`COPIES` times under random ids. The vendor encapsulates to each item and answers
ciphertext and shared secret; the key's engine decapsulates and compares. Negative items: a
truncated key and, for ML-KEM (and the ML-KEM part of a hybrid), a key failing the FIPS 203
modulus check, shown as often as the good keys; a conforming product refuses them.

A sender passes only if its secrets are unpredictable as far as a grader can see:

- the encapsulations to one key are all different (ciphertexts and secrets), and no secret
  repeats anywhere in the session;
- for ML-KEM (and a hybrid's ML-KEM part) no ciphertext or secret equals the encapsulation
  with any message m of :func:`fixed_messages` (FIPS 203 Algorithm 17 with that m, computed
  by kyber-py and decapsulated by the key's engine as a cross-check); for a hybrid's X25519
  part, no ephemeral key is the public key of one of those values used as a private key.

Other KEMs have no derandomized encapsulation here: their pass says the fixed-message check
was not made.
"""

from __future__ import annotations

import hashlib
from typing import Any

from cryptography.hazmat.primitives.asymmetric import x25519
from kyber_py.ml_kem import ML_KEM_512, ML_KEM_768, ML_KEM_1024

from core.errors import UNKNOWN_MEMBERS, InputError
from core.i18n import N_, say
from testbed.conformance import details as D
from testbed.conformance.codec import b64, b64_bytes, boolean, field, obj, same, unb64
from testbed.conformance.common import (
    OracleDisagreement,
    Prepared,
    answer_items,
    case,
    engines_for_kind,
    opaque_items,
    wire_sizes,
)
from testbed.conformance.rejection import Style, part, style_of
from testbed.engines.errors import EngineError
from testbed.engines.fips203_checks import MLKEM_K
from testbed.engines.interface import Kind
from testbed.engines.registry import get_engine

#: how often each key (good or malformed) is shown
COPIES = 3
_KYBER = {"ML-KEM-512": ML_KEM_512, "ML-KEM-768": ML_KEM_768, "ML-KEM-1024": ML_KEM_1024}


def modulus_broken(ek: bytes) -> bytes:
    """``ek`` with its first 12-bit coefficient set to 4095 (>= q = 3329)."""
    out = bytearray(ek)
    out[0] = 0xFF
    out[1] |= 0x0F
    return bytes(out)


def fixed_messages(ek: bytes, nonce: bytes) -> dict[str, bytes]:
    """The fixed 32-byte values a predictable sender might use as m (or as an ephemeral key)."""
    return {
        "0^32": bytes(32),
        "0xFF^32": b"\xff" * 32,
        "0x01^32": b"\x01" * 32,
        "0x00, 0x01, ..., 0x1F": bytes(range(32)),
        "SHA3-256 of the empty string": hashlib.sha3_256(b"").digest(),
        "H(ek) = SHA3-256(ek)": hashlib.sha3_256(ek).digest(),
        "the session nonce": nonce,
    }


def _mlkem_part(alg: str) -> tuple[str | None, Style | None]:
    """The ML-KEM parameter set inside ``alg`` (itself, or a hybrid's part), and its style."""
    style = style_of(alg)
    if alg in MLKEM_K:
        return alg, style
    if style is not None and style.pq_algorithm in MLKEM_K:
        return style.pq_algorithm, style
    return None, style


def prepare_sender(alg: str, data: dict[str, Any], nonce: bytes) -> Prepared:
    engines = engines_for_kind(alg, Kind.KEM)
    wire_sizes(alg, engines)
    items: list[dict[str, Any]] = []
    what: dict[str, Any] = {}  # placeholder id -> a key's group, or a negative check
    keys: dict[str, Any] = {}
    pk = b""

    def show(group: str, engine: str, key: bytes, entry: dict[str, Any]) -> None:
        for n in range(COPIES):
            items.append({"id": f"{group}-{n}", "engine": engine, "encapsulation_key": b64(key)})
            what[f"{group}-{n}"] = entry

    for eng in engines:
        pk, sk = eng.kem_keypair(alg)
        keys[f"ek-{eng.name}"] = {"engine": eng.name, "secret_key": b64(sk), "public_key": b64(pk)}
        show(f"ek-{eng.name}", eng.name, pk, {"key": f"ek-{eng.name}"})
    # the short key shows itself by its length (rejecting it is all that is asked); the bad
    # modulus comes from a fresh key pair, not a shown key with two bytes changed
    eng = engines[-1]
    mlkem, style = _mlkem_part(alg)
    bad = {"short-key": pk[:-1]}
    if mlkem is not None:
        fresh = eng.kem_keypair(alg)[0]
        offset = style.pq_key[0] if style and style.pq_key else 0
        bad["modulus-key"] = fresh[:offset] + modulus_broken(fresh[offset:])
    for check, key in bad.items():
        show(check, eng.name, key, {"negative": check})
    shown, what = opaque_items(items, what)
    challenge = {
        "items": shown,
        "answer_with": {
            "items": "{item id: {'ciphertext': base64, 'shared_secret': base64} | "
            "{'rejected': true}}",
            "copies": f"each key appears {COPIES} times: encapsulate anew for every item",
        },
    }
    negatives = {k: v["negative"] for k, v in what.items() if "negative" in v}
    groups = {k: v["key"] for k, v in what.items() if "key" in v}
    oracles: dict[str, Any] = {"decapsulate": "engines"}
    if mlkem is not None:
        oracles["fixed_messages"] = {
            "checked": list(fixed_messages(b"", b"")),
            "computed_by": "kyber-py (FIPS 203 Algorithm 17), decapsulated by the key's engine",
        }
    secret = {"keys": keys, "groups": groups, "negatives": negatives}
    return Prepared(challenge, secret, [e.name for e in engines], oracles)


def _parse(raw: dict[str, Any], ct_len: int, ss_len: int) -> dict[str, tuple[bytes, bytes] | None]:
    parsed: dict[str, tuple[bytes, bytes] | None] = {}
    for item_id, value in raw.items():
        path = f"$.answer.items.{item_id}"
        item = obj(value, path)
        if "rejected" in item:
            if not boolean(item["rejected"], f"{path}.rejected") or len(item) != 1:
                raise InputError(
                    N_("give either {{'rejected': true}} or ciphertext and secret"), path
                )
            parsed[item_id] = None
            continue
        unknown = sorted(set(item) - {"ciphertext", "shared_secret"})
        if unknown:
            raise InputError(UNKNOWN_MEMBERS, path, members=unknown)
        ct = b64_bytes(field(item, "ciphertext", path), f"{path}.ciphertext", length=ct_len)
        ss = b64_bytes(field(item, "shared_secret", path), f"{path}.shared_secret", length=ss_len)
        parsed[item_id] = (ct, ss)
    return parsed


def grade_sender(
    alg: str, challenge: dict[str, Any], secret: dict[str, Any], answer: Any, nonce: bytes
) -> list[dict[str, Any]]:
    engines = engines_for_kind(alg, Kind.KEM)
    sizes = wire_sizes(alg, engines)
    ids = [i["id"] for i in challenge["items"]]
    parsed = _parse(answer_items(answer, ids, "$.answer"), sizes.ciphertext, sizes.shared_secret)
    negatives = secret["negatives"]
    predictable = _Predictable(alg, secret["keys"], nonce)
    seen_ct: dict[bytes, str] = {}
    seen_ss: dict[bytes, str] = {}
    cases = []
    for item_id in sorted(parsed):
        got = parsed[item_id]
        if item_id in negatives:
            ok = got is None
            detail = D.REFUSED_MALFORMED if ok else D.ENCAPSULATED_MALFORMED
            cases.append(case(item_id, f"kem-sender/{negatives[item_id]}", ok, detail))
            continue
        group = secret["groups"][item_id]
        key = secret["keys"][group]
        engine = key["engine"]
        if got is None:
            detail = D.REFUSED_VALID
            cases.append(case(item_id, "kem-sender/encapsulate", False, detail, engine))
            continue
        ct, ss = got
        try:
            mine = get_engine(engine).decapsulate(alg, unb64(key["secret_key"]), ct)
        except EngineError as exc:
            cases.append(case(item_id, "kem-sender/encapsulate", False, str(exc), engine))
            continue
        if not same(mine, ss):
            detail = D.DECAPSULATES_OTHER.format(engine=engine)
            cases.append(case(item_id, "kem-sender/encapsulate", False, detail, engine))
            continue
        problem = (
            _repeat(ct, seen_ct, item_id, D.SAME_CIPHERTEXT)
            or _repeat(ss, seen_ss, item_id, D.SAME_SHARED_SECRET)
            or predictable.problem(group, ct, ss)
        )
        if problem:
            cases.append(case(item_id, "kem-sender/unpredictable", False, problem, engine))
            continue
        detail = D.DECAPSULATES_SAME.format(engine=engine, passed=predictable.passed())
        cases.append(case(item_id, "kem-sender/encapsulate", True, detail, engine))
    return cases


def _repeat(value: bytes, seen: dict[bytes, str], item_id: str, said: str) -> str | None:
    """A complaint if ``value`` was already answered for another item of the session."""
    first = seen.setdefault(value, item_id)
    if first != item_id:
        return said.format(item=first)
    return None


class _Predictable:
    """The encapsulations a sender with a fixed m (or a fixed ephemeral key) would give."""

    def __init__(self, alg: str, keys: dict[str, Any], nonce: bytes) -> None:
        self.alg, self.keys, self.nonce = alg, keys, nonce
        self.mlkem, style = _mlkem_part(alg)
        self.style = style
        self._known: dict[str, list[tuple[str, bytes, bytes]]] = {}
        self._ephemeral: dict[bytes, str] | None = None

    def _for(self, group: str) -> list[tuple[str, bytes, bytes]]:
        """(name of m, ML-KEM ciphertext, ML-KEM secret) for every fixed m, for one key."""
        known = self._known.get(group)
        if known is None:
            key = self.keys[group]
            pk = unb64(key["public_key"])
            ek = part(pk, self.style.pq_key if self.style else None)
            known = []
            for name, m in fixed_messages(ek, self.nonce).items():
                k, c = _KYBER[self.mlkem]._encaps_internal(ek, m)  # type: ignore[index]
                known.append((name, c, k))
            if self.alg == self.mlkem:  # cross-check kyber-py with the key's engine
                name, c, k = known[0]
                sk = unb64(key["secret_key"])
                if get_engine(key["engine"]).decapsulate(self.alg, sk, c) != k:
                    raise OracleDisagreement(
                        say(N_("{alg}: kyber-py and {engine} disagree"), alg=self.alg,
                            engine=key["engine"])
                    )  # fmt: skip
            self._known[group] = known
        return known

    def _ephemerals(self) -> dict[bytes, str]:
        if self._ephemeral is None:
            self._ephemeral = {
                x25519.X25519PrivateKey.from_private_bytes(v).public_key().public_bytes_raw(): name
                for name, v in fixed_messages(b"", self.nonce).items()
            }
        return self._ephemeral

    def problem(self, group: str, ct: bytes, ss: bytes) -> str | None:
        if self.mlkem is None:
            return None
        span_ct = self.style.pq_ciphertext if self.style else None
        span_ss = self.style.pq_secret if self.style else None
        for name, c, k in self._for(group):
            if part(ct, span_ct) == c or part(ss, span_ss) == k:
                return D.FIXED_MESSAGE.format(name=name)
        if self.style is not None and self.style.pq_ciphertext is not None:
            offset, length = self.style.pq_ciphertext
            rest = ct[:offset] + ct[offset + length :]
            name = self._ephemerals().get(rest)
            if name is not None:
                return D.FIXED_EPHEMERAL.format(name=name)
        return None

    def passed(self) -> str:
        if self.mlkem is None:
            return D.UNLIKE_NOT_CHECKED.format(alg=self.alg)
        return D.UNLIKE_CHECKED.format(mlkem=self.mlkem, count=len(fixed_messages(b"", b"")))
