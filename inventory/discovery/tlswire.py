"""TLS on the wire: hand-built ClientHellos, and reading what a server answers.

Nothing here needs a TLS library: a probe offers exactly the versions, suites, groups and
signature schemes it wants to learn about and reads the ServerHello, HelloRetryRequest
(recognised by its fixed random, RFC 8446 section 4.1.3) or alert. The one place real key
exchange is needed (reading a TLS 1.3 certificate, which travels encrypted) uses
``cryptography``'s X25519, ECDH and ML-KEM; see ``KeyShare`` and ``HandshakeDecryptor``.
"""

from __future__ import annotations

import os
import re
import struct
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as _hmac
from cryptography.hazmat.primitives.asymmetric import ec, mlkem, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

TLS10, TLS11, TLS12, TLS13 = 0x0301, 0x0302, 0x0303, 0x0304
VERSION_NAMES = {TLS10: "TLSv1.0", TLS11: "TLSv1.1", TLS12: "TLSv1.2", TLS13: "TLSv1.3"}

HRR_RANDOM = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")

# IANA TLS Supported Groups registry (and draft-ietf-tls-ecdhe-mlkem, draft-ietf-tls-mlkem).
GROUPS: dict[int, str] = {
    0x11EC: "X25519MLKEM768",
    0x11EB: "SecP256r1MLKEM768",
    0x11ED: "SecP384r1MLKEM1024",
    0x0200: "MLKEM512",
    0x0201: "MLKEM768",
    0x0202: "MLKEM1024",
    0x6399: "X25519Kyber768Draft00",
    0x001D: "x25519",
    0x001E: "x448",
    0x0017: "secp256r1",
    0x0018: "secp384r1",
    0x0019: "secp521r1",
    0x0100: "ffdhe2048",
    0x0101: "ffdhe3072",
    0x0102: "ffdhe4096",
    0x0103: "ffdhe6144",
    0x0104: "ffdhe8192",
}
PRE_STANDARD_GROUPS = frozenset({0x6399})

TLS13_SUITES: dict[int, str] = {
    0x1301: "TLS_AES_128_GCM_SHA256",
    0x1302: "TLS_AES_256_GCM_SHA384",
    0x1303: "TLS_CHACHA20_POLY1305_SHA256",
    0x1304: "TLS_AES_128_CCM_SHA256",
    0x1305: "TLS_AES_128_CCM_8_SHA256",
}

