"""Client-certificate requirement, proven on real servers: the scanner answers the server's
CertificateRequest with no certificate and reads what the server does next.

Expected values come from the servers' own rules, not from pqcplan's output:
- RFC 5246 7.4.6 (TLS 1.2): a server may go on without a client certificate or "respond with
  a fatal handshake_failure alert"; RFC 8446 4.4.2.4 (TLS 1.3): "abort the handshake with a
  certificate_required alert". OpenSSL's s_server `-verify n` asks and goes on, `-Verify n`
  also fails when none is sent (s_server(1): "the client must supply a certificate or an
  error occurs").
- Go crypto/tls: RequestClientCert asks and goes on; RequireAnyClientCert refuses, sending
  certificate_required over TLS 1.3 and handshake_failure below it (crypto/tls
  handshake_server.go, processCertsFromClient, Go 1.26).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading

import pytest

from inventory.discovery.tls import ScanOptions, scan_endpoint
from tests.inventory.discovery import pki


def scan(port: int):
    return asyncio.run(scan_endpoint("127.0.0.1", port, ScanOptions(timeout=30)))


@pytest.fixture(scope="module")
def auth_pki(tmp_path_factory):
    """An ECDSA leaf issued by "Auth Root", and the root's PEM file (the CA a server names)."""
    ca_key = pki.ecdsa_key()
    ca = pki.make_cert(ca_key, "Auth Root", ca=True, days=3650, serial=9)
    key = pki.ecdsa_key()
    leaf = pki.make_cert(key, "auth.test", issuer_key=ca_key, issuer_cn="Auth Root")
    ca_file = tmp_path_factory.mktemp("auth") / "ca.pem"
    ca_file.write_bytes(pki.pem(ca))
    return [leaf, ca], key, ca_file


OLD_CIPHERS = ("-cipher", "ALL:@SECLEVEL=0")  # TLS 1.0/1.1 need OpenSSL's lowest level


@pytest.mark.parametrize(
    ("versions", "flag", "required", "alert", "over"),
    [
        (("-tls1_3",), "-verify", False, None, "TLSv1.3"),
        (("-tls1_3",), "-Verify", True, "certificate_required", "TLSv1.3"),
        (("-tls1_2",), "-verify", False, None, "TLSv1.2"),
        (("-tls1_2",), "-Verify", True, "handshake_failure", "TLSv1.2"),
        # ALL also brings anonymous DH suites: the proof must pick an authenticated one
        (("-tls1_1", *OLD_CIPHERS), "-verify", False, None, "TLSv1.1"),
        (("-tls1", *OLD_CIPHERS), "-Verify", True, "handshake_failure", "TLSv1.0"),
    ],
)
def test_openssl_required_or_optional(s_server, auth_pki, versions, flag, required, alert, over):
    chain, key, ca_file = auth_pki
    peer = s_server(chain, key, *versions, flag, "1", "-CAfile", str(ca_file))
    r = scan(peer.port)
    assert r.status == "ok", r.error
    assert r.client_certificate_requested is True
    assert r.client_certificate_authorities == ["CN=Auth Root"]
    assert (r.client_certificate_required, r.client_certificate_alert) == (required, alert)
    assert r.client_certificate_proven_over == over == r.certificates_from
    assert r.certificates[0].subject == "CN=auth.test"
    if over == "TLSv1.3":  # the handshakes after the proof still work
        assert r.signature_schemes == ["ecdsa_secp256r1_sha256"]
    elif over == "TLSv1.2":
        assert "ecdsa_secp256r1_sha256" in r.tls12_signature_schemes
    else:
        assert r.anonymous_suites  # listed, and they did not stop the chain being read


@pytest.mark.parametrize(
    ("max_version", "mode", "required", "alert", "over"),
    [
        ("1.2", "request", False, None, "TLSv1.2"),
        ("1.2", "require", True, "handshake_failure", "TLSv1.2"),
        ("1.3", "require", True, "certificate_required", "TLSv1.3"),
    ],
)
def test_go_required_or_optional(go_tls, auth_pki, max_version, mode, required, alert, over):
    chain, key, ca_file = auth_pki
    extra = ("-max", max_version, "-clientauth", mode, "-clientca", str(ca_file))
    peer = go_tls("X25519,P256", chain, key, *extra)
    r = scan(peer.port)
    assert r.status == "ok", r.error
    assert r.client_certificate_authorities == ["CN=Auth Root"]
    assert (r.client_certificate_required, r.client_certificate_alert) == (required, alert)
    assert r.client_certificate_proven_over == over


def test_no_request_leaves_the_requirement_empty(go_tls, auth_pki):
    chain, key, _ = auth_pki
    r = scan(go_tls("X25519", chain, key, "-max", "1.2").port)
    assert r.status == "ok", r.error
    assert r.client_certificate_requested is False
    assert (r.client_certificate_required, r.client_certificate_proven_over) == (None, None)


class AlertSwallowingRelay:
    """A loopback relay in front of a server that drops every alert the server sends and
    closes instead (as some middleboxes do): a refusal without an alert proves nothing."""

    def __init__(self, backend_port: int) -> None:
        self.backend = backend_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client: socket.socket) -> None:
        with client, socket.create_connection(("127.0.0.1", self.backend)) as server:
            threading.Thread(target=self._upstream, args=(client, server), daemon=True).start()
            with contextlib.suppress(OSError):
                while header := _read_exactly(server, 5):
                    payload = _read_exactly(server, struct.unpack("!H", header[3:5])[0])
                    if header[0] == 21 or payload is None:
                        break  # close without passing the alert on
                    client.sendall(header + payload)
            for sock in (client, server):  # wakes the other thread's recv; close() would not
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    @staticmethod
    def _upstream(client: socket.socket, server: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := client.recv(65536):
                server.sendall(data)
        with contextlib.suppress(OSError):
            server.shutdown(socket.SHUT_RDWR)  # the client left: so does the relay

    def close(self) -> None:
        self.listener.close()


def _read_exactly(sock: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def test_a_refusal_without_an_alert_is_not_proof(s_server, auth_pki):
    """OpenSSL -Verify behind a relay that turns its alert into a close: the requirement
    stays unknown, and the result says so (partial, with why), never "optional"."""
    chain, key, ca_file = auth_pki
    peer = s_server(chain, key, "-tls1_2", "-Verify", "1", "-CAfile", str(ca_file))
    relay = AlertSwallowingRelay(peer.port)
    try:
        r = scan(relay.port)
    finally:
        relay.close()
    assert r.client_certificate_requested is True
    assert r.client_certificate_authorities == ["CN=Auth Root"]
    assert r.client_certificate_required is None and r.client_certificate_alert is None
    assert r.status == "partial" and r.incomplete == ["client_certificate_required"]
    assert "closed the connection after a TLSv1.2 client flight with no certificate" in r.error
    assert r.certificates and r.tls12_suites  # everything else was still read
