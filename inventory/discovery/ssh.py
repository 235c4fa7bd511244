"""SSH endpoint scanner: banner, KEXINIT algorithm lists and host keys (RFC 4253).

The server's KEXINIT arrives in clear right after the banners, so one connection gives the
key exchange, host key, cipher, MAC and compression lists. Host keys need one key exchange
per host-key algorithm: the scanner sends a KEXINIT naming just that algorithm and the first
message of a key exchange the server offers, and reads the host key blob from the server's
reply. Every kind of key exchange can start it: curve25519, curve448, the NIST curves,
mlkem768x25519 and sntrup761x25519 (liboqs), the fixed Diffie-Hellman groups (group1 to
group18, SHA-1 ones included) and group exchange, which also tells the size of the group
the server picks for a 2048-bit request. Only the client's share is needed, never the
shared secret. It never authenticates.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import struct
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field

from cryptography.hazmat.primitives.asymmetric import ec, mlkem, x448, x25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from core.i18n import N_, say
from inventory.catalog import get_catalog
from inventory.discovery.dh_groups import GENERATOR, SSH_FIXED_GROUPS, modp
from inventory.discovery.endpoint_scan import (
    EndpointResult,
    ScanFailure,
    connect,
    run_within,
    scan_all,
)

CLIENT_BANNER = b"SSH-2.0-pqcplan_discovery\r\n"
# RFC 4253 8 (KEXDH), RFC 5656 4 (ECDH), RFC 4419 5 (group exchange); the hybrids reuse 30/31
MSG_KEXINIT, MSG_KEX_INIT, MSG_KEX_REPLY = 20, 30, 31
MSG_GEX_GROUP, MSG_GEX_INIT, MSG_GEX_REPLY, MSG_GEX_REQUEST = 31, 32, 33, 34
MAX_PACKET = 256 * 1024
GEX = ("diffie-hellman-group-exchange-sha256", "diffie-hellman-group-exchange-sha1")
GEX_REQUEST = (1024, 2048, 8192)  # min, preferred, max bits (RFC 4419 3)

# key exchanges the scanner can start, cheapest first
_OUR_KEX = (
    "curve25519-sha256",
    "curve25519-sha256@libssh.org",
    "ecdh-sha2-nistp256",
    "ecdh-sha2-nistp384",
    "ecdh-sha2-nistp521",
    "curve448-sha512",
    "mlkem768x25519-sha256",
    "sntrup761x25519-sha512",
    "sntrup761x25519-sha512@openssh.com",
    *SSH_FIXED_GROUPS,
    *GEX,
)


@dataclass
class HostKey:
    algorithm: str  # as offered: ssh-ed25519, rsa-sha2-512, ecdsa-sha2-nistp256...
    key_type: str  # from the blob: ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256
    bits: int | None
    canonical: str  # catalog name of the key: Ed25519, RSA-3072, ECDSA-P256
    sha256: str  # OpenSSH-style SHA256 fingerprint of the blob
    kex: str = ""  # the key exchange it was read under
    curve: str | None = None

    @property
    def key_name(self) -> str:
        """The key's family as the catalog spells it (``ssh-rsa`` names the signature
        over SHA-1, not the key, so the key is ``RSA``)."""
        return _KEY_FAMILY.get(self.key_type.removesuffix(CERT_SUFFIX), self.key_type)


@dataclass
class NamedAlgorithm:
    name: str
    canonical: str | None
    quantum_status: str


@dataclass
class SshResult(EndpointResult):
    banner: str | None = None
    kex: list[str] = field(default_factory=list)
    host_key_algorithms: list[str] = field(default_factory=list)
    ciphers: list[str] = field(default_factory=list)  # server to client, server's order
    macs: list[str] = field(default_factory=list)
    compression: list[str] = field(default_factory=list)
    host_keys: list[HostKey] = field(default_factory=list)
    classified: dict[str, list[NamedAlgorithm]] = field(default_factory=dict)
    kex_sizes: dict[str, int] = field(default_factory=dict)  # group exchange: bits chosen
    incomplete: list[str] = field(default_factory=list)  # parts that could not be learned
    connections: int = 0
    seconds: float = 0.0

    @property
    def hybrid_kex(self) -> list[str]:
        return [a.name for a in self.classified.get("kex", []) if a.quantum_status == "hybrid"]

    def to_dict(self) -> dict:
        return asdict(self)


# ---------------------------------------------------------------------- wire helpers
def _string(data: bytes) -> bytes:
    return struct.pack("!I", len(data)) + data


def _namelist(names: Iterable[str]) -> bytes:
    return _string(",".join(names).encode())


def _packet(payload: bytes) -> bytes:
    pad = 8 - (len(payload) + 5) % 8
    pad = pad + 8 if pad < 4 else pad
    return struct.pack("!IB", len(payload) + pad + 1, pad) + payload + os.urandom(pad)


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise ScanFailure("error", say(N_("protocol error: truncated SSH message")))
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def u32(self) -> int:
        return struct.unpack("!I", self.take(4))[0]

    def string(self) -> bytes:
        return self.take(self.u32())

    def names(self) -> list[str]:
        raw = self.string()
        try:
            return [n for n in raw.decode("ascii").split(",") if n]
        except UnicodeDecodeError as exc:
            raise ScanFailure("error", say(N_("protocol error: non-ASCII algorithm name"))) from exc


def parse_kexinit(payload: bytes) -> list[list[str]]:
    """The ten name-lists of a KEXINIT payload (message number included)."""
    if not payload or payload[0] != MSG_KEXINIT:
        raise ScanFailure(
            "error",
            say(N_("protocol error: expected KEXINIT, got message {got}"), got=repr(payload[:1])),
        )
    r = _Reader(payload)
    r.take(17)
    return [r.names() for _ in range(10)]


CERT_SUFFIX = "-cert-v01@openssh.com"
_KEY_FAMILY = {"ssh-rsa": "RSA", "ssh-dss": "DSA", "ssh-ed25519": "Ed25519", "ssh-ed448": "Ed448"}
_CURVES = {"nistp256": 256, "nistp384": 384, "nistp521": 521}


def host_key_facts(algorithm: str, blob: bytes, kex: str = "") -> HostKey:
    """Type, size and fingerprint of a host key blob (RFC 4253 6.6, RFC 5656 3.1; an
    OpenSSH certificate, PROTOCOL.certkeys, is read for the key it certifies)."""
    import base64
    import hashlib

    r = _Reader(blob)
    key_type = r.string().decode("ascii", "replace")
    if key_type.endswith(CERT_SUFFIX):
        r.string()  # nonce
    base = key_type.removesuffix(CERT_SUFFIX)
    bits: int | None
    curve: str | None = None
    if base == "ssh-rsa":
        r.string()  # e
        bits = int.from_bytes(r.string(), "big").bit_length()
    elif base.startswith("ecdsa-sha2-"):
        curve = r.string().decode("ascii", "replace")
        bits = _CURVES.get(curve)
    elif base == "ssh-ed25519":
        bits = 256
    elif base == "ssh-ed448":
        bits = 456
    elif base == "ssh-dss":
        bits = int.from_bytes(r.string(), "big").bit_length()
    else:
        bits = None
    family = _KEY_FAMILY.get(base, base)
    canonical = get_catalog().normalize(family, key_size=bits, curve=curve, primitive="signature")
    fp = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    return HostKey(algorithm, key_type, bits, canonical or key_type, f"SHA256:{fp}", kex, curve)


# protocol markers that travel in the algorithm lists but are not algorithms
MARKERS = ("kex-strict-", "ext-info-")


def classify_names(names: list[str], primitive: str | None = None) -> list[NamedAlgorithm]:
    cat = get_catalog()
    out = []
    for name in names:
        if name.startswith(MARKERS):
            continue
        c = cat.classify(name, primitive=primitive)
        out.append(NamedAlgorithm(name, c.canonical if c.known else None, str(c.status)))
    return out


# ---------------------------------------------------------------------- one connection
class _Conn:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def banner(self) -> str:
        for _ in range(50):  # RFC 4253 4.2: other lines may come before the version line
            try:
                line = await self.reader.readuntil(b"\n")
            except asyncio.IncompleteReadError as exc:
                if exc.partial:
                    raise ScanFailure(
                        "not_ssh", say(N_("not SSH: {bytes}"), bytes=repr(exc.partial[:40]))
                    ) from exc
                raise ScanFailure("closed", say(N_("closed before sending a banner"))) from exc
            except asyncio.LimitOverrunError as exc:
                raise ScanFailure(
                    "not_ssh", say(N_("not SSH: an over-long line instead of a banner"))
                ) from exc
            if line.startswith(b"SSH-"):
                text = line.rstrip(b"\r\n").decode("utf-8", "replace")
                if not text.startswith(("SSH-2.0-", "SSH-1.99-")):
                    raise ScanFailure(
                        "error", say(N_("unsupported SSH version: {text}"), text=text)
                    )
                return text
        raise ScanFailure("not_ssh", say(N_("not SSH: no version line within 50 lines")))

    async def packet(self) -> bytes:
        try:
            head = await self.reader.readexactly(5)
            length, pad = struct.unpack("!IB", head)
            if length > MAX_PACKET or length < pad + 1:
                raise ScanFailure(
                    "error", say(N_("protocol error: packet length {length}"), length=length)
                )
            rest = await self.reader.readexactly(length - 1)
        except asyncio.IncompleteReadError as exc:
            raise ScanFailure(
                "closed", say(N_("closed in the middle of the key exchange"))
            ) from exc
        return rest[: length - 1 - pad]

    def send(self, payload: bytes) -> None:
        self.writer.write(_packet(payload))


def _kexinit(kex: list[str], host_keys: list[str], server: list[list[str]]) -> bytes:
    lists = [kex, host_keys, *server[2:8]]
    body = bytes([MSG_KEXINIT]) + os.urandom(16)
    body += b"".join(_namelist(n) for n in lists) + _namelist([]) + _namelist([])
    return body + b"\x00" + b"\x00" * 4


def _mpint(value: int) -> bytes:
    raw = value.to_bytes((value.bit_length() + 8) // 8, "big")  # a leading 0 keeps it positive
    return _string(raw)


def _dh_share(p: int) -> bytes:
    """mpint e = g^x mod p (RFC 4253 8) for a random x of 512 bits."""
    return _mpint(pow(GENERATOR, int.from_bytes(os.urandom(64), "big") | 1, p))


def _client_share(kex: str) -> bytes:
    """The body of the client's first key exchange message for ``kex``."""
    if kex in SSH_FIXED_GROUPS:
        return _dh_share(modp(SSH_FIXED_GROUPS[kex]))
    if kex.startswith("curve25519"):
        return _string(x25519.X25519PrivateKey.generate().public_key().public_bytes_raw())
    if kex == "curve448-sha512":
        return _string(x448.X448PrivateKey.generate().public_key().public_bytes_raw())
    x_pub = x25519.X25519PrivateKey.generate().public_key().public_bytes_raw()
    if kex == "mlkem768x25519-sha256":
        return _string(mlkem.MLKEM768PrivateKey.generate().public_key().public_bytes_raw() + x_pub)
    if kex.startswith("sntrup761x25519-sha512"):
        return _string(_sntrup761_public() + x_pub)
    curve = {"nistp256": ec.SECP256R1(), "nistp384": ec.SECP384R1(), "nistp521": ec.SECP521R1()}
    key = ec.generate_private_key(curve[kex.rsplit("-", 1)[1]])
    return _string(key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint))


