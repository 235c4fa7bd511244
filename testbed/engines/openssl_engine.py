"""The OpenSSL engine: pyca/cryptography (which links OpenSSL) behind the engine API.

Post-quantum: ML-KEM-768/1024 and ML-DSA-44/65/87 when this ``cryptography`` has the
``mlkem`` / ``mldsa`` modules and the OpenSSL under it supports them; the hybrid
``X25519MLKEM768`` is assembled here from its two parts. Classical baselines: RSA-2048/3072,
ECDSA-P256/P384, Ed25519 (signatures) and X25519, ECDH-P256/P384, RSA-2048/3072 (KEM-style
key exchange).

Encodings (this engine's table of record): public key / secret key / ciphertext or
signature.

- ML-KEM-768/1024: FIPS 203 ek / the 64-byte seed d || z / FIPS 203 ciphertext.
- ML-DSA-44/65/87: FIPS 204 pk / the 32-byte seed xi / FIPS 204 signature.
- X25519MLKEM768: ek (1184) || X25519 (32) / seed (64) || X25519 (32) /
  ct (1088) || X25519 ephemeral (32); shared secret = ML-KEM ss || X25519 ss (64).
- X25519: raw 32 / raw 32 / the ephemeral public key; secret = the raw DH output.
- ECDH-P256/P384: uncompressed point / raw scalar / ephemeral point; secret = x-coordinate.
- RSA-2048/3072 as a KEM: PKCS#1 RSAPublicKey DER / PKCS#8 DER (length varies by a
  byte or two) / RSA-OAEP(SHA-256) of a random 32-byte secret.
- RSA-2048/3072 signatures: same keys / PKCS#1 v1.5 with SHA-256.
- ECDSA-P256/P384: uncompressed point / raw scalar / DER (r, s) over SHA-256 / SHA-384
  (variable length; sizes() gives the maximum).
- Ed25519: raw 32 / raw 32 / 64.

The X25519MLKEM768 layout follows draft-ietf-tls-ecdhe-mlkem (TLS codepoint 0x11EC):
ML-KEM first in the key share, the ciphertext and the shared secret.

RSA-OAEP has no implicit rejection: a corrupted ciphertext raises ``InvalidCiphertext``.
"""

from __future__ import annotations

import os

import cryptography
from cryptography.exceptions import InvalidSignature
from cryptography.exceptions import UnsupportedAlgorithm as _CryptoUnsupported
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, x25519

from core.i18n import N_, say
from testbed.engines.binding import rejected
from testbed.engines.errors import InvalidCiphertext, InvalidKey, UnsupportedAlgorithm
from testbed.engines.interface import Engine, Sizes, _as_bytes
from testbed.engines.key_cache import KeyCache

try:  # cryptography >= 47 with an OpenSSL that has ML-KEM / ML-DSA
    from cryptography.hazmat.primitives.asymmetric import mldsa, mlkem
except ImportError:  # pragma: no cover - depends on the installed version
    mlkem = None  # type: ignore[assignment]
    mldsa = None  # type: ignore[assignment]

_RAW = serialization.Encoding.Raw
_RAW_PUB = serialization.PublicFormat.Raw
_RAW_PRIV = serialization.PrivateFormat.Raw
_DER = serialization.Encoding.DER
_X962 = serialization.Encoding.X962
_UNCOMPRESSED = serialization.PublicFormat.UncompressedPoint
_PKCS1_PUB = serialization.PublicFormat.PKCS1
_PKCS8 = serialization.PrivateFormat.PKCS8
_NOENC = serialization.NoEncryption()
_OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
_PKCS1V15 = padding.PKCS1v15()

