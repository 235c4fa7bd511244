"""How each KEM answers a tampered ciphertext, and what a grader can check without the key.

A receiver decapsulating a ciphertext that fails the scheme's re-encryption check either
returns a pseudo-random secret derived from its own secret (*implicit* rejection: FIPS 203
Algorithm 18 lines 8-10 compute ``K_bar = J(z || c)`` and return it "if c != c'") or reports
failure (*explicit* rejection). :data:`STYLES` says which, per family, with its source.

What the grader can check without the receiver's decapsulation key (:func:`public_candidates`):
the value is not the sender's secret, not a constant, not the same for two ciphertexts, and
not any of a list of functions of public data (the ciphertext, the encapsulation key, the
session nonce). It cannot check that the value *is* the scheme's keyed rejection value
(``J(z || c)`` with the product's secret ``z``): a product that returns a keyed or memoized
value of its own passes. ACVP ``encapDecap`` on a testbed-given key checks that for ML-KEM.

>>> style_of("ML-KEM-768").kind, style_of("NTRU+KEM-768").kind, style_of("X25519") is None
('implicit', 'explicit', True)
>>> style_of("X25519MLKEM768").pq_ciphertext
(0, 1088)
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass

from testbed.conformance import details as D

IMPLICIT, EXPLICIT = "implicit", "explicit"


@dataclass(frozen=True)
class Style:
    """How ``family`` rejects, why we say so, and (hybrids) where the post-quantum part is."""

    kind: str  # IMPLICIT or EXPLICIT
    source: str
    #: hybrids: (offset, length) of the post-quantum ciphertext, shared secret and key
    pq_ciphertext: tuple[int, int] | None = None
    pq_secret: tuple[int, int] | None = None
    pq_key: tuple[int, int] | None = None
    #: hybrids: the post-quantum component's canonical name
    pq_algorithm: str | None = None


_FIPS203 = (
    "FIPS 203 Algorithm 18 (ML-KEM.Decaps_internal) lines 8-10: K_bar = J(z || c), "
    "returned when the re-encrypted c' differs from c"
)
#: family prefix -> rejection style (checked in order; the first prefix that matches wins)
STYLES: tuple[tuple[str, Style], ...] = (
    (
        "X25519MLKEM768",
        Style(
            IMPLICIT,
            "draft-ietf-tls-ecdhe-mlkem (codepoint 0x11EC): ML-KEM-768 ciphertext, secret and "
            "key first, X25519 after; the ML-KEM-768 part follows " + _FIPS203,
            pq_ciphertext=(0, 1088),
            pq_secret=(0, 32),
            pq_key=(0, 1184),
            pq_algorithm="ML-KEM-768",
        ),
    ),
    ("ML-KEM-", Style(IMPLICIT, _FIPS203)),
    ("Kyber", Style(IMPLICIT, "CRYSTALS-Kyber round 3 specification, Algorithm 9 (Decaps)")),
    (
        "SMAUG-T-",
        Style(
            IMPLICIT,
            "SMAUG-T specification (KpqC): FO transform with implicit rejection; kpqc 0.2.1 "
            "returns a pseudo-random secret for a corrupted ciphertext",
        ),
    ),
    (
        "NTRU+KEM-",
        Style(
            EXPLICIT,
            "NTRU+ (KpqC): decapsulation outputs failure when re-encryption does not match "
            "(draft-jhpark-cfrg-ntruplus-security-considerations-00, 'explicit rejection "
            "behavior'); kpqc 0.2.1's crypto_kem_dec returns a failure status",
        ),
    ),
    ("sntrup", Style(IMPLICIT, "NTRU Prime specification: Decap returns Hash(0, rho, C) on fail")),
    ("HQC-", Style(IMPLICIT, "HQC specification (2025): Decaps returns K(sigma, c) on failure")),
    ("BIKE-", Style(IMPLICIT, "BIKE specification 5.x: decapsulation with implicit rejection")),
    ("FrodoKEM-", Style(IMPLICIT, "FrodoKEM specification: Decaps returns F(c, s) on failure")),
    (
        "Classic-McEliece-",
        Style(IMPLICIT, "Classic McEliece specification: Decap returns H(0, s, C) on failure"),
    ),
)


def style_of(alg: str) -> Style | None:
    """The rejection style of ``alg``; None for KEMs where tampering is not defined here
    (X25519, ECDH, RSA-OAEP as a KEM)."""
    for prefix, style in STYLES:
        if alg.startswith(prefix):
            return style
    return None


def part(data: bytes, span: tuple[int, int] | None) -> bytes:
    """``data[offset:offset + length]`` for a hybrid's component, else all of ``data``."""
    if span is None:
        return data
    offset, length = span
    return data[offset : offset + length]


# -- values computable from public data ------------------------------------------------------


def _fit(digest: bytes, n: int) -> bytes | None:
    return digest[:n] if len(digest) >= n else None


def _sha3_256(data: bytes) -> bytes:
    return hashlib.sha3_256(data).digest()


