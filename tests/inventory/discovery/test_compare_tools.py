"""Side by side with the tools officers use today, on the same loopback servers:
ssh-audit (PyPI) for SSH, sslyze (PyPI) for classical TLS facts. Where they disagree, the
test says who is right and why.

The tools live in their own virtualenv (~/.cache/pqcplan/tools, made here on first use):
sslyze pins an older cryptography than pqcplan's, so they cannot share .venv.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from inventory.discovery.ssh import scan_ssh_endpoint
from inventory.discovery.tls import ScanOptions, scan_endpoint
from tests.inventory.discovery import pki

TOOLS = Path(os.environ.get("PQCPLAN_CACHE", Path.home() / ".cache" / "pqcplan")) / "tools"


@pytest.fixture(scope="session")
def tools() -> Path:
    bin_dir = TOOLS / "bin"
    if not (bin_dir / "sslyze").exists() or not (bin_dir / "ssh-audit").exists():
        subprocess.run([sys.executable, "-m", "venv", str(TOOLS)], check=True)
        subprocess.run(
            [str(bin_dir / "pip"), "install", "-q", "sslyze==6.3.1", "ssh-audit==3.9.0"],
            check=True,
            capture_output=True,
            timeout=900,
        )
    return bin_dir


def ssh_audit(tools: Path, port: int) -> dict:
    out = subprocess.run(
        [str(tools / "ssh-audit"), "-j", "-p", str(port), "127.0.0.1"],
        capture_output=True,
        text=True,
        timeout=120,
    )  # exit code 3 means "failures found" (weak algorithms), not a tool failure
    return json.loads(out.stdout)


# only the scans compared here (others, like renegotiation, stall s_server's single thread)
PLUGINS = ["--tlsv1", "--tlsv1_1", "--tlsv1_2", "--tlsv1_3", "--elliptic_curves", "--certinfo"]


def sslyze(tools: Path, port: int, tmp_path: Path, *extra: str) -> dict:
    out = tmp_path / f"sslyze-{port}.json"
    subprocess.run(
        [
            str(tools / "sslyze"),
            "--quiet",
            f"--json_out={out}",
            *PLUGINS,
            *extra,
            f"127.0.0.1:{port}",
        ],
        capture_output=True,
        timeout=180,
    )  # exit code 1 means "not compliant with Mozilla's configuration", not a tool failure
    return json.loads(out.read_text())["server_scan_results"][0]["scan_result"]


def test_ssh_agrees_with_ssh_audit(tools, openssh, go_ssh):
    go = go_ssh("mlkem768x25519-sha256,curve25519-sha256")
    for port in (openssh.port, go.port):
        ours = asyncio.run(scan_ssh_endpoint("127.0.0.1", port, 10))
        theirs = ssh_audit(tools, port)
        assert ours.banner == theirs["banner"]["raw"]
        assert ours.kex == [k["algorithm"] for k in theirs["kex"]]
        assert ours.host_key_algorithms == [k["algorithm"] for k in theirs["key"]]
        assert ours.ciphers == [k["algorithm"] for k in theirs["enc"]]
        assert ours.macs == [k["algorithm"] for k in theirs["mac"]]
        sizes = {k["algorithm"]: k.get("keysize") for k in theirs["key"]}
        fps = {
            f["hostkey"]: f"SHA256:{f['hash']}"
            for f in theirs["fingerprints"]
            if f["hash_alg"] == "SHA256"
        }
        for key in ours.host_keys:
            assert fps[key.key_type] == key.sha256
            if key.key_type == "ssh-rsa":
                assert sizes[key.algorithm] == key.bits == 3072
            else:
                # ssh-audit leaves Ed25519 and ECDSA sizes out; ours come from the key blob
                # (the curve name inside it), so both are right and ours is more complete.
                assert sizes[key.algorithm] is None and key.bits in (256, 384)
    assert "mlkem768x25519-sha256" in ours.hybrid_kex


def _tls_facts(scan: dict) -> dict:
    def accepted(key: str) -> set[str]:
        res = scan[key]["result"]
        return {c["cipher_suite"]["name"] for c in res["accepted_cipher_suites"]}

    versions = {
        v
        for v, key in (
            ("TLSv1.0", "tls_1_0_cipher_suites"),
            ("TLSv1.1", "tls_1_1_cipher_suites"),
            ("TLSv1.2", "tls_1_2_cipher_suites"),
            ("TLSv1.3", "tls_1_3_cipher_suites"),
        )
        if accepted(key)
    }
    leaf = scan["certificate_info"]["result"]["certificate_deployments"][0][
        "received_certificate_chain"
    ][0]
    curves = {c["name"].lower() for c in scan["elliptic_curves"]["result"]["supported_curves"]}
    return {
        "versions": versions,
        "tls13": accepted("tls_1_3_cipher_suites"),
        "tls12": accepted("tls_1_2_cipher_suites"),
        "curves": curves,
        "fingerprint": base64.b64decode(leaf["fingerprint_sha256"]).hex(),
        "key": (leaf["public_key"]["key_size"], leaf["public_key"]["ec_curve_name"]),
    }


def test_tls_agrees_with_sslyze(tools, go_tls, openssl_tls12, tmp_path):
    key = pki.ecdsa_key(ec.SECP384R1())
    cert = pki.make_cert(key, "cmp.test", sans=("cmp.test",))
    go = go_tls("X25519MLKEM768,X25519,P256,P384", [cert], key)

    ours = asyncio.run(scan_endpoint("127.0.0.1", go.port, ScanOptions(timeout=20)))
    theirs = _tls_facts(sslyze(tools, go.port, tmp_path))
    assert set(ours.versions) == theirs["versions"] == {"TLSv1.3", "TLSv1.2"}
    assert set(ours.tls13_suites) == theirs["tls13"]
    assert set(ours.tls12_suites) == theirs["tls12"]
    assert ours.certificates[0].sha256 == theirs["fingerprint"]
    assert (ours.certificates[0].key_size, ours.certificates[0].curve) == theirs["key"]
    # They disagree on groups: sslyze's OpenSSL (nassl) knows no hybrid group, so it never
    # offers X25519MLKEM768 and cannot see it. The server was configured with it, and our
    # certificate was read through a real X25519MLKEM768 exchange (the server's first
    # choice), so the hybrid is there: we are right, sslyze is blind to it.
    classical = {g for g in ours.groups if g not in ours.hybrid_groups}
    assert classical == theirs["curves"] == {"x25519", "secp256r1", "secp384r1"}
    assert ours.hybrid_groups == ["X25519MLKEM768"] and ours.groups[0] == "X25519MLKEM768"
    assert ours.certificate_signature_scheme == "ecdsa_secp384r1_sha384"

    # OpenSSL s_server, TLS 1.2 only, RSA-2048 (one connection at a time: sslyze slows down)
    ours = asyncio.run(scan_endpoint("127.0.0.1", openssl_tls12.port, ScanOptions(timeout=60)))
    theirs = _tls_facts(sslyze(tools, openssl_tls12.port, tmp_path, "--slow_connection"))
    assert set(ours.versions) == theirs["versions"] == {"TLSv1.2"}
    assert set(ours.tls12_suites) == theirs["tls12"]
    assert set(ours.groups) == theirs["curves"] == {"secp256r1", "secp384r1"}
    assert ours.certificates[0].sha256 == theirs["fingerprint"]
    assert ours.certificates[0].key_size == theirs["key"][0] == 2048


# ---------------------------------------------------------------------- the new peers
def sslyze_many(tools: Path, ports: list[int], tmp_path: Path) -> dict[int, dict]:
    """One sslyze run over several OpenSSL servers (one connection at a time each)."""
    out = tmp_path / "sslyze-many.json"
    subprocess.run(
        [str(tools / "sslyze"), "--quiet", f"--json_out={out}", *PLUGINS, "--slow_connection",
         *(f"127.0.0.1:{p}" for p in ports)],
        capture_output=True, timeout=600,
    )  # fmt: skip
    found = json.loads(out.read_text())["server_scan_results"]
    return {r["server_location"]["port"]: r for r in found}


def _accepted(scan: dict, key: str) -> list[tuple[str, str | None, int | None]]:
    res = (scan.get(key) or {}).get("result") or {"accepted_cipher_suites": []}
    return [
        (c["cipher_suite"]["name"], (c.get("ephemeral_key") or {}).get("type_name"),
         (c.get("ephemeral_key") or {}).get("size"))
        for c in res["accepted_cipher_suites"]
    ]  # fmt: skip


def test_new_tls_peers_beside_sslyze(tools, s_server, tmp_path):
    """X448 only, ffdhe2048 only, DHE-1024, a SHA-1-signed certificate with SHA-256 schemes,
    and a server asking for client certificates with OCSP and SCTs. The README's table
    ("Compared with sslyze and ssh-audit") lists where the two disagree and who is right."""
    from tests.inventory.discovery.test_tls_scan import _openssl_sha1_cert

    key = pki.rsa_key(2048)
    rsa = [pki.make_cert(key, "cmp.test")]
    params = tmp_path / "dh1024.pem"
    params.write_bytes(pki.dh_params_pem(1024))
    ca_key = pki.ecdsa_key()
    ca = pki.make_cert(ca_key, "Client Root", ca=True, days=3650, serial=7)
    ct_key = pki.ecdsa_key()
    leaf = pki.make_cert(ct_key, "ct.test", issuer_key=ca_key, issuer_cn="Client Root", scts=2)
    (tmp_path / "ca.pem").write_bytes(pki.pem(ca))
    (tmp_path / "ocsp.der").write_bytes(pki.ocsp_good(leaf, ca, ca_key))
    (tmp_path / "sct.pem").write_bytes(
        pki.serverinfo_pem(18, pki.sct_list(3), "signed_certificate_timestamp")
    )
    peers = {
        "x448": s_server(rsa, key, "-tls1_3", "-groups", "X448"),
        "ffdhe": s_server(rsa, key, "-tls1_3", "-groups", "ffdhe2048"),
        "dhe1024": s_server(
            rsa, key, "-tls1_2", "-cipher", "DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0",
            "-dhparam", str(params),
        ),
        "sha1": s_server(
            [_openssl_sha1_cert(key)], key, "-no_tls1", "-no_tls1_1",
            "-sigalgs", "rsa_pss_rsae_sha256:rsa_pkcs1_sha256",
            "-cipher", "ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0",
        ),
        "client_ca": s_server(
            [leaf, ca], ct_key, "-tls1_2", "-verify", "1", "-CAfile", str(tmp_path / "ca.pem"),
            "-status_file", str(tmp_path / "ocsp.der"), "-serverinfo", str(tmp_path / "sct.pem"),
        ),
        "client_required": s_server(
            [leaf, ca], ct_key, "-tls1_2", "-Verify", "1", "-CAfile", str(tmp_path / "ca.pem"),
        ),
    }  # fmt: skip
    ours = {
        name: asyncio.run(scan_endpoint("127.0.0.1", peer.port, ScanOptions(timeout=60)))
        for name, peer in peers.items()
    }
    theirs = sslyze_many(tools, [p.port for p in peers.values()], tmp_path)
    sly = {name: theirs[peer.port] for name, peer in peers.items()}

    # agree: X448 only (nassl speaks X448), the certificate read through it
    x448 = sly["x448"]["scan_result"]
    assert {n for n, _, _ in _accepted(x448, "tls_1_3_cipher_suites")} == set(
        ours["x448"].tls13_suites
    )
    assert {s for _, _, s in _accepted(x448, "tls_1_3_cipher_suites")} == {448}
    assert ours["x448"].groups == ["x448"] and ours["x448"].certificates
    # disagree: ffdhe2048 only. sslyze offers no finite-field group in TLS 1.3 and reports no
    # connectivity at all; the server completes a handshake with an ffdhe2048 key share
    # (RFC 8446 4.2.7, RFC 7919), which pqcplan makes: pqcplan is right
    assert sly["ffdhe"]["connectivity_status"] == "ERROR"
    assert ours["ffdhe"].status == "ok" and ours["ffdhe"].groups == ["ffdhe2048"]
    assert ours["ffdhe"].certificates[0].public_key_algorithm == "RSA-2048"
    # agree: DHE with a 1024-bit prime
    dhe = sly["dhe1024"]["scan_result"]
    assert _accepted(dhe, "tls_1_2_cipher_suites") == [
        ("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "DH", 1024)
    ]
    assert ours["dhe1024"].dh_bits == [1024]
    # agree: the certificate is signed with SHA-1 (pqcplan names it RSA-SHA1 and keeps the
    # handshake's SHA-256 schemes apart)
    cert = sly["sha1"]["scan_result"]["certificate_info"]["result"]["certificate_deployments"][0]
    assert cert["received_certificate_chain"][0]["signature_hash_algorithm"]["name"] == "sha1"
    assert ours["sha1"].certificates[0].signature_algorithm == "RSA-SHA1"
    assert ours["sha1"].signature_schemes == ["rsa_pss_rsae_sha256"]
    # client certificates, OCSP, SCTs: agree on stapling ("good") and the 2 SCTs in the
    # certificate; pqcplan also counts the 3 sent in the TLS extension (sslyze does not) and
    # names the CA the server asks for. Both answer the TLS 1.2 request with no certificate:
    # agree on optional (-verify) and required (-Verify); pqcplan also names the alert
    # (handshake_failure, RFC 5246 7.4.6), where sslyze counts any refusal as required
    cc = sly["client_ca"]
    dep = cc["scan_result"]["certificate_info"]["result"]["certificate_deployments"][0]
    assert (
        dep["ocsp_response"]["certificate_status"] == "GOOD"
        and ours["client_ca"].ocsp_status == "good"
    )
    assert dep["leaf_certificate_signed_certificate_timestamps_count"] == 2
    assert ours["client_ca"].scts == {"tls": 3, "certificate": 2, "ocsp": 0}
    assert cc["connectivity_result"]["client_auth_requirement"] == "OPTIONAL"
    assert ours["client_ca"].client_certificate_requested is True
    assert ours["client_ca"].client_certificate_required is False
    assert ours["client_ca"].client_certificate_authorities == ["CN=Client Root"]
    required = sly["client_required"]["connectivity_result"]["client_auth_requirement"]
    assert required == "REQUIRED"
    assert ours["client_required"].client_certificate_required is True
    assert ours["client_required"].client_certificate_alert == "handshake_failure"


def test_new_ssh_peers_beside_ssh_audit(tools, sshd):
    """sntrup761 only, and group14-sha1 with ssh-rsa (README table)."""
    hybrid = sshd("KexAlgorithms sntrup761x25519-sha512@openssh.com")
    legacy = sshd(
        "KexAlgorithms diffie-hellman-group14-sha1", "HostKeyAlgorithms ssh-rsa,rsa-sha2-256"
    )
    ours = asyncio.run(scan_ssh_endpoint("127.0.0.1", hybrid.port, 20))
    theirs = ssh_audit(tools, hybrid.port)
    # disagree: ssh-audit cannot run sntrup761x25519, so it reads no host key at all; pqcplan
    # runs it (liboqs) and reads every key: pqcplan is right
    assert ours.kex == [k["algorithm"] for k in theirs["kex"]]
    assert theirs.get("fingerprints", []) == []
    assert {k.canonical for k in ours.host_keys} == {"Ed25519", "RSA-3072", "ECDSA-P384"}

    ours = asyncio.run(scan_ssh_endpoint("127.0.0.1", legacy.port, 20))
    theirs = ssh_audit(tools, legacy.port)
    notes = {k["algorithm"]: k.get("notes", {}) for k in theirs["kex"] + theirs["key"]}
    # agree: both flag SHA-1 in ssh-rsa (pqcplan: RSA-SHA1, broken today: migrate now)
    assert "using broken SHA-1 hash algorithm" in notes["ssh-rsa"]["fail"]
    host = {a.name: a.canonical for a in ours.classified["host_key"]}
    assert host["ssh-rsa"] == "RSA-SHA1"
    # disagree in weight: ssh-audit fails diffie-hellman-group14-sha1 for SHA-1; pqcplan names
    # it DH-2048-SHA1 (quantum-broken, SHA-1 named in its reason) but not broken today: no
    # published attack forges an SSH exchange through a SHA-1 collision, and RFC 9142 still
    # lists the method (it makes group14-sha256 the mandatory one)
    assert "using broken SHA-1 hash algorithm" in notes["diffie-hellman-group14-sha1"]["fail"]
    kex = {a.name: (a.canonical, a.quantum_status) for a in ours.classified["kex"]}
    assert kex["diffie-hellman-group14-sha1"] == ("DH-2048-SHA1", "broken")
