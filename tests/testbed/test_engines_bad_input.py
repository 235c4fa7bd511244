"""Bad input raises a specific exception (or returns False), never crashes the process."""

from __future__ import annotations

import os
import random

import pytest

from testbed.engines import (
    Engine,
    InvalidCiphertext,
    InvalidKey,
    UnsupportedAlgorithm,
    get_engine,
    mlkem_decapsulation_key_ok,
    mlkem_encapsulation_key_ok,
)
from testbed.engines.fips203_checks import MLKEM_K
from testbed.engines.kpqc_engine import KEM_NAMES as KPQC_KEMS

ENGINES = ("liboqs", "openssl", "pqclean")
MLKEM = ("ML-KEM-512", "ML-KEM-768", "ML-KEM-1024")


def _mlkem_algs(eng: Engine) -> list[str]:
    return [a for a in MLKEM if eng.supports(a)]


def _reference_modulus_ok(alg: str, ek: bytes) -> bool:
    """FIPS 203 ByteDecode12, coefficient by coefficient."""
    data = ek[: 384 * MLKEM_K[alg]]
    for i in range(0, len(data), 3):
        b0, b1, b2 = data[i], data[i + 1], data[i + 2]
        if (b0 | (b1 & 0x0F) << 8) >= 3329 or (b1 >> 4 | b2 << 4) >= 3329:
            return False
    return True


def _with_coefficient(ek: bytes, index: int, value: int) -> bytes:
    """Set 12-bit coefficient ``index`` of the packed key to ``value``."""
    as_int = int.from_bytes(ek, "little")
    as_int &= ~(0xFFF << (12 * index))
    as_int |= value << (12 * index)
    return as_int.to_bytes(len(ek), "little")


def test_modulus_check_matches_the_reference() -> None:
    rng = random.Random(7)
    ek = get_engine("pqclean").kem_keypair("ML-KEM-768")[0]
    assert mlkem_encapsulation_key_ok("ML-KEM-768", ek)
    for index in (0, 1, 2, 3, 254, 255, 256, 511, 767):
        for value in (0, 3328, 3329, 3330, 4095):
            bad = _with_coefficient(ek, index, value)
            assert mlkem_encapsulation_key_ok("ML-KEM-768", bad) == (value < 3329), (index, value)
    for _ in range(200):
        alg = rng.choice(MLKEM)
        n = 384 * MLKEM_K[alg] + 32
        candidate = bytearray(ek[:n] if alg == "ML-KEM-768" else os.urandom(n))
        # mostly valid keys with a few random bytes changed
        for _ in range(rng.randint(0, 3)):
            candidate[rng.randrange(384 * MLKEM_K[alg])] = rng.randrange(256)
        assert mlkem_encapsulation_key_ok(alg, bytes(candidate)) == _reference_modulus_ok(
            alg, bytes(candidate)
        )
    # the 32-byte rho after the polynomials is not checked
    assert mlkem_encapsulation_key_ok("ML-KEM-768", ek[:1152] + b"\xff" * 32)


@pytest.mark.parametrize("name", ENGINES)
def test_mlkem_modulus_check_failure_is_invalid_key(name: str) -> None:
    eng = get_engine(name)
    for alg in _mlkem_algs(eng):
        pk, _ = eng.kem_keypair(alg)
        bad = _with_coefficient(pk, 5, 3329)
        with pytest.raises(InvalidKey, match="modulus check"):
            eng.encapsulate(alg, bad)
        with pytest.raises(InvalidKey, match="modulus check"):
            eng.encapsulate(alg, b"\xff" * len(pk))


def test_hybrid_modulus_check_failure_is_invalid_key() -> None:
    eng = get_engine("openssl")
    pk, _ = eng.kem_keypair("X25519MLKEM768")
    with pytest.raises(InvalidKey, match="modulus check"):
        eng.encapsulate("X25519MLKEM768", _with_coefficient(pk[:1184], 700, 4000) + pk[1184:])


