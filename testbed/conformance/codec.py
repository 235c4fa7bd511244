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

#: no single field is ever longer than this (a Classic McEliece 8192128 public key is 1.36 MB)
MAX_FIELD_BYTES = 1_400_000


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    """Decode base64 the testbed itself wrote (no checks needed)."""
    return base64.b64decode(text)


def obj(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InputError(f"must be a JSON object, not {type(value).__name__}", path)
    return value


def field(container: dict[str, Any], key: str, path: str) -> Any:
    if key not in container:
        raise InputError("is required", f"{path}.{key}")
    return container[key]


def _length_ok(data: bytes, path: str, length: int | None, max_len: int | None) -> bytes:
    if length is not None and len(data) != length:
        raise InputError(f"must be {length} bytes, got {len(data)}", path)
    if max_len is not None and not 0 < len(data) <= max_len:
        raise InputError(f"must be 1 to {max_len} bytes, got {len(data)}", path)
    return data


def b64_bytes(
    value: Any, path: str, *, length: int | None = None, max_len: int | None = None
) -> bytes:
    """Strict standard base64 (padding required) of an exact or bounded byte length."""
    if not isinstance(value, str):
        raise InputError(f"must be a base64 string, not {type(value).__name__}", path)
    bound = length if length is not None else (max_len or MAX_FIELD_BYTES)
    if len(value) > 4 * ((bound + 2) // 3):  # reject before decoding anything large
        raise InputError(f"is too long: at most {bound} bytes are expected", path)
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise InputError("is not valid base64", path) from None
    return _length_ok(data, path, length, max_len)


def hex_bytes(
    value: Any, path: str, *, length: int | None = None, max_len: int | None = None
) -> bytes:
    """Hex (either case, as ACVP writes it) of an exact or bounded byte length."""
    if not isinstance(value, str):
        raise InputError(f"must be a hex string, not {type(value).__name__}", path)
    bound = length if length is not None else (max_len or MAX_FIELD_BYTES)
    if len(value) > 2 * bound:
        raise InputError(f"is too long: at most {bound} bytes ({2 * bound} hex digits)", path)
    try:
        data = bytes.fromhex(value)
    except ValueError:
        raise InputError("is not valid hex", path) from None
    return _length_ok(data, path, length, max_len)


def boolean(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise InputError(f"must be true or false, not {type(value).__name__}", path)
    return value


def same(a: bytes, b: bytes) -> bool:
    """Constant-time equality of two byte strings."""
    return hmac.compare_digest(a, b)


def flip_bit(data: bytes, bit: int) -> bytes:
    """``data`` with one bit inverted (``bit`` counts from the first byte's low bit)."""
    out = bytearray(data)
    out[bit // 8 % len(out)] ^= 1 << (bit % 8)
    return bytes(out)