_S = "TLS_"
TLS12_SUITES: dict[int, str] = {
    code: _S + name
    for code, name in {
        0xC02B: "ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        0xC02C: "ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        0xC02F: "ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        0xC030: "ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        0xCCA9: "ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        0xCCA8: "ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        0xCCAA: "DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        0xC0AC: "ECDHE_ECDSA_WITH_AES_128_CCM",
        0xC0AD: "ECDHE_ECDSA_WITH_AES_256_CCM",
        0xC0AE: "ECDHE_ECDSA_WITH_AES_128_CCM_8",
        0xC0AF: "ECDHE_ECDSA_WITH_AES_256_CCM_8",
        0xC05C: "ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256",
        0xC05D: "ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384",
        0xC060: "ECDHE_RSA_WITH_ARIA_128_GCM_SHA256",
        0xC061: "ECDHE_RSA_WITH_ARIA_256_GCM_SHA384",
        0xC009: "ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
        0xC00A: "ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
        0xC013: "ECDHE_RSA_WITH_AES_128_CBC_SHA",
        0xC014: "ECDHE_RSA_WITH_AES_256_CBC_SHA",
        0xC023: "ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
        0xC024: "ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
        0xC027: "ECDHE_RSA_WITH_AES_128_CBC_SHA256",
        0xC028: "ECDHE_RSA_WITH_AES_256_CBC_SHA384",
        0x009E: "DHE_RSA_WITH_AES_128_GCM_SHA256",
        0x009F: "DHE_RSA_WITH_AES_256_GCM_SHA384",
        0xC09E: "DHE_RSA_WITH_AES_128_CCM",
        0xC09F: "DHE_RSA_WITH_AES_256_CCM",
        0xC052: "DHE_RSA_WITH_ARIA_128_GCM_SHA256",
        0xC053: "DHE_RSA_WITH_ARIA_256_GCM_SHA384",
        0x0033: "DHE_RSA_WITH_AES_128_CBC_SHA",
        0x0039: "DHE_RSA_WITH_AES_256_CBC_SHA",
        0x0067: "DHE_RSA_WITH_AES_128_CBC_SHA256",
        0x006B: "DHE_RSA_WITH_AES_256_CBC_SHA256",
        0x0045: "DHE_RSA_WITH_CAMELLIA_128_CBC_SHA",
        0x0088: "DHE_RSA_WITH_CAMELLIA_256_CBC_SHA",
        0x009C: "RSA_WITH_AES_128_GCM_SHA256",
        0x009D: "RSA_WITH_AES_256_GCM_SHA384",
        0xC09C: "RSA_WITH_AES_128_CCM",
        0xC09D: "RSA_WITH_AES_256_CCM",
        0xC050: "RSA_WITH_ARIA_128_GCM_SHA256",
        0xC051: "RSA_WITH_ARIA_256_GCM_SHA384",
        0x002F: "RSA_WITH_AES_128_CBC_SHA",
        0x0035: "RSA_WITH_AES_256_CBC_SHA",
        0x003C: "RSA_WITH_AES_128_CBC_SHA256",
        0x003D: "RSA_WITH_AES_256_CBC_SHA256",
        0x0041: "RSA_WITH_CAMELLIA_128_CBC_SHA",
        0x0084: "RSA_WITH_CAMELLIA_256_CBC_SHA",
        0xC012: "ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
        0xC008: "ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA",
        0x0016: "DHE_RSA_WITH_3DES_EDE_CBC_SHA",
        0x000A: "RSA_WITH_3DES_EDE_CBC_SHA",
        0xC011: "ECDHE_RSA_WITH_RC4_128_SHA",
        0xC007: "ECDHE_ECDSA_WITH_RC4_128_SHA",
        0x0005: "RSA_WITH_RC4_128_SHA",
        0x0004: "RSA_WITH_RC4_128_MD5",
    }.items()
}
# the bulk cipher inside a suite name, as the catalog spells it after "_" -> "-"
SUITE_CIPHER = re.compile(
    r"(AES_128|AES_256|CHACHA20|3DES_EDE|RC4_128|ARIA_128|ARIA_256|CAMELLIA_128|CAMELLIA_256)"
)


def bulk_cipher(match: str) -> str:
    """``AES_128`` -> ``AES-128``; ``CHACHA20`` -> ``ChaCha20-Poly1305`` (its only TLS use)."""
    return "ChaCha20-Poly1305" if match == "CHACHA20" else match.replace("_", "-")


ECDHE_SUITES = tuple(c for c, n in TLS12_SUITES.items() if "ECDHE" in n)

SIGNATURE_SCHEMES: dict[int, str] = {
    0x0904: "mldsa44",
    0x0905: "mldsa65",
    0x0906: "mldsa87",
    0x0807: "ed25519",
    0x0808: "ed448",
    0x0403: "ecdsa_secp256r1_sha256",
    0x0503: "ecdsa_secp384r1_sha384",
    0x0603: "ecdsa_secp521r1_sha512",
    0x0804: "rsa_pss_rsae_sha256",
    0x0805: "rsa_pss_rsae_sha384",
    0x0806: "rsa_pss_rsae_sha512",
    0x0809: "rsa_pss_pss_sha256",
    0x080A: "rsa_pss_pss_sha384",
    0x080B: "rsa_pss_pss_sha512",
    0x0401: "rsa_pkcs1_sha256",
    0x0501: "rsa_pkcs1_sha384",
    0x0601: "rsa_pkcs1_sha512",
    0x0201: "rsa_pkcs1_sha1",
    0x0203: "ecdsa_sha1",
}

