"""Whether a TLS 1.0-1.2 server requires a client certificate, proven rather than guessed.

RFC 5246 7.4.6: "If the client does not send any certificates, the server MAY at its
discretion either continue the handshake without client authentication, or respond with a
fatal handshake_failure alert." So the proof is a full handshake that answers the server's
CertificateRequest with an empty Certificate message: the server either finishes it
(``required`` False) or aborts with an alert after the client's flight (``required`` True,
naming the alert: OpenSSL 3.0 and Go 1.26 send handshake_failure below TLS 1.3).

The handshake itself is OpenSSL's (Python's ``ssl`` over memory buffers, restricted to the
suites the scan saw the server take), because a TLS 1.2 client flight needs a key exchange,
a PRF and record encryption for whichever suite the server picks. pqcplan reads the server's
records in clear on their way in, so it knows the alert came after the empty Certificate and
which alert it was. Anything else (no suite in common with OpenSSL, an alert before the
request, a close without an alert, an alert that names no certificate problem) leaves the
answer None with ``why``.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import struct
import warnings
from dataclasses import dataclass

from inventory.discovery.tlswire import ALERTS, TLS10, TLS11, TLS12, VERSION_NAMES

# Alerts a server sends when it will not go on without a client certificate: RFC 5246 7.4.6
# (handshake_failure), RFC 8446 4.4.2.4 (certificate_required), and the ones that name a
# certificate problem other stacks send instead (bad_certificate, certificate_unknown, and
# SSL 3.0's no_certificate). Any other alert proves nothing.
REFUSALS = frozenset({40, 41, 42, 46, 116})

_TLS_VERSIONS = {
    TLS10: ssl.TLSVersion.TLSv1,
    TLS11: ssl.TLSVersion.TLSv1_1,
    TLS12: ssl.TLSVersion.TLSv1_2,
}
_EVERY_SUITE = "ALL:COMPLEMENTOFALL:@SECLEVEL=0"  # the scanner judges weak suites, not OpenSSL
_LEGACY_SERVER_CONNECT = getattr(ssl, "OP_LEGACY_SERVER_CONNECT", 0x4)  # no RFC 5746 needed
OPENSSL = " ".join(ssl.OPENSSL_VERSION.split()[:2])  # "OpenSSL 3.0.19": the handshake's client


@dataclass(frozen=True)
class ClientAuthProof:
    """``required``: True (refused with ``alert``), False (finished without a certificate),
    None (not proven; ``why`` says what happened instead)."""

    required: bool | None
    alert: str | None = None
    why: str | None = None


def alert_name(code: int) -> str:
    """The alert's name in the TLS registry.

    >>> alert_name(116), alert_name(250)
    ('certificate_required', 'alert 250')
    """
    return ALERTS.get(code, f"alert {code}")


def refusal(code: int) -> ClientAuthProof:
    """The proof an alert gives after a client flight with no certificate.

    >>> refusal(40)
    ClientAuthProof(required=True, alert='handshake_failure', why=None)
    >>> refusal(51).required is None
    True
    """
    name = alert_name(code)
    if code in REFUSALS:
        return ClientAuthProof(True, alert=name)
    return ClientAuthProof(
        None, alert=name, why=f"the server answered a handshake without a client certificate "
        f"with {name}, an alert that names no certificate problem"
    )  # fmt: skip


@functools.cache
def openssl_suites() -> dict[int, str]:
    """IANA code -> OpenSSL name of every TLS 1.0-1.2 suite this OpenSSL can speak."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.set_ciphers(_EVERY_SUITE)
    return {c["id"] & 0xFFFF: c["name"] for c in ctx.get_ciphers() if c["protocol"] != "TLSv1.3"}


@functools.lru_cache(maxsize=64)
def _context(version: int, names: str) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the scanner reads the chain itself; it trusts nothing
    with warnings.catch_warnings():  # TLS 1.0/1.1 are deprecated: scanning them is the point
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = ctx.maximum_version = _TLS_VERSIONS[version]
    ctx.options |= _LEGACY_SERVER_CONNECT
    ctx.set_ciphers(names)
    return ctx


