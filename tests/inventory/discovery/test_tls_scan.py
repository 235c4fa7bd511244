"""The TLS scanner against real servers on loopback: Go crypto/tls configured hybrid-only,
classical-only and mixed, OpenSSL s_server for TLS 1.2, and misbehaving peers."""

from __future__ import annotations

import asyncio
import hashlib
import time

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

from inventory.discovery.tls import ScanOptions, _EndpointScan, scan_endpoint, scan_many
from inventory.discovery.tlswire import GROUPS, ServerHello
from tests.inventory.discovery import pki

HYBRIDS = "X25519MLKEM768,SecP256r1MLKEM768,SecP384r1MLKEM1024"
CLASSICAL = "X25519,P256,P384"
# Go's fixed internal order (crypto/tls defaults.go): post-quantum first, then X25519, P-256...
GO_ORDER = [
    "X25519MLKEM768",
    "SecP256r1MLKEM768",
    "SecP384r1MLKEM1024",
    "x25519",
    "secp256r1",
    "secp384r1",
    "secp521r1",
]


def scan(port: int, **options) -> object:
    return asyncio.run(scan_endpoint("127.0.0.1", port, ScanOptions(**options)))


@pytest.fixture(scope="module")
def mldsa_chain():
    """An ECDSA P-256 leaf issued by an ML-DSA-65 CA: the chain a hybrid server presents."""
    ca_key, leaf_key = pki.mldsa_key(), pki.ecdsa_key()
    ca = pki.make_cert(ca_key, "PQ Root", ca=True, days=3650, serial=1)
    leaf = pki.make_cert(
        leaf_key, "hybrid.test", issuer_key=ca_key, issuer_cn="PQ Root", sans=("hybrid.test",)
    )
    return [leaf, ca], leaf_key


@pytest.fixture(scope="module")
def ecdsa_chain():
    key = pki.ecdsa_key(ec.SECP384R1())
    return [pki.make_cert(key, "classic.test", sans=("classic.test", "www.classic.test"))], key


def fingerprint(cert) -> str:
    return hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest()


def test_hybrid_only_server(go_tls, mldsa_chain):
    chain, key = mldsa_chain
    peer = go_tls(HYBRIDS, chain, key)
    r = scan(peer.port)
    assert r.status == "ok", r.error
    assert r.groups == ["X25519MLKEM768", "SecP256r1MLKEM768", "SecP384r1MLKEM1024"]
    assert r.hybrid_groups == r.groups
    assert r.group_preference == "server"
    # TLS 1.2 has no hybrid groups, and this server offers no classical one
    assert r.versions == ["TLSv1.3"]
    assert r.tls12_suites == []
    # the chain was read through a real X25519MLKEM768 exchange and decrypted
    leaf, ca = r.certificates
    assert leaf.subject == "CN=hybrid.test" and leaf.issuer == "CN=PQ Root"
    assert leaf.sans == ["DNS:hybrid.test"]
    assert (leaf.public_key_algorithm, leaf.curve) == ("ECDSA-P256", "secp256r1")
    assert leaf.signature_algorithm == "ML-DSA-65"
    assert leaf.signature_oid == "2.16.840.1.101.3.4.3.18"
    assert (ca.public_key_algorithm, ca.quantum_status) == ("ML-DSA-65", "resistant")
    assert [leaf.sha256, ca.sha256] == [fingerprint(c) for c in chain]
    assert leaf.not_after == chain[0].not_valid_after_utc.replace(tzinfo=None)
    assert r.signature_schemes == ["ecdsa_secp256r1_sha256"]
    assert r.certificate_signature_scheme == "ecdsa_secp256r1_sha256"


