"""The TLS scanner against real servers on loopback: Go crypto/tls configured hybrid-only,
classical-only and mixed, OpenSSL s_server for TLS 1.2, and misbehaving peers."""

from __future__ import annotations

import asyncio
import hashlib
import subprocess
import time
from pathlib import Path

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
    # Go's TLS 1.3 rule (crypto/tls cipher_suites.go): AES-GCM first when the CPU has AES
    # hardware, unless the client lists ChaCha20 first; without it, ChaCha20 always
    aes_hardware = " aes " in Path("/proc/cpuinfo").read_text()
    expected = "client hint honoured" if aes_hardware else "server"
    assert r.suite_preferences["TLSv1.3"] == expected
    assert r.group_preference == "server"


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


# ---------------------------------------------------------------------- OpenSSL peers
@pytest.fixture(scope="module")
def rsa_chain():
    key = pki.rsa_key(2048)
    return [pki.make_cert(key, "openssl.test", sans=("openssl.test",))], key


@pytest.mark.parametrize("group", ["X448", "ffdhe2048"])
def test_tls13_server_insisting_on_one_group(s_server, rsa_chain, group):
    """X448 alone, or an RFC 7919 group alone: the chain and the signature schemes are read
    through a real key share for that group (not "ok" with 0 certificates)."""
    chain, key = rsa_chain
    peer = s_server(chain, key, "-tls1_3", "-groups", group)
    r = scan(peer.port)
    assert r.status == "ok", r.error
    assert r.groups == [group.lower()] and r.versions == ["TLSv1.3"]
    (leaf,) = r.certificates
    assert leaf.sha256 == fingerprint(chain[0]) and r.certificates_from == "TLSv1.3"
    assert r.signature_schemes == [
        "rsa_pss_rsae_sha256",
        "rsa_pss_rsae_sha384",
        "rsa_pss_rsae_sha512",
    ]
    # OpenSSL takes TLS 1.3 suites in the client's order unless told otherwise
    assert r.suite_preference == "client"


def test_dhe_1024_server(s_server, rsa_chain, tmp_path):
    """TLS 1.2 with only a DHE suite over a 1024-bit prime: the DH size is read from the
    ServerKeyExchange; no TLS 1.3, no ECDHE groups."""
    chain, key = rsa_chain
    params = tmp_path / "dh1024.pem"
    params.write_bytes(pki.dh_params_pem(1024))  # RFC 2409 Oakley group 2
    peer = s_server(
        chain, key, "-tls1_2", "-cipher", "DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0",
        "-dhparam", str(params),
    )  # fmt: skip
    r = scan(peer.port)
    assert r.status == "ok", r.error
    assert r.versions == ["TLSv1.2"] and r.groups == []
    assert r.tls12_suites == ["TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"]
    assert r.dh_bits == [1024]
    assert "rsa_pss_rsae_sha256" in r.tls12_signature_schemes


def test_anonymous_suites_beside_authenticated_ones(s_server, rsa_chain):
    """TLS 1.2 with anonymous DH and ECDH suites first in the server's order: their
    ServerKeyExchange carries no signature (RFC 5246 7.4.3), which once failed the whole
    scan; they are listed apart, and the chain and schemes come through the signed suites."""
    chain, key = rsa_chain
    peer = s_server(
        chain, key, "-tls1_2", "-serverpref", "-cipher",
        "ADH-AES128-GCM-SHA256:AECDH-AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0",
    )  # fmt: skip
    r = scan(peer.port)
    assert r.status == "ok", r.error
    assert r.tls12_suites == [
        "TLS_DH_anon_WITH_AES_128_GCM_SHA256",
        "TLS_ECDH_anon_WITH_AES_128_CBC_SHA",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    ]
    assert r.anonymous_suites == r.tls12_suites[:2]
    assert r.dh_bits and r.certificates[0].public_key_algorithm == "RSA-2048"
    assert "rsa_pss_rsae_sha256" in r.tls12_signature_schemes


def test_psk_suites_with_an_identity_hint(s_server, rsa_chain):
    """A PSK-only server (no certificate): its ServerKeyExchange starts with the identity
    hint (RFC 4279 2, RFC 5489 2) and signs nothing; the DH prime and curves are read past
    the hint, and the missing chain makes the result partial."""
    chain, key = rsa_chain
    peer = s_server(
        chain, key, "-nocert", "-psk", "1a2b3c4d", "-psk_hint", "pqcplan-hint", "-tls1_2",
        "-cipher", "ECDHE-PSK-AES128-CBC-SHA256:DHE-PSK-AES128-GCM-SHA256:@SECLEVEL=0",
    )  # fmt: skip
    r = scan(peer.port)
    assert r.status == "partial" and r.incomplete == ["certificates"], r.error
    assert set(r.tls12_suites) == {
        "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256",
        "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256",
    }
    # OpenSSL picks its own group for PSK suites (ssl_get_auto_dh: 80-bit security for
    # AES-128, so the 1024-bit RFC 2409 prime; 128 bytes on the wire); read past the hint,
    # the hint's 12 bytes would have given 95 bits
    assert r.dh_bits == [1024] and "x25519" in r.groups
    assert r.tls12_signature_schemes == [] and r.certificates == []