#: every engine's ML-KEM-768 and every KpqC KEM (its own encodings, the same checks)
KEM_CASES = [(name, "ML-KEM-768") for name in ENGINES] + [("kpqc", a) for a in sorted(KPQC_KEMS)]


@pytest.mark.parametrize(("name", "kem"), KEM_CASES)
def test_kem_wrong_lengths(name: str, kem: str) -> None:
    eng = get_engine(name)
    pk, sk = eng.kem_keypair(kem)
    ct, _ = eng.encapsulate(kem, pk)
    for bad_pk in (pk[:-1], pk + b"\0", b""):
        with pytest.raises(InvalidKey, match="public key must be"):
            eng.encapsulate(kem, bad_pk)
    for bad_sk in (sk[:-1], sk + b"\0", b""):
        with pytest.raises(InvalidKey, match="secret key"):
            eng.decapsulate(kem, bad_sk, ct)
    for bad_ct in (ct[:-1], ct + b"\0", b""):
        with pytest.raises(InvalidCiphertext, match="ciphertext must be"):
            eng.decapsulate(kem, sk, bad_ct)
    with pytest.raises(InvalidKey):
        eng.encapsulate(kem, "not bytes")  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ENGINES)
def test_signature_wrong_lengths(name: str) -> None:
    eng = get_engine(name)
    sig_alg = "ML-DSA-65"
    spk, ssk = eng.sign_keypair(sig_alg)
    sig = eng.sign(sig_alg, ssk, b"m")
    with pytest.raises(InvalidKey):
        eng.sign(sig_alg, ssk[:-1], b"m")
    with pytest.raises(InvalidKey):
        eng.verify(sig_alg, spk[:-1], b"m", sig)
    assert eng.verify(sig_alg, spk, b"m", sig[:-1]) is False
    assert eng.verify(sig_alg, spk, b"m", sig + b"\0") is False
    assert eng.verify(sig_alg, spk, b"m", b"") is False
    assert eng.verify(sig_alg, spk, b"m", None) is False  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ENGINES)