ALERTS = {
    0: "close_notify",
    10: "unexpected_message",
    20: "bad_record_mac",
    40: "handshake_failure",
    42: "bad_certificate",
    47: "illegal_parameter",
    50: "decode_error",
    51: "decrypt_error",
    70: "protocol_version",
    71: "insufficient_security",
    80: "internal_error",
    86: "inappropriate_fallback",
    109: "missing_extension",
    110: "unsupported_extension",
    112: "unrecognized_name",
    120: "no_application_protocol",
}


class ProtocolViolation(Exception):
    """The peer sent bytes that are not the TLS this probe expects."""


def _u8(data: bytes) -> bytes:
    return struct.pack("!B", len(data)) + data


def _u16(data: bytes) -> bytes:
    return struct.pack("!H", len(data)) + data


def _u24(data: bytes) -> bytes:
    return struct.pack("!I", len(data))[1:] + data


def _codes(codes: list[int] | tuple[int, ...]) -> bytes:
    return b"".join(struct.pack("!H", c) for c in codes)


def _ext(kind: int, body: bytes) -> bytes:
    return struct.pack("!H", kind) + _u16(body)


# ---------------------------------------------------------------------- key shares
class KeyShare:
    """A client key share for one group, and the shared secret from the server's answer.

    Hybrid layouts follow draft-ietf-tls-ecdhe-mlkem: X25519MLKEM768 puts ML-KEM first;
    the two SecP hybrids put the ECDH point first.
    """

    def __init__(self, group: int) -> None:
        self.group = group
        self._x = self._ec = self._kem = None
        ec_curve = {0x0017: ec.SECP256R1(), 0x0018: ec.SECP384R1(), 0x0019: ec.SECP521R1()}
        ec_curve |= {0x11EB: ec.SECP256R1(), 0x11ED: ec.SECP384R1()}
        if group in (0x001D, 0x11EC):
            self._x = x25519.X25519PrivateKey.generate()
        if group in ec_curve:
            self._ec = ec.generate_private_key(ec_curve[group])
        if group in (0x11EC, 0x11EB, 0x0201):
            self._kem = mlkem.MLKEM768PrivateKey.generate()
        elif group in (0x11ED, 0x0202):
            self._kem = mlkem.MLKEM1024PrivateKey.generate()
        if not (self._x or self._ec or self._kem):
            raise ValueError(f"cannot make a key share for group 0x{group:04x}")

    SUPPORTED = (0x11EC, 0x11EB, 0x11ED, 0x0201, 0x0202, 0x001D, 0x0017, 0x0018, 0x0019)

    def _ec_pub(self) -> bytes:
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        assert self._ec is not None
        return self._ec.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)

    def public(self) -> bytes:
        kem = self._kem.public_key().public_bytes_raw() if self._kem else b""
        xpub = self._x.public_key().public_bytes_raw() if self._x else b""
        ecpub = self._ec_pub() if self._ec else b""
        if self.group == 0x11EC:
            return kem + xpub
        return ecpub + xpub + kem  # SecP hybrids: point first; pure groups: one part

    def shared_secret(self, server_share: bytes) -> bytes:
        kem_ct = 1088 if isinstance(self._kem, mlkem.MLKEM768PrivateKey) else 1568
        if self.group == 0x11EC:
            ct, peer = server_share[:kem_ct], server_share[kem_ct:]
            return self._kem.decapsulate(ct) + self._x.exchange(
                x25519.X25519PublicKey.from_public_bytes(peer)
            )
        if self._x is not None:
            return self._x.exchange(x25519.X25519PublicKey.from_public_bytes(server_share))
        if self._ec is not None:
            point_len = len(self._ec_pub())
            point, ct = server_share[:point_len], server_share[point_len:]
            peer = ec.EllipticCurvePublicKey.from_encoded_point(self._ec.curve, point)
            secret = self._ec.exchange(ec.ECDH(), peer)
            return secret + (self._kem.decapsulate(ct) if self._kem else b"")
        return self._kem.decapsulate(server_share)


