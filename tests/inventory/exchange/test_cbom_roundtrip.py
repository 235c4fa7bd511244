"""Export then import loses nothing the model holds (SQLite and PostgreSQL), and the export
is valid CycloneDX 1.6 / 1.7 by the official JSON schemas."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from core.db import transaction
from inventory.exchange.cbom_common import as_utc
from inventory.exchange.cbom_export import export_cbom
from inventory.exchange.cbom_import import import_cbom
from inventory.models import Asset, CryptoUsage, Dependency

# Columns not compared, and why: ids and organization_id are the database's (rows are matched
# by ref, foreign keys by the ref they point at); created_at/updated_at record when this
# database wrote the row, not a fact about the inventory.
SKIP = {
    "id",
    "organization_id",
    "created_at",
    "updated_at",
    "asset_id",
    "dependent_id",
    "provider_id",
}


def _norm(value: Any) -> Any:
    return as_utc(value) if isinstance(value, datetime) else value


def snapshot(session: Session, org_id: int) -> dict[str, Any]:
    refs = dict(
        session.execute(select(Asset.id, Asset.ref).where(Asset.organization_id == org_id)).all()
    )
    assets = {}
    for a in session.scalars(select(Asset).where(Asset.organization_id == org_id)):
        assets[a.ref] = {
            c.key: _norm(getattr(a, c.key)) for c in Asset.__table__.columns if c.key not in SKIP
        }
    usages = {}
    for u in session.scalars(select(CryptoUsage).where(CryptoUsage.organization_id == org_id)):
        row = {
            c.key: _norm(getattr(u, c.key))
            for c in CryptoUsage.__table__.columns
            if c.key not in SKIP
        }
        row["asset"] = refs[u.asset_id]
        usages[u.ref] = row
    prov = aliased(Asset)
    deps = set()
    for d, pref in session.execute(
        select(Dependency, prov.ref)
        .join(prov, prov.id == Dependency.provider_id)
        .where(Dependency.organization_id == org_id)
    ):
        cols = tuple(
            (c.key, _norm(getattr(d, c.key)))
            for c in Dependency.__table__.columns
            if c.key not in SKIP
        )
        deps.add((refs[d.dependent_id], pref, cols))
    return {"assets": assets, "usages": usages, "dependencies": deps}


def _validate(text: str, version: str) -> None:
    schema = {"1.6": SchemaVersion.V1_6, "1.7": SchemaVersion.V1_7}[version]
    errors = JsonStrictValidator(schema).validate_str(text)
    assert errors is None, errors


@pytest.mark.parametrize("writer", ["library", "direct"])
@pytest.mark.parametrize("version", ["1.6", "1.7"])
def test_export_import_loses_nothing(
    db_url: str, rich_inventory, make_org, version: str, writer: str
) -> None:
    with transaction(db_url) as s:
        src = make_org(s, "source")
        rich_inventory(s, src)
        dst = make_org(s, "target")
    with transaction(db_url) as s:
        before = snapshot(s, src)
        text = export_cbom(s, src, version, writer=writer)
    _validate(text, version)
    doc = json.loads(text)
    assert doc["specVersion"] == version

    with transaction(db_url) as s:
        report = import_cbom(s, dst, text.encode())
    assert report.assets_created == len(before["assets"])
    assert report.usages_created == len(before["usages"])
    assert report.dependencies_created == len(before["dependencies"])
    assert report.unknown_algorithms == ["FooCipher-9"]
    # the only remark: the file was exported from another organization
    assert len(report.warnings) == 1 and "'source'" in report.warnings[0], report.warnings

    with transaction(db_url) as s:
        after = snapshot(s, dst)
    assert after["assets"] == before["assets"]
    for ref, row in before["usages"].items():
        assert after["usages"][ref] == row, ref
    assert after["usages"].keys() == before["usages"].keys()
    assert after["dependencies"] == before["dependencies"]

    # and a second export of the copy says the same (modulo serial number and timestamp)
    with transaction(db_url) as s:
        again = json.loads(export_cbom(s, dst, version, writer=writer))
    for d in (doc, again):
        d.pop("serialNumber")
        d["metadata"].pop("timestamp")
        d["metadata"].pop("properties")
    assert again == doc


def test_reimport_is_idempotent(sqlite_url: str, rich_inventory, make_org) -> None:
    with transaction(sqlite_url) as s:
        src = make_org(s, "source")
        rich_inventory(s, src)
    with transaction(sqlite_url) as s:
        before = snapshot(s, src)
        text = export_cbom(s, src)
    with transaction(sqlite_url) as s:
        report = import_cbom(s, src, text)
    assert report.assets_created == report.usages_created == report.dependencies_created == 0
    assert report.assets_updated == len(before["assets"])
    assert report.usages_updated == len(before["usages"])
    assert report.warnings == []
    with transaction(sqlite_url) as s:
        assert snapshot(s, src) == before


def test_export_shape(sqlite_url: str, rich_inventory, make_org) -> None:
    """The standard fields carry what they can: a CBOM reader that ignores our properties
    still sees types, algorithms, certificates, protocols and the dependency graph."""
    with transaction(sqlite_url) as s:
        src = make_org(s, "source")
        rich_inventory(s, src)
        doc = json.loads(export_cbom(s, src, "1.7"))
    comps = {c["bom-ref"]: c for c in doc["components"]}
    assert comps["asset/host"]["type"] == "device"
    assert comps["asset/library_firmware"]["type"] == "library"
    assert comps["asset/database"]["type"] == "data"
    assert comps["asset/application"]["supplier"] == {"name": "Vendor 0"}
    kem = next(c for c in comps.values() if c["name"] == "ML-KEM-768")
    ap = kem["cryptoProperties"]["algorithmProperties"]
    assert ap["primitive"] == "kem" and ap["nistQuantumSecurityLevel"] == 3
    assert kem["cryptoProperties"]["oid"] == "2.16.840.1.101.3.4.4.2"
    ecdh = next(c for c in comps.values() if c["name"].startswith("ECDH"))
    assert ecdh["cryptoProperties"]["algorithmProperties"]["primitive"] == "key-agree"
    cert = comps["usage/02/certificate_signature"]
    cp = cert["cryptoProperties"]["certificateProperties"]
    assert cert["cryptoProperties"]["assetType"] == "certificate"
    assert cp["serialNumber"] == "0a:1b:02" and cp["fingerprint"]["alg"] == "SHA-256"
    assert comps[cp["signatureAlgorithmRef"]]["cryptoProperties"]["assetType"] == "algorithm"
    key = comps[cp["subjectPublicKeyRef"]]["cryptoProperties"]
    assert key["relatedCryptoMaterialProperties"]["type"] == "public-key"
    protocols = [
        c for c in comps.values() if c.get("cryptoProperties", {}).get("assetType") == "protocol"
    ]
    assert {c["name"] for c in protocols} >= {"TLS 1.3", "SSH-2", "IKEv2"}
    tls13 = next(c for c in protocols if c["name"] == "TLS 1.3")
    assert tls13["cryptoProperties"]["protocolProperties"]["type"] == "tls"
    assert tls13["cryptoProperties"]["protocolProperties"]["version"] == "1.3"
    deps = {d["ref"]: d for d in doc["dependencies"]}
    lib = deps["asset/library_firmware"]
    assert lib["provides"] and all(r.startswith("usage/") for r in lib["provides"])
    app = deps["asset/application"]
    assert "asset/ca_pki" in app["dependsOn"] and "asset/hsm" in app["dependsOn"]
    props = {(p["name"], p["value"]) for p in comps["asset/application"]["properties"]}
    assert ("pqcplan:dependency:asset/service", "calls_service:") in props
    assert ("pqcplan:dependency:asset/service", "authenticates_with:OIDC") in props
    assert ("pqcplan:dependency:asset/hsm", "keys_in") in props
    meta = {p["name"]: p["value"] for p in doc["metadata"]["properties"]}
    assert meta["pqcplan:organization:slug"] == "source"
    assert meta["pqcplan:organization:sector"] == "government"


def test_export_rejects_unknown_version(sqlite_url: str, make_org) -> None:
    from core.errors import InputError

    with transaction(sqlite_url) as s:
        org = make_org(s, "o")
        with pytest.raises(InputError) as err:
            export_cbom(s, org, "1.5")
    assert err.value.location == "spec_version"


@pytest.mark.parametrize("version", ["1.6", "1.7"])
def test_export_of_an_empty_organization(db_url: str, make_org, version: str) -> None:
    """No components: the library leaves out the empty lists, and the export still works."""
    with transaction(db_url) as s:
        org = make_org(s, "empty")
        text = export_cbom(s, org, version)
    doc = json.loads(text)
    assert doc.get("components", []) == []
    schema = SchemaVersion.from_version(version)
    assert JsonStrictValidator(schema).validate_str(text) is None


def _canonical(value: Any) -> Any:
    """Order-insensitive form of a JSON document (CycloneDX arrays here are sets)."""
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_canonical(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    return value


@pytest.mark.parametrize("version", ["1.6", "1.7"])
def test_direct_writer_matches_the_library(
    sqlite_url: str, rich_inventory, make_org, version: str
) -> None:
    """Large inventories are written without cyclonedx-python-lib (quadratic there): the
    direct writer must produce exactly what the library produces."""
    with transaction(sqlite_url) as s:
        src = make_org(s, "source")
        rich_inventory(s, src)
        by_lib = json.loads(export_cbom(s, src, version, writer="library"))
        direct_text = export_cbom(s, src, version, writer="direct")
    _validate(direct_text, version)
    direct = json.loads(direct_text)
    for d in (by_lib, direct):
        assert d.pop("serialNumber").startswith("urn:uuid:")
        datetime.fromisoformat(d["metadata"].pop("timestamp"))
    assert _canonical(direct) == _canonical(by_lib)