_CURVES: dict[str, tuple[ec.EllipticCurve, int, hashes.HashAlgorithm]] = {
    "P256": (ec.SECP256R1(), 32, hashes.SHA256()),
    "P384": (ec.SECP384R1(), 48, hashes.SHA384()),
}
_RSA_BITS = {"RSA-2048": 2048, "RSA-3072": 3072}
#: what ``cryptography`` raises for key bytes it cannot parse
_PARSE_ERRORS = (ValueError, TypeError, _CryptoUnsupported)
#: upper bounds of the PKCS#8 DER encoding of an RSA private key
_RSA_SK_MAX = {"RSA-2048": 1220, "RSA-3072": 1800}
_RSA_PK = {"RSA-2048": 270, "RSA-3072": 398}

# Canonical name -> (cryptography private key class) for the PQC algorithms.
_MLKEM: dict[str, object] = {}
_MLDSA: dict[str, object] = {}
if mlkem is not None:
    _MLKEM = {
        "ML-KEM-768": mlkem.MLKEM768PrivateKey,
        "ML-KEM-1024": mlkem.MLKEM1024PrivateKey,
    }
    _MLKEM_PUB = {
        "ML-KEM-768": mlkem.MLKEM768PublicKey,
        "ML-KEM-1024": mlkem.MLKEM1024PublicKey,
    }
if mldsa is not None:
    _MLDSA = {
        "ML-DSA-44": mldsa.MLDSA44PrivateKey,
        "ML-DSA-65": mldsa.MLDSA65PrivateKey,
        "ML-DSA-87": mldsa.MLDSA87PrivateKey,
    }
    _MLDSA_PUB = {
        "ML-DSA-44": mldsa.MLDSA44PublicKey,
        "ML-DSA-65": mldsa.MLDSA65PublicKey,
        "ML-DSA-87": mldsa.MLDSA87PublicKey,
    }

#: private key classes whose keys are raw bytes (the seeds for ML-KEM and ML-DSA)
_RAW_KEYS: dict[str, object] = {
    **_MLKEM,
    **_MLDSA,
    "X25519": x25519.X25519PrivateKey,
    "Ed25519": ed25519.Ed25519PrivateKey,
}

_SIZES: dict[str, Sizes] = {
    "ML-KEM-768": Sizes(1184, 64, ciphertext=1088, shared_secret=32),
    "ML-KEM-1024": Sizes(1568, 64, ciphertext=1568, shared_secret=32),
    "X25519MLKEM768": Sizes(1216, 96, ciphertext=1120, shared_secret=64),
    "X25519": Sizes(32, 32, ciphertext=32, shared_secret=32),
    "ECDH-P256": Sizes(65, 32, ciphertext=65, shared_secret=32),
    "ECDH-P384": Sizes(97, 48, ciphertext=97, shared_secret=48),
    "ML-DSA-44": Sizes(1312, 32, signature=2420),
    "ML-DSA-65": Sizes(1952, 32, signature=3309),
    "ML-DSA-87": Sizes(2592, 32, signature=4627),
    "ECDSA-P256": Sizes(65, 32, signature=72),
    "ECDSA-P384": Sizes(97, 48, signature=104),
    "Ed25519": Sizes(32, 32, signature=64),
    # RSA: ciphertext (OAEP) and signature are both the modulus size
    "RSA-2048": Sizes(270, 1220, ciphertext=256, shared_secret=32, signature=256),
    "RSA-3072": Sizes(398, 1800, ciphertext=384, shared_secret=32, signature=384),
}

NOT_RSA = N_("{alg} {what} is not a {bits}-bit RSA key")


def _pq_available(cls: object) -> bool:
    try:
        cls.generate()  # type: ignore[attr-defined]
    except (_CryptoUnsupported, AttributeError):
        return False
    return True


