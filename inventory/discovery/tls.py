"""TLS endpoint scanner: versions, cipher suites, key exchange groups, signature schemes, the
certificate chain and what travels with it, learned by offering them (see ``tlswire``).

How each fact is found:

- TLS 1.3 and its groups: a ClientHello offering TLS 1.3 only, every group in ``GROUPS`` and
  no key share. A server that accepts one of them answers a HelloRetryRequest naming the
  group it picked; the group is removed and the question asked again until the server
  answers with an alert. That finds every accepted group with one connection per group.
- Suites: the same removal loop over every suite in the IANA registry
  (``data/tls-cipher-suites.csv``): TLS 1.3 suites ride on the HelloRetryRequest, TLS 1.0,
  1.1 and 1.2 suites on the ServerHello, once per accepted version.
- Preference ("server", "client" or "client hint honoured") is claimed only when probes in
  other orders prove it (``_preference``); otherwise it stays None.
- TLS 1.2-only servers: groups from the ServerKeyExchange of ECDHE offers. DHE: the size of
  the server's prime, from the ServerKeyExchange of a DHE-only offer.
- Signature schemes, TLS 1.3: a real key exchange decrypts the server's flight up to
  CertificateVerify, whose scheme is removed and the question asked again. TLS 1.2 (also on
  servers that speak 1.3): the scheme signing the ServerKeyExchange, the same way.
- Certificates, OCSP stapling, SCTs and a CertificateRequest (the CAs a server names for
  client certificates) come with the first of those handshakes: TLS 1.3 through a key share
  for any group the server may insist on (X25519, X448, the NIST curves, ffdhe2048-8192,
  ML-KEM alone and the ML-KEM hybrids), else TLS 1.2 (or 1.1, 1.0) in clear.
- Whether a client certificate is required: the server's request answered with none, over
  TLS 1.3 by this module, over older versions by ``tlsauth`` (OpenSSL's handshake); only
  what the server then does proves it (``client_certificate_required``, else ``partial``).

A target that refuses, hangs, speaks something else or closes mid-handshake becomes that
target's result (``status`` and ``error``); its partial facts are dropped. A target that
answers but keeps a part of itself unreadable (a TLS 1.3 server whose every group is one
pqcplan cannot make a key share for, and no TLS 1.2) is ``partial``: what was learned is
kept, ``incomplete`` names what was not, and ``error`` says why.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import struct
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from core.i18n import N_, say
from core.their_words import their_words
from inventory.catalog import get_catalog
from inventory.discovery.certs import CertFacts, chain_facts
from inventory.discovery.endpoint_scan import (
    EndpointResult,
    ScanFailure,
    connect,
    run_within,
    scan_all,
)
from inventory.discovery.tlsauth import OPENSSL, ClientAuthProof, openssl_cipher_string, refusal
from inventory.discovery.tlsauth import prove as prove_client_auth
from inventory.discovery.tlswire import (
    DECRYPTABLE_TLS13,
    GROUPS,
    PRE_STANDARD_GROUPS,
    SIGNATURE_SCHEMES,
    SUITES,
    TLS10,
    TLS11,
    TLS12,
    TLS12_SUITES,
    TLS13,
    TLS13_SUITES,
    VERSION_NAMES,
    Alert,
    CertificateMessage,
    CertificateRequest,
    HandshakeDecryptor,
    Hello,
    KeyShare,
    ProtocolViolation,
    ServerHello,
    ServerKeyExchange,
    count_scts,
    parse_certificate_request,
    parse_certificate_status,
    parse_certificates,
    parse_server_hello,
    parse_server_key_exchange,
    records,
)

STATUSES = ("ok", "partial", "refused", "timeout", "not_tls", "closed", "error")
CLIENT_HINT = "client hint honoured"  # server order, except when the client's first is X
OLD_VERSIONS = (TLS12, TLS11, TLS10)
_SUITE_FIELDS = {TLS12: "tls12_suites", TLS11: "tls11_suites", TLS10: "tls10_suites"}
T = TypeVar("T")
Talk = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[T]]  # one connection

NOT_TLS = N_("not TLS: first bytes {bytes}")


@dataclass
class ScanOptions:
    timeout: float = 10.0  # whole-target budget, seconds
    cipher_suites: bool = True
    signature_schemes: bool = True
    certificates: bool = True


@dataclass
class TlsResult(EndpointResult):
    versions: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)  # accepted, in the order found
    group_codepoints: list[int] = field(default_factory=list)
    group_preference: str | None = None  # "server", "client", CLIENT_HINT, or None: unproven
    pre_standard_groups: list[str] = field(default_factory=list)
    tls13_suites: list[str] = field(default_factory=list)
    tls12_suites: list[str] = field(default_factory=list)
    tls11_suites: list[str] = field(default_factory=list)
    tls10_suites: list[str] = field(default_factory=list)
    suite_preference: str | None = None  # of the newest version that has suites
    suite_preferences: dict[str, str | None] = field(default_factory=dict)  # per version
    null_suites: list[str] = field(default_factory=list)  # no encryption
    anonymous_suites: list[str] = field(default_factory=list)  # no server authentication
    export_suites: list[str] = field(default_factory=list)
    dh_bits: list[int] = field(default_factory=list)  # DHE prime sizes (ServerKeyExchange)
    signature_schemes: list[str] = field(default_factory=list)  # TLS 1.3 CertificateVerify
    tls12_signature_schemes: list[str] = field(default_factory=list)  # ServerKeyExchange
    certificate_signature_scheme: str | None = None  # what the first CertificateVerify used
    certificates: list[CertFacts] = field(default_factory=list)
    certificates_from: str | None = None  # the version of the handshake that showed them
    client_certificate_requested: bool | None = None  # None: no handshake went that far
    # proven by a handshake that answers the request with no certificate (``tlsauth``):
    # True (the server aborted with ``client_certificate_alert``), False (it finished), None
    # (not requested, or not proven: then ``incomplete`` and ``error`` say why)
    client_certificate_required: bool | None = None
    client_certificate_alert: str | None = None
    client_certificate_proven_over: str | None = None  # "TLSv1.3", "TLSv1.2"...
    client_certificate_authorities: list[str] = field(default_factory=list)
    ocsp_stapled: bool | None = None
    ocsp_status: str | None = None  # good, revoked, unknown, or the responder's error
    scts: dict[str, int] = field(default_factory=dict)  # where SCTs came: tls, certificate, ocsp
    incomplete: list[str] = field(default_factory=list)  # parts that could not be learned
    connections: int = 0
    seconds: float = 0.0

    @property
    def hybrid_groups(self) -> list[str]:
        return [n for n in self.groups if "MLKEM" in n or "Kyber" in n]

    @property
    def client_certificate(self) -> str | None:
        """What a reader needs of the client-certificate facts, in a few words (None: not
        asked for); the CLI's column and the asset's description.

        >>> r = TlsResult("h", 1, client_certificate_requested=True)
        >>> r.client_certificate
        'requested (required or optional not proven)'
        >>> r.client_certificate_required, r.client_certificate_proven_over = False, "TLSv1.2"
        >>> r.client_certificate
        'optional (TLSv1.2)'
        >>> r.client_certificate_required, r.client_certificate_alert = True, "handshake_failure"
        >>> r.client_certificate
        'required (TLSv1.2, handshake_failure)'
        """
        if not self.client_certificate_requested:
            return None
        if self.client_certificate_required is None:
            return "requested (required or optional not proven)"
        if not self.client_certificate_required:
            return f"optional ({self.client_certificate_proven_over})"
        return f"required ({self.client_certificate_proven_over}, {self.client_certificate_alert})"

    @property
    def suites_by_version(self) -> dict[str, list[str]]:
        pairs = zip(
            ("TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1.0"),
            (self.tls13_suites, self.tls12_suites, self.tls11_suites, self.tls10_suites),
            strict=True,
        )
        return {version: suites for version, suites in pairs if suites}

    def to_dict(self) -> dict:
        """JSON-ready (lists copied one level: their items are plain values)."""
        out = {k: list(v) if isinstance(v, list) else v for k, v in vars(self).items()}
        out["suite_preferences"] = dict(self.suite_preferences)
        out["scts"] = dict(self.scts)
        out["certificates"] = [c.to_dict() for c in self.certificates]
        return out


@dataclass
class _Flight:
    """What one handshake showed beyond its ServerHello."""

    certificates: CertificateMessage | None = None
    ske: ServerKeyExchange | None = None
    cv_scheme: int | None = None
    request: CertificateRequest | None = None
    request_context: bytes = b""
    ocsp: bytes | None = None
    tls_scts: int = 0
    suite: int | None = None  # the ServerHello's
    client_auth: ClientAuthProof | None = None  # what answering with no certificate showed


# ---------------------------------------------------------------------- one connection
class _Probe:
    """One TCP connection: send a ClientHello, read the server's answer.

    Deadlines adapt to the host: the first probe may use the whole budget; once the host has
    answered, a probe that takes more than ``SLOW_FACTOR`` times its slowest answer (at
    least ``MIN_PROBE_SECONDS``) means the host stopped answering, and the target fails
    then instead of at the end of its budget.
    """

    SLOW_FACTOR = 10.0
    MIN_PROBE_SECONDS = 2.0

    def __init__(self, host: str, port: int, result: TlsResult) -> None:
        self.host, self.port, self.result = host, port, result
        self.slowest: float | None = None

    async def run(
        self, hello: Hello, *, until: str = "hello", share: KeyShare | None = None
    ) -> tuple[ServerHello | Alert | None, _Flight]:
        """Answer to ``hello``: a ServerHello, an Alert, or None when the peer just closed.

        ``until`` is "hello" (stop at ServerHello), "tls12" (read to ServerHelloDone),
        "tls13" (decrypt to CertificateVerify, with ``share`` for the key exchange) or
        "tls13auth" (to the server's Finished; if it asked for a client certificate, answer
        with none and read whether it goes on).
        """
        answer = await self._timed(
            lambda reader, writer: self._exchange(reader, writer, hello, until, share)
        )
        return answer or (None, _Flight())

    async def without_certificate(
        self, version: int, cipher_string: str, server_name: str | None
    ) -> ClientAuthProof:
        """A TLS 1.0-1.2 handshake answering a CertificateRequest with no certificate."""
        proof = await self._timed(
            lambda reader, writer: prove_client_auth(
                reader, writer, version, cipher_string, server_name
            )
        )
        why = "the server reset the connection during a handshake with no client certificate"
        return proof or ClientAuthProof(None, why=why)

    async def _timed(self, talk: Talk[T]) -> T | None:
        """``talk`` over a new connection within this host's probe deadline; None when the
        peer reset the connection."""
        self.result.connections += 1
        started = time.perf_counter()
        limit = None
        if self.slowest is not None:
            limit = max(self.MIN_PROBE_SECONDS, self.SLOW_FACTOR * self.slowest)
        try:
            async with asyncio.timeout(limit):
                answer = await self._connected(talk)
        except TimeoutError:
            if limit is None:
                raise
            raise ScanFailure(
                "timeout",
                say(
                    N_(
                        "the server stopped answering after {count} handshake(s): no answer "
                        "within {seconds} s"
                    ),
                    count=self.result.connections - 1,
                    seconds=f"{limit:.1f}",
                ),
            ) from None
        took = time.perf_counter() - started
        self.slowest = took if self.slowest is None else max(self.slowest, took)
        return answer

    async def _connected(self, talk: Talk[T]) -> T | None:
        reader, writer = await connect(self.host, self.port)
        try:
            return await talk(reader, writer)
        except (ConnectionResetError, BrokenPipeError):
            return None
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def _exchange(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        hello: Hello,
        until: str,
        share: KeyShare | None,
    ) -> tuple[ServerHello | Alert | None, _Flight]:
        ch = hello.encode()
        writer.write(records(ch, hello.version))
        await writer.drain()
        return await self._read(reader, ch, until, share, writer)

    async def _read(
        self,
        reader: asyncio.StreamReader,
        ch: bytes,
        until: str,
        share: KeyShare | None,
        writer: asyncio.StreamWriter,
    ) -> tuple[ServerHello | Alert | None, _Flight]:
        buf = b""
        sh: ServerHello | None = None
        flight = _Flight()
        decryptor: HandshakeDecryptor | None = None
        transcript = ch
        while True:
            try:
                header = await reader.readexactly(5)
            except asyncio.IncompleteReadError as exc:
                if exc.partial and not _plausible_header(exc.partial):
                    raise ScanFailure("not_tls", say(NOT_TLS, bytes=repr(exc.partial))) from exc
                return (sh, flight) if sh and until == "hello" else (None, flight)
            kind, major, length = header[0], header[1], struct.unpack("!H", header[3:5])[0]
            if kind not in (20, 21, 22, 23) or major != 3 or length > 16384 + 2048:
                raise ScanFailure("not_tls", say(NOT_TLS, bytes=repr(header)))
            try:
                payload = await reader.readexactly(length)
            except asyncio.IncompleteReadError:
                return None, flight  # closed mid-record
            if kind == 21 and decryptor is None:
                if len(payload) < 2:
                    raise ProtocolViolation(say(N_("short alert")))
                return Alert(payload[0], payload[1]), flight
            if kind == 20:
                continue
            if kind == 23:
                if decryptor is None:
                    raise ProtocolViolation(say(N_("encrypted record before the handshake keys")))
                inner_type, payload = decryptor.open(header, payload)
                if inner_type == 21:
                    return Alert(payload[0], payload[1]), flight
                if inner_type != 22:
                    continue
            rest: list[bytes] = []
            for msg_type, body, raw in _messages(buf + payload, rest):
                transcript += raw
                if msg_type == 2:
                    sh = parse_server_hello(body)
                    flight.suite = sh.suite
                    if until == "hello" or sh.is_retry:
                        return sh, flight
                    flight.tls_scts = count_scts(sh.extensions.get(0x0012, b""))
                    if until.startswith("tls13"):
                        if sh.version != TLS13 or share is None or sh.key_share is None:
                            return sh, flight
                        secret = share.shared_secret(sh.key_share)
                        decryptor = HandshakeDecryptor(sh.suite, secret, ch + raw)
                elif msg_type == 11:
                    flight.certificates = parse_certificates(body, tls13=decryptor is not None)
                elif msg_type == 12 and sh is not None:
                    flight.ske = parse_server_key_exchange(body, SUITES.get(sh.suite), sh.version)
                elif msg_type == 13:
                    version = TLS13 if decryptor is not None else sh.version if sh else TLS12
                    flight.request = parse_certificate_request(body, version)
                    if decryptor is not None:
                        flight.request_context = body[1 : 1 + body[0]]
                elif msg_type == 22:
                    flight.ocsp = parse_certificate_status(body)
                elif msg_type == 15:
                    flight.cv_scheme = struct.unpack("!H", body[:2])[0]
                    if until != "tls13auth":
                        return sh, flight
                elif msg_type == 20 and decryptor is not None:
                    if flight.request is not None:
                        await _answer_without_certificate(
                            reader, writer, decryptor, transcript, flight
                        )
                    return sh, flight
                elif msg_type == 14:
                    return sh, flight
            buf = rest[0] if rest else b""


async def _answer_without_certificate(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    decryptor: HandshakeDecryptor,
    transcript: bytes,
    flight: _Flight,
) -> None:
    """Send an empty Certificate and Finished; the server's next record says whether the
    certificate was required (an alert naming a certificate problem, ``tlsauth.REFUSALS``)
    or optional (a ticket or data). Silence, a close or another alert proves nothing: the
    proof stays None with why."""
    writer.write(decryptor.client_flight(transcript, flight.request_context))
    sent = "a TLS 1.3 Finished sent with no client certificate"
    try:
        async with asyncio.timeout(_Probe.MIN_PROBE_SECONDS):
            await writer.drain()
            header = await reader.readexactly(5)
            payload = await reader.readexactly(struct.unpack("!H", header[3:5])[0])
    except TimeoutError:
        flight.client_auth = ClientAuthProof(
            None, why=f"the server said nothing within {_Probe.MIN_PROBE_SECONDS:g} s of {sent}"
        )
        return
    except (asyncio.IncompleteReadError, OSError):
        flight.client_auth = ClientAuthProof(
            None, why=f"the server closed the connection after {sent}, without an alert"
        )
        return
    kind, body, encrypted = header[0], payload, header[0] == 23
    if encrypted:
        kind, body = decryptor.open(header, payload)
    if kind == 21 and len(body) > 1:
        flight.client_auth = refusal(body[1])
    elif encrypted and kind in (22, 23):  # NewSessionTicket or data: it went on without one
        flight.client_auth = ClientAuthProof(False)
    else:
        flight.client_auth = ClientAuthProof(None, why=f"unexpected record {kind} after {sent}")


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


Ask = Callable[[list[int]], Hello]
Pick = Callable[[ServerHello, _Flight], int | None]


class _EndpointScan:
    def __init__(self, host: str, port: int, options: ScanOptions) -> None:
        self.result = TlsResult(host=host, port=port)
        self.probe = _Probe(host, port, self.result)
        self.sni = _server_name(host)
        self.options = options
        self.cert_flight: _Flight | None = None
        self.cert_version: str | None = None
        self.unproven: dict[str, str] = {}  # part -> why it could not be learned

    # -------------------------------------------------------------- hellos
    def hello13(self, groups, suites=tuple(TLS13_SUITES), shares=(), sigalgs=None) -> Hello:
        return Hello(
            version=TLS12,
            suites=tuple(suites),
            groups=tuple(groups),
            key_shares=tuple(shares),
            sigalgs=tuple(sigalgs) if sigalgs is not None else tuple(SIGNATURE_SCHEMES),
            server_name=self.sni,
            tls13=True,
            stapling=bool(shares),
        )

    def hello12(self, version: int, suites=tuple(TLS12_SUITES), groups=None, **kw) -> Hello:
        return Hello(
            version=version,
            suites=tuple(suites),
            groups=tuple(groups) if groups is not None else tuple(GROUPS),
            server_name=self.sni,
            **kw,
        )

    async def _resolve(self) -> None:
        """A host name is looked up once per target, not once per probe (SNI keeps the name)."""
        if self.sni is None:
            return
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(self.sni, self.result.port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise ScanFailure(
                "error",
                say(
                    N_("cannot resolve {host}: {reason}"),
                    host=self.sni,
                    reason=their_words(exc, str(exc.strerror)),
                ),
            ) from exc
        self.probe.host = infos[0][4][0]

    # -------------------------------------------------------------- the scan
    async def run(self) -> TlsResult:
        r = self.result
        started = time.perf_counter()
        await self._resolve()
        first = await self.probe.run(self.hello13(GROUPS))
        answer = first[0]
        tls13 = isinstance(answer, ServerHello) and answer.version == TLS13
        if tls13:
            r.versions.append(VERSION_NAMES[TLS13])
            await self._groups13(first)
            if self.options.cipher_suites:
                r.tls13_suites = await self._suites13()
        firsts = await self._old_versions()
        if not r.versions:
            if answer is None and not any(a for a, _ in firsts.values()):
                raise ScanFailure("closed", say(N_("the server closed every handshake unanswered")))
            why = answer.name if isinstance(answer, Alert) else say(N_("no usable answer"))
            raise ScanFailure(
                "error", say(N_("no TLS version from 1.0 to 1.3 accepted ({why})"), why=why)
            )
        if self.options.cipher_suites:
            for version, first_answer in firsts.items():
                await self._suites_old(version, first_answer)
            self._flag_suites()
        if VERSION_NAMES[TLS12] in r.versions and not tls13:
            await self._groups12()
        if self.options.cipher_suites:
            await self._dh_sizes()
        if self.options.signature_schemes or self.options.certificates:
            if tls13:
                await self._sigalgs13()
            if VERSION_NAMES[TLS12] in r.versions:
                await self._sigalgs12()
        if self.options.certificates:
            await self._certificates()
        self._check_complete(tls13)
        r.seconds = time.perf_counter() - started
        return r

    # -------------------------------------------------------------- removal loops
    async def _removal_loop(
        self, offer: list[int], ask: Ask, pick: Pick, first=None, until: str = "hello"
    ) -> list[int]:
        """Every item of ``offer`` the server takes, in the order it took them; ``first`` is
        the answer to ``ask(offer)`` when already known (saves a connection)."""
        found: list[int] = []
        left = list(offer)
        while left:
            if first is not None and not found:
                answer, flight = first
            else:
                answer, flight = await self.probe.run(ask(left), until=until)
            chosen = pick(answer, flight) if isinstance(answer, ServerHello) else None
            if chosen is None or chosen not in left:
                break
            found.append(chosen)
            left.remove(chosen)
        return found

    async def _pick_of(self, order: list[int], ask: Ask, pick: Pick, until: str) -> int | None:
        answer, flight = await self.probe.run(ask(order), until=until)
        return pick(answer, flight) if isinstance(answer, ServerHello) else None

    async def _preference(
        self, found: list[int], ask: Ask, pick: Pick, until: str = "hello"
    ) -> str | None:
        """Whose order decides, claimed only when two offers in other orders prove it.

        - the server keeps its own first choice when the client lists it last: "server";
        - it took the client's first both in the reversed order and in an order whose first
          is the server's second choice (its first still offered): "client";
        - it took the client's first only in one of them (Go prefers AES-GCM unless the
          client lists ChaCha20 first): CLIENT_HINT;
        - fewer than two items, or answers that fit none of these: None (not proven).
        """
        if len(found) < 2:
            return None
        reverse = found[::-1]
        chosen = await self._pick_of(reverse, ask, pick, until)
        if chosen == found[0]:
            return "server"
        if chosen != reverse[0] or len(found) < 3:
            return None  # two items in both orders cannot tell client order from a hint
        second_first = [found[1]] + [x for x in found if x != found[1]]
        chosen = await self._pick_of(second_first, ask, pick, until)
        if chosen == found[1]:
            return "client"
        return CLIENT_HINT if chosen == found[0] else None

    # -------------------------------------------------------------- groups
    async def _groups13(self, first) -> None:
        def ask(groups):
            return self.hello13(groups)

        def pick(sh, _):
            return sh.group if sh.version == TLS13 else None

        found = await self._removal_loop(list(GROUPS), ask, pick, first=first)
        self._set_groups(found)
        self.result.group_preference = await self._preference(found, ask, pick)

    def _set_groups(self, found: list[int]) -> None:
        r = self.result
        r.group_codepoints = found
        r.groups = [GROUPS[g] for g in found]
        r.pre_standard_groups = [GROUPS[g] for g in found if g in PRE_STANDARD_GROUPS]

    async def _groups12(self) -> None:
        ecdhe = [c for c, s in SUITES.items() if not s.tls13 and s.ephemeral_ecdh]

        def ask(groups):
            return self.hello12(TLS12, suites=ecdhe, groups=groups)

        def pick(_, flight):
            return flight.ske.group if flight.ske else None

        named_curves = [g for g in GROUPS if g < 0x0100]
        found = await self._removal_loop(named_curves, ask, pick, until="tls12")
        self._set_groups(found)
        self.result.group_preference = await self._preference(found, ask, pick, "tls12")

    # -------------------------------------------------------------- suites
    async def _suites13(self) -> list[str]:
        group = self.result.group_codepoints[:1] or list(GROUPS)

        def ask(suites):
            return self.hello13(group, suites=suites)

        def pick(sh, _):
            return sh.suite if sh.version == TLS13 else None

        found = await self._removal_loop(list(TLS13_SUITES), ask, pick)
        self._note_preference("TLSv1.3", await self._preference(found, ask, pick))
        return [TLS13_SUITES[s] for s in found]

    async def _old_versions(self) -> dict[int, tuple]:
        """TLS 1.2, 1.1 and 1.0, one ClientHello each; the answers of accepted versions."""
        accepted: dict[int, tuple] = {}
        for version in OLD_VERSIONS:
            answer = await self.probe.run(self.hello12(version))
            sh = answer[0]
            if isinstance(sh, ServerHello) and sh.version == version:
                self.result.versions.append(VERSION_NAMES[version])
                accepted[version] = answer
        return accepted

    async def _suites_old(self, version: int, first) -> None:
        def ask(suites):
            return self.hello12(version, suites=suites)

        def pick(sh, _):
            return sh.suite if sh.version == version else None

        found = await self._removal_loop(list(TLS12_SUITES), ask, pick, first=first)
        name = VERSION_NAMES[version]
        self._note_preference(name, await self._preference(found, ask, pick))
        names = [TLS12_SUITES[s] for s in found]
        setattr(self.result, _SUITE_FIELDS[version], names)

    def _note_preference(self, version: str, preference: str | None) -> None:
        r = self.result
        r.suite_preferences[version] = preference
        if r.suite_preference is None:
            r.suite_preference = preference

    def _flag_suites(self) -> None:
        r = self.result
        seen = dict.fromkeys(r.tls12_suites + r.tls11_suites + r.tls10_suites + r.tls13_suites)
        by_name = {s.name: s for s in SUITES.values()}
        r.null_suites = [n for n in seen if by_name[n].null]
        r.anonymous_suites = [n for n in seen if by_name[n].anonymous]
        r.export_suites = [n for n in seen if by_name[n].export]

    def _old_suite_codes(self, accept: Callable) -> list[int]:
        r = self.result
        names = set(r.tls12_suites + r.tls11_suites + r.tls10_suites)
        return [c for c, s in SUITES.items() if s.name in names and accept(s)]

    async def _dh_sizes(self) -> None:
        """The server's DHE prime: one handshake offering only the DHE suites it took."""
        dhe = self._old_suite_codes(lambda s: s.ephemeral_dh)
        if not dhe:
            return
        version = next(v for v in OLD_VERSIONS if VERSION_NAMES[v] in self.result.versions)
        _, flight = await self.probe.run(self.hello12(version, suites=dhe), until="tls12")
        if flight.ske is not None and flight.ske.dh_bits:
            self.result.dh_bits = [flight.ske.dh_bits]

    # -------------------------------------------------------------- signatures, certificates
    def _share_group(self) -> int | None:
        return next((g for g in self.result.group_codepoints if g in KeyShare.SUPPORTED), None)

    async def _sigalgs13(self) -> None:
        """CertificateVerify schemes; the first handshake also brings the chain."""
        group = self._share_group()
        if group is None:
            return

        def ask(schemes):
            share = KeyShare(group)
            return self.hello13([group], suites=DECRYPTABLE_TLS13, shares=[share], sigalgs=schemes)

        async def run(hello: Hello, until: str = "tls13"):
            answer, flight = await self.probe.run(hello, until=until, share=hello.key_shares[0])
            if flight.certificates is not None and self.cert_flight is None:
                self.cert_flight, self.cert_version = flight, VERSION_NAMES[TLS13]
                if flight.cv_scheme is not None:
                    code = flight.cv_scheme
                    name = SIGNATURE_SCHEMES.get(code, f"0x{code:04x}")
                    self.result.certificate_signature_scheme = name
            return answer, flight

        def pick(_, flight):
            return flight.cv_scheme

        first = await run(ask(list(SIGNATURE_SCHEMES)), "tls13auth")
        if not self.options.signature_schemes:
            return
        found = await self._loop_with(list(SIGNATURE_SCHEMES), ask, pick, first, run)
        self.result.signature_schemes = [SIGNATURE_SCHEMES[c] for c in found]

    async def _loop_with(self, offer, ask, pick, first, run) -> list[int]:
        found: list[int] = []
        left = list(offer)
        answer, flight = first
        while True:
            chosen = pick(answer, flight) if isinstance(answer, ServerHello) else None
            if chosen is None or chosen not in left:
                return found
            found.append(chosen)
            left.remove(chosen)
            if not left:
                return found
            answer, flight = await run(ask(left))

    async def _sigalgs12(self) -> None:
        """The schemes signing a TLS 1.2 ServerKeyExchange (also on servers that speak 1.3);
        the first handshake brings the chain when TLS 1.3 did not."""
        signed = self._old_suite_codes(
            lambda s: (s.ephemeral_dh or s.ephemeral_ecdh) and not s.anonymous
        )
        if not signed:
            return
        groups = self.result.group_codepoints or None

        def ask(schemes):
            return self.hello12(TLS12, suites=signed, groups=groups, sigalgs=tuple(schemes),
                                stapling=True)  # fmt: skip

        async def run(hello: Hello):
            answer, flight = await self.probe.run(hello, until="tls12")
            if flight.certificates is not None and self.cert_flight is None:
                self.cert_flight, self.cert_version = flight, VERSION_NAMES[TLS12]
            return answer, flight

        def pick(_, flight):
            return flight.ske.sigalg if flight.ske else None

        if not self.options.signature_schemes:
            if self.cert_flight is None:
                await run(ask(list(SIGNATURE_SCHEMES)))
            return
        first = await run(ask(list(SIGNATURE_SCHEMES)))
        found = await self._loop_with(list(SIGNATURE_SCHEMES), ask, pick, first, run)
        self.result.tls12_signature_schemes = [SIGNATURE_SCHEMES[c] for c in found]

    async def _certificates(self) -> None:
        r = self.result
        old = [v for v in OLD_VERSIONS if VERSION_NAMES[v] in r.versions]
        if self.cert_flight is None and old:
            # RSA key transport has no ServerKeyExchange; TLS 1.0/1.1-only servers come here
            hello = self.hello12(old[0], suites=self._authenticated(old[0]), stapling=True)
            _, flight = await self.probe.run(hello, until="tls12")
            if flight.certificates is not None:
                self.cert_flight, self.cert_version = flight, VERSION_NAMES[old[0]]
        flight = self.cert_flight
        if flight is None or flight.certificates is None:
            return
        r.certificates_from = self.cert_version
        r.certificates = chain_facts(flight.certificates.ders)
        r.client_certificate_requested = flight.request is not None
        if flight.request is not None:
            r.client_certificate_authorities = flight.request.authorities
            await self._client_auth(flight, old[:1])
        ocsp = flight.certificates.ocsp or flight.ocsp
        r.ocsp_stapled = ocsp is not None
        scts = {"tls": flight.tls_scts or flight.certificates.scts}
        if r.certificates:
            scts["certificate"] = r.certificates[0].scts
        if ocsp is not None:
            r.ocsp_status, scts["ocsp"] = _ocsp_facts(ocsp)
        r.scts = scts

    async def _client_auth(self, flight: _Flight, old: list[int]) -> None:
        """Required or optional, proven over TLS 1.3 (the certificate handshake answered with
        no certificate) or else over the newest of TLS 1.2-1.0 (``tlsauth``)."""
        proofs: list[tuple[str, ClientAuthProof]] = []
        if self.cert_version == VERSION_NAMES[TLS13] and flight.client_auth is not None:
            proofs.append((VERSION_NAMES[TLS13], flight.client_auth))
        if old and all(p.required is None for _, p in proofs):
            proofs.append((VERSION_NAMES[old[0]], await self._client_auth_old(old[0])))
        r = self.result
        proven = next(((v, p) for v, p in proofs if p.required is not None), None)
        if proven is not None:
            r.client_certificate_proven_over, proof = proven
            r.client_certificate_required, r.client_certificate_alert = proof.required, proof.alert
            return
        why = "; ".join(f"{v}: {p.why}" for v, p in proofs) or "no handshake could answer it"
        self.unproven["client_certificate_required"] = (
            f"client certificate requested, required or optional not proven ({why})"
        )

    def _authenticated(self, version: int) -> list[int]:
        """The suites taken at ``version`` that authenticate the server with a certificate
        (every such suite when the suites were not probed): an anonymous pick would show no
        chain and could not ask for a client certificate."""
        taken = set(getattr(self.result, _SUITE_FIELDS[version]))
        return [
            code
            for code, suite in SUITES.items()
            if not suite.tls13
            and suite.certificate_authenticated
            and (not taken or suite.name in taken)
        ]

    async def _client_auth_old(self, version: int) -> ClientAuthProof:
        """Over TLS 1.2-1.0 with OpenSSL's handshake, the suite of the flight that asked
        first (when it was this version's)."""
        codes = self._authenticated(version)
        flight = self.cert_flight
        if (
            flight is not None
            and flight.suite in codes
            and self.cert_version == VERSION_NAMES[version]
        ):
            codes.remove(flight.suite)
            codes.insert(0, flight.suite)
        cipher_string = openssl_cipher_string(codes)
        if cipher_string is None:
            why = f"none of the server's suites is one {OPENSSL} can complete a handshake with"
            return ClientAuthProof(None, why=why)
        return await self.probe.without_certificate(version, cipher_string, self.sni)

    def _check_complete(self, tls13: bool) -> None:
        """A part that could not be learned makes the result ``partial``, saying why."""
        r = self.result
        if not (self.options.certificates or self.options.signature_schemes):
            return
        if tls13 and self._share_group() is None:
            names = ", ".join(r.groups) or "none"
            missing = ["signature_schemes"] + (["certificates"] if not r.certificates else [])
            r.incomplete = missing
            r.status = "partial"
            r.error = (
                f"TLS 1.3 signature schemes{' and certificates' if not r.certificates else ''} "
                f"not read: the server accepts only groups pqcplan cannot make a key share for "
                f"({names})" + ("" if r.certificates else " and no TLS 1.2")
            )
        elif self.options.certificates and not r.certificates:
            r.incomplete = ["certificates"]
            r.status = "partial"
            r.error = "the server completed no handshake that showed its certificate chain"
        for part, why in self.unproven.items():
            r.incomplete.append(part)
            r.status = "partial"
            r.error = f"{r.error}; {why}" if r.error else why


def _ocsp_facts(der: bytes) -> tuple[str, int]:
    """(certificate status, SCT count) of a stapled OCSP response."""
    from cryptography import x509
    from cryptography.x509 import ocsp

    try:
        response = ocsp.load_der_ocsp_response(der)
    except ValueError:
        return "unreadable OCSP response", 0
    if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        return response.response_status.name.lower(), 0
    status = response.certificate_status.name.lower()
    try:
        ext = response.single_extensions.get_extension_for_class(x509.SignedCertificateTimestamps)
        return status, len(ext.value)
    except x509.ExtensionNotFound:
        return status, 0


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