# ---------------------------------------------------------------------- ClientHello
@dataclass
class Hello:
    """What one ClientHello offers. ``tls13`` adds supported_versions and key_share."""

    version: int = TLS12
    suites: tuple[int, ...] = ()
    groups: tuple[int, ...] = ()
    sigalgs: tuple[int, ...] = tuple(SIGNATURE_SCHEMES)
    key_shares: tuple[KeyShare, ...] = ()
    server_name: str | None = None
    tls13: bool = False

    def encode(self) -> bytes:
        """The ClientHello handshake message (type, length, body), without the record."""
        exts = b""
        if self.server_name:
            name = self.server_name.encode("idna")
            exts += _ext(0x0000, _u16(b"\x00" + _u16(name)))
        if self.groups:
            exts += _ext(0x000A, _u16(_codes(self.groups)))
            exts += _ext(0x000B, _u8(b"\x00"))
        if self.sigalgs:
            exts += _ext(0x000D, _u16(_codes(self.sigalgs)))
        exts += _ext(0x0017, b"")  # extended_master_secret
        exts += _ext(0xFF01, b"\x00")  # renegotiation_info
        if self.tls13:
            exts += _ext(0x002B, _u8(_codes((TLS13,))))
            exts += _ext(0x002D, _u8(b"\x01"))
            shares = b"".join(
                struct.pack("!H", k.group) + _u16(k.public()) for k in self.key_shares
            )
            exts += _ext(0x0033, _u16(shares))
        legacy = TLS12 if self.tls13 else self.version
        body = struct.pack("!H", legacy) + os.urandom(32) + _u8(os.urandom(32))
        body += _u16(_codes(self.suites)) + _u8(b"\x00") + _u16(exts)
        return b"\x01" + _u24(body)


def records(handshake: bytes, version: int = TLS10) -> bytes:
    """Wrap handshake bytes in as many plaintext records as 2^14 bytes allow."""
    out = b""
    for i in range(0, len(handshake), 16384):
        chunk = handshake[i : i + 16384]
        out += struct.pack("!BHH", 22, min(version, TLS10), len(chunk)) + chunk
    return out


# ---------------------------------------------------------------------- server answers
@dataclass
class ServerHello:
    version: int  # negotiated: supported_versions if present, else legacy_version
    random: bytes
    suite: int
    group: int | None = None
    key_share: bytes | None = None
    raw: bytes = b""

    @property
    def is_retry(self) -> bool:
        return self.random == HRR_RANDOM


@dataclass
class ServerKeyExchange:
    group: int | None  # named curve, or None for finite-field DHE
    dh_bits: int | None
    sigalg: int | None


@dataclass
class Alert:
    level: int
    description: int

    @property
    def name(self) -> str:
        return ALERTS.get(self.description, f"alert {self.description}")


def parse_server_hello(body: bytes) -> ServerHello:
    try:
        version, random = struct.unpack("!H", body[:2])[0], body[2:34]
        sid_len = body[34]
        pos = 35 + sid_len
        suite = struct.unpack("!H", body[pos : pos + 2])[0]
        pos += 3
        hello = ServerHello(version=version, random=random, suite=suite, raw=body)
        if pos + 2 > len(body):
            return hello
        end = pos + 2 + struct.unpack("!H", body[pos : pos + 2])[0]
        pos += 2
        while pos + 4 <= end:
            kind, size = struct.unpack("!HH", body[pos : pos + 4])
            data = body[pos + 4 : pos + 4 + size]
            pos += 4 + size
            if kind == 0x002B and size == 2:
                hello.version = struct.unpack("!H", data)[0]
            elif kind == 0x0033 and size >= 2:
                hello.group = struct.unpack("!H", data[:2])[0]
                if size >= 4:
                    hello.key_share = data[4 : 4 + struct.unpack("!H", data[2:4])[0]]
        return hello
    except (IndexError, struct.error) as exc:
        raise ProtocolViolation(f"malformed ServerHello: {exc}") from exc