class OpenSSLEngine(Engine):
    """pyca/cryptography over OpenSSL."""

    name = "openssl"
    expanded_mlkem_secret_keys = False  # ML-KEM secret keys are the 64-byte seeds

    def __init__(self) -> None:
        self._kems = [a for a, c in _MLKEM.items() if _pq_available(c)]
        if "ML-KEM-768" in self._kems:
            self._kems.append("X25519MLKEM768")
        self._kems += ["X25519", "ECDH-P256", "ECDH-P384", "RSA-2048", "RSA-3072"]
        self._sigs = [a for a, c in _MLDSA.items() if _pq_available(c)]
        self._sigs += ["ECDSA-P256", "ECDSA-P384", "Ed25519", "RSA-2048", "RSA-3072"]
        self._priv: KeyCache[tuple[str, bytes], object] = KeyCache(64)
        self._pub: KeyCache[tuple[str, bytes], object] = KeyCache(64)

    @property
    def version(self) -> str:
        from cryptography.hazmat.backends.openssl.backend import backend

        return f"cryptography {cryptography.__version__}, {backend.openssl_version_text()}"

    def kems(self) -> list[str]:
        return list(self._kems)

    def signatures(self) -> list[str]:
        return list(self._sigs)

    def sizes(self, alg: str) -> Sizes:
        if not self.supports(alg):
            raise UnsupportedAlgorithm(f"engine 'openssl' has no algorithm {alg!r}")
        return _SIZES[alg]

    def _check_secret_key(self, alg: str, sk: object, sizes: Sizes) -> bytes:
        if alg in _RSA_BITS:
            sk = _as_bytes(sk, "secret key", InvalidKey)
            if not 0 < len(sk) <= sizes.secret_key:
                raise InvalidKey(
                    say(N_("{alg} secret key (PKCS#8 DER) has a bad length {got}"), alg=alg,
                        got=len(sk))
                )  # fmt: skip
            return sk
        return super()._check_secret_key(alg, sk, sizes)

    # -- key parsing (cached) ----------------------------------------------------------

    def _private(self, alg: str, sk: bytes):
        return self._priv.get((alg, sk), lambda: self._load_private(alg, sk))

    def _public(self, alg: str, pk: bytes):
        return self._pub.get((alg, pk), lambda: self._load_public(alg, pk))

    def _load_private(self, alg: str, sk: bytes):
        with rejected(InvalidKey, say(N_("{alg} secret key rejected"), alg=alg), _PARSE_ERRORS):
            if alg in _MLKEM:
                return _MLKEM[alg].from_seed_bytes(sk)  # type: ignore[attr-defined]
            if alg in _MLDSA:
                return _MLDSA[alg].from_seed_bytes(sk)  # type: ignore[attr-defined]
            if alg == "X25519":
                return x25519.X25519PrivateKey.from_private_bytes(sk)
            if alg == "Ed25519":
                return ed25519.Ed25519PrivateKey.from_private_bytes(sk)
            if alg.startswith(("ECDH-", "ECDSA-")):
                curve = _CURVES[alg.split("-")[1]][0]
                return ec.derive_private_key(int.from_bytes(sk, "big"), curve)
            if alg in _RSA_BITS:
                key = serialization.load_der_private_key(sk, password=None)
                if not isinstance(key, rsa.RSAPrivateKey) or key.key_size != _RSA_BITS[alg]:
                    raise InvalidKey(
                        say(NOT_RSA, alg=alg, what=say(N_("secret key")), bits=_RSA_BITS[alg])
                    )
                return key
        raise UnsupportedAlgorithm(alg)

    def _load_public(self, alg: str, pk: bytes):
        with rejected(InvalidKey, say(N_("{alg} public key rejected"), alg=alg), _PARSE_ERRORS):
            if alg in _MLKEM:
                return _MLKEM_PUB[alg].from_public_bytes(pk)
            if alg in _MLDSA:
                return _MLDSA_PUB[alg].from_public_bytes(pk)
            if alg == "X25519":
                return x25519.X25519PublicKey.from_public_bytes(pk)
            if alg == "Ed25519":
                return ed25519.Ed25519PublicKey.from_public_bytes(pk)
            if alg.startswith(("ECDH-", "ECDSA-")):
                curve = _CURVES[alg.split("-")[1]][0]
                return ec.EllipticCurvePublicKey.from_encoded_point(curve, pk)
            if alg in _RSA_BITS:
                key = serialization.load_der_public_key(_pkcs1_to_spki(pk))
                if not isinstance(key, rsa.RSAPublicKey) or key.key_size != _RSA_BITS[alg]:
                    raise InvalidKey(
                        say(NOT_RSA, alg=alg, what=say(N_("public key")), bits=_RSA_BITS[alg])
                    )
                return key
        raise UnsupportedAlgorithm(alg)

    # -- KEM ---------------------------------------------------------------------------

    def _keypair(self, alg: str) -> tuple[bytes, bytes]:
        """A new key pair of a KEM or signature algorithm (the caller checked the kind)."""
        if alg == "X25519MLKEM768":
            m_pk, m_sk = self._keypair("ML-KEM-768")
            x_pk, x_sk = self._keypair("X25519")
            return m_pk + x_pk, m_sk + x_sk
        raw = _RAW_KEYS.get(alg)
        if raw is not None:
            key = raw.generate()  # type: ignore[attr-defined]
            return key.public_key().public_bytes_raw(), key.private_bytes_raw()
        if alg.startswith(("ECDH-", "ECDSA-")):
            return self._ec_keypair(alg)
        if alg in _RSA_BITS:
            return self._rsa_keypair(alg)
        raise UnsupportedAlgorithm(alg)

    _kem_keypair = _sign_keypair = _keypair

    def _kem_keypair_from_seed(self, alg: str, seed: bytes) -> tuple[bytes, bytes]:
        if alg not in _MLKEM:
            return super()._kem_keypair_from_seed(alg, seed)
        if len(seed) != 64:
            raise InvalidKey(
                say(N_("{alg} seed must be 64 bytes (d || z), got {got}"), alg=alg, got=len(seed))
            )
        key = self._private(alg, seed)
        return key.public_key().public_bytes_raw(), seed

    def _encapsulate(self, alg: str, pk: bytes) -> tuple[bytes, bytes]:
        if alg in _MLKEM:
            ss, ct = self._public(alg, pk).encapsulate()
            return ct, ss
        if alg == "X25519MLKEM768":
            m_pk = self._public("ML-KEM-768", pk[:1184])
            x_pk = self._public("X25519", pk[1184:])
            ss_m, ct_m = m_pk.encapsulate()
            eph = x25519.X25519PrivateKey.generate()
            ss_x = _x25519_exchange(eph, x_pk)
            return ct_m + eph.public_key().public_bytes_raw(), ss_m + ss_x
        if alg == "X25519":
            peer = self._public(alg, pk)
            eph = x25519.X25519PrivateKey.generate()
            return eph.public_key().public_bytes_raw(), _x25519_exchange(eph, peer)
        if alg.startswith("ECDH-"):
            curve = _CURVES[alg.split("-")[1]][0]
            peer = self._public(alg, pk)
            eph = ec.generate_private_key(curve)
            ss = eph.exchange(ec.ECDH(), peer)
            return eph.public_key().public_bytes(_X962, _UNCOMPRESSED), ss
        if alg in _RSA_BITS:
            ss = os.urandom(32)
            return self._public(alg, pk).encrypt(ss, _OAEP), ss
        raise UnsupportedAlgorithm(alg)

    def _decapsulate(self, alg: str, sk: bytes, ct: bytes) -> bytes:
        if alg in _MLKEM:
            key = self._private(alg, sk)  # InvalidKey (a ValueError) stays InvalidKey
            try:
                return key.decapsulate(ct)
            except ValueError as exc:
                raise InvalidCiphertext(f"{alg}: {exc}") from None
        if alg == "X25519MLKEM768":
            m = self._private("ML-KEM-768", sk[:64])
            x = self._private("X25519", sk[64:])
            try:
                ss_m = m.decapsulate(ct[:1088])
            except ValueError as exc:
                raise InvalidCiphertext(f"{alg}: {exc}") from None
            peer = self._ciphertext_point("X25519", ct[1088:])
            return ss_m + _x25519_exchange(x, peer, InvalidCiphertext)
        if alg == "X25519":
            peer = self._ciphertext_point(alg, ct)
            return _x25519_exchange(self._private(alg, sk), peer, InvalidCiphertext)
        if alg.startswith("ECDH-"):
            peer = self._ciphertext_point(alg, ct)
            return self._private(alg, sk).exchange(ec.ECDH(), peer)
        if alg in _RSA_BITS:
            key = self._private(alg, sk)
            try:
                return key.decrypt(ct, _OAEP)
            except ValueError:
                raise InvalidCiphertext(f"{alg}: RSA-OAEP decryption failed") from None
        raise UnsupportedAlgorithm(alg)

    def _ciphertext_point(self, alg: str, ct: bytes):
        try:
            return self._load_public(alg, ct)
        except InvalidKey as exc:
            raise InvalidCiphertext(str(exc).replace("public key", "ciphertext")) from None

    # -- signatures --------------------------------------------------------------------

    def _sign(self, alg: str, sk: bytes, msg: bytes) -> bytes:
        key = self._private(alg, sk)
        if alg in _MLDSA or alg == "Ed25519":
            return key.sign(msg)
        if alg.startswith("ECDSA-"):
            return key.sign(msg, ec.ECDSA(_CURVES[alg.split("-")[1]][2]))
        if alg in _RSA_BITS:
            return key.sign(msg, _PKCS1V15, hashes.SHA256())
        raise UnsupportedAlgorithm(alg)

    def _verify(self, alg: str, pk: bytes, msg: bytes, sig: bytes) -> bool:
        key = self._public(alg, pk)
        try:
            if alg in _MLDSA or alg == "Ed25519":
                key.verify(sig, msg)
            elif alg.startswith("ECDSA-"):
                key.verify(sig, msg, ec.ECDSA(_CURVES[alg.split("-")[1]][2]))
            elif alg in _RSA_BITS:
                key.verify(sig, msg, _PKCS1V15, hashes.SHA256())
            else:
                raise UnsupportedAlgorithm(alg)
        except (InvalidSignature, ValueError):
            return False
        return True

    # -- helpers -------------------------------------------------------------------------

    def _ec_keypair(self, alg: str) -> tuple[bytes, bytes]:
        curve, n, _ = _CURVES[alg.split("-")[1]]
        key = ec.generate_private_key(curve)
        pk = key.public_key().public_bytes(_X962, _UNCOMPRESSED)
        return pk, key.private_numbers().private_value.to_bytes(n, "big")

    def _rsa_keypair(self, alg: str) -> tuple[bytes, bytes]:
        key = rsa.generate_private_key(public_exponent=65537, key_size=_RSA_BITS[alg])
        pk = key.public_key().public_bytes(_DER, _PKCS1_PUB)
        return pk, key.private_bytes(_DER, _PKCS8, _NOENC)

    def close(self) -> None:
        self._priv.clear()
        self._pub.clear()


def _x25519_exchange(
    priv: x25519.X25519PrivateKey,
    peer: x25519.X25519PublicKey,
    exc: type[Exception] = InvalidKey,
) -> bytes:
    try:
        return priv.exchange(peer)
    except ValueError as err:  # low-order point: all-zero shared secret
        raise exc(f"X25519: {err}") from None


def _der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


# AlgorithmIdentifier rsaEncryption with NULL parameters
_RSA_ALG_ID = bytes.fromhex("300d06092a864886f70d0101010500")


def _pkcs1_to_spki(pkcs1: bytes) -> bytes:
    """Wrap a PKCS#1 RSAPublicKey in a SubjectPublicKeyInfo (no parsing of the key)."""
    bit_string = b"\x03" + _der_len(len(pkcs1) + 1) + b"\x00" + pkcs1
    body = _RSA_ALG_ID + bit_string
    return b"\x30" + _der_len(len(body)) + body
