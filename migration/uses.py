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
]
USES: tuple[str, ...] = get_args(Use)

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


@lru_cache(maxsize=1024)
def use_of(primitive: Primitive | str, function: CryptoFunction | str) -> str:
    """The use of a usage: its function when that names one, else its primitive.

    >>> use_of("key_exchange", "tls_key_exchange")
    'tls_key_exchange'
    >>> use_of("signature", "document_signing")
    'signature'
    >>> use_of("symmetric", "data_at_rest")
    'symmetric'
    >>> use_of("hash", "integrity")
    'hash'
    """
    primitive = Primitive(primitive)
    function = CryptoFunction(function)
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