def test_classical_only_server(go_tls, ecdsa_chain):
    chain, key = ecdsa_chain
    peer = go_tls(CLASSICAL, chain, key)
    r = scan(peer.port)
    assert r.status == "ok", r.error
    assert r.groups == ["x25519", "secp256r1", "secp384r1"]
    assert r.hybrid_groups == [] and r.pre_standard_groups == []
    assert r.versions == ["TLSv1.3", "TLSv1.2"]
    assert set(r.tls13_suites) == {
        "TLS_AES_128_GCM_SHA256",
        "TLS_AES_256_GCM_SHA384",
        "TLS_CHACHA20_POLY1305_SHA256",
    }
    assert r.tls12_suites and all("ECDHE_ECDSA" in s for s in r.tls12_suites)
    (leaf,) = r.certificates
    assert (leaf.public_key_algorithm, leaf.key_size) == ("ECDSA-P384", 384)
    assert leaf.sans == ["DNS:classic.test", "DNS:www.classic.test"]
    assert leaf.self_signed and leaf.sha256 == fingerprint(chain[0])
    assert "ECDSA-P384 is quantum-vulnerable (Shor)" in leaf.problems
    assert r.signature_schemes == ["ecdsa_secp384r1_sha384"]


def test_mixed_server_preference_order(go_tls, ecdsa_chain):
    chain, key = ecdsa_chain
    peer = go_tls(",".join(["P521", "P384", "P256", "X25519", *HYBRIDS.split(",")]), chain, key)
    r = scan(peer.port)
    assert r.groups == GO_ORDER
    assert r.group_preference == "server"


def test_each_group_alone_agrees_with_the_removal_loop(go_tls, ecdsa_chain):
    """Offering one group at a time (empty key share) finds exactly what the loop found."""
    chain, key = ecdsa_chain
    peer = go_tls("SecP256r1MLKEM768,X25519,P384", chain, key)
    r = scan(peer.port, signature_schemes=False)

    async def alone() -> list[str]:
        s = _EndpointScan("127.0.0.1", peer.port, ScanOptions())
        accepted = []
        for code, name in GROUPS.items():
            answer, _ = await s.probe.run(s.hello13([code]))
            if isinstance(answer, ServerHello) and answer.is_retry and answer.group == code:
                accepted.append(name)
        return accepted

    assert sorted(asyncio.run(alone())) == sorted(r.groups)
    assert r.groups == ["SecP256r1MLKEM768", "x25519", "secp384r1"]


def test_openssl_tls12_server(openssl_tls12):
    r = scan(openssl_tls12.port)
    assert r.status == "ok", r.error
    assert r.versions == ["TLSv1.2"]
    assert r.tls13_suites == []
    assert r.tls12_suites == [
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_RSA_WITH_AES_128_CBC_SHA",
    ]
    assert r.suite_preference == "server"
    assert r.groups == ["secp384r1", "secp256r1"]
    (leaf,) = r.certificates
    assert (leaf.public_key_algorithm, leaf.key_size) == ("RSA-2048", 2048)
    assert leaf.sha256 == fingerprint(openssl_tls12.chain[0])


def test_misbehaving_targets_become_results(misbehaving, go_tls, ecdsa_chain):
    chain, key = ecdsa_chain
    good = go_tls(CLASSICAL, chain, key)
    order = ["refuse", "hang", "garbage", "midway", "silent_close"]
    targets = [("127.0.0.1", misbehaving.ports[k]) for k in order] + [("127.0.0.1", good.port)]
    started = time.perf_counter()
    results = asyncio.run(scan_many(targets, ScanOptions(timeout=2.0), concurrency=8))
    elapsed = time.perf_counter() - started
    status = {k: r.status for k, r in zip(order, results, strict=False)}
    assert status == {
        "refuse": "refused",
        "hang": "timeout",
        "garbage": "not_tls",
        "midway": "closed",
        "silent_close": "closed",
    }
    assert results[-1].status == "ok" and results[-1].groups == ["x25519", "secp256r1", "secp384r1"]
    for r in results[:-1]:
        assert r.error and not r.versions and not r.certificates  # no half-written facts
    assert "2 s" in results[1].error
    assert elapsed < 2.0 + 1.5  # the hanging target costs its timeout, not more


def test_cold_catalog_does_not_eat_the_timeout(go_tls, ecdsa_chain):
    """Regression: the catalog's first load (about 1.5 s here) ran inside the per-target
    timeout, so a first scan timed out on healthy servers."""
    from inventory.catalog import get_catalog

    chain, key = ecdsa_chain
    peer = go_tls(CLASSICAL, chain, key)
    get_catalog.cache_clear()
    r = scan(peer.port, timeout=1.0, cipher_suites=False, signature_schemes=False)
    assert r.status == "ok", r.error
    assert r.groups == ["x25519", "secp256r1", "secp384r1"]


