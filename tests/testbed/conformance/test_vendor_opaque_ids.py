"""A product cannot tell the negative items of a vendor session from the positive ones.

Ids are random digits of one length, the order is random, every item names the engine it
comes from, and no item is derived from another shown item (a tampered ciphertext one bit
away from a valid one, or a bad signature sharing the good one's message, would give it
away). The grader keeps what each id is in the session's secret.
"""

from __future__ import annotations

import base64
import os
import re

from pqcrypto.kem import ml_kem_768 as pq_kem

from testbed.conformance import acvp_mldsa, acvp_mlkem, kem_receiver, kem_sender, sig_checks

HINTS = ("neg", "tamper", "bad", "good", "valid", "short", "long", "modulus", "enc", "ek-")
ID = re.compile(r"^[0-9]{16}$")


def _check_ids(items: list[dict]) -> None:
    ids = [i["id"] for i in items]
    assert len(set(ids)) == len(ids)
    for item_id in ids:
        assert ID.match(item_id), item_id
        assert not any(h in item_id.lower() for h in HINTS), item_id
    assert all(i.get("engine") for i in items if "engine" in i)  # no None marks a negative


def _hamming(a: bytes, b: bytes) -> int:
    return sum(bin(x ^ y).count("1") for x, y in zip(a, b, strict=True))


def _receiver() -> tuple[list[dict], dict]:
    ek, _ = pq_kem.keygen()
    data = {"encapsulation_key": base64.b64encode(ek).decode()}
    p = kem_receiver.prepare_receiver("ML-KEM-768", data, os.urandom(32))
    return p.challenge["items"], p.secret["expected"]


def test_kem_receiver_items_are_indistinguishable() -> None:
    layouts = set()
    for _ in range(3):
        items, expected = _receiver()
        _check_ids(items)
        assert len(items) == 14 and set(expected) == {i["id"] for i in items}
        negative = tuple(n for n, i in enumerate(items) if expected[i["id"]]["expect"] != "secret")
        assert len(negative) == 8  # two wrong lengths, three tampered ciphertexts twice each
        layouts.add(negative)
        cts = [base64.b64decode(i["ciphertext"]) for i in items]
        full = sorted({c for c in cts if len(c) == pq_kem.CIPHERTEXT_SIZE})
        # every ciphertext of the right length appears exactly twice, valid or tampered
        assert len(full) == 6 and all(cts.count(c) == 2 for c in full)
        for n, a in enumerate(full):
            for b in full[n + 1 :]:
                assert _hamming(a, b) > 64  # unrelated ciphertexts, not one bit apart
    assert len(layouts) > 1  # the negatives are not at fixed positions


def test_kem_sender_items_are_indistinguishable() -> None:
    layouts = set()
    for _ in range(3):
        p = kem_sender.prepare_sender("ML-KEM-768", {}, os.urandom(32))
        items = p.challenge["items"]
        _check_ids(items)
        assert set(p.secret["negatives"].values()) == {"short-key", "modulus-key"}
        keys = [i["encapsulation_key"] for i in items]
        assert len(items) == 15 and all(keys.count(k) == 3 for k in keys)  # good or malformed
        layouts.add(tuple(n for n, i in enumerate(items) if i["id"] in p.secret["negatives"]))
    assert len(layouts) > 1


def test_sig_verify_items_are_indistinguishable() -> None:
    layouts = set()
    for _ in range(3):
        p = sig_checks.prepare_vendor_verifies("ML-DSA-65", {}, os.urandom(32))
        items, expected = p.challenge["items"], p.secret["expected"]
        _check_ids(items)
        assert len({i["message"] for i in items}) == len(items)  # no shared message
        assert len({i["signature"][:64] for i in items}) == len(items)  # nor signature
        layouts.add(tuple(n for n, i in enumerate(items) if expected[i["id"]]["what"] == "good"))
    assert len(layouts) > 1


def test_acvp_tests_are_shuffled_and_renumbered() -> None:
    layouts = set()
    for _ in range(3):
        data = {"tests_per_group": 1, "signatureInterfaces": ["external"], "preHash": ["pure"]}
        p = acvp_mldsa.prepare("ML-DSA-44", data, os.urandom(32), "sigVer")
        (group,) = p.challenge["vector_set"]["testGroups"]
        tcs = [t["tcId"] for t in group["tests"]]
        assert tcs == list(range(1, len(tcs) + 1))
        expected = p.secret["expected"]
        valid = tuple(tc for tc in tcs if expected[f"1:{tc}"]["reason"].startswith("valid"))
        assert len(valid) == 4  # one per engine, and one by OpenSSL with a context
        layouts.add(valid)
        assert len({t["message"] for t in group["tests"]}) == len(tcs)
    assert len(layouts) > 1

    p = acvp_mlkem.prepare("ML-KEM-512", {"tests_per_group": 2}, os.urandom(32), "encapDecap")
    decaps = next(g for g in p.challenge["vector_set"]["testGroups"] if g["tgId"] == 2)
    cs = [bytes.fromhex(t["c"]) for t in decaps["tests"]]
    for n, a in enumerate(cs):
        for b in cs[n + 1 :]:
            assert _hamming(a, b) > 64