def test_corrupted_mlkem_ciphertext_is_implicitly_rejected(name: str) -> None:
    """FIPS 203: no exception, a pseudo-random secret that differs, the same each time."""
    eng = get_engine(name)
    for alg in _mlkem_algs(eng):
        pk, sk = eng.kem_keypair(alg)
        ct, ss = eng.encapsulate(alg, pk)
        for position in (0, len(ct) // 2, len(ct) - 1):
            bad = bytearray(ct)
            bad[position] ^= 0x80
            rejected = eng.decapsulate(alg, sk, bytes(bad))
            assert len(rejected) == len(ss)
            assert rejected != ss
            assert eng.decapsulate(alg, sk, bytes(bad)) == rejected
        assert eng.decapsulate(alg, sk, ct) == ss


@pytest.mark.parametrize("name", ["liboqs", "pqclean"])
def test_expanded_decapsulation_key_hash_check(name: str) -> None:
    eng = get_engine(name)
    pk, sk = eng.kem_keypair("ML-KEM-768")
    ct, _ = eng.encapsulate("ML-KEM-768", pk)
    assert mlkem_decapsulation_key_ok("ML-KEM-768", sk)
    tampered = bytearray(sk)
    tampered[1152 + 10] ^= 1  # inside the embedded ek: H(ek) no longer matches
    with pytest.raises(InvalidKey, match="hash check"):
        eng.decapsulate("ML-KEM-768", bytes(tampered), ct)


@pytest.mark.parametrize("name", ENGINES)
def test_forged_signatures_are_false(name: str) -> None:
    eng = get_engine(name)
    for alg in ("ML-DSA-44", "ML-DSA-87"):
        pk, sk = eng.sign_keypair(alg)
        sig = eng.sign(alg, sk, b"pay 10")
        assert eng.verify(alg, pk, b"pay 10", sig)
        assert eng.verify(alg, pk, b"pay 99", sig) is False
        for position in (0, len(sig) // 2, len(sig) - 1):
            forged = bytearray(sig)
            forged[position] ^= 0x01
            assert eng.verify(alg, pk, b"pay 10", bytes(forged)) is False
        other_pk, _ = eng.sign_keypair(alg)
        assert eng.verify(alg, other_pk, b"pay 10", sig) is False
        assert eng.verify(alg, pk, b"pay 10", bytes(len(sig))) is False


def test_liboqs_other_families_reject_forgeries() -> None:
    eng = get_engine("liboqs")
    for alg in ("Falcon-512", "SPHINCS+-SHA2-128f-simple", "MAYO-1"):
        pk, sk = eng.sign_keypair(alg)
        sig = eng.sign(alg, sk, b"m")
        forged = bytearray(sig)
        forged[-1] ^= 0xFF
        assert eng.verify(alg, pk, b"m", bytes(forged)) is False
        assert eng.verify(alg, pk, b"m", sig[:10]) is False


def test_classical_bad_input() -> None:
    eng = get_engine("openssl")
    # X25519 low-order point (all zeros): the DH output would be all zeros
    with pytest.raises(InvalidKey):
        eng.encapsulate("X25519", bytes(32))
    _, sk = eng.kem_keypair("X25519")
    with pytest.raises(InvalidCiphertext):
        eng.decapsulate("X25519", sk, bytes(32))
    # a P-256 point that is not on the curve
    with pytest.raises(InvalidKey):
        eng.encapsulate("ECDH-P256", b"\x04" + b"\x01" * 64)
    # RSA-OAEP has no implicit rejection: a corrupted ciphertext is an error
    pk, sk = eng.kem_keypair("RSA-2048")
    ct, ss = eng.encapsulate("RSA-2048", pk)
    assert eng.decapsulate("RSA-2048", sk, ct) == ss
    with pytest.raises(InvalidCiphertext):
        eng.decapsulate("RSA-2048", sk, bytes([ct[0] ^ 1]) + ct[1:])
    with pytest.raises(InvalidKey):
        eng.decapsulate("RSA-2048", b"\x30garbage", ct)
    # a 3072-bit key is not an RSA-2048 key
    pk3, _ = eng.kem_keypair("RSA-3072")
    with pytest.raises(InvalidKey):
        eng.encapsulate("RSA-2048", pk3[: len(pk)])
    # ECDSA: DER garbage of the right size is just a bad signature
    epk, _ = eng.sign_keypair("ECDSA-P256")
    assert eng.verify("ECDSA-P256", epk, b"m", b"\x30" * 70) is False
    assert eng.verify("Ed25519", eng.sign_keypair("Ed25519")[0], b"m", bytes(64)) is False


@pytest.mark.parametrize("name", ENGINES)
def test_unsupported_algorithms(name: str) -> None:
    eng = get_engine(name)
    with pytest.raises(UnsupportedAlgorithm):
        eng.kem_keypair("NO-SUCH-KEM")
    with pytest.raises(UnsupportedAlgorithm):
        eng.sign_keypair("ML-KEM-768")  # a KEM is not a signature
    with pytest.raises(UnsupportedAlgorithm):
        eng.encapsulate("ML-DSA-65", b"")
    with pytest.raises(UnsupportedAlgorithm):
        eng.sizes("NO-SUCH-ALG")


def test_seeded_keygen_errors() -> None:
    liboqs, pqclean = get_engine("liboqs"), get_engine("pqclean")
    with pytest.raises(InvalidKey, match="64 bytes"):
        liboqs.kem_keypair_from_seed("ML-KEM-768", bytes(32))
    with pytest.raises(InvalidKey, match="64 bytes"):
        get_engine("openssl").kem_keypair_from_seed("ML-KEM-768", bytes(63))
    with pytest.raises(UnsupportedAlgorithm):
        pqclean.kem_keypair_from_seed("ML-KEM-768", bytes(64))
    with pytest.raises(UnsupportedAlgorithm):
        liboqs.kem_keypair_from_seed("FrodoKEM-640-AES", bytes(64))


def test_unknown_engine() -> None:
    from testbed.engines import EngineUnavailable

    with pytest.raises(EngineUnavailable, match="unknown engine"):
        get_engine("bouncycastle")
