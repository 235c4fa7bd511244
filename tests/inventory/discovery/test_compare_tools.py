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
