"""The `pqcplan` command as a user runs it: a real process, a real SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from inventory.exchange.csv_io import template

PQCPLAN = [sys.executable, "-m", "app.cli.main"]


def run(args: list[str], db: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "COLUMNS": "200"}
    proc = subprocess.run([*PQCPLAN, *args], env=env, capture_output=True, text=True, timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(f"pqcplan {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("cli") / "demo.sqlite3"
    run(["db", "upgrade"], db)
    out = run(["demo"], db)
    assert "demo loaded" in out.stdout
    return db


def test_demo_loads_a_realistic_inventory(demo_db: Path):
    keys = json.loads((demo_db.parent / "demo-keys.json").read_text())
    assert {"admin", "vendor", "mois:officer", "daehan-bank:auditor"} <= set(keys)
    summary = json.loads(run(["inventory", "summary", "--json"], demo_db).stdout)
    assert summary["organizations"] == 7  # and the supervising desk (migration.sectors.demo)
    assert 250 <= summary["assets"] <= 600
    assert summary["by_status"]["broken"] > summary["by_status"]["hybrid"] > 0
    assert summary["by_status"]["unknown"] > 0  # the vendor's unnamed "PQC option" is kept
    assert set(summary["by_sector"]) == {"government", "healthcare", "finance", "telecom"}
    table = run(["inventory", "summary", "--org", "daehan-bank"], demo_db).stdout
    assert "RSA-2048" in table and "by sector" in table


def test_export_then_import_cbom_via_cli(demo_db: Path, tmp_path: Path):
    out = tmp_path / "bank.cdx.json"
    run(["export", "cbom", "--org", "daehan-bank", "-o", str(out)], demo_db)
    doc = json.loads(out.read_text())
    assert doc["bomFormat"] == "CycloneDX" and doc["specVersion"] == "1.6"
    run(
        [
            "org",
            "create",
            "bank-copy",
            "Bank copy",
            "--sector",
            "finance",
            "--tier",
            "critical_private_infrastructure",
        ],
        demo_db,
    )
    report = run(["import", "cbom", str(out), "--org", "bank-copy"], demo_db).stdout
    assert "assets_created" in report
    original = json.loads(
        run(["inventory", "summary", "--org", "daehan-bank", "--json"], demo_db).stdout
    )
    copy = json.loads(run(["inventory", "summary", "--org", "bank-copy", "--json"], demo_db).stdout)
    assert copy["assets"] == original["assets"] and copy["by_status"] == original["by_status"]


def test_bad_files_give_one_clear_line_and_change_nothing(demo_db: Path, tmp_path: Path):
    before = run(["inventory", "summary", "--json"], demo_db).stdout
    bad = tmp_path / "bad.csv"
    bad.write_text(template() + "x,Thing,spaceship" + "," * 32 + "\n")
    proc = run(["import", "csv", str(bad), "--org", "mois"], demo_db, check=False)
    assert proc.returncode == 2
    assert "line 2, column 'asset_type'" in proc.stderr and "Traceback" not in proc.stderr
    broken = tmp_path / "broken.json"
    broken.write_text('{"bomFormat": "CycloneDX", "components": [')
    proc = run(["import", "cbom", str(broken), "--org", "mois"], demo_db, check=False)
    assert proc.returncode == 2 and "$" in proc.stderr and "Traceback" not in proc.stderr
    proc = run(
        ["import", "cbom", str(tmp_path / "missing.json"), "--org", "mois"], demo_db, check=False
    )
    assert proc.returncode == 2 and "missing.json" in proc.stderr
    proc = run(["import", "csv", str(bad), "--org", "no-such-org"], demo_db, check=False)
    assert proc.returncode == 2 and "no-such-org" in proc.stderr
    assert run(["inventory", "summary", "--json"], demo_db).stdout == before


def test_bench_command_runs_real_engines_and_stores_rows(demo_db: Path):
    out = run(
        [
            "bench",
            "--alg",
            "ml-dsa-65",
            "--engine",
            "all",
            "--seconds",
            "0.3",
            "--json",
            "--org",
            "hanbit-security",
        ],
        demo_db,
    ).stdout
    doc = json.loads(out)
    engines = {(r["engine"], r["algorithm"]) for r in doc["results"]}
    assert {
        ("liboqs", "ML-DSA-65"),
        ("openssl", "ML-DSA-65"),
        ("pqclean", "ML-DSA-65"),
        ("openssl", "ECDSA-P256"),
    } <= engines
    sig = next(r for r in doc["results"] if r["engine"] == "liboqs")
    assert sig["sizes"]["public_key"] == 1952 and sig["operations"]["sign"]["ops_per_s"] > 0
    assert sig["operations"]["sign"]["timing"] == "native-loop"
    assert doc["skipped"] == ["kpqc: skipped for ML-DSA-65 (it has no ML-DSA-65)"]
    engines = ["--engine", "liboqs", "--engine", "openssl"]
    options = ["--seconds", "0.05", "--no-baseline", "--timing", "per-call"]
    named = run(["bench", "--alg", "ML-KEM-512", *engines, *options], demo_db)
    assert "openssl: skipped for ML-KEM-512 (it has no ML-KEM-512)" in named.stderr
    assert "per-call" in named.stdout
    proc = run(["bench", "--alg", "NoSuchAlg"], demo_db, check=False)
    assert proc.returncode == 2 and "NoSuchAlg" in proc.stderr
    table = run(["testbed", "engines"], demo_db).stdout
    assert "liboqs" in table and "pqclean" in table


def test_readme_first_command_serves_the_demo(tmp_path: Path):
    """`pqcplan serve --demo` on the embedded default: a real server process on loopback."""
    import socket
    import time

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["HOME"] = str(tmp_path)  # the default SQLite file lands under ~/.local/share/pqcplan
    proc = subprocess.Popen(
        [*PQCPLAN, "serve", "--demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        keys_file = tmp_path / ".local" / "share" / "pqcplan" / "demo-keys.json"
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            try:
                if keys_file.exists() and httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server did not come up"
            time.sleep(0.3)
        key = json.loads(keys_file.read_text())["daehan-bank:officer"]
        h = {"Authorization": f"Bearer {key}"}
        broken = httpx.get(
            f"{base}/api/v1/assets", params={"quantum_status": "broken"}, headers=h
        ).json()
        assert broken["items"] and all(a["ref"].startswith("daehan-bank:") for a in broken["items"])
        assert httpx.get(f"{base}/docs").status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_demo_organizations_show_real_gaps_and_report_to_a_desk(
    demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The demo bank has no customer certificate PKI in its inventory, the operator no SUCI
    nor backhaul IPsec; all four report to the supervising desk, which sees their counts.
    (The commands run in-process: the demo itself was loaded by a real process above.)"""
    from typer.testing import CliRunner

    from app.cli.main import app
    from app.settings import get_settings
    from core.db import engine_for

    url = f"sqlite:///{demo_db}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("COLUMNS", "200")
    # the console read COLUMNS when app.cli.common was first imported in this process
    # (maybe by another test), so its width is set here too: tables must not wrap
    from app.cli import common

    monkeypatch.setattr(common.console, "width", 200)
    get_settings.cache_clear()

    def cli(*args: str, code: int = 0) -> str:
        result = CliRunner().invoke(app, list(args), catch_exceptions=False)
        assert result.exit_code == code, (args, result.output)
        return result.output

    try:
        bank = json.loads(cli("sector", "check", "--org", "daehan-bank", "--format", "json"))
        states = {t["key"]: t["state"] for t in bank["targets"]}
        assert states["finance/customer-certificate-pki"] == "not_found"
        assert states["finance/hsm-key-management"] == "found"
        telco = cli("sector", "check", "--org", "koreanet-telecom", "--format", "md")
        assert "5G SUCI concealment" in telco and "NOT FOUND" in telco
        assert "contracted provider" in telco  # DNSSEC declared absent, with the reason
        korean = cli(
            "sector", "check", "--org", "koreanet-telecom", "--format", "md", "--lang", "ko"
        )
        assert korean.startswith("# 분야별 점검: KoreaNet Telecom")
        assert (
            "| 5G SUCI 가입자 식별자 은닉 (`telecom/suci-concealment`) | 매우 높음 | 미식별 |"
            in korean
        )
        assert "## 미식별 대상을 찾는 방법" in korean and "NOT FOUND" not in korean
        table = cli("sector", "check", "--org", "koreanet-telecom", "--lang", "ko")
        for words in ("미식별", "찾는 곳: 공급업체 질의서", "대상 8개"):
            assert words in table, table  # the whole table when it is not there
        view = json.loads(cli("supervision", "view", "--org", "pqc-supervisor", "--format", "json"))
        assert {o["organization"]["slug"] for o in view["organizations"]} == {
            "mois",
            "hanul-hospital",
            "daehan-bank",
            "koreanet-telecom",
        }
        assert "Crypto inventory team" not in json.dumps(view)  # owners stay with the bank
        # the signed report, checked offline (the key is read from the database here)
        out = tmp_path / "bank.md"
        report = ["--org", "daehan-bank", "--format", "md", "--lang", "ko", "-o", str(out)]
        cli("supervision", "report", *report)
        assert "양자내성암호 전환 보고서" in out.read_text()
        cli("supervision", "verify", str(out), code=2)  # no trusted key
        text = out.read_text()
        assert text.count("Daehan Commercial Bank") == 2  # the visible page and the signed JSON
        out.write_text(text.replace("Daehan Commercial Bank", "Daehan Commercial Bonk", 1))
        cli("supervision", "verify", str(out), code=1)
    finally:
        get_settings.cache_clear()
        engine_for(url).dispose()
