"""Stable, readable refs (bom-refs) for rows that were not given one."""

from __future__ import annotations

import re
import secrets

_NON_WORD = re.compile(r"[^a-z0-9]+")


def slugify(text: str, max_len: int = 60) -> str:
    slug = _NON_WORD.sub("-", text.lower()).strip("-")
    return slug[:max_len] or "item"


def new_ref(kind: str, name: str) -> str:
    """`asset:web-portal:3f9a1c2b` — readable, and unique without a database round trip."""
    return f"{kind}:{slugify(name)}:{secrets.token_hex(4)}"
