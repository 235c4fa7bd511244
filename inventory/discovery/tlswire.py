"""TLS on the wire: hand-built ClientHellos, and reading what a server answers.

Nothing here needs a TLS library: a probe offers exactly the versions, suites, groups and
signature schemes it wants to learn about and reads the ServerHello, HelloRetryRequest
(recognised by its fixed random, RFC 8446 section 4.1.3) or alert. The one place real key
exchange is needed (reading a TLS 1.3 certificate, which travels encrypted) uses
``cryptography``'s X25519, ECDH and ML-KEM; see ``KeyShare`` and ``HandshakeDecryptor``.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as _hmac
from cryptography.hazmat.primitives.asymmetric import ec, mlkem, x448, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESCCM, AESGCM, ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

from core.i18n import N_, say
from core.their_words import their_words

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

# ---------------------------------------------------------------------- cipher suites
REGISTRY_FILE = Path(__file__).parent / "data" / "tls-cipher-suites.csv"

# the hash or MAC that ends a suite name (TLS 1.0-1.2: the record MAC; TLS 1.3: the HKDF hash)
_SUITE_MACS = ("MD5", "SHA", "SHA256", "SHA384", "SM3", "OMAC", "IMIT")
# the bulk cipher as the catalog spells it; the first matching prefix wins
_CIPHERS: tuple[tuple[str, str | None], ...] = (
    ("NULL", None),
    ("AES_128", "AES-128"),
    ("AES_256", "AES-256"),
    ("CHACHA20", "ChaCha20-Poly1305"),  # its only TLS use
    ("3DES_EDE", "3DES"),
    ("DES40", "DES"),
    ("DES", "DES"),
    ("RC4", "RC4"),
    ("RC2", "RC2"),
    ("IDEA", "IDEA"),
    ("SEED", "SEED"),
    ("CAMELLIA_128", "CAMELLIA-128"),
    ("CAMELLIA_256", "CAMELLIA-256"),
    ("ARIA_128", "ARIA-128"),
    ("ARIA_256", "ARIA-256"),
    ("SM4", "SM4"),
    ("AEGIS_256", "AEGIS-256"),
    ("AEGIS_128L", "AEGIS-128L"),
    ("KUZNYECHIK", "Kuznyechik"),
    ("MAGMA", "Magma"),
    ("28147", "GOST 28147-89"),
)


@dataclass(frozen=True)
class Suite:
    """One IANA-registered cipher suite, split into what it is made of.

    ``key_exchange`` and ``authentication`` are empty for TLS 1.3 suites (negotiated apart);
    ``cipher`` is the catalog's spelling of the bulk cipher, None for NULL (no encryption).
    """

    code: int
    name: str
    key_exchange: str  # RSA, DHE, ECDHE, DH, ECDH, PSK, SRP, KRB5, ECCPWD, GOST, NULL, ""
    authentication: str  # RSA, DSS, ECDSA, anon, PSK, ...
    cipher: str | None
    mac: str
    tls13: bool
    export: bool
    recommended: bool

    @property
    def null(self) -> bool:
        return self.cipher is None

    @property
    def anonymous(self) -> bool:
        return self.authentication == "anon" or self.key_exchange == "NULL"

    @property
    def certificate_authenticated(self) -> bool:
        """The server proves itself with a certificate (so it may ask the client for one)."""
        return self.authentication in ("RSA", "DSS", "ECDSA", "GOST")

    @property
    def rsa_key_transport(self) -> bool:
        """The client encrypts the premaster secret to the server's RSA key (no forward
        secrecy): TLS_RSA_WITH_*, TLS_RSA_PSK_WITH_*, TLS_RSA_EXPORT_WITH_*."""
        return self.key_exchange == "RSA"

    @property
    def ephemeral_dh(self) -> bool:
        return self.key_exchange == "DHE" or (self.key_exchange == "DH" and self.anonymous)

    @property
    def ephemeral_ecdh(self) -> bool:
        return self.key_exchange == "ECDHE" or (self.key_exchange == "ECDH" and self.anonymous)


def _split_suite(code: int, name: str, tls13: bool, recommended: bool) -> Suite:
    body = name.removeprefix("TLS_")
    kx_part, sep, cipher_part = body.partition("_WITH_")
    if not sep:
        kx_part, cipher_part = "", body
    kx_tokens = [t for t in kx_part.split("_") if t]
    export = "EXPORT" in kx_tokens or "EXPORT" in cipher_part.split("_")
    kx_tokens = [t for t in kx_tokens if t != "EXPORT"]
    if kx_tokens[:1] == ["SRP"]:
        kx, auth = "SRP", (kx_tokens[2] if len(kx_tokens) > 2 else "SRP")
    elif kx_tokens[:1] == ["GOSTR341112"]:
        kx, auth = "GOST", "GOST"
    elif kx_tokens == ["PSK", "DHE"]:  # 0xC0AA/0xC0AB are registered as TLS_PSK_DHE_...
        kx, auth = "DHE", "PSK"
    elif len(kx_tokens) == 1:
        kx = kx_tokens[0]
        auth = {"RSA": "RSA", "PSK": "PSK", "NULL": "NULL"}.get(kx, kx)
    elif kx_tokens:
        kx, auth = kx_tokens[0], kx_tokens[1]
        if auth == "PSK":  # DHE_PSK, ECDHE_PSK, RSA_PSK: authenticated by the shared key
            kx, auth = kx_tokens[0], "PSK"
    else:
        kx = auth = ""
    parts = cipher_part.split("_")
    mac = parts[-1] if parts[-1] in _SUITE_MACS and len(parts) > 1 else ""
    cipher_text = "_".join(parts[:-1] if mac else parts)
    if name in ("TLS_SHA256_SHA256", "TLS_SHA384_SHA384"):  # RFC 9150: integrity only
        cipher_text = "NULL"
    cipher = next((c for prefix, c in _CIPHERS if cipher_text.startswith(prefix)), cipher_text)
    return Suite(code, name, kx, auth, cipher, mac, tls13, export, recommended)


def _load_registry() -> dict[int, Suite]:
    import csv

    out: dict[int, Suite] = {}
    lines = [ln for ln in REGISTRY_FILE.read_text(encoding="utf-8").splitlines() if ln[:1] != "#"]
    for row in csv.DictReader(lines):
        high, low = (int(part, 16) for part in row["Value"].split(","))
        code, name = high << 8 | low, row["Description"]
        # TLS 1.3 suites name no key exchange (RFC 8446 B.4, RFC 8998, RFC 9150, GOST 1.3)
        tls13 = "_WITH_" not in name or "tls13" in row["Reference"]
        out[code] = _split_suite(code, name, tls13, row["Recommended"] == "Y")
    return out


SUITES: dict[int, Suite] = _load_registry()
TLS13_SUITES: dict[int, str] = {c: s.name for c, s in SUITES.items() if s.tls13}
TLS12_SUITES: dict[int, str] = {c: s.name for c, s in SUITES.items() if not s.tls13}
# the TLS 1.3 suites whose handshake this module decrypts (RFC 8446 B.4: AES-GCM,
# ChaCha20-Poly1305, AES-CCM and AES-CCM-8)
DECRYPTABLE_TLS13 = (0x1301, 0x1302, 0x1303, 0x1304, 0x1305)

# IANA TLS SignatureScheme registry (RFC 8446 B.3.1.3, RFC 8422, RFC 8734) and the TLS 1.2
# hash/signature pairs (RFC 5246 7.4.1.4.1) that remain in use; ML-DSA from
# draft-ietf-tls-mldsa.
SIGNATURE_SCHEMES: dict[int, str] = {
    0x0904: "mldsa44",
    0x0905: "mldsa65",
    0x0906: "mldsa87",
    0x0807: "ed25519",
    0x0808: "ed448",
    0x0403: "ecdsa_secp256r1_sha256",
    0x0503: "ecdsa_secp384r1_sha384",
    0x0603: "ecdsa_secp521r1_sha512",
    0x081A: "ecdsa_brainpoolP256r1tls13_sha256",
    0x081B: "ecdsa_brainpoolP384r1tls13_sha384",
    0x081C: "ecdsa_brainpoolP512r1tls13_sha512",
    0x0804: "rsa_pss_rsae_sha256",
    0x0805: "rsa_pss_rsae_sha384",
    0x0806: "rsa_pss_rsae_sha512",
    0x0809: "rsa_pss_pss_sha256",
    0x080A: "rsa_pss_pss_sha384",
    0x080B: "rsa_pss_pss_sha512",
    0x0401: "rsa_pkcs1_sha256",
    0x0501: "rsa_pkcs1_sha384",
    0x0601: "rsa_pkcs1_sha512",
    0x0301: "rsa_pkcs1_sha224",
    0x0303: "ecdsa_sha224",
    0x0402: "dsa_sha256",
    0x0502: "dsa_sha384",
    0x0602: "dsa_sha512",
    0x0302: "dsa_sha224",
    0x0201: "rsa_pkcs1_sha1",
    0x0203: "ecdsa_sha1",
    0x0202: "dsa_sha1",
    0x0101: "rsa_pkcs1_md5",
}

ALERTS = {
    0: "close_notify",
    10: "unexpected_message",
    20: "bad_record_mac",
    40: "handshake_failure",
    41: "no_certificate",  # SSL 3.0
    42: "bad_certificate",
    43: "unsupported_certificate",
    44: "certificate_revoked",
    45: "certificate_expired",
    46: "certificate_unknown",
    47: "illegal_parameter",
    48: "unknown_ca",
    49: "access_denied",
    50: "decode_error",
    51: "decrypt_error",
    70: "protocol_version",
    71: "insufficient_security",
    80: "internal_error",
    86: "inappropriate_fallback",
    109: "missing_extension",
    110: "unsupported_extension",
    112: "unrecognized_name",
    116: "certificate_required",
    120: "no_application_protocol",
}


MALFORMED = N_("malformed {what}: {reason}")


class ProtocolViolation(Exception):
    """The peer sent bytes that are not the TLS this probe expects."""


def _u8(data: bytes) -> bytes:
    return struct.pack("!B", len(data)) + data


def _u16(data: bytes) -> bytes:
    return struct.pack("!H", len(data)) + data


def _u24(data: bytes) -> bytes:
    return struct.pack("!I", len(data))[1:] + data


def _codes(codes: list[int] | tuple[int, ...]) -> bytes:
    return struct.pack(f"!{len(codes)}H", *codes)


def _ext(kind: int, body: bytes) -> bytes:
    return struct.pack("!H", kind) + _u16(body)


# ---------------------------------------------------------------------- key shares
_EC_CURVES = {0x0017: ec.SECP256R1, 0x0018: ec.SECP384R1, 0x0019: ec.SECP521R1}
# hybrids (draft-ietf-tls-ecdhe-mlkem): group -> (classical group, ML-KEM group, ML-KEM first)
_HYBRIDS = {0x11EC: (0x001D, 0x0201, True), 0x11EB: (0x0017, 0x0201, False)}
_HYBRIDS[0x11ED] = (0x0018, 0x0202, False)
# RFC 7919 section 5.2: private exponent sizes for each ffdhe group, in bits
_FFDHE_EXPONENT = {2048: 225, 3072: 275, 4096: 325, 6144: 375, 8192: 400}


class _Part:
    """One key agreement inside a key share: its public bytes and the shared secret."""

    def public(self) -> bytes:
        raise NotImplementedError

    def secret(self, server: bytes) -> bytes:
        raise NotImplementedError

    def server_size(self) -> int | None:
        """Bytes of the server's answer for this part, when fixed (None: all that is left)."""
        return None


