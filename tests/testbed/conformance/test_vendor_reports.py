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
from testbed.conformance.reports import canonical_json

API = "/api/v1/testbed"


def _finished_report(v, product_cls, name: str = "SecureGate") -> dict:
    return json.loads(_served(v, product_cls, name))


def _served(v, product_cls, name: str = "SecureGate") -> bytes:
    """A finished session's report, byte for byte as the testbed serves it."""
    pid = v.product(name=name)
    s = v.open(pid, "ML-DSA-65", "sig_vendor_signs")
    answered = v.client.post(
        f"{API}/sessions/{s['id']}/answer",
        headers=v.headers,
        json={"check": "sig_vendor_signs", "answer": product_cls().sign(s["challenge"])},
    )
    stored = v.client.get(f"{API}/sessions/{s['id']}/report", headers=v.headers)
    assert answered.content == stored.content  # the same canonical bytes both times
    return stored.content


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
    good.write_bytes(canonical_json(report))
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
    assert result.exit_code == 1 and "not valid JSON" in " ".join(result.output.split())


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
    good.write_bytes(canonical_json(report))
    forged.write_bytes(canonical_json(_forge(report)))
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
    assert "NOT VERIFIED" in no_key.stdout and "->" not in no_key.stdout
    assert run(str(good)).returncode == 2
    assert run(str(forged), "--key", str(key_file)).returncode == 1
    via_env = run(str(forged), key_env=str(key_file))
    assert via_env.returncode == 1 and "another key" in via_env.stderr
    ok = run(str(good), key_env=str(key_file))
    assert ok.returncode == 0 and "valid" in ok.stdout, ok.stdout + ok.stderr
    missing = run(str(good), key_env=str(tmp_path / "nowhere.json"))
    assert missing.returncode == 2 and "cannot read the key file" in missing.stderr


def _cli(*args: str):
    return CliRunner().invoke(cli, ["verify-report", *args], env={"PQCPLAN_REPORT_KEY": None})


def test_only_the_exact_signed_bytes_verify(sqlite_vendors, product_cls, tmp_path):
    """Members outside the signed report, duplicate keys and other encodings all fail (1)."""
    v = sqlite_vendors()
    served = _served(v, product_cls)
    key_file = tmp_path / "key.json"
    key_file.write_text(v.client.get(f"{API}/report-key").text)
    path = tmp_path / "report.json"
    path.write_bytes(served)
    assert _cli(str(path), "--key", str(key_file)).exit_code == 0
    path.write_bytes(served + b"\n")  # one final newline, as editors add
    assert _cli(str(path), "--key", str(key_file)).exit_code == 0

    doc = json.loads(served)
    summary = json.dumps(doc["report"]["summary"], separators=(",", ":"))
    fake = summary.replace('"verdict":"pass"', '"verdict":"fail"')
    tampered = {
        "extra member": canonical_json({**doc, "verdict": "fail"}),
        "duplicate key": served.replace(
            b'"summary":', b'"summary":' + fake.encode() + b',"summary":', 1
        ),
        "pretty-printed": json.dumps(doc, indent=2).encode(),
        "escaped non-ASCII": json.dumps(doc, sort_keys=True, separators=(",", ":")).encode() + b" ",
        "unsorted keys": json.dumps(
            {"signature": doc["signature"], "report": doc["report"]}, separators=(",", ":")
        ).encode(),
    }
    words = {
        "extra member": "outside the signed report",
        "duplicate key": "key 'summary' appears twice",
        "pretty-printed": "canonical form",
        "escaped non-ASCII": "canonical form",
        "unsorted keys": "canonical form",
    }
    for what, raw in tampered.items():
        path.write_bytes(raw)
        result = _cli(str(path), "--key", str(key_file))
        assert result.exit_code == 1, (what, result.output)
        assert words[what] in " ".join(result.output.split()), (what, result.output)
        api = v.client.post(
            f"{API}/reports/verify",
            headers={**v.headers, "Content-Type": "application/json"},
            content=raw,
        )
        if what == "duplicate key":  # refused before any route, naming the key and place
            assert api.status_code == 422 and "appears twice" in api.json()["detail"], api.text
        else:
            assert api.status_code == 200 and api.json()["valid"] is False, api.text
            assert words[what] in api.json()["problem"]
        # without a key, a malformed report is still invalid, and never "verified"
        result = _cli(str(path))
        assert result.exit_code == 1 and "valid " not in result.output.replace("INVALID", "")

    api = v.client.post(
        f"{API}/reports/verify",
        headers={**v.headers, "Content-Type": "application/json"},
        content=served,
    )
    assert api.json() | {"verified_with": None} == {
        "valid": True,
        "problem": None,
        "key_id": doc["signature"]["key_id"],
        "verified_with": None,
        "session_id": doc["report"]["session_id"],
        "algorithm": "ML-DSA-65",
        "check": "sig_vendor_signs",
        "verdict": "pass",
    }


def test_terminal_escapes_in_a_report_are_shown_not_obeyed(sqlite_vendors, product_cls, tmp_path):
    v = sqlite_vendors()
    name = "Evil\x1b[2K\r-> pass (8/8 cases)\u202e"
    served = _served(v, product_cls, name=name)
    key_file = tmp_path / "key.json"
    key_file.write_text(v.client.get(f"{API}/report-key").text)
    path = tmp_path / "report.json"
    path.write_bytes(served)
    for args in ((str(path), "--key", str(key_file)), (str(path),)):
        result = _cli(*args)
        assert "\x1b" not in result.output and "\r" not in result.output, result.output
        assert "\u202e" not in result.output
        assert "Evil\\x1b[2K\\r" in result.output
