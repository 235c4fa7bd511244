"""Signed reports: the published key, canonical JSON, and `pqcplan verify-report` offline."""

from __future__ import annotations

import base64
import copy
import hashlib
import json

from cryptography.hazmat.primitives.asymmetric import mldsa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.api.main import create_app
from app.cli.main import app as cli
from app.settings import Settings

API = "/api/v1/testbed"


def _finished_report(v, product_cls) -> dict:
    pid = v.product()
    s = v.open(pid, "ML-DSA-65", "sig_vendor_signs")
    report = v.answer(s["id"], product_cls().sign(s["challenge"]))
    stored = v.client.get(f"{API}/sessions/{s['id']}/report", headers=v.headers).json()
    assert stored == report
    return report


def test_report_key_is_published_and_persisted(sqlite_vendors, product_cls, tmp_path):
    v = sqlite_vendors()
    key = v.client.get(f"{API}/report-key").json()  # public: no API key
    pk = base64.b64decode(key["public_key"])
    assert key["algorithm"] == "ML-DSA-65" and len(pk) == 1952
    assert key["key_id"] == hashlib.sha256(pk).hexdigest()[:32]
    report = _finished_report(v, product_cls)
    assert report["signature"]["key_id"] == key["key_id"]
    assert v.client.get(f"{API}/report-key").json()["public_key"] == key["public_key"]

    # the signature is ML-DSA-65 over the documented canonical JSON, checkable with anything
    canonical = json.dumps(
        report["report"], sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    mldsa.MLDSA65PublicKey.from_public_bytes(pk).verify(
        base64.b64decode(report["signature"]["value"]), canonical.encode()
    )
    body = report["report"]
    assert body["format"] == "pqcplan-vendor-report/1"
    assert set(body) >= {
        "product",
        "algorithm",
        "engines",
        "cases",
        "timings",
        "issued_at",
        "summary",
    }
    assert all(isinstance(x, int) for x in body["timings"].values() if not isinstance(x, str))

    # a new app process on the same database signs with the same key
    url = str(v.client.app.state.settings.database_url)
    with TestClient(create_app(Settings(database_url=url))) as c2:
        assert c2.get(f"{API}/report-key").json()["key_id"] == key["key_id"]


def test_verify_report_offline(sqlite_vendors, product_cls, tmp_path):
    v = sqlite_vendors()
    report = _finished_report(v, product_cls)
    key_file = tmp_path / "testbed-key.json"
    key_file.write_text(v.client.get(f"{API}/report-key").text)
    good = tmp_path / "report.json"
    good.write_text(json.dumps(report, indent=2))
    runner = CliRunner()

    result = runner.invoke(cli, ["verify-report", str(good), "--key", str(key_file)])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output and "SecureGate 9.1" in result.output

    result = runner.invoke(cli, ["verify-report", str(good)], env={"PQCPLAN_REPORT_KEY": None})
    assert result.exit_code == 2 and "no trusted key" in result.output  # never 0 without a key

    changed = copy.deepcopy(report)
    changed["report"]["cases"][0]["verdict"] = (
        "fail" if report["report"]["cases"][0]["verdict"] == "pass" else "pass"
    )
    bad = tmp_path / "changed.json"
    bad.write_text(json.dumps(changed))
    result = runner.invoke(cli, ["verify-report", str(bad), "--key", str(key_file)])
    assert result.exit_code == 1 and "INVALID" in result.output

    other_key = tmp_path / "other.b64"
    other = mldsa.MLDSA65PrivateKey.generate().public_key().public_bytes_raw()
    other_key.write_text(base64.b64encode(other).decode())
    result = runner.invoke(cli, ["verify-report", str(good), "--key", str(other_key)])
    assert result.exit_code == 1 and "another key" in result.output

    resigned = copy.deepcopy(changed)  # a forger who swaps in their own key is caught by --key
    resigned["signature"]["public_key"] = base64.b64encode(other).decode()
    bad.write_text(json.dumps(resigned))
    result = runner.invoke(cli, ["verify-report", str(bad), "--key", str(key_file)])
    assert result.exit_code == 1

    (tmp_path / "junk.json").write_text("{not json")
    result = runner.invoke(cli, ["verify-report", str(tmp_path / "junk.json")])
    assert result.exit_code == 2


def _forge(report: dict) -> dict:
    """The report with its verdict changed, properly re-signed with someone else's key."""
    from testbed.conformance.reports import canonical_json, key_id

    forged = copy.deepcopy(report)
    forged["report"]["summary"]["verdict"] = "pass"
    forged["report"]["product"]["name"] = "Forged"
    sk = mldsa.MLDSA65PrivateKey.generate()
    pk = sk.public_key().public_bytes_raw()
    forged["signature"].update(
        public_key=base64.b64encode(pk).decode(),
        key_id=key_id(pk),
        value=base64.b64encode(sk.sign(canonical_json(forged["report"]))).decode(),
    )
    return forged


def test_verify_report_never_exits_0_without_a_trusted_key(sqlite_vendors, product_cls, tmp_path):
    """The real command in a subprocess: a re-signed forgery is not 'valid' by exit code."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    v = sqlite_vendors()
    report = _finished_report(v, product_cls)
    key_file = tmp_path / "testbed-key.json"
    key_file.write_text(v.client.get(f"{API}/report-key").text)
    good, forged = tmp_path / "good.json", tmp_path / "forged.json"
    good.write_text(json.dumps(report))
    forged.write_text(json.dumps(_forge(report)))
    pqcplan = str(Path(sys.executable).with_name("pqcplan"))
    env = {k: val for k, val in os.environ.items() if k != "PQCPLAN_REPORT_KEY"}

    def run(*args: str, key_env: str | None = None) -> subprocess.CompletedProcess:
        e = dict(env, **({"PQCPLAN_REPORT_KEY": key_env} if key_env else {}))
        return subprocess.run(
            [pqcplan, "verify-report", *args], env=e, capture_output=True, text=True, timeout=120
        )

    no_key = run(str(forged))  # its own embedded key verifies it, but that proves nothing
    assert no_key.returncode == 2, no_key.stdout + no_key.stderr
    assert "no trusted key" in no_key.stderr and "Forged" in no_key.stdout
    assert run(str(good)).returncode == 2
    assert run(str(forged), "--key", str(key_file)).returncode == 1
    via_env = run(str(forged), key_env=str(key_file))
    assert via_env.returncode == 1 and "another key" in via_env.stderr
    ok = run(str(good), key_env=str(key_file))
    assert ok.returncode == 0 and "valid" in ok.stdout, ok.stdout + ok.stderr
    missing = run(str(good), key_env=str(tmp_path / "nowhere.json"))
    assert missing.returncode == 2 and "cannot read the key file" in missing.stderr
