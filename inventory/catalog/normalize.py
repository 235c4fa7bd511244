"""Pure text helpers for matching algorithm names: lookup keys, OIDs, cipher modes.

>>> lookup_key("ML_KEM 768")
'mlkem768'
>>> split_mode("AES-256-GCM")
('AES-256', 'GCM')
"""

from __future__ import annotations

import re

# Characters that never distinguish two algorithms: case, spaces, '-', '_', '/', parentheses.
_IGNORED = re.compile(r"[\s\-_/()]+")
_OID = re.compile(r"^(?:urn:oid:|oid:)?([0-2](?:\.\d+)+)$", re.IGNORECASE)

# Block-cipher modes that may trail a cipher name: "AES-256-GCM", "aes128-ctr", "ARIA_128_CBC".
# Longest first, so "GCM-SIV" wins over "SIV" and "CFB8" over "CFB".
MODES: tuple[str, ...] = (
    "GCM-SIV",
    "CBC-HMAC",
    "KWP",
    "CFB128",
    "CFB8",
    "CFB1",
    "GCM",
    "CCM",
    "CBC",
    "CTR",
    "ECB",
    "CFB",
    "OFB",
    "XTS",
    "SIV",
    "OCB",
    "EAX",
    "KW",
    "WRAP",
    "CTS",
)
_MODE_RE = re.compile(
    r"^(?P<base>.+?)[\s\-_/]+(?P<mode>" + "|".join(re.escape(m) for m in MODES) + r")$",
    re.IGNORECASE,
)


def lookup_key(text: str) -> str:
    """The form used to match names: lower case without spaces, '-', '_', '/' or parentheses."""
    return _IGNORED.sub("", text.strip().lower())


def as_oid(text: str) -> str | None:
    """The dotted OID in ``text`` ("1.2.3", "oid:1.2.3", "urn:oid:1.2.3"), or None."""
    match = _OID.match(text.strip())
    return match.group(1) if match else None


def split_mode(raw: str) -> tuple[str, str | None]:
    """Split a trailing block-cipher mode off a cipher name.

    The mode belongs in its own field (CycloneDX ``mode``), not in the algorithm name.

    >>> split_mode("AES-256-GCM")
    ('AES-256', 'GCM')
    >>> split_mode("aes128-ctr")
    ('aes128', 'CTR')
    >>> split_mode("ML-KEM-768")
    ('ML-KEM-768', None)
    """
    text = raw.strip()
    match = _MODE_RE.match(text)
    if not match:
        return text, None
    mode = match.group("mode").upper()
    canonical_mode = next(m for m in MODES if m.upper() == mode)
    return match.group("base"), canonical_mode