def _sntrup761_public() -> bytes:
    """An sntrup761 public key from liboqs (OpenSSH's hybrid puts it before X25519's)."""
    from core.oqs_loader import LiboqsUnavailable, load_oqs

    oqs = load_oqs()
    if isinstance(oqs, LiboqsUnavailable):
        raise ScanFailure(
            "error", say(N_("sntrup761x25519 needs liboqs: {reason}"), reason=oqs.reason)
        )
    with oqs.KeyEncapsulation("sntrup761") as kem:
        return kem.generate_keypair()


def _our_kex(offered: list[str]) -> list[str]:
    """The key exchanges both sides have, cheapest first; liboqs only when it is needed."""
    return [k for k in _OUR_KEX if k in offered]


class _SshScan:
    def __init__(self, host: str, port: int) -> None:
        self.result = SshResult(host=host, port=port)

    async def connect(self) -> _Conn:
        r = self.result
        r.connections += 1
        reader, writer = await connect(r.host, r.port, limit=8192)
        writer.write(CLIENT_BANNER)
        return _Conn(reader, writer)

    async def run(self) -> SshResult:
        r = self.result
        started = time.perf_counter()
        conn = await self.connect()
        try:
            r.banner = await conn.banner()
            lists = parse_kexinit(await conn.packet())
        finally:
            conn.writer.close()
        r.kex, r.host_key_algorithms = lists[0], lists[1]
        r.ciphers, r.macs, r.compression = lists[3], lists[5], lists[7]
        r.classified = {
            "kex": classify_names(r.kex, "key_exchange"),
            "host_key": classify_names(r.host_key_algorithms, "signature"),
            "cipher": classify_names(r.ciphers),
            "mac": classify_names(r.macs),
        }
        ours = _our_kex(r.kex)
        seen: set[str] = set()
        failures: list[str] = []
        for algorithm in r.host_key_algorithms if ours else []:
            try:
                key = await self._host_key(ours[0], algorithm, lists)
            except (ScanFailure, OSError) as exc:  # the lists are known; this key is not
                failures.append(f"{algorithm} under {ours[0]}: {exc or type(exc).__name__}")
                continue
            if key is not None and key.sha256 + key.algorithm not in seen:
                seen.add(key.sha256 + key.algorithm)
                r.host_keys.append(key)
        gex = next((k for k in GEX if k in r.kex), None)
        if gex is not None:
            with contextlib.suppress(ScanFailure, OSError):  # the group's size stays unknown
                await self._group_size(gex, lists)
        self._check_complete(ours, failures)
        r.seconds = time.perf_counter() - started
        return r

    def _check_complete(self, ours: list[str], failures: list[str]) -> None:
        """Lists read but a host key not: ``partial``, naming what is missing and why."""
        r = self.result
        wanted = [a for a in r.host_key_algorithms if not a.startswith(MARKERS)]
        if not wanted:
            return
        read = {k.algorithm for k in r.host_keys}
        if not ours:
            why = f"no key exchange pqcplan can start is offered ({', '.join(r.kex)})"
        elif failures:
            why = "; ".join(failures)
        elif not read:
            why = "the server answered no key exchange with a host key"
        else:
            return
        r.status, r.incomplete = "partial", ["hostkey"]
        r.error = f"host keys not read: {why}"

    async def _start(self, kex: str, algorithm: str, server: list[list[str]]) -> _Conn:
        conn = await self.connect()
        await conn.banner()
        await conn.packet()
        conn.send(_kexinit([kex], [algorithm], server))
        if kex in GEX:
            conn.send(bytes([MSG_GEX_REQUEST]) + struct.pack("!III", *GEX_REQUEST))
        else:
            conn.send(bytes([MSG_KEX_INIT]) + _client_share(kex))
        await conn.writer.drain()
        return conn

    async def _host_key(self, kex: str, algorithm: str, server: list[list[str]]) -> HostKey | None:
        conn = await self._start(kex, algorithm, server)
        try:
            for _ in range(8):
                payload = await conn.packet()
                if kex in GEX and payload[:1] == bytes([MSG_GEX_GROUP]):
                    reader = _Reader(payload[1:])
                    p = int.from_bytes(reader.string(), "big")
                    self.result.kex_sizes[kex] = p.bit_length()
                    conn.send(bytes([MSG_GEX_INIT]) + _dh_share(p))
                    await conn.writer.drain()
                    continue
                reply = MSG_GEX_REPLY if kex in GEX else MSG_KEX_REPLY
                if payload[:1] == bytes([reply]):
                    return host_key_facts(algorithm, _Reader(payload[1:]).string(), kex)
                if payload[:1] == b"\x01":  # DISCONNECT
                    return None
            return None
        finally:
            conn.writer.close()

    async def _group_size(self, kex: str, server: list[list[str]]) -> None:
        """The group a group-exchange server picks for a 2048-bit request (RFC 4419)."""
        if kex in self.result.kex_sizes:
            return
        algorithm = server[1][0] if server[1] else "ssh-ed25519"
        conn = await self._start(kex, algorithm, server)
        try:
            for _ in range(8):
                payload = await conn.packet()
                if payload[:1] == bytes([MSG_GEX_GROUP]):
                    p = int.from_bytes(_Reader(payload[1:]).string(), "big")
                    self.result.kex_sizes[kex] = p.bit_length()
                    return
                if payload[:1] == b"\x01":
                    return
        finally:
            conn.writer.close()


async def scan_ssh_endpoint(host: str, port: int, timeout: float = 10.0) -> SshResult:
    """Scan one SSH endpoint; failures become the result's ``status``, never raise."""
    get_catalog()  # loaded once, outside the timeout: the first load blocks for a while
    return await run_within(_SshScan(host, port), timeout)


async def scan_ssh_many(
    targets: Iterable[tuple[str, int]],
    timeout: float = 10.0,
    *,
    concurrency: int = 64,
    on_result: Callable[[SshResult], None] | None = None,
) -> list[SshResult]:
    async def one(host: str, port: int) -> SshResult:
        return await scan_ssh_endpoint(host, port, timeout)

    return await scan_all(targets, one, concurrency=concurrency, on_result=on_result)
