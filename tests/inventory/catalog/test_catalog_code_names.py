"""Names the code scanner reports that the catalog once called unknown. Each expected row is
written from its standard, not from the catalog:

- PBKDF2 (RFC 8018 5.2): the PRF is HMAC with a hash; "the default pseudorandom function is
  HMAC-SHA-1" (A.2). Its strength against Grover follows the HMAC: SHA-1 -> weakened.
- BLAKE2 (RFC 7693 2.1): BLAKE2b digests are 1 to 64 bytes, BLAKE2s 1 to 32; a 256-bit or
  longer output is resistant as SHA-256 is; an unstated length takes the weakest member.
- HMAC-MD5 (RFC 2104; RFC 6151 2: "It is not urgent to stop using MD5 in other ways, such
  as HMAC-MD5; however, ... new protocol designs should not employ HMAC-MD5"): not classically
  broken; a 128-bit MAC is Grover-weakened.
- Blowfish: a 64-bit block (Schneier 1993), so Sweet32's birthday bound applies: classically
  broken as 3DES is.
- XSalsa20-Poly1305 (NaCl secretbox): a 256-bit key, resistant as ChaCha20-Poly1305 is.
- TLS versions: RFC 8996 deprecates TLS 1.0 and 1.1, RFC 7568 prohibits SSL 3.0; none of them
  nor TLS 1.2 (RFC 5246, feature-frozen) has an ML-KEM key exchange, so each is Shor-broken.
  TLS 1.3's status is its negotiated group's: it stays unknown.
"""

from __future__ import annotations

import pytest

from inventory.catalog import get_catalog
from inventory.choices import QuantumStatus

B, W, R, U = (
    QuantumStatus.BROKEN,
    QuantumStatus.WEAKENED,
    QuantumStatus.RESISTANT,
    QuantumStatus.UNKNOWN,
)


@pytest.mark.parametrize(
    ("written", "canonical", "status", "classically_broken"),
    [
        ("PBKDF2WithHmacSHA1", "PBKDF2-SHA1", W, False),  # Java
        ("PBKDF2-HMAC-SHA1", "PBKDF2-SHA1", W, False),  # the code scanner's spelling
        ("PBKDF2WithHmacSHA512", "PBKDF2-SHA512", R, False),
        ("PBKDF2-HMAC-SHA384", "PBKDF2-SHA384", R, False),
        ("scrypt", "scrypt", R, False),
        ("argon2id", "Argon2id", R, False),
        ("blake2b512", "BLAKE2b-512", R, False),  # OpenSSL, Node.js
        ("BLAKE2b-256", "BLAKE2b-256", R, False),  # Go's blake2b.New256
        ("blake2b", "BLAKE2b", W, False),  # length not stated
        ("blake2s256", "BLAKE2s-256", R, False),
        ("blake2s", "BLAKE2s", W, False),
        ("HmacMD5", "HMAC-MD5", W, False),
        ("HMAC-SHA1", "HMAC-SHA1", W, False),
        ("HMAC-SHA256", "HMAC-SHA256", R, False),
        ("Blowfish", "Blowfish", W, True),
        ("bf-cbc", "Blowfish", W, True),
        ("XSalsa20-Poly1305", "XSalsa20-Poly1305", R, False),
        ("SSLv3", "SSL 3.0", B, True),
        ("TLS 1.0", "TLS 1.0", B, True),
        ("TLSv1.1", "TLS 1.1", B, True),
        ("TLS 1.2", "TLS 1.2", B, False),
        ("TLS 1.3", "TLS 1.3", U, False),
    ],
)
def test_names_code_uses(written: str, canonical: str, status, classically_broken: bool) -> None:
    got = get_catalog().classify(written)
    assert (got.canonical, got.status) == (canonical, status)
    if got.info is not None:
        assert got.info.classically_broken is classically_broken
        assert got.info.sources, canonical


def test_a_password_kdf_moves_to_a_password_hash_not_hkdf() -> None:
    from migration.profiles import get_profile
    from migration.targets import choose_target
    from migration.uses import use_of

    for name in ("PBKDF2-SHA1", "PBKDF2-SHA512", "scrypt"):
        use = use_of("kdf", "other", name)
        assert use == "password_hashing", name
        target = choose_target(get_profile("kr-2035"), use, name)
        assert target.algorithm in ("Argon2id", "PBKDF2-SHA256"), (name, target)
    assert get_catalog().get("PBKDF2-SHA1").replacement_for("kdf")[0] == "Argon2id"
