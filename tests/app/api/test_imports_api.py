"""Imports over HTTP: clear 4xx errors that name the place, and nothing lands on failure."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from inventory.exchange.csv_io import template
from inventory.models import Asset, CryptoUsage, Dependency

GOOD_CSV = template() + (
    "ca-1,Issuing CA,ca_pki,,PKI team,production,critical,internal,secret,20,,,,,,"
    "sha256WithRSAEncryption,signature,certificate_signature,,2048,,,,,,,,,,,,,,\n"
    "web-1,Citizen portal,application,,Web team,production,high,internet_facing,confidential,"
    "10,,,,https://portal.example.kr,,ECDHE-X25519,key_exchange,tls_key_exchange,TLS 1.3,,,,,"
    "OpenSSL,3.0.13,,,,,,,,,,ca-1=certificates_from\n"
)


def _counts(api):
    with api.sessions() as s:
        return tuple(s.scalar(select(func.count(m.id))) for m in (Asset, CryptoUsage, Dependency))


def test_csv_import_roundtrip_and_idempotent(api):
    org = api.make_org()
    h = api.headers(org)
    resp = api.client.post("/api/v1/imports/csv", headers=h, content=GOOD_CSV)
    assert resp.status_code == 200, resp.text
    report = resp.json()["report"]
    assert report["assets_created"] == 2 and report["usages_created"] == 2
    assert report["dependencies_created"] == 1
    assert _counts(api) == (2, 2, 1)
    again = api.client.post("/api/v1/imports/csv", headers=h, content=GOOD_CSV).json()["report"]
    assert again["assets_created"] == 0 and again["usages_updated"] == 2
    assert _counts(api) == (2, 2, 1)
    exported = api.client.get("/api/v1/exports/csv", headers=h).text
    third = api.client.post("/api/v1/imports/csv", headers=h, content=exported).json()["report"]
    assert third["assets_created"] == 0 and third["usages_created"] == 0
    assert _counts(api) == (2, 2, 1)
    usages = api.client.get("/api/v1/usages", headers=h).json()["items"]
    assert {u["algorithm"] for u in usages} == {"RSA-2048", "X25519"}
    assert all(u["source"] == "csv" for u in usages)


def test_csv_errors_name_line_and_column_and_leave_nothing(api):
    org = api.make_org()
    h = api.headers(org)
    bad_enum = GOOD_CSV.replace("internet_facing", "everywhere")
    resp = api.client.post("/api/v1/imports/csv", headers=h, content=bad_enum)
    assert resp.status_code == 422
    assert resp.json()["location"] == "line 3, column 'exposure'"
    assert _counts(api) == (0, 0, 0)
    bad_dep = GOOD_CSV.replace("ca-1=certificates_from", "ca-9=certificates_from")
    resp = api.client.post("/api/v1/imports/csv", headers=h, content=bad_dep)
    assert resp.status_code == 422 and "ca-9" in resp.json()["detail"]
    assert _counts(api) == (0, 0, 0)
    resp = api.client.post("/api/v1/imports/csv", headers=h, content="name,colour\nx,blue\n")
    assert resp.status_code == 422 and resp.json()["location"] == "line 1"
    resp = api.client.post("/api/v1/imports/csv", headers=h, content=b"\xff\xfe\x00bad")
    assert resp.status_code == 422
    assert _counts(api) == (0, 0, 0)


def test_cbom_errors_name_json_path_and_leave_nothing(api):
    org = api.make_org()
    h = api.headers(org)
    resp = api.client.post("/api/v1/imports/cbom", headers=h, content=b'{"bomFormat": "CycloneDX",')
    assert resp.status_code == 422 and resp.json()["location"].startswith("$")
    doc = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "components": [
            {"type": "application", "name": "ok", "bom-ref": "app-1"},
            {"type": "cryptographic-asset", "bom-ref": "c-1"},
        ],
    }
    resp = api.client.post("/api/v1/imports/cbom", headers=h, content=json.dumps(doc))
    assert resp.status_code == 422
    assert resp.json()["location"].startswith("$.components[1]")
    assert _counts(api) == (0, 0, 0)


def test_oversized_upload_refused_before_parsing(api):
    org = api.make_org()
    h = api.headers(org)
    huge = b"x" * (5 * 1024 * 1024 + 1)
    resp = api.client.post("/api/v1/imports/cbom", headers=h, content=huge)
    assert resp.status_code == 413 and "limit" in resp.json()["detail"]
    resp = api.client.post("/api/v1/imports/csv", headers=h, content=huge)
    assert resp.status_code == 413
    assert _counts(api) == (0, 0, 0)


def test_import_into_another_org_is_refused(api):
    a, b = api.make_org("a"), api.make_org("b")
    resp = api.client.post(
        "/api/v1/imports/csv",
        headers=api.headers(b),
        params={"organization_id": a.id},
        content=GOOD_CSV,
    )
    assert resp.status_code == 404
    assert _counts(api) == (0, 0, 0)


def test_every_endpoint_caps_its_body(api):
    org = api.make_org()
    h = api.headers(org)
    big_json = b'{"name": "' + b"x" * (3 * 1024 * 1024) + b'", "asset_type": "host"}'
    resp = api.client.post(
        "/api/v1/assets", headers={**h, "Content-Type": "application/json"}, content=big_json
    )
    assert resp.status_code == 413 and resp.json()["location"] == "body"

    def chunks():  # no Content-Length: the limit is counted while reading
        for _ in range(6):
            yield b"y" * (1024 * 1024)

    resp = api.client.post("/api/v1/imports/csv", headers=h, content=chunks())
    assert resp.status_code == 413
    small = api.client.post("/api/v1/imports/csv", headers=h, content=iter([GOOD_CSV.encode()]))
    assert small.status_code == 200, small.text
    assert _counts(api) == (2, 2, 1)
