"""The KpqC engine: canonical names, round trips, and bad input refused like elsewhere."""

from __future__ import annotations

import pytest

from inventory.catalog import get_catalog
from testbed.engines import InvalidCiphertext, InvalidKey, UnsupportedAlgorithm, get_engine
from testbed.engines.kpqc_engine import KEM_NAMES, SIG_NAMES

KEMS = sorted(KEM_NAMES)
SIGS = sorted(SIG_NAMES)


def test_offers_every_kpqc_winner_under_its_catalog_name() -> None:
    eng = get_engine("kpqc")
    assert eng.version.startswith("kpqc 0.2")
    assert sorted(eng.kems()) == KEMS and len(KEMS) == 6
    assert sorted(eng.signatures()) == SIGS and len(SIGS) == 9
    catalog = get_catalog()
    for alg in KEMS + SIGS:
        info = catalog.get(alg)
        assert info is not None and info.name == alg, alg
        if alg.startswith("AIMer-AIM3-"):  # upstream's newer AIMer, not the KpqC final round
            assert info.standard != "KpqC" and "do not interoperate" in (info.notes or "")
            assert catalog.get(alg.replace("AIM3-", "")).sizes.signature < info.sizes.signature
        else:
            assert info.standard == "KpqC"
        assert info.quantum_status == "resistant"
    assert eng.native_name("SMAUG-T-128") == "SMAUG-T128"


@pytest.mark.parametrize("alg", KEMS)
def test_kem_corrupted_ciphertext(alg: str) -> None:
    """Wrong lengths are refused as in every engine (test_engines_bad_input.py); a corrupted
    ciphertext of the right length depends on the KEM's rejection style."""
    eng = get_engine("kpqc")
    pk, sk = eng.kem_keypair(alg)
    ct, ss = eng.encapsulate(alg, pk)
    assert eng.decapsulate(alg, sk, ct) == ss
    for position in (0, len(ct) // 2, len(ct) - 1):
        bad = bytearray(ct)
        bad[position] ^= 0x80
        if alg.startswith("NTRU+"):  # explicit rejection
            with pytest.raises(InvalidCiphertext, match="explicit rejection"):
                eng.decapsulate(alg, sk, bytes(bad))
            continue
        # SMAUG-T: implicit rejection, a different secret, the same each time
        rejected = eng.decapsulate(alg, sk, bytes(bad))
        assert len(rejected) == len(ss) and rejected != ss
        assert eng.decapsulate(alg, sk, bytes(bad)) == rejected


@pytest.mark.parametrize("alg", [a for a in KEMS if a.startswith("NTRU+")])
def test_ntruplus_refuses_a_public_key_that_is_not_invertible(alg: str) -> None:
    eng = get_engine("kpqc")
    size = eng.sizes(alg).public_key
    with pytest.raises(InvalidKey, match="public key rejected"):
        eng.encapsulate(alg, b"\xff" * size)


@pytest.mark.parametrize("alg", SIGS)
def test_signature_bad_input(alg: str) -> None:
    eng = get_engine("kpqc")
    pk, sk = eng.sign_keypair(alg)
    sig = eng.sign(alg, sk, b"pay 10")
    assert eng.verify(alg, pk, b"pay 10", sig) is True
    assert eng.verify(alg, pk, b"pay 99", sig) is False
    for position in (0, len(sig) // 2, len(sig) - 1):
        forged = bytearray(sig)
        forged[position] ^= 0x01
        assert eng.verify(alg, pk, b"pay 10", bytes(forged)) is False
    assert eng.verify(alg, pk, b"pay 10", sig[:-1]) is False
    assert eng.verify(alg, pk, b"pay 10", sig + b"\0") is False
    assert eng.verify(alg, pk, b"pay 10", b"") is False
    assert eng.verify(alg, pk, b"pay 10", None) is False  # type: ignore[arg-type]
    other_pk, _ = eng.sign_keypair(alg)
    assert eng.verify(alg, other_pk, b"pay 10", sig) is False
    with pytest.raises(InvalidKey):
        eng.verify(alg, pk[:-1], b"pay 10", sig)
    with pytest.raises(InvalidKey):
        eng.sign(alg, sk[:-1], b"pay 10")


def test_kinds_are_not_mixed() -> None:
    eng = get_engine("kpqc")
    with pytest.raises(UnsupportedAlgorithm):
        eng.sign_keypair("SMAUG-T-128")
    with pytest.raises(UnsupportedAlgorithm):
        eng.kem_keypair("HAETAE-2")
    with pytest.raises(UnsupportedAlgorithm):
        eng.kem_keypair("ML-KEM-768")
