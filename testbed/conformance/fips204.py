"""FIPS 204 message encodings the signature checks need beyond what engines offer.

Engines sign and verify pure ML-DSA with the empty context only. The checks here also use
contexts (FIPS 204 Algorithm 2, ``ctx`` up to 255 bytes), HashML-DSA (Algorithm 4: ``M' = 1
|| len(ctx) || ctx || OID(PH) || PH(M)``) and an externally computed ``mu = H(H(pk, 64) ||
M', 64)`` (section 6.2). Two independent implementations judge every such signature:
OpenSSL (``cryptography``: ``sign``/``verify`` with a context, ``sign_mu``/``verify_mu``) and
the pq-crystals reference code in liboqs (Sign_internal/Verify_internal on M', through
:mod:`testbed.engines.liboqs_mldsa`; both in C). Where the loaded liboqs lacks those
functions, dilithium-py (pure Python, the same algorithms, about a thousand times slower)
stands in. The tests hold liboqs's signatures byte-equal to dilithium-py's.

>>> len(pre_hash_oid("SHA2-256")), pre_hash_oid("SHAKE-256").hex()
(11, '060960864801650304020c')
>>> m_prime(b"msg", b"ctx", None)
b'\\x00\\x03ctxmsg'
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from typing import Any

from dilithium_py.ml_dsa import ML_DSA_44, ML_DSA_65, ML_DSA_87

from testbed.engines import liboqs_mldsa
from testbed.engines.interface import Engine

try:
    from cryptography.hazmat.primitives.asymmetric import mldsa as _crypto_mldsa
except ImportError:  # pragma: no cover
    _crypto_mldsa = None  # type: ignore[assignment]

DILITHIUM = {"ML-DSA-44": ML_DSA_44, "ML-DSA-65": ML_DSA_65, "ML-DSA-87": ML_DSA_87}
MAX_CONTEXT = 255

#: ACVP's hashAlg names -> (last arc of the NIST hash OID 2.16.840.1.101.3.4.2.x, PH(M))
PRE_HASH: dict[str, tuple[int, Callable[[bytes], bytes]]] = {
    "SHA2-224": (4, lambda m: hashlib.sha224(m).digest()),
    "SHA2-256": (1, lambda m: hashlib.sha256(m).digest()),
    "SHA2-384": (2, lambda m: hashlib.sha384(m).digest()),
    "SHA2-512": (3, lambda m: hashlib.sha512(m).digest()),
    "SHA2-512/224": (5, lambda m: hashlib.new("sha512_224", m).digest()),
    "SHA2-512/256": (6, lambda m: hashlib.new("sha512_256", m).digest()),
    "SHA3-224": (7, lambda m: hashlib.sha3_224(m).digest()),
    "SHA3-256": (8, lambda m: hashlib.sha3_256(m).digest()),
    "SHA3-384": (9, lambda m: hashlib.sha3_384(m).digest()),
    "SHA3-512": (10, lambda m: hashlib.sha3_512(m).digest()),
    "SHAKE-128": (11, lambda m: hashlib.shake_128(m).digest(32)),  # 256 bits (FIPS 204 5.4)
    "SHAKE-256": (12, lambda m: hashlib.shake_256(m).digest(64)),  # 512 bits
}


def pre_hash_oid(name: str) -> bytes:
    """DER of the pre-hash function's OID (2.16.840.1.101.3.4.2.x)."""
    arc, _ = PRE_HASH[name]
    return bytes([0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, arc])


def m_prime(message: bytes, ctx: bytes, pre_hash: str | None) -> bytes:
    """M' of FIPS 204 Algorithm 2 (pure) or Algorithm 4 (HashML-DSA with ``pre_hash``)."""
    if len(ctx) > MAX_CONTEXT:
        raise ValueError("a context is at most 255 bytes")
    if pre_hash is None:
        return b"\x00" + bytes([len(ctx)]) + ctx + message
    _, digest = PRE_HASH[pre_hash]
    return b"\x01" + bytes([len(ctx)]) + ctx + pre_hash_oid(pre_hash) + digest(message)


