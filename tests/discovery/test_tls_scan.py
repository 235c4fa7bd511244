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
from tests.discovery import pki

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
