"""A certificate signed with SHA-1 is migrate-now under every profile, over the API.

The CycloneDX certificate example with its signature algorithm changed to
sha1WithRSAEncryption (OID 1.2.840.113549.1.1.5) and an RSA-2048 key: the key is classically
sound, the SHA-1 signature is not (RFC 9155, NIST SP 800-131A Rev. 2, SHAttered).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from core.choices import Role

DATA = Path(__file__).resolve().parents[1] / "inventory" / "exchange" / "data"
SHA512_REF = "crypto/algorithm/sha-512-rsa@1.2.840.113549.1.1.13"


def _cert_bom(name: str, oid: str, hash_bits: str) -> str:
    doc = json.loads((DATA / "cyclonedx-certificate-1.6.cdx.json").read_text())
    ref = f"crypto/algorithm/{name}@{oid}"
    for comp in doc["components"]:
        props = comp.get("cryptoProperties", {})
        if comp.get("bom-ref") == SHA512_REF:
            comp.update({"bom-ref": ref, "name": name})
            props["oid"] = oid
            props["algorithmProperties"]["parameterSetIdentifier"] = hash_bits
        cert = props.get("certificateProperties")
        if cert is not None:
            cert["signatureAlgorithmRef"] = ref
    return json.dumps(doc)


@pytest.mark.parametrize(
    ("name", "oid", "bits", "broken"),
    [
        ("sha1WithRSAEncryption", "1.2.840.113549.1.1.5", "160", True),
        ("sha256WithRSAEncryption", "1.2.840.113549.1.1.11", "256", False),
        ("SHA512withRSA", "1.2.840.113549.1.1.13", "512", False),  # not an RSA-512 key
    ],
)
def test_sha1_certificate_is_migrate_now(
    api: Any, name: str, oid: str, bits: str, broken: bool
) -> None:
    org = api.make_org("certs")
    h = api.headers(org, Role.OFFICER)
    r = api.client.post("/api/v1/imports/cbom", headers=h, content=_cert_bom(name, oid, bits))
    assert r.status_code in (200, 201), r.text
    r = api.client.get("/api/v1/usages", headers=h)
    (cert,) = r.json()["items"]
    # the signature's hash size is no key size; the key is in subjectPublicKeyRef
    assert cert["algorithm"] == ("RSA-SHA1" if broken else "RSA"), cert
    assert cert["algorithm_raw"] == name

    r = api.client.post(
        "/api/v1/plans/judge",
        headers=h,
        json={"profiles": ["kr-2035", "eu-2030-2035"], "disagreements_only": False},
    )
    assert r.status_code == 200, r.text
    (item,) = r.json()["items"]
    assert {v["profile"] for v in item["verdicts"]} == {"kr-2035", "eu-2030-2035"}
    for v in item["verdicts"]:
        if broken:
            assert v["verdict"] == "migrate-now", v
            assert "SHA-1" in v["reason"] and "classical attacks today" in v["reason"]
            assert v["deadline"] == "2014-01-01"  # SP 800-131A: SHA-1 signatures disallowed
            assert v["deadline_rule"] == "sha1-sp800-131a"
        else:
            assert v["verdict"] != "migrate-now", v
