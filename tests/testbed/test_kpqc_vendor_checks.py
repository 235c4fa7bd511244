"""The vendor checks run on the KpqC algorithms: receiver, sender, signs, verifies.

The "vendor" here is the ``kpqc`` package called directly (as a vendor's own library
would be), graded by the testbed's checks, which run the kpqc engine.
"""

from __future__ import annotations

import base64
import os

import kpqc
import pytest

from testbed.conformance import kem_receiver, kem_sender, sig_checks


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str) -> bytes:
    return base64.b64decode(text)


VENDOR = {
    "SMAUG-T-128": kpqc.smaugt128,
    "NTRU+KEM-768": kpqc.ntruplus768,
    "HAETAE-2": kpqc.haetae2,
    "AIMer-AIM3-128f": kpqc.aimer128f,
}


@pytest.mark.parametrize("alg", ["SMAUG-T-128", "NTRU+KEM-768"])
def test_vendor_as_kem_receiver(alg: str) -> None:
    lib, nonce = VENDOR[alg], os.urandom(32)
    keys = lib.generate_key_pair()
    prepared = kem_receiver.prepare_receiver(
        alg, {"encapsulation_key": b64(keys.public_key)}, nonce
    )
    assert prepared.engines == ["kpqc"]
    items = {}
    for item in prepared.challenge["items"]:
        ct = unb64(item["ciphertext"])
        try:  # NTRU+ rejects a tampered ciphertext explicitly: kpqc raises
            if len(ct) != lib.sizes.ciphertext:
                raise ValueError("wrong length")
            items[item["id"]] = {"shared_secret": b64(lib.decapsulate(ct, keys.secret_key))}
        except ValueError:
            items[item["id"]] = {"rejected": True}
    cases = kem_receiver.grade_receiver(
        alg, prepared.challenge, prepared.secret, {"items": items}, nonce
    )
    assert cases and all(c["verdict"] == "pass" for c in cases), cases
    style = "explicit" if "NTRU" in alg else "implicit"
    negative = f"kem-receiver/{style}-rejection"
    assert sum(c["check"] == negative for c in cases) == 4  # two tampered ciphertexts, twice
    # a receiver that gets the secret wrong fails
    wrong = {
        k: ({"shared_secret": b64(bytes(32))} if "shared_secret" in v else v)
        for k, v in items.items()
    }
    cases = kem_receiver.grade_receiver(
        alg, prepared.challenge, prepared.secret, {"items": wrong}, nonce
    )
    assert any(c["verdict"] == "fail" for c in cases)


@pytest.mark.parametrize("alg", ["SMAUG-T-128", "NTRU+KEM-768"])
def test_vendor_as_kem_sender(alg: str) -> None:
    lib, nonce = VENDOR[alg], os.urandom(32)
    prepared = kem_sender.prepare_sender(alg, {}, nonce)
    items = {}
    for item in prepared.challenge["items"]:
        ek = unb64(item["encapsulation_key"])
        if len(ek) != lib.sizes.public_key:
            items[item["id"]] = {"rejected": True}
            continue
        out = lib.encapsulate(ek)
        items[item["id"]] = {
            "ciphertext": b64(out.ciphertext),
            "shared_secret": b64(out.shared_secret),
        }
    cases = kem_sender.grade_sender(
        alg, prepared.challenge, prepared.secret, {"items": items}, nonce
    )
    assert cases and all(c["verdict"] == "pass" for c in cases), cases


@pytest.mark.parametrize("alg", ["HAETAE-2", "AIMer-AIM3-128f"])
def test_vendor_signs_and_verifies(alg: str) -> None:
    lib, nonce = VENDOR[alg], os.urandom(32)
    prepared = sig_checks.prepare_vendor_signs(alg, {}, nonce)
    keys = lib.generate_key_pair()
    sig = lib.sign(unb64(prepared.challenge["message"]), keys.secret_key)
    answer = {"public_key": b64(keys.public_key), "signature": b64(sig)}
    cases = sig_checks.grade_vendor_signs(alg, prepared.challenge, prepared.secret, answer, nonce)
    assert [c["verdict"] for c in cases] == ["pass"]
    bad = bytearray(sig)
    bad[len(sig) // 2] ^= 0x10
    forged = {"public_key": answer["public_key"], "signature": b64(bytes(bad))}
    cases = sig_checks.grade_vendor_signs(alg, prepared.challenge, prepared.secret, forged, nonce)
    assert [c["verdict"] for c in cases] == ["fail"]

    prepared = sig_checks.prepare_vendor_verifies(alg, {}, nonce)
    verdicts = {}
    for item in prepared.challenge["items"]:
        sig = unb64(item["signature"])
        ok = len(sig) == lib.sizes.signature and lib.verify(
            unb64(item["message"]), sig, unb64(item["public_key"])
        )
        verdicts[item["id"]] = "accept" if ok else "reject"
    cases = sig_checks.grade_vendor_verifies(
        alg, prepared.challenge, prepared.secret, {"items": verdicts}, nonce
    )
    assert len(cases) == 4 and all(c["verdict"] == "pass" for c in cases), cases


def test_no_session_grades_kpqc_aimer_as_the_kpqc_final_round_aimer() -> None:
    """kpqc's AIM3 AIMer cannot pose as the catalog's AIMer-128f (AIM2): no engine runs that."""
    with pytest.raises(Exception, match="AIMer-128f"):
        sig_checks.prepare_vendor_signs("AIMer-128f", {}, os.urandom(32))