class _X(_Part):
    def __init__(self, module) -> None:
        self.module, self.key = module, module_private(module).generate()

    def public(self) -> bytes:
        return self.key.public_key().public_bytes_raw()

    def secret(self, server: bytes) -> bytes:
        return self.key.exchange(module_public(self.module).from_public_bytes(server))

    def server_size(self) -> int:
        return len(self.public())


class _Ec(_Part):
    def __init__(self, curve) -> None:
        self.key = ec.generate_private_key(curve())

    def public(self) -> bytes:
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        return self.key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)

    def secret(self, server: bytes) -> bytes:
        peer = ec.EllipticCurvePublicKey.from_encoded_point(self.key.curve, server)
        return self.key.exchange(ec.ECDH(), peer)

    def server_size(self) -> int:
        return len(self.public())


class _Ffdhe(_Part):
    """RFC 7919 group in TLS 1.3 (RFC 8446 section 4.2.8.1): Y and Z left-padded to p's size."""

    def __init__(self, bits: int) -> None:
        from inventory.discovery.dh_groups import GENERATOR, ffdhe

        self.p, self.size = ffdhe(bits), bits // 8
        self.x = int.from_bytes(os.urandom(_FFDHE_EXPONENT[bits] // 8 + 1), "big") | 1
        self.y = pow(GENERATOR, self.x, self.p)

    def public(self) -> bytes:
        return self.y.to_bytes(self.size, "big")

    def secret(self, server: bytes) -> bytes:
        peer = int.from_bytes(server, "big")
        if not 1 < peer < self.p - 1:
            raise ProtocolViolation(say(N_("server's ffdhe share is out of range")))
        return pow(peer, self.x, self.p).to_bytes(self.size, "big")

    def server_size(self) -> int:
        return self.size


class _MlKem(_Part):
    """ML-KEM through ``cryptography`` (768, 1024) or liboqs (512, which it lacks)."""

    _CIPHERTEXT = {512: 768, 768: 1088, 1024: 1568}

    def __init__(self, level: int) -> None:
        self.level = level
        if level == 512:
            from core.oqs_loader import LiboqsUnavailable, load_oqs

            oqs = load_oqs()
            if isinstance(oqs, LiboqsUnavailable):
                raise ValueError(f"MLKEM512 needs liboqs: {oqs.reason}")
            self.kem = oqs.KeyEncapsulation("ML-KEM-512")
            self._public = self.kem.generate_keypair()
        else:
            cls = mlkem.MLKEM768PrivateKey if level == 768 else mlkem.MLKEM1024PrivateKey
            self.kem = cls.generate()
            self._public = self.kem.public_key().public_bytes_raw()

    def public(self) -> bytes:
        return self._public

    def secret(self, server: bytes) -> bytes:
        if self.level == 512:
            return self.kem.decap_secret(server)
        return self.kem.decapsulate(server)

    def server_size(self) -> int:
        return self._CIPHERTEXT[self.level]


def module_private(module):
    return module.X25519PrivateKey if module is x25519 else module.X448PrivateKey


def module_public(module):
    return module.X25519PublicKey if module is x25519 else module.X448PublicKey


def _part(group: int) -> _Part:
    if group == 0x001D:
        return _X(x25519)
    if group == 0x001E:
        return _X(x448)
    if group in _EC_CURVES:
        return _Ec(_EC_CURVES[group])
    if group in (0x0200, 0x0201, 0x0202):
        return _MlKem({0x0200: 512, 0x0201: 768, 0x0202: 1024}[group])
    if 0x0100 <= group <= 0x0104:
        return _Ffdhe({0x0100: 2048, 0x0101: 3072, 0x0102: 4096, 0x0103: 6144, 0x0104: 8192}[group])
    raise ValueError(f"cannot make a key share for group 0x{group:04x}")


class KeyShare:
    """A client key share for one group, and the shared secret from the server's answer.

    Every group in ``SUPPORTED``: X25519, X448, the NIST curves, ffdhe2048-8192 (RFC 7919),
    ML-KEM-512/768/1024 alone (draft-ietf-tls-mlkem) and the three ML-KEM hybrids
    (draft-ietf-tls-ecdhe-mlkem: X25519MLKEM768 puts ML-KEM first, the SecP hybrids put the
    ECDH point first). Only the pre-standard X25519Kyber768Draft00 is missing.
    """

    SUPPORTED = (
        0x11EC, 0x11EB, 0x11ED, 0x0200, 0x0201, 0x0202, 0x001D, 0x001E, 0x0017, 0x0018,
        0x0019, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104,
    )  # fmt: skip

    def __init__(self, group: int) -> None:
        self.group = group
        if group in _HYBRIDS:
            classical, kem, kem_first = _HYBRIDS[group]
            parts = [_part(classical), _part(kem)]
            self.parts = parts[::-1] if kem_first else parts
        else:
            self.parts = [_part(group)]

    def public(self) -> bytes:
        return b"".join(part.public() for part in self.parts)

    def shared_secret(self, server_share: bytes) -> bytes:
        """The concatenated secrets, in the order the group's layout gives its parts."""
        out, pos = b"", 0
        for i, part in enumerate(self.parts):
            size = part.server_size() if i < len(self.parts) - 1 else None
            chunk = server_share[pos : pos + size] if size else server_share[pos:]
            pos += len(chunk)
            try:
                out += part.secret(chunk)
            except ValueError as exc:  # a malformed point or ciphertext from the server
                raise ProtocolViolation(
                    say(N_("bad key share from the server: {reason}"), reason=their_words(exc))
                ) from exc
        return out


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
    stapling: bool = False  # ask for an OCSP response (status_request) and SCTs (RFC 6962)

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
        if self.stapling:
            exts += _ext(0x0005, b"\x01" + _u16(b"") + _u16(b""))  # status_request: OCSP
            exts += _ext(0x0012, b"")  # signed_certificate_timestamp
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
    extensions: dict[int, bytes] = field(default_factory=dict)

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
            hello.extensions[kind] = data
            if kind == 0x002B and size == 2:
                hello.version = struct.unpack("!H", data)[0]
            elif kind == 0x0033 and size >= 2:
                hello.group = struct.unpack("!H", data[:2])[0]
                if size >= 4:
                    hello.key_share = data[4 : 4 + struct.unpack("!H", data[2:4])[0]]
        return hello
    except (IndexError, struct.error) as exc:
        raise ProtocolViolation(
            say(MALFORMED, what="ServerHello", reason=their_words(exc))
        ) from exc


@dataclass
class CertificateMessage:
    """A Certificate message: the DER chain (leaf first) and what TLS 1.3 entries carry."""

    ders: list[bytes]
    ocsp: bytes | None = None  # a stapled OCSP response (TLS 1.3: in the leaf's entry)
    scts: int = 0  # SignedCertificateTimestamps in the leaf's entry (TLS 1.3)


def parse_certificates(body: bytes, tls13: bool) -> CertificateMessage:
    """DER certificates from a Certificate message, leaf first."""
    try:
        pos = 1 + body[0] if tls13 else 0
        end = pos + 3 + int.from_bytes(body[pos : pos + 3], "big")
        pos += 3
        out = CertificateMessage([])
        while pos < end:
            size = int.from_bytes(body[pos : pos + 3], "big")
            out.ders.append(body[pos + 3 : pos + 3 + size])
            pos += 3 + size
            if tls13:
                ext_end = pos + 2 + struct.unpack("!H", body[pos : pos + 2])[0]
                if len(out.ders) == 1:
                    for kind, data in _extensions(body[pos + 2 : ext_end]):
                        if kind == 0x0005:
                            out.ocsp = parse_certificate_status(data)
                        elif kind == 0x0012:
                            out.scts = count_scts(data)
                pos = ext_end
        return out
    except (IndexError, struct.error) as exc:
        raise ProtocolViolation(
            say(MALFORMED, what="Certificate message", reason=their_words(exc))
        ) from exc


def _extensions(data: bytes) -> list[tuple[int, bytes]]:
    out, pos = [], 0
    while pos + 4 <= len(data):
        kind, size = struct.unpack("!HH", data[pos : pos + 4])
        out.append((kind, data[pos + 4 : pos + 4 + size]))
        pos += 4 + size
    return out


def parse_certificate_status(body: bytes) -> bytes | None:
    """The OCSP response in a CertificateStatus (RFC 6066 section 8), or None."""
    if len(body) < 4 or body[0] != 1:
        return None
    size = int.from_bytes(body[1:4], "big")
    return body[4 : 4 + size] or None


def count_scts(body: bytes) -> int:
    """How many SCTs a SignedCertificateTimestampList holds (RFC 6962 section 3.3)."""
    if len(body) < 2:
        return 0
    end, pos, n = 2 + struct.unpack("!H", body[:2])[0], 2, 0
    while pos + 2 <= min(end, len(body)):
        pos += 2 + struct.unpack("!H", body[pos : pos + 2])[0]
        n += 1
    return n


@dataclass
class CertificateRequest:
    """The server asks for a client certificate: which CAs it names and which schemes."""

    authorities: list[str]  # distinguished names, RFC 4514
    signature_schemes: list[int]


def parse_certificate_request(body: bytes, version: int) -> CertificateRequest:
    """TLS 1.2 (RFC 5246 7.4.4), TLS 1.3 (RFC 8446 4.3.2, certificate_authorities ext) or
    TLS 1.0/1.1 (RFC 4346 7.4.4: no signature algorithms field)."""
    try:
        names: list[bytes] = []
        schemes: list[int] = []
        if version == TLS13:
            pos = 1 + body[0]
            size = struct.unpack("!H", body[pos : pos + 2])[0]
            for kind, data in _extensions(body[pos + 2 : pos + 2 + size]):
                if kind == 0x000D:
                    schemes = _code_list(data[2:])
                elif kind == 0x002F:
                    names = _name_list(data)
        else:
            pos = 1 + body[0]  # certificate_types
            if version == TLS12:
                size = struct.unpack("!H", body[pos : pos + 2])[0]
                schemes = _code_list(body[pos + 2 : pos + 2 + size])
                pos += 2 + size
            names = _name_list(body[pos:])
        return CertificateRequest([distinguished_name(n) for n in names], schemes)
    except (IndexError, struct.error) as exc:
        raise ProtocolViolation(
            say(MALFORMED, what="CertificateRequest", reason=their_words(exc))
        ) from exc


def _code_list(data: bytes) -> list[int]:
    return [struct.unpack("!H", data[i : i + 2])[0] for i in range(0, len(data) - 1, 2)]


def _name_list(data: bytes) -> list[bytes]:
    end, pos, out = 2 + struct.unpack("!H", data[:2])[0], 2, []
    while pos + 2 <= end:
        size = struct.unpack("!H", data[pos : pos + 2])[0]
        out.append(data[pos + 2 : pos + 2 + size])
        pos += 2 + size
    return out


def distinguished_name(der: bytes) -> str:
    """RFC 4514 text of a DER Name (as CertificateRequest lists the CAs it accepts)."""
    from cryptography import x509

    try:
        rdns = []
        for rdn in _der_items(_der_item(der, 0x30)):
            attributes = []
            for atv in _der_items(rdn):
                oid_der, value = _der_items(atv, raw=True)
                text = value[1].decode("utf-8", "replace")
                oid = x509.ObjectIdentifier(_oid_text(oid_der[1]))
                attributes.append(x509.NameAttribute(oid, text, _validate=False))
            rdns.append(x509.RelativeDistinguishedName(attributes))
        return x509.Name(rdns).rfc4514_string()
    except (ValueError, IndexError, TypeError):
        return "der:" + der.hex()


def _der_item(data: bytes, tag: int) -> bytes:
    if data[0] != tag:
        raise ValueError(f"expected DER tag 0x{tag:02x}")
    return _der_items(data, raw=True)[0][1]


def _der_items(data: bytes, raw: bool = False) -> list:
    """The TLVs in ``data``: their contents, or (tag, contents) with ``raw``."""
    out, pos = [], 0
    while pos < len(data):
        tag, size = data[pos], data[pos + 1]
        pos += 2
        if size & 0x80:
            count = size & 0x7F
            size = int.from_bytes(data[pos : pos + count], "big")
            pos += count
        content = data[pos : pos + size]
        if len(content) != size:
            raise ValueError("truncated DER")
        out.append((tag, content) if raw else content)
        pos += size
    return out


def _oid_text(body: bytes) -> str:
    arcs, value = [], 0
    for byte in body:
        value = value << 7 | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(map(str, [first, arcs[0] - 40 * first, *arcs[1:]]))


def parse_server_key_exchange(body: bytes, suite: Suite | None, version: int) -> ServerKeyExchange:
    """The group or DH prime size of a ServerKeyExchange, and the scheme that signed it.

    A PSK suite puts its identity hint first (RFC 4279 2, RFC 5489 2); only TLS 1.2 names the
    signature's scheme (RFC 5246 7.4.3: TLS 1.0/1.1 imply it); anonymous and PSK-authenticated
    suites sign nothing.
    """
    if suite is None or not (suite.ephemeral_dh or suite.ephemeral_ecdh):
        return ServerKeyExchange(None, None, None)
    signed = version == TLS12 and not suite.anonymous and suite.authentication != "PSK"
    try:
        pos = 2 + struct.unpack("!H", body[:2])[0] if suite.authentication == "PSK" else 0
        if suite.ephemeral_ecdh:
            if body[pos] != 3:  # not a named curve
                return ServerKeyExchange(None, None, None)
            group = struct.unpack("!H", body[pos + 1 : pos + 3])[0]
            pos += 4 + body[pos + 3]
            sigalg = struct.unpack("!H", body[pos : pos + 2])[0] if signed else None
            return ServerKeyExchange(group, None, sigalg)
        p_len = struct.unpack("!H", body[pos : pos + 2])[0]
        p = body[pos + 2 : pos + 2 + p_len]
        pos += 2 + p_len
        for _ in range(2):  # g, Ys
            pos += 2 + struct.unpack("!H", body[pos : pos + 2])[0]
        bits = int.from_bytes(p, "big").bit_length()
        sigalg = struct.unpack("!H", body[pos : pos + 2])[0] if signed else None
        return ServerKeyExchange(None, bits, sigalg)
    except (IndexError, struct.error) as exc:
        raise ProtocolViolation(
            say(MALFORMED, what="ServerKeyExchange", reason=their_words(exc))
        ) from exc


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
    """The TLS 1.3 key schedule (RFC 8446 section 7) from the client's side: decrypts the
    server's handshake flight, and for a client-certificate check also seals the client's
    answer (an empty Certificate and its Finished) and reads the server's first record after
    it under the application keys."""

    suite: int
    shared_secret: bytes
    transcript: bytes  # ClientHello + ServerHello handshake messages
    seq: int = 0
    _key: bytes = field(default=b"", repr=False)
    _iv: bytes = field(default=b"", repr=False)

    def __post_init__(self) -> None:
        self._algo = hashes.SHA384() if self.suite == 0x1302 else hashes.SHA256()
        size = self._algo.digest_size
        early = _extract(b"\x00" * size, b"\x00" * size, self._algo)
        derived = _hkdf_label(early, "derived", self._hash(b""), size, self._algo)
        self._hs = _extract(derived, self.shared_secret, self._algo)
        th = self._hash(self.transcript)
        self._key, self._iv = self._traffic(
            _hkdf_label(self._hs, "s hs traffic", th, size, self._algo)
        )
        self._client = _hkdf_label(self._hs, "c hs traffic", th, size, self._algo)
        self._client_seq = 0

    def _hash(self, data: bytes) -> bytes:
        digest = hashes.Hash(type(self._algo)())
        digest.update(data)
        return digest.finalize()

    def _traffic(self, secret: bytes) -> tuple[bytes, bytes]:
        key_len = 32 if self.suite in (0x1302, 0x1303) else 16
        key = _hkdf_label(secret, "key", b"", key_len, self._algo)
        return key, _hkdf_label(secret, "iv", b"", 12, self._algo)

    def _aead(self, key: bytes):
        if self.suite not in DECRYPTABLE_TLS13:
            raise ProtocolViolation(
                say(N_("cannot decrypt suite {suite}"), suite=f"0x{self.suite:04x}")
            )
        if self.suite == 0x1303:
            return ChaCha20Poly1305(key)
        if self.suite in (0x1304, 0x1305):
            return AESCCM(key, tag_length=16 if self.suite == 0x1304 else 8)
        return AESGCM(key)

    @staticmethod
    def _nonce(iv: bytes, seq: int) -> bytes:
        return bytes(a ^ b for a, b in zip(iv, seq.to_bytes(12, "big"), strict=True))

    def open(self, header: bytes, payload: bytes) -> tuple[int, bytes]:
        """(inner content type, plaintext) of one encrypted record."""
        aead = self._aead(self._key)
        nonce = self._nonce(self._iv, self.seq)
        self.seq += 1
        try:
            inner = aead.decrypt(nonce, payload, header).rstrip(b"\x00")
        except Exception as exc:  # InvalidTag: wrong keys or tampered record
            raise ProtocolViolation(say(N_("could not decrypt the server's handshake"))) from exc
        if not inner:
            raise ProtocolViolation(say(N_("empty encrypted record")))
        return inner[-1], inner[:-1]

    def client_flight(self, transcript: bytes, request_context: bytes) -> bytes:
        """Records of the client's empty Certificate and its Finished (RFC 8446 4.4.2,
        4.4.4); ``transcript`` runs from the ClientHello to the server's Finished. Switches
        reading to the server's application keys (7.1), as the server's next record uses."""
        size = self._algo.digest_size
        certificate = b"\x0b" + _u24(_u8(request_context) + _u24(b""))
        finished_key = _hkdf_label(self._client, "finished", b"", size, self._algo)
        mac = _hmac.HMAC(finished_key, self._algo)
        mac.update(self._hash(transcript + certificate))
        finished = b"\x14" + _u24(mac.finalize())
        key, iv = self._traffic(self._client)
        out = b""
        for message in (certificate, finished):
            inner = message + b"\x16"
            tag = 8 if self.suite == 0x1305 else 16
            header = struct.pack("!BHH", 23, TLS12, len(inner) + tag)
            out += header + self._aead(key).encrypt(
                self._nonce(iv, self._client_seq), inner, header
            )
            self._client_seq += 1
        derived = _hkdf_label(self._hs, "derived", self._hash(b""), size, self._algo)
        master = _extract(derived, b"\x00" * size, self._algo)
        server_app = _hkdf_label(master, "s ap traffic", self._hash(transcript), size, self._algo)
        self._key, self._iv = self._traffic(server_app)
        self.seq = 0
        return out
