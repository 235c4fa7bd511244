"""Size- and format-checked decoding of vendor input, before any crypto runs.

Every helper raises :class:`core.errors.InputError` naming the JSON path of the bad
field (``$.answer.items.enc-liboqs.shared_secret``), which the API answers with a 422.

>>> b64_bytes("AAAA", "$.x", length=3)
b'\\x00\\x00\\x00'
"""

from __future__ import annotations

import base64
import binascii
import hmac
from typing import Any

from core.errors import InputError
from core.i18n import N_

#: no single field is ever longer than this (a Classic McEliece 8192128 public key is 1.36 MB)
MAX_FIELD_BYTES = 1_400_000


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    """Decode base64 the testbed itself wrote (no checks needed)."""
    return base64.b64decode(text)


def obj(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InputError(N_("must be a JSON object, not {type}"), path, type=type(value).__name__)
    return value


def field(container: dict[str, Any], key: str, path: str) -> Any:
    if key not in container:
        raise InputError(N_("is required"), f"{path}.{key}")
    return container[key]


def _length_ok(data: bytes, path: str, length: int | None, max_len: int | None) -> bytes:
    if length is not None and len(data) != length:
        raise InputError(
            N_("must be {length} bytes, got {got}"), path, length=length, got=len(data)
        )
    if max_len is not None and not 0 < len(data) <= max_len:
        raise InputError(
            N_("must be 1 to {most} bytes, got {got}"), path, most=max_len, got=len(data)
        )
    return data


def b64_bytes(
    value: Any, path: str, *, length: int | None = None, max_len: int | None = None
) -> bytes:
    """Strict standard base64 (padding required) of an exact or bounded byte length."""
    if not isinstance(value, str):
        raise InputError(N_("must be a base64 string, not {type}"), path, type=type(value).__name__)
    bound = length if length is not None else (max_len or MAX_FIELD_BYTES)
    if len(value) > 4 * ((bound + 2) // 3):  # reject before decoding anything large
        raise InputError(N_("is too long: at most {most} bytes are expected"), path, most=bound)
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise InputError(N_("is not valid base64"), path) from None
    return _length_ok(data, path, length, max_len)


def hex_bytes(
    value: Any, path: str, *, length: int | None = None, max_len: int | None = None
) -> bytes:
    """Hex (either case, as ACVP writes it) of an exact or bounded byte length."""
    if not isinstance(value, str):
        raise InputError(N_("must be a hex string, not {type}"), path, type=type(value).__name__)
    bound = length if length is not None else (max_len or MAX_FIELD_BYTES)
    if len(value) > 2 * bound:
        raise InputError(
            N_("is too long: at most {most} bytes ({digits} hex digits)"),
            path,
            most=bound,
            digits=2 * bound,
        )
    try:
        data = bytes.fromhex(value)
    except ValueError:
        raise InputError(N_("is not valid hex"), path) from None
    return _length_ok(data, path, length, max_len)


def boolean(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise InputError(N_("must be true or false, not {type}"), path, type=type(value).__name__)
    return value


def same(a: bytes, b: bytes) -> bool:
    """Constant-time equality of two byte strings."""
    return hmac.compare_digest(a, b)


def flip_bit(data: bytes, bit: int) -> bytes:
    """``data`` with one bit inverted (``bit`` counts from the first byte's low bit)."""
    out = bytearray(data)
    out[bit // 8 % len(out)] ^= 1 << (bit % 8)
    return bytes(out)
