"""Interoperability: keys, ciphertexts and signatures cross between engines.

For every algorithm two engines share, in both directions: a public key made by one
engine is encapsulated to (or a signature is verified) by the other, and the shared
secrets (or verdicts) agree. Deterministic key generation from one 64-byte seed gives
identical ML-KEM keys in liboqs, OpenSSL and kyber-py.
"""

from __future__ import annotations

import hashlib

from dilithium_py.ml_dsa import ML_DSA_44, ML_DSA_65, ML_DSA_87
from kyber_py.ml_kem import ML_KEM_512, ML_KEM_768, ML_KEM_1024

from testbed.engines import Engine

MESSAGE = b"interop message"
KYBER_PY = {"ML-KEM-512": ML_KEM_512, "ML-KEM-768": ML_KEM_768, "ML-KEM-1024": ML_KEM_1024}
DILITHIUM_PY = {"ML-DSA-44": ML_DSA_44, "ML-DSA-65": ML_DSA_65, "ML-DSA-87": ML_DSA_87}


def _seed(label: str, n: int) -> bytes:
    return hashlib.shake_256(label.encode()).digest(n)


def test_shared_algorithms_cover_the_standards(engines: dict[str, Engine]) -> None:
    liboqs, openssl, pqclean = engines["liboqs"], engines["openssl"], engines["pqclean"]
    for alg in ("ML-KEM-768", "ML-KEM-1024", "ML-DSA-44", "ML-DSA-65", "ML-DSA-87"):
        assert all(e.supports(alg) for e in (liboqs, openssl, pqclean)), alg
    assert liboqs.supports("sntrup761") and pqclean.supports("sntrup761")


def test_kem_interop(engines: dict[str, Engine], shared_kem: tuple[str, str, str]) -> None:
    alg, a_name, b_name = shared_kem
    a, b = engines[a_name], engines[b_name]
    assert a.sizes(alg).public_key == b.sizes(alg).public_key
    assert a.sizes(alg).ciphertext == b.sizes(alg).ciphertext
    for owner, sender in ((a, b), (b, a)):
        pk, sk = owner.kem_keypair(alg)
        ct, ss = sender.encapsulate(alg, pk)
        assert owner.decapsulate(alg, sk, ct) == ss, (owner.name, sender.name)