def mu(pk: bytes, formatted: bytes) -> bytes:
    """mu = H(H(pk, 64) || M', 64) (FIPS 204 Algorithm 7 lines 6-7)."""
    return hashlib.shake_256(hashlib.shake_256(pk).digest(64) + formatted).digest(64)


def openssl_key(alg: str, kind: str) -> Any:
    """cryptography's ML-DSA ``Private``/``Public`` key class for ``alg``, or None."""
    if _crypto_mldsa is None:
        return None
    return getattr(_crypto_mldsa, f"MLDSA{alg[7:]}{kind}Key", None)


def openssl_keypair(alg: str) -> tuple[Any, bytes]:
    """A fresh OpenSSL key and its encoded public key."""
    key = openssl_key(alg, "Private").generate()
    return key, key.public_key().public_bytes_raw()


def openssl_verify_mu(alg: str, pk: bytes, mu_value: bytes, sig: bytes) -> bool:
    """OpenSSL's verdict on ``sig`` over ``mu`` (False for any key or signature it refuses)."""
    try:
        openssl_key(alg, "Public").from_public_bytes(pk).verify_mu(sig, mu_value)
        return True
    except Exception:  # InvalidSignature, ValueError
        return False


def internal_implementation(alg: str) -> str:
    """Which implementation :func:`sign_internal` and :func:`verify_internal` use."""
    return "liboqs" if liboqs_mldsa.available(alg) else "dilithium-py"


def sign_internal(alg: str, sk: bytes, formatted: bytes, rnd: bytes) -> bytes:
    """ML-DSA.Sign_internal(sk, M', rnd) (FIPS 204 Algorithm 7): liboqs's C code, or
    dilithium-py where liboqs lacks it."""
    if liboqs_mldsa.available(alg):
        return liboqs_mldsa.sign_internal(alg, sk, formatted, rnd)
    return bytes(DILITHIUM[alg]._sign_internal(sk, formatted, rnd))


def verify_internal(alg: str, pk: bytes, formatted: bytes, sig: bytes) -> bool:
    """ML-DSA.Verify_internal(pk, M', sigma) (FIPS 204 Algorithm 8), from the same
    implementation as :func:`sign_internal`; False for any key or signature it refuses."""
    if liboqs_mldsa.available(alg):
        return liboqs_mldsa.verify_internal(alg, pk, formatted, sig)
    try:
        return bool(DILITHIUM[alg]._verify_internal(pk, formatted, sig))
    except ValueError:
        return False


def hedged_signer(alg: str) -> tuple[str, bytes, Callable[[bytes], bytes]]:
    """(who, pk, sign) for a fresh key pair: ``sign(M')`` is a hedged FIPS 204 signature
    (a fresh rnd each time). liboqs's Sign_internal where it has one (well under a
    millisecond), else OpenSSL's sign_mu (a few milliseconds)."""
    if liboqs_mldsa.available(alg):
        pk, sk = liboqs_mldsa.keypair(alg)

        def sign(formatted: bytes) -> bytes:
            return liboqs_mldsa.sign_internal(alg, sk, formatted, secrets.token_bytes(32))

        return "liboqs", pk, sign
    key, pk = openssl_keypair(alg)
    return "openssl", pk, lambda f: bytes(key.sign_mu(mu(pk, f)))


def signature_to_spoil(alg: str, eng: Engine, sk: bytes, msg: bytes) -> bytes:
    """A pure signature of ``msg`` under ``eng``'s key that is made only to be spoiled (bits
    flipped, cut short, shown with another message): liboqs's Sign_internal under the same
    key where it is a FIPS 204 expanded ML-DSA key (the spoiled item is invalid whoever signed,
    and PQClean's signing takes 5 to 40 ms), else the engine's own."""
    params = liboqs_mldsa.PARAMS.get(alg)
    if params and len(sk) == params.secret_key and liboqs_mldsa.available(alg):
        formatted = m_prime(msg, b"", None)
        return liboqs_mldsa.sign_internal(alg, sk, formatted, secrets.token_bytes(32))
    return bytes(eng.sign(alg, sk, msg))
