"""Every receiver KEM with a known rejection style gets tampered ciphertexts, and the tampering
really fails the scheme's re-encryption check in every engine.

The vendor side here is each algorithm's own library called directly (``pqcrypto`` for
PQClean's sntrup761 and HQC, ``kpqc`` for SMAUG-T and NTRU+), not the testbed's engines.
"""

from __future__ import annotations

import base64
import importlib
import os

import pytest

from testbed.conformance import kem_receiver
from testbed.conformance.rejection import EXPLICIT, IMPLICIT, style_of
from testbed.engines.errors import InvalidCiphertext
from testbed.engines.registry import get_engines

#: the receiver KEMs the issue names, and a vendor library for each: (keygen, decaps)
VENDOR = {
    "sntrup761": ("pqcrypto.kem.sntrup_761", IMPLICIT),
    "HQC-1": ("pqcrypto.kem.hqc_128", IMPLICIT),
    "SMAUG-T-128": ("kpqc:smaugt128", IMPLICIT),
    "NTRU+KEM-768": ("kpqc:ntruplus768", EXPLICIT),
}


def _vendor(alg: str):
    where, _ = VENDOR[alg]
    if where.startswith("kpqc:"):
        lib = getattr(importlib.import_module("kpqc"), where[5:])
        keys = lib.generate_key_pair()
        return keys.public_key, lambda ct: lib.decapsulate(ct, keys.secret_key)
    mod = importlib.import_module(where)
    pk, sk = mod.keygen()
    return pk, lambda ct: mod.decaps(sk, ct)


def _receiver_kems() -> list[str]:
    names = {alg for e in get_engines().values() for alg in e.kems()}
    # slow key generation: one Classic McEliece set stands for the family
    mceliece = [a for a in names if a.startswith("Classic-McEliece-")]
    keep = [a for a in names if a not in mceliece or a == "Classic-McEliece-348864"]
    return sorted(a for a in keep if style_of(a))


def test_every_style_names_a_source_and_hybrids_their_layout() -> None:
    for alg in _receiver_kems():
        style = style_of(alg)
        assert style is not None and style.source
        if style.pq_algorithm:
            assert style.pq_ciphertext and style.pq_secret and style.pq_key


@pytest.mark.parametrize("alg", _receiver_kems())
def test_the_tampered_ciphertext_fails_re_encryption_in_every_engine(alg: str) -> None:
    """A flipped bit that decoded to the same ciphertext would make honest products fail."""
    style = style_of(alg)
    for eng in [e for e in get_engines().values() if e.supports(alg)]:
        pk, sk = eng.kem_keypair(alg)
        ct, ss = eng.encapsulate(alg, pk)
        bad = kem_receiver.tamper(alg, ct)
        assert bad != ct and len(bad) == len(ct)
        if style.kind == EXPLICIT:
            with pytest.raises(InvalidCiphertext):
                eng.decapsulate(alg, sk, bad)
            continue
        first, second = eng.decapsulate(alg, sk, bad), eng.decapsulate(alg, sk, bad)
        assert first == second and first != ss, (alg, eng.name)


@pytest.mark.parametrize("alg", sorted(VENDOR))
def test_receivers_of_the_other_kems_pass_and_an_accept_all_one_fails(alg: str) -> None:
    pk, decaps = _vendor(alg)
    nonce = os.urandom(32)
    prepared = kem_receiver.prepare_receiver(
        alg, {"encapsulation_key": base64.b64encode(pk).decode()}, nonce
    )
    honest, lazy = {}, {}
    for item in prepared.challenge["items"]:
        ct = base64.b64decode(item["ciphertext"])
        try:
            ss = decaps(ct)
            honest[item["id"]] = {"shared_secret": base64.b64encode(ss).decode()}
        except (ValueError, RuntimeError):
            honest[item["id"]] = {"rejected": True}
        # a product that answers every ciphertext of the right length with a hash of it
        lazy[item["id"]] = honest[item["id"]]
    cases = kem_receiver.grade_receiver(
        alg, prepared.challenge, prepared.secret, {"items": honest}, nonce
    )
    assert all(c["verdict"] == "pass" for c in cases), cases
    tampered = [c for c in cases if c["check"].endswith("-rejection")]
    assert len(tampered) == 4 and {c["check"] for c in tampered} == {
        f"kem-receiver/{VENDOR[alg][1]}-rejection"
    }

    # the tampered items answered the other way round fail
    for case in tampered:
        if VENDOR[alg][1] == EXPLICIT:
            lazy[case["id"]] = {"shared_secret": base64.b64encode(os.urandom(32)).decode()}
        else:
            lazy[case["id"]] = {"rejected": True}
    cases = kem_receiver.grade_receiver(
        alg, prepared.challenge, prepared.secret, {"items": lazy}, nonce
    )
    assert {c["id"] for c in cases if c["verdict"] == "fail"} == {c["id"] for c in tampered}