def _shake256(data: bytes, n: int) -> bytes:
    return hashlib.shake_256(data).digest(n)


Candidate = Callable[[bytes, bytes, bytes, int], bytes | None]
#: name -> f(ek, c, nonce, n): each a value a receiver could return without its secret key
PUBLIC_FUNCTIONS: dict[str, Candidate] = {
    "SHA3-256(c)": lambda ek, c, nonce, n: _fit(_sha3_256(c), n),
    "SHA3-512(c) first half": lambda ek, c, nonce, n: _fit(hashlib.sha3_512(c).digest(), n),
    "SHA3-512(c) second half": lambda ek, c, nonce, n: _fit(hashlib.sha3_512(c).digest()[32:], n),
    "SHAKE128(c)": lambda ek, c, nonce, n: hashlib.shake_128(c).digest(n),
    "SHAKE256(c)": lambda ek, c, nonce, n: _shake256(c, n),
    "J(0^32 || c) = SHAKE256(0^32 || c)": lambda ek, c, nonce, n: _shake256(bytes(32) + c, n),
    "SHAKE256(0xFF^32 || c)": lambda ek, c, nonce, n: _shake256(b"\xff" * 32 + c, n),
    "J(H(ek) || c)": lambda ek, c, nonce, n: _shake256(_sha3_256(ek) + c, n),
    "SHAKE256(ek || c)": lambda ek, c, nonce, n: _shake256(ek + c, n),
    "SHAKE256(c || ek)": lambda ek, c, nonce, n: _shake256(c + ek, n),
    "SHA3-256(ek || c)": lambda ek, c, nonce, n: _fit(_sha3_256(ek + c), n),
    "SHA3-256(c || ek)": lambda ek, c, nonce, n: _fit(_sha3_256(c + ek), n),
    "SHA3-256(H(ek) || c)": lambda ek, c, nonce, n: _fit(_sha3_256(_sha3_256(ek) + c), n),
    "G(H(ek) || c) first half": lambda ek, c, nonce, n: _fit(
        hashlib.sha3_512(_sha3_256(ek) + c).digest(), n
    ),
    "H(ek) = SHA3-256(ek)": lambda ek, c, nonce, n: _fit(_sha3_256(ek), n),
    "SHAKE256(ek)": lambda ek, c, nonce, n: _shake256(ek, n),
    "SHA-256(c)": lambda ek, c, nonce, n: _fit(hashlib.sha256(c).digest(), n),
    "SHA-512(c)": lambda ek, c, nonce, n: _fit(hashlib.sha512(c).digest(), n),
    "SHA-256(ek || c)": lambda ek, c, nonce, n: _fit(hashlib.sha256(ek + c).digest(), n),
    "BLAKE2b(c)": lambda ek, c, nonce, n: hashlib.blake2b(c, digest_size=min(n, 64)).digest(),
    "BLAKE2s(c)": lambda ek, c, nonce, n: hashlib.blake2s(c, digest_size=min(n, 32)).digest(),
    "HMAC-SHA256(key=0^32, c)": lambda ek, c, nonce, n: _fit(
        hmac.new(bytes(32), c, hashlib.sha256).digest(), n
    ),
    **{
        f"SHA-512({b} || c) (NTRU Prime style)": (
            lambda ek, c, nonce, n, b=b: _fit(hashlib.sha512(bytes([b]) + c).digest(), n)
        )
        for b in range(4)
    },
    "SHA3-256(nonce || c)": lambda ek, c, nonce, n: _fit(_sha3_256(nonce + c), n),
    "SHAKE256(nonce || c)": lambda ek, c, nonce, n: _shake256(nonce + c, n),
    "the first bytes of c": lambda ek, c, nonce, n: _fit(c, n),
    "the last bytes of c": lambda ek, c, nonce, n: _fit(c[-n:], n),
    "the first bytes of ek": lambda ek, c, nonce, n: _fit(ek, n),
    "the last bytes of ek": lambda ek, c, nonce, n: _fit(ek[-n:], n),
}


def public_candidates(ek: bytes, c: bytes, nonce: bytes, n: int) -> dict[str, bytes]:
    """Each function of :data:`PUBLIC_FUNCTIONS` that gives ``n`` bytes, by name.

    >>> values = public_candidates(b"k" * 1184, b"c" * 1088, bytes(32), 32)
    >>> values["SHA3-256(c)"] == hashlib.sha3_256(b"c" * 1088).digest()
    True
    """
    out = {}
    for name, fn in PUBLIC_FUNCTIONS.items():
        value = fn(ek, c, nonce, n)
        if value is not None and len(value) == n:
            out[name] = value
    return out


def not_verifiable(alg: str) -> str:
    """What a grader without the decapsulation key cannot see (the pass says it)."""
    style = style_of(alg)
    what = style.pq_algorithm if style and style.pq_algorithm else alg
    if what.startswith("ML-KEM-"):
        return D.UNVERIFIABLE_MLKEM.format(alg=what)
    return D.UNVERIFIABLE_OTHER.format(alg=what)
