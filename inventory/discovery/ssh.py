"""SSH endpoint scanner: banner, KEXINIT algorithm lists and host keys (RFC 4253).

The server's KEXINIT arrives in clear right after the banners, so one connection gives the
key exchange, host key, cipher, MAC and compression lists. Host keys need one key exchange
per host-key algorithm: the scanner sends a KEXINIT naming just that algorithm and an ECDH
style init (curve25519-sha256, or mlkem768x25519-sha256 when that is all the server offers),
and reads the host key blob from the server's reply. It never authenticates.
"""

from __future__ import annotations

import asyncio
import os
import struct
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field

from cryptography.hazmat.primitives.asymmetric import ec, mlkem, x25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from inventory.catalog import get_catalog
from inventory.discovery.endpoint_scan import (
    EndpointResult,
    ScanFailure,
    connect,
    run_within,
    scan_all,
)

CLIENT_BANNER = b"SSH-2.0-pqcplan_discovery\r\n"
MSG_KEXINIT, MSG_KEX_ECDH_INIT, MSG_KEX_ECDH_REPLY = 20, 30, 31
MAX_PACKET = 256 * 1024

# key exchanges the scanner can start (only the client's share is needed, never the secret)
_OUR_KEX = (
    "curve25519-sha256",
    "curve25519-sha256@libssh.org",
    "mlkem768x25519-sha256",
    "ecdh-sha2-nistp256",
    "ecdh-sha2-nistp384",
    "ecdh-sha2-nistp521",
)


@dataclass
class HostKey:
    algorithm: str  # as offered: ssh-ed25519, rsa-sha2-512, ecdsa-sha2-nistp256...
    key_type: str  # from the blob: ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256
    bits: int | None
    canonical: str  # catalog name: Ed25519, RSA-3072, ECDSA-P256
    sha256: str  # OpenSSH-style SHA256 fingerprint of the blob


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
            raise ScanFailure("error", "protocol error: truncated SSH message")
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
            raise ScanFailure("error", "protocol error: non-ASCII algorithm name") from exc


def parse_kexinit(payload: bytes) -> list[list[str]]:
    """The ten name-lists of a KEXINIT payload (message number included)."""
    if not payload or payload[0] != MSG_KEXINIT:
        raise ScanFailure("error", f"protocol error: expected KEXINIT, got message {payload[:1]!r}")
    r = _Reader(payload)
    r.take(17)
    return [r.names() for _ in range(10)]


def host_key_facts(algorithm: str, blob: bytes) -> HostKey:
    import base64
    import hashlib

    r = _Reader(blob)
    key_type = r.string().decode("ascii", "replace")
    bits: int | None
    curve: str | None = None
    if key_type == "ssh-rsa":
        r.string()  # e
        n = r.string()
        bits = int.from_bytes(n, "big").bit_length()
    elif key_type.startswith("ecdsa-sha2-"):
        curve = r.string().decode("ascii", "replace")
        bits = {"nistp256": 256, "nistp384": 384, "nistp521": 521}.get(curve)
    elif key_type == "ssh-ed25519":
        bits = 256
    elif key_type == "ssh-ed448":
        bits = 456
    elif key_type == "ssh-dss":
        bits = int.from_bytes(r.string(), "big").bit_length()
    else:
        bits = None
    canonical = get_catalog().normalize(key_type, key_size=bits, primitive="signature")
    fp = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    return HostKey(algorithm, key_type, bits, canonical or key_type, f"SHA256:{fp}")


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
                    raise ScanFailure("not_ssh", f"not SSH: {exc.partial[:40]!r}") from exc
                raise ScanFailure("closed", "closed before sending a banner") from exc
            except asyncio.LimitOverrunError as exc:
                raise ScanFailure(
                    "not_ssh", "not SSH: an over-long line instead of a banner"
                ) from exc
            if line.startswith(b"SSH-"):
                text = line.rstrip(b"\r\n").decode("utf-8", "replace")
                if not text.startswith(("SSH-2.0-", "SSH-1.99-")):
                    raise ScanFailure("error", f"unsupported SSH version: {text}")
                return text
        raise ScanFailure("not_ssh", "not SSH: no version line within 50 lines")

    async def packet(self) -> bytes:
        try:
            head = await self.reader.readexactly(5)
            length, pad = struct.unpack("!IB", head)
            if length > MAX_PACKET or length < pad + 1:
                raise ScanFailure("error", f"protocol error: packet length {length}")
            rest = await self.reader.readexactly(length - 1)
        except asyncio.IncompleteReadError as exc:
            raise ScanFailure("closed", "closed in the middle of the key exchange") from exc
        return rest[: length - 1 - pad]

    def send(self, payload: bytes) -> None:
        self.writer.write(_packet(payload))


def _kexinit(kex: list[str], host_keys: list[str], server: list[list[str]]) -> bytes:
    lists = [kex, host_keys, *server[2:8]]
    body = bytes([MSG_KEXINIT]) + os.urandom(16)
    body += b"".join(_namelist(n) for n in lists) + _namelist([]) + _namelist([])
    return body + b"\x00" + b"\x00" * 4


def _client_share(kex: str) -> bytes:
    if kex.startswith("curve25519"):
        return x25519.X25519PrivateKey.generate().public_key().public_bytes_raw()
    if kex == "mlkem768x25519-sha256":
        pk = mlkem.MLKEM768PrivateKey.generate().public_key().public_bytes_raw()
        return pk + x25519.X25519PrivateKey.generate().public_key().public_bytes_raw()
    curve = {"nistp256": ec.SECP256R1(), "nistp384": ec.SECP384R1(), "nistp521": ec.SECP521R1()}
    key = ec.generate_private_key(curve[kex.rsplit("-", 1)[1]])
    return key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)


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
        ours = [k for k in _OUR_KEX if k in r.kex]
        seen: set[str] = set()
        if ours:
            for algorithm in r.host_key_algorithms:
                key = await self._host_key(ours[0], algorithm, lists)
                if key is not None and key.sha256 + key.algorithm not in seen:
                    seen.add(key.sha256 + key.algorithm)
                    r.host_keys.append(key)
        r.seconds = time.perf_counter() - started
        return r

    async def _host_key(self, kex: str, algorithm: str, server: list[list[str]]) -> HostKey | None:
        conn = await self.connect()
        try:
            await conn.banner()
            await conn.packet()
            conn.send(_kexinit([kex], [algorithm], server))
            conn.send(bytes([MSG_KEX_ECDH_INIT]) + _string(_client_share(kex)))
            await conn.writer.drain()
            for _ in range(8):
                payload = await conn.packet()
                if payload[:1] == bytes([MSG_KEX_ECDH_REPLY]):
                    return host_key_facts(algorithm, _Reader(payload[1:]).string())
                if payload[:1] == b"\x01":  # DISCONNECT
                    return None
            return None
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
