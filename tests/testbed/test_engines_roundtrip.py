"""Every algorithm of every engine: keygen, encaps/decaps or sign/verify, sizes."""

from __future__ import annotations

from testbed.engines import Engine, engine_statuses, get_engines

MESSAGE = b"round trip through the testbed"


def test_all_engines_are_available() -> None:
    statuses = {s.name: s for s in engine_statuses()}
    assert set(statuses) == {"liboqs", "openssl", "pqclean", "kpqc"}
    for status in statuses.values():
        assert status.available, status.reason
        assert status.version
    assert "liboqs 0.13.0" in statuses["liboqs"].version
    assert set(get_engines()) == {"liboqs", "openssl", "pqclean", "kpqc"}


def test_engines_offer_what_the_catalog_expects(engines: dict[str, Engine]) -> None:
    liboqs, openssl, pqclean = engines["liboqs"], engines["openssl"], engines["pqclean"]
    for alg in (
        "ML-KEM-512",
        "ML-KEM-768",
        "ML-KEM-1024",
        "Kyber768",
        "sntrup761",
        "FrodoKEM-640-AES",
        "BIKE-L1",
        "Classic-McEliece-348864",
    ):
        assert liboqs.supports(alg), alg
    for alg in ("ML-DSA-65", "Falcon-512", "Falcon-1024", "SPHINCS+-SHA2-128s-simple"):
        assert liboqs.supports(alg), alg
    # SPHINCS+ is not SLH-DSA: liboqs 0.13 offers no SLH-DSA under that name
    assert not any(a.startswith("SLH-DSA") for a in liboqs.algorithms())
    for alg in (
        "ML-KEM-768",
        "ML-KEM-1024",
        "X25519MLKEM768",
        "X25519",
        "ECDH-P256",
        "RSA-2048",
        "RSA-3072",
    ):
        assert alg in openssl.kems(), alg
    for alg in (
        "ML-DSA-44",
        "ML-DSA-65",
        "ML-DSA-87",
        "ECDSA-P256",
        "ECDSA-P384",
        "Ed25519",
        "RSA-2048",
        "RSA-3072",
    ):
        assert alg in openssl.signatures(), alg
    for alg in ("ML-KEM-768", "HQC-1", "Classic-McEliece-348864", "sntrup761"):
        assert alg in pqclean.kems(), alg
    for alg in ("ML-DSA-65", "SLH-DSA-SHA2-128s", "SLH-DSA-SHAKE-256f"):
        assert alg in pqclean.signatures(), alg
    assert pqclean.unmapped() == []


def test_kem_round_trip(engines: dict[str, Engine], kem_case: tuple[str, str]) -> None:
    name, alg = kem_case
    eng = engines[name]
    sizes = eng.sizes(alg)
    pk, sk = eng.kem_keypair(alg)
    ct, ss = eng.encapsulate(alg, pk)
    assert eng.decapsulate(alg, sk, ct) == ss
    assert len(pk) == sizes.public_key
    assert len(ct) == sizes.ciphertext
    assert len(ss) == sizes.shared_secret
    assert len(sk) <= sizes.secret_key
    if not alg.startswith("RSA-"):  # PKCS#8 DER length varies by a byte or two
        assert len(sk) == sizes.secret_key
    # a second encapsulation gives a fresh secret
    ct2, ss2 = eng.encapsulate(alg, pk)
    assert (ct2, ss2) != (ct, ss)
    assert eng.decapsulate(alg, sk, ct2) == ss2


def test_signature_round_trip(engines: dict[str, Engine], sig_case: tuple[str, str]) -> None:
    name, alg = sig_case
    eng = engines[name]
    sizes = eng.sizes(alg)
    pk, sk = eng.sign_keypair(alg)
    sig = eng.sign(alg, sk, MESSAGE)
    assert eng.verify(alg, pk, MESSAGE, sig) is True
    assert eng.verify(alg, pk, MESSAGE + b"!", sig) is False
    assert len(pk) == sizes.public_key
    assert 0 < len(sig) <= sizes.signature
    if not alg.startswith("RSA-"):
        assert len(sk) == sizes.secret_key


def test_published_sizes(engines: dict[str, Engine]) -> None:
    """Sizes agree with the reference table (shared/reference/policy-and-algorithms.md)."""
    expected = {
        "ML-KEM-512": (800, 1632, 768),
        "ML-KEM-768": (1184, 2400, 1088),
        "ML-KEM-1024": (1568, 3168, 1568),
        # liboqs 0.13 FrodoKEM (no salt): ciphertext 9720; the reference table's 9752
        # is the later, salted FrodoKEM of newer liboqs releases
        "FrodoKEM-640-AES": (9616, 19888, 9720),
        "Classic-McEliece-348864": (261120, 6492, 96),
    }
    for alg, (pk, sk, ct) in expected.items():
        s = engines["liboqs"].sizes(alg)
        assert (s.public_key, s.secret_key, s.ciphertext) == (pk, sk, ct), alg
    for alg, (pk, sk, sig) in {
        "ML-DSA-44": (1312, 2560, 2420),
        "ML-DSA-65": (1952, 4032, 3309),
        "ML-DSA-87": (2592, 4896, 4627),
    }.items():
        for name in ("liboqs", "pqclean"):
            s = engines[name].sizes(alg)
            assert (s.public_key, s.secret_key, s.signature) == (pk, sk, sig), (name, alg)
        assert engines["openssl"].sizes(alg).secret_key == 32  # the seed xi
    s = engines["pqclean"].sizes("SLH-DSA-SHA2-128s")
    assert (s.public_key, s.secret_key, s.signature) == (32, 64, 7856)
    s = engines["openssl"].sizes("X25519MLKEM768")
    assert (s.public_key, s.ciphertext, s.shared_secret) == (1216, 1120, 64)


def test_engines_are_safe_to_share_between_threads(engines: dict[str, Engine]) -> None:
    """Each thread's key pairs match (no shared keygen state), with a tiny key cache."""
    from concurrent.futures import ThreadPoolExecutor

    from testbed.engines.key_cache import KeyCache

    def work(args: tuple[Engine, str, str]) -> bool:
        eng, kem, sig = args
        ok = True
        for _ in range(25):
            pk, sk = eng.kem_keypair(kem)
            ct, ss = eng.encapsulate(kem, pk)
            ok &= eng.decapsulate(kem, sk, ct) == ss
            spk, ssk = eng.sign_keypair(sig)
            ok &= eng.verify(sig, spk, MESSAGE, eng.sign(sig, ssk, MESSAGE))
        return ok

    for eng in engines.values():
        # force evictions while other threads use the evicted objects
        saved = getattr(eng, "_keyed", None)
        if saved is not None:
            eng._keyed = KeyCache(2)  # type: ignore[attr-defined]
        try:
            kem = "ML-KEM-768" if eng.supports("ML-KEM-768") else eng.kems()[0]  # kpqc: SMAUG-T
            sig = "ML-DSA-44" if eng.supports("ML-DSA-44") else eng.signatures()[0]
            jobs = [(eng, kem, sig)] * 8
            with ThreadPoolExecutor(max_workers=4) as pool:
                assert all(pool.map(work, jobs)), eng.name
        finally:
            if saved is not None:
                eng._keyed = saved  # type: ignore[attr-defined]
