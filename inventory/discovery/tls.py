"""TLS endpoint scanner: versions, cipher suites, key exchange groups, signature schemes and
the certificate chain of one endpoint, learned by offering them (see ``tlswire``).

How each fact is found:

- TLS 1.3 and its groups: a ClientHello offering TLS 1.3 only, every group in ``GROUPS`` and
  no key share. A server that accepts one of them answers a HelloRetryRequest naming the
  group it picked (its preference); the group is removed and the question asked again until
  the server answers with an alert. That finds every accepted group, in preference order,
  with one connection per group plus one. A second ClientHello offering the accepted groups
  in reverse order tells server preference from client preference.
- Suites: the same removal loop (TLS 1.3 suites ride on the HelloRetryRequest; TLS 1.2 on the
  ServerHello).
- TLS 1.0 to 1.2: one ClientHello per version without supported_versions; the version is
  accepted when the ServerHello repeats it.
- TLS 1.2-only servers: groups from the ServerKeyExchange of ECDHE-only offers.
- Signature schemes: for TLS 1.3, one ClientHello per scheme with a real key share; a
  ServerHello means the server will sign with it, an alert that it will not.
- Certificates: for TLS 1.3 a real key exchange (X25519, ECDH or ML-KEM hybrid through
  ``cryptography``) decrypts the server's handshake flight up to CertificateVerify, so
  hybrid-only servers are read too; for TLS 1.2 the Certificate message is in clear.

A target that refuses, hangs, speaks something else or closes mid-handshake becomes that
target's result (``status`` and ``error``); its partial facts are dropped so a result is
either complete or plainly marked as failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import struct
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field

from inventory.catalog import get_catalog
from inventory.discovery.certs import CertFacts, der_facts
from inventory.discovery.endpoint_scan import (
    EndpointResult,
    ScanFailure,
    connect,
    run_within,
    scan_all,
)
from inventory.discovery.tlswire import (
    ECDHE_SUITES,
    GROUPS,
    PRE_STANDARD_GROUPS,
    SIGNATURE_SCHEMES,
    TLS10,
    TLS11,
    TLS12,
    TLS12_SUITES,
    TLS13,
    TLS13_SUITES,
    VERSION_NAMES,
    Alert,
    HandshakeDecryptor,
    Hello,
    KeyShare,
    ProtocolViolation,
    ServerHello,
    ServerKeyExchange,
    parse_certificates,
    parse_server_hello,
    parse_server_key_exchange,
    records,
)

STATUSES = ("ok", "refused", "timeout", "not_tls", "closed", "error")  # of a ScanFailure


@dataclass
class ScanOptions:
    timeout: float = 10.0  # whole-target budget, seconds
    cipher_suites: bool = True
    signature_schemes: bool = True
    certificates: bool = True


@dataclass
class TlsResult(EndpointResult):
    versions: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)  # accepted, server's preference first
    group_codepoints: list[int] = field(default_factory=list)
    group_preference: str | None = None  # "server" or "client"
    pre_standard_groups: list[str] = field(default_factory=list)
    tls13_suites: list[str] = field(default_factory=list)
    tls12_suites: list[str] = field(default_factory=list)
    suite_preference: str | None = None
    signature_schemes: list[str] = field(default_factory=list)
    certificate_signature_scheme: str | None = None  # what CertificateVerify used
    certificates: list[CertFacts] = field(default_factory=list)
    connections: int = 0
    seconds: float = 0.0

    @property
    def hybrid_groups(self) -> list[str]:
        return [n for n in self.groups if "MLKEM" in n or "Kyber" in n]

    def to_dict(self) -> dict:
        out = asdict(self)
        out["certificates"] = [c.to_dict() for c in self.certificates]
        return out


# ---------------------------------------------------------------------- one connection
class _Probe:
    """One TCP connection: send a ClientHello, read the server's answer."""

    def __init__(self, host: str, port: int, result: TlsResult) -> None:
        self.host, self.port, self.result = host, port, result

    async def run(
        self, hello: Hello, *, until: str = "hello", share: KeyShare | None = None
    ) -> tuple[ServerHello | Alert | None, dict]:
        """Answer to ``hello``: a ServerHello, an Alert, or None when the peer just closed.

        ``until`` is "hello" (stop at ServerHello), "tls12" (read to ServerHelloDone) or
        "tls13" (decrypt to CertificateVerify, with ``share`` for the key exchange).
        """
        self.result.connections += 1
        reader, writer = await connect(self.host, self.port)
        try:
            ch = hello.encode()
            writer.write(records(ch, hello.version))
            await writer.drain()
            return await self._read(reader, ch, until, share)
        except (ConnectionResetError, BrokenPipeError):
            return None, {}
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def _read(
        self, reader: asyncio.StreamReader, ch: bytes, until: str, share: KeyShare | None
    ) -> tuple[ServerHello | Alert | None, dict]:
        buf = b""
        sh: ServerHello | None = None
        extra: dict = {}
        decryptor: HandshakeDecryptor | None = None
        while True:
            try:
                header = await reader.readexactly(5)
            except asyncio.IncompleteReadError as exc:
                if exc.partial and not _plausible_header(exc.partial):
                    msg = f"not TLS: first bytes {exc.partial!r}"
                    raise ScanFailure("not_tls", msg) from exc
                return (sh, extra) if sh and until == "hello" else (None, extra)
            kind, major, length = header[0], header[1], struct.unpack("!H", header[3:5])[0]
            if kind not in (20, 21, 22, 23) or major != 3 or length > 16384 + 2048:
                raise ScanFailure("not_tls", f"not TLS: first bytes {header!r}")
            try:
                payload = await reader.readexactly(length)
            except asyncio.IncompleteReadError:
                return None, extra  # closed mid-record
            if kind == 21 and decryptor is None:
                if len(payload) < 2:
                    raise ProtocolViolation("short alert")
                return Alert(payload[0], payload[1]), extra
            if kind == 20:
                continue
            if kind == 23:
                if decryptor is None:
                    raise ProtocolViolation("encrypted record before the handshake keys")
                inner_type, payload = decryptor.open(header, payload)
                if inner_type == 21:
                    return Alert(payload[0], payload[1]), extra
                if inner_type != 22:
                    continue
            for msg_type, body, raw in _messages(buf + payload, rest := []):
                if msg_type == 2:
                    sh = parse_server_hello(body)
                    if until == "hello" or sh.is_retry:
                        return sh, extra
                    if until == "tls13":
                        if sh.version != TLS13 or share is None or sh.key_share is None:
                            return sh, extra
                        secret = share.shared_secret(sh.key_share)
                        decryptor = HandshakeDecryptor(sh.suite, secret, ch + raw)
                elif msg_type == 11:
                    extra["certificates"] = parse_certificates(body, tls13=until == "tls13")
                elif msg_type == 12 and sh is not None:
                    ecdhe = "ECDHE" in TLS12_SUITES.get(sh.suite, "")
                    extra["ske"] = parse_server_key_exchange(body, ecdhe=ecdhe)
                elif msg_type == 15:
                    extra["cv_scheme"] = struct.unpack("!H", body[:2])[0]
                    return sh, extra
                elif msg_type == 14:
                    return sh, extra
            buf = rest[0] if rest else b""


