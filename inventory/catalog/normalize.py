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


# Words in descriptive names that say how an algorithm is used, not which one it is:
# hash companions of a signature, paddings, and the tag/IV lengths that trail a mode.
_HASH_WORD = re.compile(r"^(sha\d*|sha3\d*|md5|shake\d+)$")
_PADDING_WORDS = frozenset(
    {
        "pkcs1",
        "pkcs5",
        "pkcs7",
        "pkcs1v15",
        "1.5",
        "v1.5",
        "pss",
        "oaep",
        "nopadding",
        "padding",
        "encryption",
        "ede",
        "ede3",
    }
)
_MODE_WORDS = frozenset(m.lower() for m in MODES)
_TOKENS = re.compile(r"[\s\-_/]+|with")


def weak_signature_hash(raw: str) -> str | None:
    """``"SHA1"`` or ``"MD5"`` when a descriptive signature name says it signs that hash.

    The hash is dropped to find the algorithm (``descriptive_core``), but a SHA-1 or MD5
    signature is broken today whatever the key, so the catalog keeps it in the name. OAEP
    names are encryption (OAEP with SHA-1 is not broken) and are left alone.

    >>> weak_signature_hash("SHA1-RSA"), weak_signature_hash("rsa-sha-1-pss")
    ('SHA1', 'SHA1')
    >>> weak_signature_hash("md5-rsa"), weak_signature_hash("RSA-OAEP-SHA1")
    ('MD5', None)
    >>> weak_signature_hash("SHA256withRSA") is None
    True
    """
    tokens = [t for t in _TOKENS.split(raw.strip().lower()) if t]
    if any("oaep" in t for t in tokens):
        return None
    for i, token in enumerate(tokens):
        if token == "md5":
            return "MD5"
        if token == "sha1" or (token == "sha" and tokens[i + 1 : i + 2] == ["1"]):
            return "SHA1"
    return None


def names_hash_of_size(raw: str, size: str) -> bool:
    """Whether ``raw`` names a hash of ``size`` bits ("SHA512withRSA" and "512"): CycloneDX
    tools write a signature's hash size as its parameter set, which is not the key size.

    >>> names_hash_of_size("SHA512withRSA", "512"), names_hash_of_size("RSA", "512")
    (True, False)
    """
    tokens = [t for t in _TOKENS.split(raw.strip().lower()) if t]
    return any(
        _HASH_WORD.match(t) and (t.endswith(size) or tokens[i + 1 : i + 2] == [size])
        for i, t in enumerate(tokens)
    )


def descriptive_core(raw: str) -> str | None:
    """The algorithm inside a descriptive name that other tools write, or None.

    Drops hash companions and paddings, and everything from a mode on; keeps the result
    only when one algorithm word (optionally with its size) is left, so a whole TLS suite
    never collapses to one of its parts.

    >>> descriptive_core("SHA256-RSA"), descriptive_core("SHA512withECDSA")
    ('rsa', 'ecdsa')
    >>> descriptive_core("aes-128-cbc-pkcs5"), descriptive_core("AES-128-GCM-128-12")
    ('aes-128', 'aes-128')
    >>> descriptive_core("ECDHE-RSA-AES128-GCM-SHA256") is None
    True
    """
    tokens = [t for t in _TOKENS.split(raw.strip().lower()) if t]
    kept: list[str] = []
    for token in tokens:
        if token in _MODE_WORDS:
            break
        if _HASH_WORD.match(token) or token in _PADDING_WORDS:
            continue
        kept.append(token)
    if not kept or len(kept) > 2 or (len(kept) == 2 and not kept[1].isdigit()):
        return None
    core = "-".join(kept)
    return None if lookup_key(core) == lookup_key(raw) else core