def parse_certificates(body: bytes, tls13: bool) -> list[bytes]:
    """DER certificates from a Certificate message, leaf first."""
    try:
        pos = 1 + body[0] if tls13 else 0
        end = pos + 3 + int.from_bytes(body[pos : pos + 3], "big")
        pos += 3
        out: list[bytes] = []
        while pos < end:
            size = int.from_bytes(body[pos : pos + 3], "big")
            out.append(body[pos + 3 : pos + 3 + size])
            pos += 3 + size
            if tls13:
                pos += 2 + struct.unpack("!H", body[pos : pos + 2])[0]
        return out
    except (IndexError, struct.error) as exc:
        raise ProtocolViolation(f"malformed Certificate message: {exc}") from exc


def parse_server_key_exchange(body: bytes, *, ecdhe: bool) -> ServerKeyExchange:
    try:
        if ecdhe:
            if body[0] != 3:
                return ServerKeyExchange(None, None, None)
            group = struct.unpack("!H", body[1:3])[0]
            pos = 4 + body[3]
            return ServerKeyExchange(group, None, struct.unpack("!H", body[pos : pos + 2])[0])
        p_len = struct.unpack("!H", body[:2])[0]
        p = body[2 : 2 + p_len]
        pos = 2 + p_len
        for _ in range(2):  # g, Ys
            pos += 2 + struct.unpack("!H", body[pos : pos + 2])[0]
        bits = int.from_bytes(p, "big").bit_length()
        return ServerKeyExchange(None, bits, struct.unpack("!H", body[pos : pos + 2])[0])
    except (IndexError, struct.error) as exc:
        raise ProtocolViolation(f"malformed ServerKeyExchange: {exc}") from exc


# ---------------------------------------------------------------------- TLS 1.3 keys
def _hkdf_label(secret: bytes, label: str, context: bytes, length: int, algo) -> bytes:
    full = b"tls13 " + label.encode()
    info = struct.pack("!H", length) + _u8(full) + _u8(context)
    return HKDFExpand(algo, length, info).derive(secret)


def _extract(salt: bytes, ikm: bytes, algo) -> bytes:
    h = _hmac.HMAC(salt, algo)
    h.update(ikm)
    return h.finalize()


@dataclass
class HandshakeDecryptor:
    """Decrypts the server's TLS 1.3 handshake flight (RFC 8446 section 7)."""

    suite: int
    shared_secret: bytes
    transcript: bytes  # ClientHello + ServerHello handshake messages
    seq: int = 0
    _key: bytes = field(default=b"", repr=False)
    _iv: bytes = field(default=b"", repr=False)

    def __post_init__(self) -> None:
        algo = hashes.SHA384() if self.suite == 0x1302 else hashes.SHA256()
        size = algo.digest_size
        digest = hashes.Hash(type(algo)())
        digest.update(self.transcript)
        th = digest.finalize()
        empty = hashes.Hash(type(algo)())
        early = _extract(b"\x00" * size, b"\x00" * size, algo)
        derived = _hkdf_label(early, "derived", empty.finalize(), size, algo)
        hs = _extract(derived, self.shared_secret, algo)
        secret = _hkdf_label(hs, "s hs traffic", th, size, algo)
        key_len = 32 if self.suite in (0x1302, 0x1303) else 16
        self._key = _hkdf_label(secret, "key", b"", key_len, algo)
        self._iv = _hkdf_label(secret, "iv", b"", 12, algo)

    def open(self, header: bytes, payload: bytes) -> tuple[int, bytes]:
        """(inner content type, plaintext) of one encrypted record."""
        if self.suite not in (0x1301, 0x1302, 0x1303):
            raise ProtocolViolation(f"cannot decrypt suite 0x{self.suite:04x}")
        nonce = bytes(a ^ b for a, b in zip(self._iv, self.seq.to_bytes(12, "big"), strict=True))
        self.seq += 1
        aead = ChaCha20Poly1305(self._key) if self.suite == 0x1303 else AESGCM(self._key)
        try:
            inner = aead.decrypt(nonce, payload, header).rstrip(b"\x00")
        except Exception as exc:  # InvalidTag: wrong keys or tampered record
            raise ProtocolViolation("could not decrypt the server's handshake") from exc
        if not inner:
            raise ProtocolViolation("empty encrypted record")
        return inner[-1], inner[:-1]