def _plausible_header(data: bytes) -> bool:
    return data[0] in (20, 21, 22, 23) and (len(data) < 2 or data[1] == 3)


def _messages(data: bytes, rest: list[bytes]) -> Iterable[tuple[int, bytes, bytes]]:
    """Complete handshake messages in ``data``; the incomplete tail goes to ``rest``."""
    pos = 0
    while pos + 4 <= len(data):
        size = int.from_bytes(data[pos + 1 : pos + 4], "big")
        if pos + 4 + size > len(data):
            break
        yield data[pos], data[pos + 4 : pos + 4 + size], data[pos : pos + 4 + size]
        pos += 4 + size
    rest.append(data[pos:])


# ---------------------------------------------------------------------- one endpoint
def _server_name(host: str) -> str | None:
    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        return host


class _EndpointScan:
    def __init__(self, host: str, port: int, options: ScanOptions) -> None:
        self.result = TlsResult(host=host, port=port)
        self.probe = _Probe(host, port, self.result)
        self.sni = _server_name(host)
        self.options = options

    def hello13(self, groups, suites=tuple(TLS13_SUITES), shares=(), sigalgs=None) -> Hello:
        return Hello(
            version=TLS12,
            suites=tuple(suites),
            groups=tuple(groups),
            key_shares=tuple(shares),
            sigalgs=tuple(sigalgs) if sigalgs is not None else tuple(SIGNATURE_SCHEMES),
            server_name=self.sni,
            tls13=True,
        )

    def hello12(self, version: int, suites=tuple(TLS12_SUITES), groups=None) -> Hello:
        return Hello(
            version=version,
            suites=tuple(suites),
            groups=tuple(groups) if groups is not None else tuple(GROUPS),
            server_name=self.sni,
        )

    async def _resolve(self) -> None:
        """A host name is looked up once per target, not once per probe (SNI keeps the name)."""
        if self.sni is None:
            return
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(self.sni, self.result.port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise ScanFailure("error", f"cannot resolve {self.sni}: {exc.strerror}") from exc
        self.probe.host = infos[0][4][0]

    async def run(self) -> TlsResult:
        r = self.result
        started = time.perf_counter()
        await self._resolve()
        answer, _ = await self.probe.run(self.hello13(GROUPS))
        tls13 = isinstance(answer, ServerHello) and answer.version == TLS13
        if tls13:
            r.versions.append(VERSION_NAMES[TLS13])
            await self._groups13()
            if self.options.cipher_suites:
                r.tls13_suites = await self._suites(TLS13)
        first12 = await self._old_versions()
        if not r.versions:
            if answer is None and first12 is None:
                raise ScanFailure("closed", "the server closed every handshake unanswered")
            why = answer.name if isinstance(answer, Alert) else "no usable answer"
            raise ScanFailure("error", f"no TLS version from 1.0 to 1.3 accepted ({why})")
        if VERSION_NAMES[TLS12] in r.versions:
            if self.options.cipher_suites:
                r.tls12_suites = await self._suites(TLS12)
            if not tls13:
                await self._groups12()
        if self.options.signature_schemes:
            await (self._sigalgs13() if tls13 else self._sigalgs12())
        if self.options.certificates:
            await self._certificates(tls13)
        r.seconds = time.perf_counter() - started
        return r

    async def _removal_loop(
        self, offer: list[int], ask: Callable[[list[int]], Hello], pick: Callable
    ) -> list[int]:
        found: list[int] = []
        left = list(offer)
        while left:
            answer, extra = await self.probe.run(ask(left))
            chosen = pick(answer, extra) if isinstance(answer, ServerHello) else None
            if chosen is None or chosen not in left:
                break
            found.append(chosen)
            left.remove(chosen)
        return found

    async def _preference(self, found: list[int], ask: Callable, pick: Callable) -> str | None:
        if len(found) < 2:
            return None
        answer, extra = await self.probe.run(ask(list(reversed(found))))
        chosen = pick(answer, extra) if isinstance(answer, ServerHello) else None
        return "server" if chosen == found[0] else "client"

    async def _groups13(self) -> None:
        def ask(groups):
            return self.hello13(groups)

        def pick(sh, _):
            return sh.group if sh.version == TLS13 else None

        found = await self._removal_loop(list(GROUPS), ask, pick)
        self._set_groups(found)
        self.result.group_preference = await self._preference(found, ask, pick)

    def _set_groups(self, found: list[int]) -> None:
        r = self.result
        r.group_codepoints = found
        r.groups = [GROUPS[g] for g in found]
        r.pre_standard_groups = [GROUPS[g] for g in found if g in PRE_STANDARD_GROUPS]

    async def _suites(self, version: int) -> list[str]:
        """Suites accepted at ``version`` (TLS 1.3 or 1.2), the server's preference first.

        Whose preference decides is noted from the first version asked (1.3 when offered).
        """
        table = TLS13_SUITES if version == TLS13 else TLS12_SUITES
        group = self.result.group_codepoints[:1] or list(GROUPS)

        def ask(suites):
            if version == TLS13:
                return self.hello13(group, suites=suites)
            return self.hello12(TLS12, suites=suites)

        def pick(sh, _):
            return sh.suite if sh.version == version else None

        found = await self._removal_loop(list(table), ask, pick)
        preference = await self._preference(found, ask, pick)
        self.result.suite_preference = self.result.suite_preference or preference
        return [table[s] for s in found]

    async def _old_versions(self) -> ServerHello | None:
        first: ServerHello | None = None
        for version in (TLS12, TLS11, TLS10):
            answer, _ = await self.probe.run(self.hello12(version))
            if isinstance(answer, ServerHello) and answer.version == version:
                self.result.versions.append(VERSION_NAMES[version])
                first = first or answer
        return first

    async def _groups12(self) -> None:
        def ask(groups):
            return Hello(TLS12, ECDHE_SUITES, tuple(groups), server_name=self.sni)

        def pick(sh, extra):
            ske: ServerKeyExchange | None = extra.get("ske")
            return ske.group if ske else None

        async def run_until_ske(hello):
            return await self.probe.run(hello, until="tls12")

        found: list[int] = []
        left = [g for g in GROUPS if g < 0x0100]  # named curves only
        while left:
            answer, extra = await run_until_ske(ask(left))
            chosen = pick(answer, extra) if isinstance(answer, ServerHello) else None
            if chosen is None or chosen not in left:
                break
            found.append(chosen)
            left.remove(chosen)
        self._set_groups(found)

    async def _sigalgs13(self) -> None:
        share = self._share()
        if share is None:
            return
        for code, name in SIGNATURE_SCHEMES.items():
            hello = self.hello13([share.group], shares=[share], sigalgs=[code])
            answer, _ = await self.probe.run(hello)
            if isinstance(answer, ServerHello) and not answer.is_retry:
                self.result.signature_schemes.append(name)

    async def _sigalgs12(self) -> None:
        """TLS 1.2: the scheme signing an ECDHE ServerKeyExchange, one offer at a time."""
        groups = self.result.group_codepoints
        if not groups or VERSION_NAMES[TLS12] not in self.result.versions:
            return
        for code, name in SIGNATURE_SCHEMES.items():
            hello = Hello(TLS12, ECDHE_SUITES, tuple(groups), (code,), server_name=self.sni)
            _, extra = await self.probe.run(hello, until="tls12")
            ske: ServerKeyExchange | None = extra.get("ske")
            if ske is not None and ske.sigalg == code:
                self.result.signature_schemes.append(name)

    def _share(self) -> KeyShare | None:
        for group in self.result.group_codepoints:
            if group in KeyShare.SUPPORTED:
                return KeyShare(group)
        return None

    async def _certificates(self, tls13: bool) -> None:
        extra: dict = {}
        share = self._share() if tls13 else None
        if share is not None:
            hello = self.hello13([share.group], shares=[share])
            _, extra = await self.probe.run(hello, until="tls13", share=share)
        if "certificates" not in extra and VERSION_NAMES[TLS12] in self.result.versions:
            _, extra = await self.probe.run(self.hello12(TLS12), until="tls12")
        ders = extra.get("certificates", [])
        self.result.certificates = [der_facts(d) for d in ders]
        if "cv_scheme" in extra:
            code = extra["cv_scheme"]
            self.result.certificate_signature_scheme = SIGNATURE_SCHEMES.get(code, f"0x{code:04x}")


# ---------------------------------------------------------------------- public API
async def scan_endpoint(host: str, port: int, options: ScanOptions | None = None) -> TlsResult:
    """Scan one endpoint; failures become the result's ``status`` and ``error``, never raise."""
    options = options or ScanOptions()
    get_catalog()  # loaded once, outside the timeout: the first load blocks for a while
    scan = _EndpointScan(host, port, options)
    return await run_within(scan, options.timeout, protocol_errors=(ProtocolViolation, ValueError))


async def scan_many(
    targets: Iterable[tuple[str, int]],
    options: ScanOptions | None = None,
    *,
    concurrency: int = 64,
    on_result: Callable[[TlsResult], None] | None = None,
) -> list[TlsResult]:
    """Scan every target with at most ``concurrency`` at once; results in target order."""

    async def one(host: str, port: int) -> TlsResult:
        return await scan_endpoint(host, port, options)

    return await scan_all(targets, one, concurrency=concurrency, on_result=on_result)
