"""Stable, readable refs (bom-refs) for rows that were not given one."""

from __future__ import annotations

import hashlib
import re
import secrets

_NON_WORD = re.compile(r"[^a-z0-9]+")


def slugify(text: str, max_len: int = 60) -> str:
    slug = _NON_WORD.sub("-", text.lower()).strip("-")
    return slug[:max_len] or "item"


def new_ref(kind: str, name: str) -> str:
    """`asset:web-portal:3f9a1c2b` — readable, and unique without a database round trip."""
    return f"{kind}:{slugify(name)}:{secrets.token_hex(4)}"


REF_LIMIT = 200  # asset.ref, crypto_usage.ref and the importer's bom-ref limit


def fit_ref(ref: str, suffix: str = "", limit: int = REF_LIMIT) -> str:
    """`ref + suffix` as it is when it fits in `limit` characters; else its readable head, `~`
    and 16 hex digits of its SHA-256, then `suffix` (kept when it is short). Deterministic,
    so a derived ref is the same on every export or import of the same rows."""
    whole = ref + suffix
    if len(whole) <= limit:
        return whole
    digest = "~" + hashlib.sha256(whole.encode()).hexdigest()[:16]
    tail = suffix if len(suffix) <= limit // 4 else ""
    return whole[: limit - len(digest) - len(tail)] + digest + tail