def test_sha1_signed_certificate_with_sha256_schemes(s_server):
    """The certificate's own signature is RSA with SHA-1 while the handshake signs with
    SHA-256 schemes only: both facts are kept, each with its own name."""
    key = pki.rsa_key(2048)
    cert = _openssl_sha1_cert(key)
    peer = s_server(
        [cert], key, "-sigalgs", "rsa_pss_rsae_sha256:rsa_pkcs1_sha256",
        "-cipher", "ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0", "-no_tls1", "-no_tls1_1",
    )  # fmt: skip
    r = scan(peer.port)
    assert r.status == "ok", r.error
    (leaf,) = r.certificates
    assert (leaf.signature_algorithm, leaf.signature_hash) == ("RSA-SHA1", "sha1")
    assert leaf.public_key_algorithm == "RSA-2048"
    assert "signed with RSA-SHA1, which classical attacks break today" in leaf.problems
    assert r.signature_schemes == ["rsa_pss_rsae_sha256"]
    assert r.tls12_signature_schemes == ["rsa_pss_rsae_sha256", "rsa_pkcs1_sha256"]


def _openssl_sha1_cert(key):
    """cryptography refuses to sign with SHA-1; OpenSSL's command line still does."""
    import tempfile
    from pathlib import Path

    from cryptography import x509

    with tempfile.TemporaryDirectory() as tmp:
        key_path = Path(tmp) / "k.pem"
        key_path.write_bytes(pki.key_pem(key))
        out = subprocess.run(
            ["openssl", "req", "-x509", "-new", "-key", str(key_path), "-sha1", "-subj",
             "/CN=sha1.test", "-days", "30"],
            check=True, capture_output=True,
        ).stdout  # fmt: skip
    return x509.load_pem_x509_certificate(out)


def test_client_certificate_ocsp_and_scts(s_server, tmp_path):
    """A server that asks for a client certificate from one CA, staples an OCSP response,
    sends SCTs in a TLS extension and embeds two more in its certificate."""
    ca_key = pki.ecdsa_key()
    ca = pki.make_cert(ca_key, "Client Root", ca=True, days=3650, serial=7)
    key = pki.ecdsa_key()
    leaf = pki.make_cert(key, "ct.test", issuer_key=ca_key, issuer_cn="Client Root", scts=2)
    ca_file, ocsp_file, info = tmp_path / "ca.pem", tmp_path / "ocsp.der", tmp_path / "sct.pem"
    ca_file.write_bytes(pki.pem(ca))
    ocsp_file.write_bytes(pki.ocsp_good(leaf, ca, ca_key))
    info.write_bytes(pki.serverinfo_pem(18, pki.sct_list(3), "signed_certificate_timestamp"))
    peer = s_server(
        [leaf, ca], key, "-tls1_2", "-verify", "1", "-CAfile", str(ca_file),
        "-status_file", str(ocsp_file), "-serverinfo", str(info),
    )  # fmt: skip
    r = scan(peer.port)
    assert r.status == "ok", r.error
    assert r.client_certificate_requested is True
    assert r.client_certificate_authorities == ["CN=Client Root"]
    # -verify: a TLS 1.2 handshake answered with no certificate completes (optional)
    assert (r.client_certificate_required, r.client_certificate_proven_over) == (False, "TLSv1.2")
    assert (r.ocsp_stapled, r.ocsp_status) == (True, "good")
    assert r.scts == {"tls": 3, "certificate": 2, "ocsp": 0}
    # the leaf's signature is sized by its issuer, which the chain holds
    assert r.certificates[0].signature_algorithm == "ECDSA-P256"


def test_rsa_key_transport_is_a_key_exchange(openssl_tls12):
    """TLS_RSA_WITH_AES_128_CBC_SHA: the client encrypts the secret to the server's key."""
    from inventory.discovery.facts import tls_facts

    r = scan(openssl_tls12.port)
    kex = {f.suffix: (f.algorithm_raw, f.key_size) for f in tls_facts(r) if f.part == "kex"}
    assert kex == {"kex:RSA": ("RSA", 2048)}
    assert r.certificates[0].signature_algorithm == "RSA-2048"  # self-signed: its own key


def test_a_scan_spread_over_processes_keeps_order_and_reports_each_target(
    go_tls, ecdsa_chain, misbehaving
):
    """Large scans run one event loop per core (inventory.discovery.parallel): results come
    back in target order, each target reported once, a hanging one still times out."""
    from inventory.discovery.parallel import scan_spread

    chain, key = ecdsa_chain
    peer = go_tls(CLASSICAL, chain, key)
    pairs = [("127.0.0.1", peer.port), ("127.0.0.1", misbehaving.ports["hang"])] * 2
    seen: list[str] = []
    results = scan_spread("tls", pairs, 2.0, 4, 2, seen.append)
    assert [r.port for r in results] == [p for _, p in pairs]
    assert [r.status for r in results] == ["ok", "timeout", "ok", "timeout"]
    assert results[0].groups == ["x25519", "secp256r1", "secp384r1"]
    assert sorted(seen) == sorted(f"{h}:{p}" for h, p in pairs)
