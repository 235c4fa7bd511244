"""SHA-1 and MD5 signatures keep their hash in the catalog: broken today, whatever the key.

Before, ``sha1WithRSAEncryption`` and its OID resolved to plain RSA (sized by the key), so a
certificate signed with SHA-1 was judged only by the quantum timeline.
"""

from __future__ import annotations

import pytest

from inventory.catalog import get_catalog
from inventory.catalog.normalize import weak_signature_hash
from migration.legacy import classical_break

WEAK = [
    # (spelling, key size or None, canonical)
    ("sha1WithRSAEncryption", 2048, "RSA-SHA1"),
    ("1.2.840.113549.1.1.5", 4096, "RSA-SHA1"),
    ("SHA1withRSA", None, "RSA-SHA1"),
    ("RSA-SHA1", 3072, "RSA-SHA1"),
    ("rsa_pkcs1_sha1", None, "RSA-SHA1"),  # TLS SignatureScheme 0x0201
    ("SHA1-RSA", 2048, "RSA-SHA1"),  # descriptive spellings go through the rule
    ("sha1-with-rsa-signature", 2048, "RSA-SHA1"),
    ("SHA1withRSA/PSS", 2048, "RSA-SHA1"),
    ("md5WithRSAEncryption", 2048, "RSA-MD5"),
    ("1.2.840.113549.1.1.4", None, "RSA-MD5"),
    ("md5-rsa", 1024, "RSA-MD5"),
    ("ecdsa-with-SHA1", None, "ECDSA-SHA1"),
    ("1.2.840.10045.4.1", None, "ECDSA-SHA1"),
    ("ecdsa_sha1", None, "ECDSA-SHA1"),  # TLS SignatureScheme 0x0203
    ("SHA-1withECDSA", None, "ECDSA-SHA1"),
    ("dsa_with_SHA1", None, "DSA-SHA1"),
    ("1.2.840.10040.4.3", 2048, "DSA-SHA1"),
    ("SHA1withDSA", None, "DSA-SHA1"),
    ("ssh-rsa", 3072, "RSA-SHA1"),  # SSH host-key signature over SHA-1 (RFC 4253 6.6)
    ("ssh-rsa-cert-v01@openssh.com", 2048, "RSA-SHA1"),
    ("ssh-dss", 1024, "DSA-SHA1"),
]
SOUND = [
    ("sha256WithRSAEncryption", 2048, "RSA-2048"),
    ("1.2.840.113549.1.1.11", 3072, "RSA-3072"),
    ("SHA256-RSA", 2048, "RSA-2048"),
    ("ecdsa-with-SHA256", None, "ECDSA"),
    ("rsa_pss_rsae_sha256", 2048, "RSA-2048"),
    ("RSA-OAEP-SHA1", 2048, "RSA-2048"),  # encryption: OAEP with SHA-1 is not broken
    ("hmac-sha1", None, "HMAC-SHA1"),
    ("rsa-sha2-256", 2048, "RSA-2048"),
]


@pytest.mark.parametrize(("raw", "size", "canonical"), WEAK)
def test_sha1_and_md5_signatures_are_classically_broken(raw: str, size: int | None, canonical: str):
    cat = get_catalog()
    c = cat.classify(raw, key_size=size, primitive="signature")
    assert c.canonical == canonical
    assert c.info is not None and c.info.classically_broken
    hash_name = "MD5" if canonical.endswith("MD5") else "SHA-1"
    assert f"{hash_name} signature" in c.reason and "broken by classical attacks today" in c.reason
    why = classical_break(canonical)
    assert why is not None and hash_name in why


@pytest.mark.parametrize(("raw", "size", "canonical"), SOUND)
def test_sha2_signatures_still_resolve_by_key(raw: str, size: int | None, canonical: str):
    info = get_catalog().resolve(raw, key_size=size)
    assert info is not None and info.name == canonical
    assert classical_break(info.name) is None


def test_entries_cite_the_deprecations() -> None:
    cat = get_catalog()
    for name in ("RSA-SHA1", "ECDSA-SHA1", "DSA-SHA1"):
        assert {"rfc9155", "sp800-131a", "shattered"} <= set(cat.get(name).sources), name
    assert {"rfc9155", "rfc6151"} <= set(cat.get("RSA-MD5").sources)


def test_weak_hash_words() -> None:
    assert weak_signature_hash("RSA-SHA-1") == "SHA1"
    assert weak_signature_hash("SHA1withRSA") == "SHA1"
    assert weak_signature_hash("SHA-256withRSA") is None
    assert weak_signature_hash("SHA512-RSA") is None


def test_a_hash_size_written_as_parameter_set_is_no_key_size() -> None:
    """CycloneDX tools write SHA512withRSA with parameterSetIdentifier "512": that made it
    RSA-512, a classically broken key, and every SHA-512 certificate a false migrate-now."""
    cat = get_catalog()
    assert cat.normalize("SHA512withRSA", parameter_set="512") == "RSA"
    assert cat.normalize("sha384WithRSAEncryption", parameter_set="384") == "RSA"
    assert cat.normalize("RSA", parameter_set="2048") == "RSA-2048"
    assert cat.normalize("RSA", parameter_set="512") == "RSA-512"
    assert cat.normalize("SHA-256", parameter_set="256") == "SHA-256"


SSH_SHA1_KEX = [
    # (method, group bits or None, canonical, broken today)
    ("diffie-hellman-group1-sha1", None, "DH-1024-SHA1", True),  # 1024-bit group
    ("diffie-hellman-group14-sha1", None, "DH-2048-SHA1", False),
    ("diffie-hellman-group-exchange-sha1", 2048, "DH-2048-SHA1", False),
    ("diffie-hellman-group-exchange-sha1", 4096, "DH-SHA1", False),
    ("diffie-hellman-group14-sha256", None, "DH-2048", False),
]


@pytest.mark.parametrize(("raw", "size", "canonical", "broken_today"), SSH_SHA1_KEX)
def test_ssh_sha1_key_exchanges_name_their_hash(raw, size, canonical, broken_today):
    """SSH key exchanges whose exchange hash is SHA-1 keep it in their name, and their
    reason says so; the 2048-bit one is not broken today (no published attack), the
    1024-bit one is (its group is below 112 bits)."""
    c = get_catalog().classify(raw, key_size=size, primitive="key_exchange")
    assert c.canonical == canonical
    assert (classical_break(canonical) is not None) is broken_today
    if canonical.endswith("SHA1"):
        assert "SHA-1" in c.reason or "SHA-1" in (c.info.notes or "")
