"""pqcplan's judgement beside cbomctl's on one public CBOM: the differences the README names.

Both tools run as a pipeline would run them, on CBOMkit's Java scan
(tests/inventory/exchange/data/cbomkit-hyperion-java-1.6.cdx.json), with the five jurisdictions both
model. If a difference disappears or a new one appears, this fails and the README's
comparison must be updated.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXCHANGE_DATA

DATA = EXCHANGE_DATA
CBOM = DATA / "cbomkit-hyperion-java-1.6.cdx.json"
#: cbomctl pack -> pqcplan profile
PAIRS = {
    "bsi-de": "de-bsi-tr02102",
    "anssi-fr": "fr-anssi",
    "asd-au": "au-asd-2030",
    "cnsa-2.0": "us-cnsa2",
    "nist-ir8547": "us-nist-ir8547",
}


def _cbomctl() -> str:
    found = shutil.which("cbomctl") or str(Path(sys.executable).with_name("cbomctl"))
    if not Path(found).exists():
        pytest.fail("cbomctl (a dev dependency) is not installed", pytrace=False)
    return found


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict]:
    theirs = subprocess.run(
        [_cbomctl(), "verdict", str(CBOM), "-j", ",".join(PAIRS), "-f", "json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert theirs.returncode == 0, theirs.stderr
    tmp = tmp_path_factory.mktemp("judge")
    args = [sys.executable, "-m", "app.cli.main", "judge", str(CBOM), "--format", "json"]
    args += ["--as-of", "2026-11-27"]
    for profile in PAIRS.values():
        args += ["--profile", profile]
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp}/unused.sqlite3"}
    ours = subprocess.run(args, capture_output=True, text=True, timeout=300, env=env)
    assert ours.returncode == 1, ours.stderr
    return json.loads(theirs.stdout), json.loads(ours.stdout)


def _theirs(report: dict, display: str) -> dict[str, str]:
    row = next(r for r in report["matrix"] if r["display"] == display)
    return {PAIRS[k]: v["verdict"] for k, v in row["cells"].items()}


def _ours(report: dict, algorithm: str) -> list[dict[str, str]]:
    return [
        {v["profile"]: v["verdict"] for v in u["verdicts"]}
        for u in report["usages"]
        if u["algorithm"] == algorithm
    ]


def test_classically_broken_algorithms(both: tuple[dict, dict]) -> None:
    """cbomctl judges the quantum threat only; pqcplan replaces MD5, SHA-1 and 3DES now."""
    theirs, ours = both
    for display, canonical in (
        ("md5", "MD5"),
        ("sha-1", "SHA-1"),
        ("desede-168-cbc-pkcs5", "3DES"),
    ):
        assert set(_theirs(theirs, display).values()) == {"PASS"}
        assert [set(v.values()) for v in _ours(ours, canonical)] == [{"migrate-now"}]


def test_sha256_under_the_australian_ism(both: tuple[dict, dict]) -> None:
    """Both retire SHA-256 after 2030 under the ISM (pqcplan's au table lists it until then)."""
    theirs, ours = both
    assert _theirs(theirs, "sha-256")["au-asd-2030"] == "WARN"
    assert [v["au-asd-2030"] for v in _ours(ours, "SHA-256")] == ["migrate"]


def test_grover_weakened_symmetric_under_cnsa(both: tuple[dict, dict]) -> None:
    """Both flag AES-128 and HMAC-SHA1 under the ASD; only pqcplan's CNSA 2.0 does."""
    theirs, ours = both
    for display, canonical in (("aes-128", "AES-128"), ("hmacsha1", "HMAC-SHA1")):
        cells = _theirs(theirs, display)
        assert cells["au-asd-2030"] == "WARN" and cells["us-cnsa2"] == "PASS"
        for verdicts in _ours(ours, canonical):
            assert verdicts["au-asd-2030"] == "migrate" and verdicts["us-cnsa2"] == "migrate"
            assert verdicts["de-bsi-tr02102"] == verdicts["fr-anssi"] == "acceptable"


def test_pbkdf2_with_hmac_sha1(both: tuple[dict, dict]) -> None:
    """cbomctl declines to judge it; pqcplan's catalog names it PBKDF2-SHA1 (RFC 8018's PRF
    HMAC-SHA1, Grover-weakened) and judges it as a password hash under each profile."""
    theirs, ours = both
    assert _theirs(theirs, "pbkdf2withhmacsha1")["de-bsi-tr02102"] == "INDET"
    assert _ours(ours, "PBKDF2-SHA1") == [
        {
            "de-bsi-tr02102": "acceptable",
            "fr-anssi": "acceptable",
            "au-asd-2030": "migrate",
            "us-cnsa2": "migrate",
            "us-nist-ir8547": "acceptable",
        }
    ]


def test_rows_conflicts_and_exit_codes(both: tuple[dict, dict]) -> None:
    theirs, ours = both
    # pqcplan keeps the AES key (related-crypto-material) as a usage of its own
    assert len(theirs["matrix"]) == 7 and len(ours["usages"]) == 8
    assert len(_ours(ours, "AES-128")) == 2
    # cbomctl sees hybrid-construction conflicts on block ciphers; pqcplan applies hybrid
    # policy to key establishment only
    kinds = {(c["display"], c["kind"]) for c in theirs["conflicts"]}
    assert ("aes-128", "construction") in kinds and (
        "desede-168-cbc-pkcs5",
        "construction",
    ) in kinds
    assert not any("hybrid" in d for u in ours["usages"] for d in u["disagreements"])
    assert theirs["exit_code"] == 0 and ours["exit_code"] == 1
