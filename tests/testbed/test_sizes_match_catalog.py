"""What the engines really produce agrees with the catalog's sizes, or the difference is known.

A new difference (a liboqs upgrade, a changed parameter set) fails here until it is
explained, so the inventory's facts and the testbed's measurements cannot drift apart.
"""

from __future__ import annotations

from inventory.catalog import get_catalog
from testbed.engines.registry import get_engines

# (engine, algorithm prefix, size field) -> why the engine differs from the catalog
KNOWN = {
    ("openssl", "ML-KEM-", "secret_key"): "OpenSSL keeps the 64-byte seed (d, z) as the key",
    ("openssl", "ML-DSA-", "secret_key"): "OpenSSL keeps the 32-byte seed as the key",
    (
        "openssl",
        "ECDSA-",
        "signature",
    ): "DER encoding (max length) vs. the raw r||s the catalog gives",
    ("liboqs", "FrodoKEM-", "ciphertext"): "liboqs 0.13 ships unsalted FrodoKEM; the catalog "
    "lists the salted ISO proposal",
}
FIELDS = ("public_key", "secret_key", "ciphertext", "signature", "shared_secret")


def _known(engine: str, alg: str, field: str) -> bool:
    return any(e == engine and alg.startswith(p) and f == field for e, p, f in KNOWN)


def test_engine_sizes_match_the_catalog():
    catalog = get_catalog()
    compared, unexplained = 0, []
    for name, engine in get_engines().items():
        for alg in engine.algorithms():
            info = catalog.get(alg)
            if info is None:
                continue
            measured = engine.sizes(alg).as_dict()
            for field in FIELDS:
                theirs, ours = measured.get(field), getattr(info.sizes, field, None)
                if theirs is None or ours is None:
                    continue
                compared += 1
                if theirs != ours and not _known(name, alg, field):
                    unexplained.append(f"{name} {alg} {field}: engine {theirs}, catalog {ours}")
    assert compared > 150, compared
    assert unexplained == []


def test_every_kpqc_algorithm_has_catalog_sizes():
    """The KpqC engine's names all reach the comparison above (none skipped as unknown)."""
    catalog = get_catalog()
    kpqc = get_engines()["kpqc"]
    missing = [
        a for a in kpqc.algorithms() if catalog.get(a) is None or catalog.get(a).sizes is None
    ]
    assert len(kpqc.algorithms()) == 15 and missing == []


def test_kpqc_outputs_have_the_catalog_sizes_of_the_names_they_run_under():
    """Measured from real outputs, not the package's declared sizes: a signature or ciphertext
    of another length under the same name would be another algorithm."""
    catalog = get_catalog()
    kpqc = get_engines()["kpqc"]
    for alg in kpqc.signatures():
        pk, sk = kpqc.sign_keypair(alg)
        sig = kpqc.sign(alg, sk, b"size check")
        s = catalog.get(alg).sizes
        assert (len(pk), len(sk), len(sig)) == (s.public_key, s.secret_key, s.signature), alg
    for alg in kpqc.kems():
        pk, sk = kpqc.kem_keypair(alg)
        ct, ss = kpqc.encapsulate(alg, pk)
        s = catalog.get(alg).sizes
        assert (len(pk), len(sk), len(ct), len(ss)) == (
            s.public_key,
            s.secret_key,
            s.ciphertext,
            s.shared_secret,
        ), alg
    # the KpqC final-round AIMer (AIM2) is in the catalog, but no engine here runs it
    assert catalog.get("AIMer-128f").sizes.signature == 5888
    assert catalog.get("AIMer-AIM3-128f").sizes.signature == 6944
    assert not any(e.supports("AIMer-128f") for e in get_engines().values())
