"""What a crypto usage is *for*, in the vocabulary the catalog and the profiles share.

A profile says "TLS key exchange to X25519MLKEM768, firmware signing to LMS": it speaks of
uses, not of CryptoFunction values, so one mapping lives here.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal, get_args

from inventory.choices import CryptoFunction, Primitive

Use = Literal[
    "key_exchange",
    "tls_key_exchange",
    "encryption",
    "signature",
    "certificate_signature",
    "code_signing",
    "firmware_signing",
    "symmetric",
    "hash",
    "mac",
    "kdf",
    "password_hashing",
]
USES: tuple[str, ...] = get_args(Use)

#: the uses a policy speaks about: its algorithm table has one entry per policy use
PolicyUse = Literal[
    "key_establishment",
    "signature",
    "software_signing",
    "hash",
    "symmetric",
    "mac",
    "kdf",
    "password_hashing",
]
POLICY_USES: tuple[str, ...] = get_args(PolicyUse)
_POLICY_USE: dict[str, str] = {
    "key_exchange": "key_establishment",
    "tls_key_exchange": "key_establishment",
    "encryption": "key_establishment",
    "signature": "signature",
    "certificate_signature": "signature",
    "code_signing": "software_signing",
    "firmware_signing": "software_signing",
}
#: catalog families whose whole purpose is hashing passwords (whatever the usage says)
PASSWORD_HASH_FAMILIES = frozenset({"Argon2", "bcrypt", "scrypt", "PBKDF2", "yescrypt"})


def policy_use(use: str) -> str:
    """The policy use a usage's use falls under.

    >>> policy_use("tls_key_exchange"), policy_use("firmware_signing"), policy_use("mac")
    ('key_establishment', 'software_signing', 'mac')
    """
    return _POLICY_USE.get(use, use)


# Uses whose breakage exposes recorded ciphertext: harvest-now-decrypt-later applies.
CONFIDENTIALITY_USES: frozenset[str] = frozenset(
    {"key_exchange", "tls_key_exchange", "encryption", "symmetric"}
)

_BY_FUNCTION: dict[CryptoFunction, str] = {
    CryptoFunction.TLS_KEY_EXCHANGE: "tls_key_exchange",
    CryptoFunction.SSH_KEY_EXCHANGE: "key_exchange",
    CryptoFunction.CERTIFICATE_SIGNATURE: "certificate_signature",
    CryptoFunction.TLS_AUTHENTICATION: "certificate_signature",
    CryptoFunction.CODE_SIGNING: "code_signing",
    CryptoFunction.FIRMWARE_SIGNING: "firmware_signing",
}

_BY_PRIMITIVE: dict[Primitive, str] = {
    Primitive.KEY_EXCHANGE: "key_exchange",
    Primitive.SIGNATURE: "signature",
    Primitive.ENCRYPTION: "encryption",
    Primitive.HASH: "hash",
    Primitive.MAC: "mac",
    Primitive.KDF: "kdf",
}


def _password_hash(algorithm: str | None) -> bool:
    if not algorithm:
        return False
    from inventory.catalog import get_catalog

    info = get_catalog().get(algorithm)
    return info is not None and info.family in PASSWORD_HASH_FAMILIES


@lru_cache(maxsize=4096)
def use_of(
    primitive: Primitive | str, function: CryptoFunction | str, algorithm: str | None = None
) -> str:
    """The use of a usage: its function when that names one, else its primitive.

    A password hash (Argon2id, bcrypt, scrypt, PBKDF2) is password hashing whatever the
    file calls its primitive: its replacement is another password hash, never HKDF.

    >>> use_of("key_exchange", "tls_key_exchange")
    'tls_key_exchange'
    >>> use_of("signature", "document_signing")
    'signature'
    >>> use_of("symmetric", "data_at_rest")
    'symmetric'
    >>> use_of("hash", "integrity")
    'hash'
    >>> use_of("kdf", "other", "Argon2id"), use_of("kdf", "password_hashing")
    ('password_hashing', 'password_hashing')
    """
    primitive = Primitive(primitive)
    function = CryptoFunction(function)
    if function is CryptoFunction.PASSWORD_HASHING and primitive in (
        Primitive.KDF,
        Primitive.HASH,
        Primitive.OTHER,
    ):
        return "password_hashing"
    if _password_hash(algorithm):
        return "password_hashing"
    by_function = _BY_FUNCTION.get(function)
    # A function only overrides when the primitive agrees (an RSA key transport inside
    # "tls_authentication" is still encryption).
    if by_function is not None:
        signing = by_function in {"certificate_signature", "code_signing", "firmware_signing"}
        if signing == (primitive is Primitive.SIGNATURE):
            return by_function
    return _BY_PRIMITIVE.get(primitive, "symmetric")


def is_confidentiality(use: str) -> bool:
    return use in CONFIDENTIALITY_USES
