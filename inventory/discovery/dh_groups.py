"""The finite-field Diffie-Hellman groups that TLS and SSH name, computed from their RFCs.

Each prime is defined by a formula over the binary digits of pi or e plus a published
offset, so the data is the formula's constants with their source, not pages of hex:

- RFC 2409 section 6 (Oakley groups 1 and 2) and RFC 3526 (MODP groups 5 and 14-18):
  ``p = 2^N - 2^(N-64) - 1 + 2^64 * (floor(2^(N-130) * pi) + k)``, generator 2.
  SSH names them: diffie-hellman-group1-sha1 is Oakley group 2 (1024 bits), group14 the
  2048-bit, group16 the 4096-bit and group18 the 8192-bit MODP group (RFC 4253, RFC 8268).
- RFC 7919 appendix A (ffdhe2048-8192, TLS named groups 0x0100-0x0104):
  ``p = 2^N - 2^(N-64) + (floor(2^(N-130) * e) + X) * 2^64 - 1``, generator 2.

tests/inventory/discovery/test_dh_groups.py compares every prime with OpenSSL's built-in
copy (``openssl genpkey -genparam -pkeyopt group:ffdhe2048`` / ``modp_2048``).

>>> modp(2048).bit_length(), ffdhe(2048) % 2**64 == 2**64 - 1
(2048, True)
"""

from __future__ import annotations

import functools

# offsets k of RFC 2409 section 6 (768, 1024) and RFC 3526 sections 2-7
_MODP_OFFSET = {
    768: 149686,
    1024: 129093,
    1536: 741804,
    2048: 124476,
    3072: 1690314,
    4096: 240904,
    6144: 929484,
    8192: 4743158,
}
# offsets X of RFC 7919 appendix A.1-A.5
_FFDHE_OFFSET = {2048: 560316, 3072: 2625351, 4096: 5736041, 6144: 15705020, 8192: 10965728}
GENERATOR = 2

# SSH key exchange methods with a fixed group: bits of their MODP prime
SSH_FIXED_GROUPS = {
    "diffie-hellman-group1-sha1": 1024,
    "diffie-hellman-group14-sha1": 2048,
    "diffie-hellman-group14-sha256": 2048,
    "diffie-hellman-group15-sha512": 3072,
    "diffie-hellman-group16-sha512": 4096,
    "diffie-hellman-group17-sha512": 6144,
    "diffie-hellman-group18-sha512": 8192,
}
# TLS named groups (RFC 7919) -> bits
TLS_FFDHE_GROUPS = {0x0100: 2048, 0x0101: 3072, 0x0102: 4096, 0x0103: 6144, 0x0104: 8192}


def _arctan_inverse(x: int, one: int) -> int:
    """``one * atan(1/x)`` in integer arithmetic (Taylor series)."""
    total = term = one // x
    x2, n, sign = x * x, 3, -1
    while term:
        term //= x2
        total += sign * (term // n)
        n, sign = n + 2, -sign
    return total


@functools.cache
def _pi_scaled(bits: int) -> int:
    """floor(2^bits * pi), from Machin's formula with 64 guard bits."""
    one = 1 << (bits + 64)
    pi = 16 * _arctan_inverse(5, one) - 4 * _arctan_inverse(239, one)
    return pi >> 64


@functools.cache
def _e_scaled(bits: int) -> int:
    """floor(2^bits * e), from the series sum of 1/k! with 64 guard bits."""
    one = 1 << (bits + 64)
    total, term, k = 0, one, 0
    while term:
        total += term
        k += 1
        term //= k
    return total >> 64


@functools.cache
def modp(bits: int) -> int:
    """The Oakley / MODP prime of ``bits`` bits (RFC 2409, RFC 3526)."""
    k = _MODP_OFFSET[bits]
    return 2**bits - 2 ** (bits - 64) - 1 + 2**64 * (_pi_scaled(bits - 130) + k)


@functools.cache
def ffdhe(bits: int) -> int:
    """The RFC 7919 ffdhe prime of ``bits`` bits."""
    x = _FFDHE_OFFSET[bits]
    return 2**bits - 2 ** (bits - 64) + (_e_scaled(bits - 130) + x) * 2**64 - 1