def openssl_cipher_string(codes: list[int]) -> str | None:
    """OpenSSL's cipher string for these suites (IANA codes, in this order), or None when
    OpenSSL speaks none of them.

    >>> openssl_cipher_string([0xC02F, 0x0000])
    'ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0'
    >>> openssl_cipher_string([0x0000]) is None
    True
    """
    known = openssl_suites()
    names = [known[c] for c in codes if c in known]
    return ":".join(names) + ":@SECLEVEL=0" if names else None


class _ServerFlight:
    """The server's records as they pass, read in clear until its ChangeCipherSpec."""

    def __init__(self) -> None:
        self.buffer = b""
        self.requested = False  # CertificateRequest seen
        self.done = False  # ServerHelloDone seen: the client's flight comes next
        self.alert: int | None = None  # a fatal plaintext alert
        self.encrypted = False

    def add(self, kind: int, payload: bytes) -> None:
        if self.encrypted:
            return
        if kind == 20:
            self.encrypted = True
        elif kind == 21 and len(payload) >= 2 and payload[0] == 2:
            self.alert = payload[1]
        elif kind == 22:
            data = self.buffer + payload
            while len(data) >= 4 and len(data) >= 4 + int.from_bytes(data[1:4], "big"):
                self.requested |= data[0] == 13
                self.done |= data[0] == 14
                data = data[4 + int.from_bytes(data[1:4], "big") :]
            self.buffer = data


async def prove(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    version: int,
    cipher_string: str,
    server_name: str | None,
) -> ClientAuthProof:
    """Run one handshake over this connection that answers a CertificateRequest with no
    certificate; what the server does next is the proof (see the module docstring)."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = _context(version, cipher_string).wrap_bio(incoming, outgoing, server_hostname=server_name)
    seen = _ServerFlight()
    flight_sent = False  # the client's Certificate (empty) went out
    name = VERSION_NAMES[version]
    while True:
        failure: ssl.SSLError | None = None
        try:
            tls.do_handshake()
            finished = True
        except ssl.SSLWantReadError:
            finished = False
        except ssl.SSLError as exc:
            finished, failure = False, exc
        out = outgoing.read()
        if out:
            writer.write(out)
            await writer.drain()
            flight_sent = flight_sent or seen.done
        if failure is not None:
            return _after_failure(seen, flight_sent, failure, name)
        if finished:
            if not seen.requested:
                return ClientAuthProof(
                    None, why=f"the {name} handshake completed without a CertificateRequest"
                )
            return ClientAuthProof(False)
        header = await _read(reader, 5)
        if header is None or header[0] not in (20, 21, 22, 23) or header[1] != 3:
            return _closed(flight_sent, name, header)
        payload = await _read(reader, struct.unpack("!H", header[3:5])[0])
        if payload is None:
            return _closed(flight_sent, name, None)
        seen.add(header[0], payload)
        incoming.write(header + payload)


async def _read(reader: asyncio.StreamReader, size: int) -> bytes | None:
    try:
        return await reader.readexactly(size)
    except (asyncio.IncompleteReadError, ConnectionResetError):
        return None


def _closed(flight_sent: bool, name: str, header: bytes | None) -> ClientAuthProof:
    what = "closed the connection" if header is None else f"sent something else ({header!r})"
    when = "after" if flight_sent else "before it read"
    return ClientAuthProof(
        None, why=f"the server {what} {when} a {name} client flight with no certificate, "
        "without an alert"
    )  # fmt: skip


def _after_failure(
    seen: _ServerFlight, flight_sent: bool, failure: ssl.SSLError, name: str
) -> ClientAuthProof:
    if seen.alert is not None and flight_sent and seen.requested:
        return refusal(seen.alert)
    said = alert_name(seen.alert) if seen.alert is not None else failure.reason or str(failure)
    if not flight_sent:
        return ClientAuthProof(
            None, why=f"the {name} handshake ({OPENSSL}) failed before the server asked "
            f"for a certificate: {said}"
        )  # fmt: skip
    return ClientAuthProof(
        None, why=f"the {name} handshake failed after a client flight with no certificate, "
        f"without a plaintext alert: {said}"
    )  # fmt: skip