def test_signature_interop(engines: dict[str, Engine], shared_sig: tuple[str, str, str]) -> None:
    alg, a_name, b_name = shared_sig
    a, b = engines[a_name], engines[b_name]
    for signer, verifier in ((a, b), (b, a)):
        pk, sk = signer.sign_keypair(alg)
        sig = signer.sign(alg, sk, MESSAGE)
        assert verifier.verify(alg, pk, MESSAGE, sig) is True, (signer.name, verifier.name)
        assert verifier.verify(alg, pk, MESSAGE + b"x", sig) is False
        forged = bytearray(sig)
        forged[len(forged) // 2] ^= 0x01
        assert verifier.verify(alg, pk, MESSAGE, bytes(forged)) is False


def test_expanded_secret_keys_are_interchangeable(engines: dict[str, Engine]) -> None:
    """liboqs and PQClean share the FIPS 203 expanded key format, implicit rejection too."""
    liboqs, pqclean = engines["liboqs"], engines["pqclean"]
    for alg in ("ML-KEM-512", "ML-KEM-768", "ML-KEM-1024"):
        pk, sk = liboqs.kem_keypair(alg)
        ct, ss = liboqs.encapsulate(alg, pk)
        assert pqclean.decapsulate(alg, sk, ct) == ss
        bad = bytes([ct[0] ^ 1]) + ct[1:]
        rejected = liboqs.decapsulate(alg, sk, bad)
        assert rejected != ss
        assert pqclean.decapsulate(alg, sk, bad) == rejected


def test_mlkem_keys_from_one_seed_are_identical(engines: dict[str, Engine]) -> None:
    liboqs, openssl = engines["liboqs"], engines["openssl"]
    for alg, ref in KYBER_PY.items():
        seed = _seed(alg, 64)
        pk_oqs, sk_oqs = liboqs.kem_keypair_from_seed(alg, seed)
        ek_ref, dk_ref = ref.key_derive(seed)
        assert pk_oqs == ek_ref, alg
        assert sk_oqs == dk_ref, alg
        if openssl.supports(alg):
            pk_ossl, sk_ossl = openssl.kem_keypair_from_seed(alg, seed)
            assert pk_ossl == ek_ref, alg
            assert sk_ossl == seed  # OpenSSL keeps the seed as the secret key
            # and the keys behave the same: OpenSSL decapsulates what kyber-py sent
            ss_ref, ct_ref = ref.encaps(ek_ref)
            assert openssl.decapsulate(alg, sk_ossl, ct_ref) == ss_ref
            assert liboqs.decapsulate(alg, sk_oqs, ct_ref) == ss_ref


def test_mlkem_seed_gives_the_same_keys_twice(engines: dict[str, Engine]) -> None:
    seed = _seed("twice", 64)
    assert engines["liboqs"].kem_keypair_from_seed("ML-KEM-768", seed) == engines[
        "liboqs"
    ].kem_keypair_from_seed("ML-KEM-768", seed)


def test_mldsa_public_keys_from_one_seed_match_dilithium_py(engines: dict[str, Engine]) -> None:
    openssl, pqclean = engines["openssl"], engines["pqclean"]
    for alg, ref in DILITHIUM_PY.items():
        xi = _seed(alg, 32)
        pk_ref, sk_ref = ref.key_derive(xi)
        # OpenSSL's ML-DSA secret key is the seed: sign with it, verify with the
        # reference public key in two other implementations
        sig = openssl.sign(alg, xi, MESSAGE)
        assert ref.verify(pk_ref, MESSAGE, sig)
        assert pqclean.verify(alg, pk_ref, MESSAGE, sig)
        # and the expanded key dilithium-py derived signs for PQClean/liboqs checks too
        sig_ref = ref.sign(sk_ref, MESSAGE)
        assert engines["liboqs"].verify(alg, pk_ref, MESSAGE, sig_ref)
        assert pqclean.sign(alg, sk_ref, MESSAGE)  # PQClean accepts the expanded key


def test_x25519mlkem768_is_mlkem768_then_x25519(engines: dict[str, Engine]) -> None:
    """The hybrid decomposes into its parts, checked with other engines' ML-KEM."""
    openssl, liboqs = engines["openssl"], engines["liboqs"]
    pk, sk = openssl.kem_keypair("X25519MLKEM768")
    ct, ss = openssl.encapsulate("X25519MLKEM768", pk)
    assert openssl.decapsulate("X25519MLKEM768", sk, ct) == ss
    assert (len(pk), len(sk), len(ct), len(ss)) == (1216, 96, 1120, 64)
    # ML-KEM-768 part first: liboqs, given the same seed, decapsulates the first 1088 bytes
    pk_m, sk_m = liboqs.kem_keypair_from_seed("ML-KEM-768", sk[:64])
    assert pk_m == pk[:1184]
    assert liboqs.decapsulate("ML-KEM-768", sk_m, ct[:1088]) == ss[:32]
    # then X25519
    assert openssl.decapsulate("X25519", sk[64:], ct[1088:]) == ss[32:]
    # and a client share made by liboqs' ML-KEM + OpenSSL's X25519 works
    pk_m2, sk_m2 = liboqs.kem_keypair("ML-KEM-768")
    pk_x, sk_x = openssl.kem_keypair("X25519")
    ct2, ss2 = openssl.encapsulate("X25519MLKEM768", pk_m2 + pk_x)
    assert liboqs.decapsulate("ML-KEM-768", sk_m2, ct2[:1088]) == ss2[:32]
    assert openssl.decapsulate("X25519", sk_x, ct2[1088:]) == ss2[32:]


def test_kyber768_is_not_mlkem768(engines: dict[str, Engine]) -> None:
    """Same sizes, different KEMs: the pre-standard Kyber's secrets differ from ML-KEM's."""
    liboqs = engines["liboqs"]
    assert liboqs.sizes("Kyber768") == liboqs.sizes("ML-KEM-768")
    pk, sk = liboqs.kem_keypair("Kyber768")
    ct, ss = liboqs.encapsulate("Kyber768", pk)
    assert liboqs.decapsulate("Kyber768", sk, ct) == ss
    # the same bytes treated as ML-KEM-768 do not agree (FIPS 203 changed the KDF)
    try:
        as_mlkem = liboqs.decapsulate("ML-KEM-768", sk, ct)
    except Exception:
        as_mlkem = None
    assert as_mlkem != ss