def _offered_groups(hello: bytes) -> tuple[bytes, list[int]]:
    """Session id and supported_groups of a ClientHello handshake message."""
    import struct

    body = hello[4:]
    pos = 2 + 32
    sid = body[pos + 1 : pos + 1 + body[pos]]
    pos += 1 + body[pos]
    pos += 2 + struct.unpack("!H", body[pos : pos + 2])[0]
    pos += 1 + body[pos]
    end = pos + 2 + struct.unpack("!H", body[pos : pos + 2])[0]
    pos += 2
    while pos < end:
        kind, size = struct.unpack("!HH", body[pos : pos + 4])
        if kind == 0x000A:
            data = body[pos + 6 : pos + 4 + size]
            return sid, [struct.unpack("!H", data[i : i + 2])[0] for i in range(0, len(data), 2)]
        pos += 4 + size
    return sid, []


@pytest.fixture(scope="module")
def kyber_only_port():
    """A server that accepts only the obsolete X25519Kyber768Draft00 (0x6399), as some
    2023-era deployments did: HelloRetryRequest when it is offered, an alert otherwise.
    No maintained TLS library still speaks it, so this peer is hand-built like the probes."""
    import struct
    import threading

    from inventory.discovery.tlswire import HRR_RANDOM

    loop = asyncio.new_event_loop()
    port: list[int] = []

    async def handle(reader, writer) -> None:
        try:
            header = await reader.readexactly(5)
            hello = await reader.readexactly(struct.unpack("!H", header[3:5])[0])
            sid, groups = _offered_groups(hello)
            tls13 = b"\x00\x2b" in hello  # crude, enough for this peer: supported_versions
            if 0x6399 in groups and tls13:
                exts = b"\x00\x2b\x00\x02\x03\x04" + b"\x00\x33\x00\x02\x63\x99"
                body = b"\x03\x03" + HRR_RANDOM + bytes([len(sid)]) + sid + b"\x13\x01\x00"
                body += struct.pack("!H", len(exts)) + exts
                msg = b"\x02" + len(body).to_bytes(3, "big") + body
                writer.write(b"\x16\x03\x03" + struct.pack("!H", len(msg)) + msg)
            else:
                writer.write(b"\x15\x03\x03\x00\x02\x02\x28")  # fatal handshake_failure
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def run() -> None:
        asyncio.set_event_loop(loop)
        server = loop.run_until_complete(asyncio.start_server(handle, "127.0.0.1", 0))
        port.append(server.sockets[0].getsockname()[1])
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    while not port:
        time.sleep(0.01)
    yield port[0]
    loop.call_soon_threadsafe(loop.stop)


def test_pre_standard_kyber_only_server(kyber_only_port):
    """Its one group needs a key share pqcplan cannot make (round-3 Kyber), and it has no
    TLS 1.2: the groups are known, the certificate is not, and the result says so."""
    r = scan(kyber_only_port)
    assert r.status == "partial"
    assert r.incomplete == ["signature_schemes", "certificates"]
    assert "cannot make a key share for (X25519Kyber768Draft00)" in r.error
    assert r.certificates == [] and r.signature_schemes == []
    assert r.versions == ["TLSv1.3"]
    assert r.groups == ["X25519Kyber768Draft00"] and r.group_codepoints == [0x6399]
    assert r.pre_standard_groups == ["X25519Kyber768Draft00"]
    assert r.hybrid_groups == ["X25519Kyber768Draft00"]
    from inventory.catalog import get_catalog

    verdict = get_catalog().classify("X25519Kyber768Draft00")
    assert verdict.status.value == "hybrid" and "obsolete" in verdict.reason


def test_host_name_is_resolved_once_and_sent_as_sni(go_tls, ecdsa_chain):
    chain, key = ecdsa_chain
    peer = go_tls(CLASSICAL, chain, key)
    r = asyncio.run(scan_endpoint("localhost", peer.port, ScanOptions(timeout=10)))
    assert r.status == "ok", r.error
    assert r.groups == ["x25519", "secp256r1", "secp384r1"]
    bad = asyncio.run(scan_endpoint("no-such-host.invalid", peer.port, ScanOptions(timeout=10)))
    assert bad.status == "error" and "cannot resolve no-such-host.invalid" in bad.error
