"""Scans filed into the inventory (SQLite and PostgreSQL), scopes, jobs over the API, the
CLI as a user runs it, and the CBOM of a scan."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, select

from core.models import Organization
from inventory.choices import QuantumStatus, Source
from inventory.discovery import service
from inventory.discovery.cbom import scan_cbom
from inventory.discovery.targets import OutOfScope
from inventory.exchange.cbom_import import import_cbom
from inventory.models import Asset, CryptoUsage, ScanRun
from tests.inventory.discovery import pki

HYBRID_MIXED = "X25519MLKEM768,X25519,P256"


@pytest.fixture(scope="module")
def chain():
    key = pki.ecdsa_key(ec.SECP256R1())
    return [pki.make_cert(key, "inv.test", sans=("inv.test",))], key


def _org(sessions, slug: str) -> int:
    with sessions.begin() as s:
        org = Organization(slug=slug, name=slug, sector="finance", tier="private")
        s.add(org)
        s.flush()
        return org.id


def _scan(sessions, org_id: int, kind: str, targets: list[str], **kw):
    with sessions.begin() as s:
        req = service.prepare(s, org_id, kind, targets, timeout=5, **kw)
    results = service.run(req)
    with sessions.begin() as s:
        scan = service.record_scan(s, org_id, req, results, "test")
        return scan.id, scan.summary


def _usages(sessions, org_id: int) -> dict[str, CryptoUsage]:
    with sessions() as s:
        rows = s.scalars(select(CryptoUsage).where(CryptoUsage.organization_id == org_id)).all()
        s.expunge_all()
        return {u.ref: u for u in rows}


def test_rescan_updates_last_seen_and_records_changes(session_factory, go_tls, chain):
    certs, key = chain
    first = go_tls(HYBRID_MIXED, certs, key)
    org = _org(session_factory, "bank")
    with session_factory.begin() as s:
        service.add_scope(s, org, "network", "127.0.0.0/8", None, "loopback lab")
    target = f"127.0.0.1:{first.port}"
    scan1, summary1 = _scan(session_factory, org, "tls", [target])
    assert summary1["ok"] == 1 and summary1["assets_created"] == 1
    before = _usages(session_factory, org)
    algorithms = {u.algorithm for u in before.values()}
    assert {"X25519MLKEM768", "X25519", "ECDH-P256", "ECDSA-P256", "AES-128"} <= algorithms
    hybrid = next(u for u in before.values() if u.algorithm == "X25519MLKEM768")
    assert hybrid.quantum_status is QuantumStatus.HYBRID and hybrid.source is Source.SCAN
    assert f"port {first.port}" in hybrid.evidence and f"#{scan1}" in hybrid.evidence
    leaf = next(u for u in before.values() if u.cert_fingerprint_sha256)
    assert leaf.cert_subject == "CN=inv.test" and leaf.protocol == "TLS 1.3"

    time.sleep(0.01)
    _, summary2 = _scan(session_factory, org, "tls", [target])
    after = _usages(session_factory, org)
    assert after.keys() == before.keys()  # no duplicates
    assert summary2["usages_appeared"] == [] and summary2["usages_disappeared"] == []
    assert summary2["usages_kept"] == len(before)
    for ref, u in after.items():
        assert u.first_seen == before[ref].first_seen and u.last_seen > before[ref].last_seen

    # the same port now served by a classical-only server: the hybrid disappears
    first.proc.stdin.close()
    first.proc.wait(5)
    with session_factory() as s:
        n_assets = s.scalar(select(func.count(Asset.id)).where(Asset.organization_id == org))
    second = go_tls("X25519,P256", certs, key)
    target2 = f"127.0.0.1:{second.port}"
    scan3, summary3 = _scan(session_factory, org, "tls", [target2, target])
    assert summary3["ok"] == 1 and summary3["failed"] == 1  # the old port now refuses
    gone_old = _usages(session_factory, org)
    assert set(before) <= set(gone_old)  # a refusing target changes nothing
    with session_factory() as s:
        run = s.get(ScanRun, scan3)
        statuses = {r["port"]: r["status"] for r in run.results}
        assert statuses[first.port] == "refused"
        assert s.scalar(select(func.count(Asset.id)).where(Asset.organization_id == org)) == (
            n_assets + 1
        )


def test_hybrid_group_disappears_on_rescan(session_factory, go_tls, chain):
    """The same endpoint reconfigured without its hybrid group: the group is recorded as gone."""
    certs, key = chain
    org = _org(session_factory, "agency")
    with session_factory.begin() as s:
        service.add_scope(s, org, "network", "127.0.0.1", None, None)
    hybrid = go_tls(HYBRID_MIXED, certs, key)
    target = f"127.0.0.1:{hybrid.port}"
    _scan(session_factory, org, "tls", [target])
    hybrid.proc.stdin.close()
    hybrid.proc.wait(5)
    classical = go_tls("X25519,P256", certs, key, "-port", str(hybrid.port))
    assert classical.port == hybrid.port
    _, summary = _scan(session_factory, org, "tls", [target])
    gone = {d["algorithm"] for d in summary["usages_disappeared"]}
    assert gone == {"X25519MLKEM768"}
    assert summary["usages_appeared"] == [] and summary["assets_created"] == 0
    assert all(d["first_seen"] and d["last_seen"] for d in summary["usages_disappeared"])
    left = {u.algorithm for u in _usages(session_factory, org).values()}
    assert "X25519MLKEM768" not in left and "X25519" in left


def test_out_of_scope_is_refused_before_any_packet(session_factory, misbehaving):
    org = _org(session_factory, "scoped")
    other = _org(session_factory, "other")
    with session_factory.begin() as s:
        service.add_scope(s, other, "network", "127.0.0.0/8", None, None)  # not ours
        service.add_scope(s, org, "network", "10.0.0.0/24", "443", None)
    with session_factory.begin() as s, pytest.raises(OutOfScope, match=r"127\.0\.0\.1:"):
        service.prepare(s, org, "tls", [f"127.0.0.1:{misbehaving.ports['hang']}"])
    with session_factory.begin() as s, pytest.raises(OutOfScope, match=r"10\.0\.0\.1:22"):
        service.prepare(s, org, "ssh", ["10.0.0.0/30:22"])
    assert misbehaving.accepted["hang"] == 0  # refused before a connection was opened
    with session_factory.begin() as s:
        assert len(service.prepare(s, org, "tls", ["10.0.0.0/30:443"]).endpoints) == 2


def test_a_host_holds_several_port_sets(session_factory):
    """Scopes are unique per port set, not per host: the same set written another way is
    the same scope (409), no ports at all ("any") is a set of its own."""
    from core.errors import Conflict

    org = _org(session_factory, "ports")
    with session_factory.begin() as s:
        web = service.add_scope(s, org, "network", "10.1.0.5", "443", None)
        ssh = service.add_scope(s, org, "network", "10.1.0.5", "2222, 22", "ssh")
        assert (web.ports, ssh.ports) == ("443", "22,2222")
    with session_factory.begin() as s, pytest.raises(Conflict, match="ports 22,2222"):
        service.add_scope(s, org, "network", "10.1.0.5", "22,2222", None)
    with session_factory.begin() as s:
        assert len(service.prepare(s, org, "tls", ["10.1.0.5:443"]).endpoints) == 1
        assert len(service.prepare(s, org, "ssh", ["10.1.0.5:22,2222"]).endpoints) == 2
    with session_factory.begin() as s, pytest.raises(OutOfScope, match=r"10\.1\.0\.5:8080"):
        service.prepare(s, org, "tls", ["10.1.0.5:8080"])
    with session_factory.begin() as s:
        service.add_scope(s, org, "network", "10.1.0.5", None, "any port")
    with session_factory.begin() as s:
        assert len(service.prepare(s, org, "tls", ["10.1.0.5:8080"]).endpoints) == 1
        assert [x.ports for x in service.list_scopes(s, org)] == ["443", "22,2222", None]


# ---------------------------------------------------------------------- API
def test_api_scan_job_scope_and_tenancy(api, go_tls, chain):
    certs, key = chain
    peer = go_tls(HYBRID_MIXED, certs, key, "-clientauth", "request")
    bank, rival = api.make_org("bank"), api.make_org("rival")
    h, hr = api.headers(bank), api.headers(rival)
    c = api.client
    target = f"127.0.0.1:{peer.port}"
    r = c.post("/api/v1/scans", json={"kind": "tls", "targets": [target]}, headers=h)
    assert r.status_code == 403 and "outside" in r.json()["detail"]
    r = c.post("/api/v1/scan-scopes", json={"value": "127.0.0.0/8", "ports": "1-65535"}, headers=h)
    assert r.status_code == 201, r.text
    r = c.post("/api/v1/scan-scopes", json={"kind": "path", "value": "/etc"}, headers=h)
    assert r.status_code == 403  # the server's own disk: administrators only
    # a store password never travels in a request (it would sit in the job queue)
    certs = {"kind": "certs", "targets": ["/etc/ssl"]}
    r = c.post("/api/v1/scans", json={**certs, "password": "x"}, headers=h)
    assert r.status_code == 422 and "password" in json.dumps(r.json())
    r = c.post("/api/v1/scans", json={**certs, "password_env": "NOT_SET_H8"}, headers=h)
    assert r.status_code == 422 and "password_env" in json.dumps(r.json())
    r = c.post("/api/v1/scan-scopes", json={"value": "not a net/99"}, headers=h)
    assert r.status_code == 422 and "value" in json.dumps(r.json())
    r = c.post("/api/v1/scans", json={"kind": "tls", "targets": ["127.0.0.1:99999"]}, headers=h)
    assert r.status_code == 422 and "targets[0]" in json.dumps(r.json())
    r = c.post("/api/v1/scans", json={"kind": "tls", "targets": [target]}, headers=h)
    assert r.status_code == 202, r.text
    job_url = r.json()["follow"]
    for _ in range(300):
        job = c.get(job_url, headers=h).json()
        if job["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.1)
    assert job["status"] == "succeeded", job
    scan_id = job["result"]["scan_id"]
    scan = c.get(f"/api/v1/scans/{scan_id}", headers=h).json()
    assert scan["results"][0]["groups"] == ["X25519MLKEM768", "x25519", "secp256r1"]
    # Go's RequestClientCert: a TLS 1.3 handshake without a certificate went on
    assert scan["results"][0]["client_certificate_required"] is False
    assert scan["results"][0]["client_certificate_proven_over"] == "TLSv1.3"
    assert c.get(f"/api/v1/scans/{scan_id}", headers=hr).status_code == 404
    assert c.get("/api/v1/scans", headers=hr).json() == []
    assert c.get("/api/v1/scan-scopes", headers=hr).json() == []
    # the rival cannot ride on the bank's scope either
    r = c.post("/api/v1/scans", json={"kind": "tls", "targets": [target]}, headers=hr)
    assert r.status_code == 403


# ---------------------------------------------------------------------- CBOM
def test_scan_cbom_validates_and_imports(session_factory, go_tls, chain, openssh):
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    certs, key = chain
    peer = go_tls(HYBRID_MIXED, certs, key)
    org = _org(session_factory, "cbom-org")
    with session_factory.begin() as s:
        service.add_scope(s, org, "network", "127.0.0.1", None, None)
        req = service.prepare(s, org, "tls", [f"127.0.0.1:{peer.port}"], timeout=5)
        ssh_req = service.prepare(s, org, "ssh", [f"127.0.0.1:{openssh.port}"], timeout=5)
    org_row = Organization(id=org, slug="cbom-org", name="CBOM", sector="finance", tier="private")
    text = scan_cbom("tls", service.run(req), org_row)
    ssh_text = scan_cbom("ssh", service.run(ssh_req), org_row)
    for doc_text in (text, ssh_text):
        errors = JsonStrictValidator(SchemaVersion.V1_6).validate_str(doc_text)
        assert errors is None, errors
    doc = json.loads(text)
    protocols = [
        c for c in doc["components"] if c.get("cryptoProperties", {}).get("assetType") == "protocol"
    ]
    tls13 = next(
        p for p in protocols if p["cryptoProperties"]["protocolProperties"]["version"] == "1.3"
    )
    suites = tls13["cryptoProperties"]["protocolProperties"]["cipherSuites"]
    asset = f"scan:tls:127.0.0.1:{peer.port}"
    assert {
        "name": "TLS_AES_128_GCM_SHA256",
        "algorithms": [f"{asset}|suite:TLS_AES_128_GCM_SHA256"],
        "identifiers": ["0x13", "0x01"],
    } in suites
    names = {c["name"] for c in doc["components"]}
    assert {"X25519MLKEM768", "X25519", "CN=inv.test", "AES-128"} <= names
    ssh_names = {c["name"] for c in json.loads(ssh_text)["components"]}
    assert "sntrup761x25519-sha512" in ssh_names
    # our own importer takes the file as it is, one usage per fact filed
    with session_factory.begin() as s:
        report = import_cbom(s, org, text.encode())
    assert report.usages_created == len(
        [
            c
            for c in doc["components"]
            if c["bom-ref"].startswith(asset + "|") and "#" not in c["bom-ref"]
        ]
    )


# ---------------------------------------------------------------------- CLI
def test_cli_scan_as_a_user_runs_it(tmp_path, go_tls, chain, misbehaving):
    certs, key = chain
    peer = go_tls(HYBRID_MIXED, certs, key)
    auth = go_tls("X25519", certs, key, "-max", "1.2", "-clientauth", "require")
    db = tmp_path / "cli.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "COLUMNS": "220"}

    def cli(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [sys.executable, "-m", "app.cli.main", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if check:
            assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc

    cli("db", "upgrade")
    cli("org", "create", "lab", "Lab", "--sector", "finance", "--tier", "private")
    out = cli("scan", "tls", f"127.0.0.1:{peer.port}", "--org", "lab", check=False)
    assert out.returncode == 2 and "outside" in out.stderr and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    cli("scan", "scope", "add", "127.0.0.0/8", "--org", "lab")
    targets = tmp_path / "targets.txt"
    garbage = misbehaving.ports["garbage"]
    lines = [f"127.0.0.1:{p}" for p in (peer.port, garbage, auth.port)]
    targets.write_text("# lab\n" + "\n".join(lines) + "\n")
    cbom = tmp_path / "scan.cdx.json"
    out = cli("scan", "tls", "--file", str(targets), "--org", "lab", "--cbom", str(cbom))
    assert "X25519MLKEM768" in out.stdout and "not_tls" in out.stdout
    assert "usage(s) appeared" in out.stdout
    # Go's RequireAnyClientCert over TLS 1.2 refused a handshake without one
    assert "required (TLSv1.2," in out.stdout and "handshake_failure)" in out.stdout
    doc = json.loads(cbom.read_text())
    assert doc["specVersion"] == "1.6"
    described = {c.get("description") for c in doc["components"]}
    assert "Client certificate: required (TLSv1.2, handshake_failure); CAs named: none." in {
        d[d.find("Client") :] for d in described if d
    }
    out = cli("scan", "tls", f"127.0.0.1:{peer.port}", "--org", "lab")
    assert "0 usage(s) appeared, 0 disappeared" in out.stdout
    bad = cli("scan", "tls", "127.0.0.1:70000", "--org", "lab", check=False)
    assert bad.returncode == 2 and "targets[0]" in bad.stderr


def test_cli_certs_password_from_env_is_never_printed(tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    store = tmp_path / "pki"
    store.mkdir()
    k = pki.rsa_key(2048)
    cert = pki.make_cert(k, "p12.test")
    secret = "Env-Only-Secret-42"
    (store / "b.p12").write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"b", k, cert, None, serialization.BestAvailableEncryption(secret.encode())
        )
    )
    db = tmp_path / "c.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "COLUMNS": "220", "P12PW": secret}
    base = [sys.executable, "-m", "app.cli.main"]
    for args in (
        ["db", "upgrade"],
        ["org", "create", "pki-org", "PKI", "--sector", "finance", "--tier", "private"],
        ["scan", "scope", "add", str(store), "--kind", "path", "--org", "pki-org"],
    ):
        subprocess.run(base + args, env=env, check=True, capture_output=True)
    out = subprocess.run(
        [*base, "scan", "certs", str(store), "--org", "pki-org", "--password-env", "P12PW"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert secret not in out.stdout + out.stderr
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        algs = sorted(r[0] for r in conn.execute(text("SELECT algorithm FROM crypto_usages")))
        dump = "\n".join(str(tuple(r)) for r in conn.execute(text("SELECT * FROM crypto_usages")))
        dump += "\n".join(str(tuple(r)) for r in conn.execute(text("SELECT * FROM scan_runs")))
    engine.dispose()
    # the private key, the certificate's (self-made) signature and the certificate's key
    assert algs == ["RSA-2048", "RSA-2048", "RSA-2048"]
    assert secret not in dump
