"""The SSH scanner against Debian's OpenSSH 9.2 and a golang.org/x/crypto/ssh server."""

from __future__ import annotations

import asyncio
import base64
import hashlib

from inventory.discovery.ssh import scan_ssh_endpoint, scan_ssh_many


def scan(port: int):
    return asyncio.run(scan_ssh_endpoint("127.0.0.1", port, timeout=10))


def fingerprint(pub_file) -> str:
    blob = base64.b64decode(pub_file.read_text().split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def test_openssh_92(openssh):
    r = scan(openssh.port)
    assert r.status == "ok", r.error
    assert r.banner.startswith("SSH-2.0-OpenSSH_9.2")
    assert r.kex[:2] == ["sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com"]
    assert "mlkem768x25519-sha256" not in r.kex  # arrived in OpenSSH 9.9
    assert r.hybrid_kex == ["sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com"]
    kex = {a.name: (a.canonical, a.quantum_status) for a in r.classified["kex"]}
    assert kex["sntrup761x25519-sha512@openssh.com"] == ("sntrup761x25519-sha512", "hybrid")
    assert kex["curve25519-sha256"] == ("X25519", "broken")
    assert kex["diffie-hellman-group14-sha256"] == ("DH-2048", "broken")
    assert "kex-strict-s-v00@openssh.com" not in kex  # a marker, not an algorithm
    assert r.host_key_algorithms == [
        "ssh-ed25519",
        "rsa-sha2-512",
        "rsa-sha2-256",
        "ecdsa-sha2-nistp384",
    ]
    keys = {k.algorithm: (k.key_type, k.bits, k.canonical, k.sha256) for k in r.host_keys}
    fp = {kind: fingerprint(path) for kind, path in openssh.key_files.items()}
    assert keys == {
        "ssh-ed25519": ("ssh-ed25519", 256, "Ed25519", fp["ed25519"]),
        "rsa-sha2-512": ("ssh-rsa", 3072, "RSA-3072", fp["rsa"]),
        "rsa-sha2-256": ("ssh-rsa", 3072, "RSA-3072", fp["rsa"]),
        "ecdsa-sha2-nistp384": ("ecdsa-sha2-nistp384", 384, "ECDSA-P384", fp["ecdsa"]),
    }
    assert "chacha20-poly1305@openssh.com" in r.ciphers and "hmac-sha2-256" in r.macs


def test_go_ssh_offers_mlkem(go_ssh):
    peer = go_ssh("mlkem768x25519-sha256,curve25519-sha256")
    r = scan(peer.port)
    assert r.status == "ok", r.error
    assert r.banner == "SSH-2.0-Go"
    assert r.kex[0] == "mlkem768x25519-sha256"
    kex = {a.name: (a.canonical, a.quantum_status) for a in r.classified["kex"]}
    assert kex["mlkem768x25519-sha256"] == ("X25519MLKEM768", "hybrid")
    assert r.hybrid_kex == ["mlkem768x25519-sha256"]
    assert [(k.key_type, k.bits) for k in r.host_keys] == [
        ("ssh-ed25519", 256),
        ("ecdsa-sha2-nistp256", 256),
    ]


def test_go_ssh_mlkem_only_still_yields_host_keys(go_ssh):
    """With ML-KEM the only key exchange, the scanner sends a real ML-KEM-768 share."""
    peer = go_ssh("mlkem768x25519-sha256")
    r = scan(peer.port)
    assert r.status == "ok", r.error
    assert [k for k in r.kex if not k.startswith("kex-strict")] == ["mlkem768x25519-sha256"]
    assert {k.canonical for k in r.host_keys} == {"Ed25519", "ECDSA-P256"}


def test_misbehaving_ssh_targets(misbehaving, openssh):
    order = ["refuse", "hang", "garbage", "midway", "silent_close"]
    targets = [("127.0.0.1", misbehaving.ports[k]) for k in order] + [("127.0.0.1", openssh.port)]
    results = asyncio.run(scan_ssh_many(targets, timeout=2.0))
    got = {k: r.status for k, r in zip(order, results, strict=False)}
    # "garbage" sends an SSH-looking banner, then bytes that are no SSH packet
    assert got == {
        "refuse": "refused",
        "hang": "timeout",
        "garbage": "error",
        "midway": "not_ssh",
        "silent_close": "closed",
    }
    assert all(r.error and not r.kex for r in results[:-1])
    assert results[-1].status == "ok"


def test_sntrup761_only_sshd_still_yields_host_keys(sshd):
    """A hybrid-only OpenSSH: the host keys are read through a real sntrup761 (liboqs) +
    X25519 share, so the classical signature keys behind the hybrid key exchange are filed."""
    peer = sshd("KexAlgorithms sntrup761x25519-sha512@openssh.com")
    r = scan(peer.port)
    assert r.status == "ok", r.error
    assert [k for k in r.kex if not k.startswith("kex-strict")] == [
        "sntrup761x25519-sha512@openssh.com"
    ]
    assert r.hybrid_kex == ["sntrup761x25519-sha512@openssh.com"]
    fp = {kind: fingerprint(path) for kind, path in peer.key_files.items()}
    keys = {k.algorithm: (k.canonical, k.sha256, k.kex) for k in r.host_keys}
    kex = "sntrup761x25519-sha512@openssh.com"
    assert keys == {
        "ssh-ed25519": ("Ed25519", fp["ed25519"], kex),
        "rsa-sha2-512": ("RSA-3072", fp["rsa"], kex),
        "rsa-sha2-256": ("RSA-3072", fp["rsa"], kex),
        "ecdsa-sha2-nistp384": ("ECDSA-P384", fp["ecdsa"], kex),
    }


def test_group14_sha1_only_sshd_names_sha1(sshd):
    """A legacy OpenSSH with only diffie-hellman-group14-sha1 and the ssh-rsa signature:
    host keys are read through a real 2048-bit MODP exchange, and both SHA-1 uses are named
    by the catalog (DH-2048-SHA1 for the exchange hash, RSA-SHA1 for ssh-rsa)."""
    peer = sshd(
        "KexAlgorithms diffie-hellman-group14-sha1", "HostKeyAlgorithms ssh-rsa,rsa-sha2-256"
    )
    r = scan(peer.port)
    assert r.status == "ok", r.error
    kex = {a.name: (a.canonical, a.quantum_status) for a in r.classified["kex"]}
    assert kex == {"diffie-hellman-group14-sha1": ("DH-2048-SHA1", "broken")}
    host = {a.name: a.canonical for a in r.classified["host_key"]}
    assert host == {"ssh-rsa": "RSA-SHA1", "rsa-sha2-256": "RSA"}
    rsa = fingerprint(peer.key_files["rsa"])
    assert {(k.algorithm, k.canonical, k.sha256, k.kex) for k in r.host_keys} == {
        ("ssh-rsa", "RSA-3072", rsa, "diffie-hellman-group14-sha1"),
        ("rsa-sha2-256", "RSA-3072", rsa, "diffie-hellman-group14-sha1"),
    }


def test_group_exchange_size_is_read(sshd):
    """Group exchange (RFC 4419): the size of the group the server picks for a 2048-bit
    request is recorded, and host keys come through the exchange itself."""
    peer = sshd(
        "KexAlgorithms diffie-hellman-group-exchange-sha256", "HostKeyAlgorithms ssh-ed25519"
    )
    r = scan(peer.port)
    assert r.status == "ok", r.error
    assert r.kex_sizes["diffie-hellman-group-exchange-sha256"] >= 2048
    assert [(k.canonical, k.kex) for k in r.host_keys] == [
        ("Ed25519", "diffie-hellman-group-exchange-sha256")
    ]
