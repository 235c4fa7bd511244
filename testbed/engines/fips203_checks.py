"""FIPS 203 (ML-KEM) key checks, done in Python before any C library sees the key."""

from __future__ import annotations

import hashlib

Q_MLKEM = 3329
MLKEM_K = {"ML-KEM-512": 2, "ML-KEM-768": 3, "ML-KEM-1024": 4}
_MASKS: dict[int, tuple[int, int, int]] = {}


def _masks(n_coeffs: int) -> tuple[int, int, int]:
    """Masks for a SWAR range check over ``n_coeffs`` packed 12-bit coefficients.

    Even-indexed coefficients sit in 24-bit lanes with 12 free bits above them; adding
    4096 - 3329 to each lane carries into bit 12 of the lane exactly when the coefficient
    is >= 3329.
    """
    cached = _MASKS.get(n_coeffs)
    if cached is None:
        lanes = n_coeffs // 2
        lane_mask = sum(0xFFF << (24 * i) for i in range(lanes))
        addend = sum((4096 - Q_MLKEM) << (24 * i) for i in range(lanes))
        carry = sum(1 << (24 * i + 12) for i in range(lanes))
        cached = _MASKS[n_coeffs] = (lane_mask, addend, carry)
    return cached


def mlkem_encapsulation_key_ok(alg: str, ek: bytes) -> bool:
    """FIPS 203 section 7.2 modulus check: ByteEncode12(ByteDecode12(t)) == t.

    True when every 12-bit coefficient of the ``384*k`` polynomial bytes is < 3329.
    Lengths are checked by the caller.

    >>> mlkem_encapsulation_key_ok("ML-KEM-512", bytes(800))
    True
    >>> mlkem_encapsulation_key_ok("ML-KEM-512", b"\\xff" * 800)
    False
    """
    k = MLKEM_K[alg]
    n_bytes = 384 * k
    value = int.from_bytes(ek[:n_bytes], "little")
    lane_mask, addend, carry = _masks(256 * k)
    even = value & lane_mask
    odd = (value >> 12) & lane_mask
    return not (((even + addend) | (odd + addend)) & carry)


def mlkem_decapsulation_key_ok(alg: str, dk: bytes) -> bool:
    """FIPS 203 section 7.3 hash check of an expanded decapsulation key.

    dk = dk_PKE (384k) || ek (384k + 32) || H(ek) (32) || z (32).
    """
    k = MLKEM_K[alg]
    ek = dk[384 * k : 768 * k + 32]
    h = dk[768 * k + 32 : 768 * k + 64]
    return hashlib.sha3_256(ek).digest() == h and mlkem_encapsulation_key_ok(alg, ek)
