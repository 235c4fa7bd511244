"""Other tools' CBOMs survive import -> export: every cryptoProperties field, the evidence
(occurrences and all), and dependsOn/provides between crypto components come back under the
same bom-refs, in CycloneDX 1.6 and 1.7; a re-import of the export adds no rows (SQLite and
PostgreSQL). Exporting a 1.7 document as 1.6 moves what has a 1.6 home and names the rest."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from sqlalchemy import func, select

from core.db import transaction
from inventory.choices import Primitive, QuantumStatus
from inventory.exchange.cbom_export import export_cbom
from inventory.exchange.cbom_import import import_cbom
from inventory.models import CryptoUsage

DATA = Path(__file__).parent / "data"
# CycloneDX documents (IBM's pre-standard draft is read, but has fields no version keeps)
FIXTURES = sorted(p.name for p in DATA.glob("*.cdx.json"))
CRYPTO_TYPES = ("cryptographic-asset", "crypto-asset")

# Written by hand from the two schemas (bom-1.6 / bom-1.7): fields only 1.7 has, per object.
ONLY_17 = {
    "algorithmProperties": {"algorithmFamily", "ellipticCurve"},
    "certificateProperties": {
        "serialNumber",
        "certificateFileExtension",
        "fingerprint",
        "certificateState",
        "creationDate",
        "activationDate",
        "deactivationDate",
        "revocationDate",
        "destructionDate",
        "certificateExtensions",
        "relatedCryptographicAssets",
    },
    "relatedCryptoMaterialProperties": {"fingerprint", "relatedCryptographicAssets"},
    "protocolProperties": {"relatedCryptographicAssets"},
}
MOVED_TO_16 = {
    "algorithmProperties": ("ellipticCurve", "curve"),
    "certificateProperties": ("certificateFileExtension", "certificateExtension"),
}
PROTOCOL_TYPES_16 = {"tls", "ssh", "ipsec", "ike", "sstp", "wpa", "other", "unknown"}


def _flat(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for c in components:
        out.append(c)
        out.extend(_flat(c.get("components") or []))
    return out


def _is_ours(c: dict[str, Any]) -> bool:
    names = {p.get("name") for p in c.get("properties") or []}
    return bool(names & {"pqcplan:part-of", "pqcplan:generated"})


def crypto_view(doc: dict[str, Any]) -> dict[str, Any]:
    """bom-ref -> what a viewer or code scanner reads of each crypto component."""
    view = {}
    for c in _flat(doc.get("components") or []):
        if c["type"] in CRYPTO_TYPES and not _is_ours(c):
            view[c["bom-ref"]] = {
                "name": c["name"],
                "cryptoProperties": c.get("cryptoProperties"),
                "evidence": c.get("evidence"),
            }
    return view


def crypto_links(doc: dict[str, Any]) -> set[tuple[str, str, str]]:
    """(source, dependsOn|provides, target) between crypto components."""
    crypto = set(crypto_view(doc))
    return {
        (d["ref"], kind, t)
        for d in doc.get("dependencies") or []
        for kind in ("dependsOn", "provides")
        for t in d.get(kind) or []
        if d["ref"] in crypto and t in crypto
    }


def as_16(view: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """What a 1.6 export can say of a 1.7 view, and the fields it must name as left out."""
    view = copy.deepcopy(view)
    dropped = set()
    for ref, comp in view.items():
        cp = comp["cryptoProperties"] or {}
        for obj, keys in ONLY_17.items():
            sub = cp.get(obj)
            if not isinstance(sub, dict):
                continue
            if obj in MOVED_TO_16:
                old, new = MOVED_TO_16[obj]
                if old in sub and new not in sub:
                    sub[new] = sub.pop(old)
            for k in keys & set(sub):
                del sub[k]
                dropped.add(f"{ref}:{obj}.{k}")
        pp = cp.get("protocolProperties")
        if isinstance(pp, dict) and pp.get("type") not in PROTOCOL_TYPES_16 | {None}:
            del pp["type"]
            dropped.add(f"{ref}:protocolProperties.type")
    return view, dropped


def _validate(text: str, version: str) -> None:
    schema = {"1.6": SchemaVersion.V1_6, "1.7": SchemaVersion.V1_7}[version]
    errors = JsonStrictValidator(schema).validate_str(text)
    assert errors is None, errors


def _usages(url: str, org: int) -> dict[str, dict[str, Any]]:
    with transaction(url) as s:
        return {
            u.ref: {
                "asset_id": u.asset_id,
                "algorithm": u.algorithm,
                "quantum_status": u.quantum_status,
                "cbom_extra": u.cbom_extra,
            }
            for u in s.scalars(select(CryptoUsage).where(CryptoUsage.organization_id == org))
        }


@pytest.mark.parametrize("version", ["1.6", "1.7"])
@pytest.mark.parametrize("name", FIXTURES)
def test_round_trip_keeps_every_crypto_field(
    db_url: str, make_org, name: str, version: str
) -> None:
    original = json.loads((DATA / name).read_text())
    with transaction(db_url) as s:
        org = make_org(s, "fidelity")
        first = import_cbom(s, org, (DATA / name).read_bytes())
    warnings: list[str] = []
    with transaction(db_url) as s:
        text = export_cbom(s, org, version, warnings=warnings)
    _validate(text, version)
    exported = json.loads(text)

    want, dropped = crypto_view(original), set()
    if original["specVersion"] == "1.7" and version == "1.6":
        want, dropped = as_16(want)
    assert crypto_view(exported) == want
    assert crypto_links(exported) == crypto_links(original)
    # every field 1.6 has no place for is named, and nothing else
    named = {
        w.split("bom-ref=", 1)[1].split("]", 1)[0].strip("'")
        + ":"
        + ".".join(w.split(".cryptoProperties.", 1)[1].split(":", 1)[0].split(".")[:2])
        for w in warnings
    }
    assert named == dropped

    # importing the export again adds nothing, and (same version) keeps the same originals
    before = _usages(db_url, org)
    with transaction(db_url) as s:
        again = import_cbom(s, org, text)
    assert again.assets_created == again.usages_created == again.dependencies_created == 0
    assert again.usages_updated == first.usages_created
    after = _usages(db_url, org)
    assert after.keys() == before.keys()
    if not dropped:
        assert after == before
    # and the export of the re-imported inventory says the same again
    with transaction(db_url) as s:
        second = json.loads(export_cbom(s, org, version))
    assert crypto_view(second) == want and crypto_links(second) == crypto_links(original)


@pytest.mark.parametrize("version", ["1.6", "1.7"])
@pytest.mark.parametrize("name", FIXTURES)
def test_both_writers_write_the_originals_alike(
    sqlite_url: str, make_org, name: str, version: str
) -> None:
    from tests.inventory.exchange.test_cbom_roundtrip import _canonical

    with transaction(sqlite_url) as s:
        org = make_org(s, "writers")
        import_cbom(s, org, (DATA / name).read_bytes())
    with transaction(sqlite_url) as s:
        by_lib = json.loads(export_cbom(s, org, version, writer="library"))
        direct = json.loads(export_cbom(s, org, version, writer="direct"))
    for d in (by_lib, direct):
        d.pop("serialNumber")
        d["metadata"].pop("timestamp")
    assert _canonical(direct) == _canonical(by_lib)


def test_scan_with_many_occurrences(db_url: str, make_org) -> None:
    data = (DATA / "cbomkit-occurrences-1.6.cdx.json").read_bytes()
    original = json.loads(data)
    occurrences = sum(
        len((c.get("evidence") or {}).get("occurrences", [])) for c in _flat(original["components"])
    )
    assert occurrences > 100
    with transaction(db_url) as s:
        org = make_org(s, "scan")
        report = import_cbom(s, org, data)
    with transaction(db_url) as s:
        doc = json.loads(export_cbom(s, org, "1.7"))
        usages = {u.ref: u for u in s.scalars(select(CryptoUsage))}
    kept = sum(len((c.get("evidence") or {}).get("occurrences", [])) for c in doc["components"])
    assert kept == occurrences
    # protocols that name no algorithm are rows, classified unknown without inventing one
    for ref, protocol in (
        ("proto-tls13", "TLS 1.3"),
        ("proto-ssh", "SSH-2.0"),
        ("proto-ike", "IKEv2"),
    ):
        u = usages[ref]
        assert u.protocol == protocol and u.algorithm == protocol
        assert u.primitive is Primitive.OTHER
        assert u.quantum_status is QuantumStatus.UNKNOWN
        assert "without the algorithms" in u.status_reason
    assert report.unknown_algorithms == []  # a protocol is no unknown algorithm
    # the fields the columns have no place for are kept, and no longer reported as lost
    assert not any(
        "certificationLevel" in w or "implementationPlatform" in w for w in report.warnings
    )
    assert not any("between crypto components" in w for w in report.warnings)
    aes = usages["alg-aes-gcm"].cbom_extra
    assert aes["bom-ref"] == "alg-aes-gcm"
    (entry,) = [e for e in aes["components"] if e["bom-ref"] == "alg-aes-gcm"]
    assert entry["cryptoProperties"]["algorithmProperties"]["certificationLevel"] == [
        "fips140-3-l1",
        "cc-eal4",
    ]
    # the certificate holds its signature algorithm's and public key's originals
    cert = usages["cert-api"].cbom_extra
    assert {e["bom-ref"] for e in cert["components"]} >= {"cert-api", "key-ec-pub"}


def test_secret_material_is_never_stored(sqlite_url: str, make_org) -> None:
    doc = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "components": [
            {
                "type": "cryptographic-asset",
                "bom-ref": "k1",
                "name": "RSA-2048",
                "cryptoProperties": {
                    "assetType": "related-crypto-material",
                    "relatedCryptoMaterialProperties": {
                        "type": "private-key",
                        "size": 2048,
                        "value": "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC-SECRET",
                    },
                },
            }
        ],
    }
    with transaction(sqlite_url) as s:
        org = make_org(s, "secrets")
        report = import_cbom(s, org, json.dumps(doc))
    with transaction(sqlite_url) as s:
        (u,) = s.scalars(select(CryptoUsage)).all()
        stored = json.dumps(u.cbom_extra)
        text = export_cbom(s, org)
    assert "SECRET" not in stored and "SECRET" not in text
    assert u.cbom_extra["components"][0]["cryptoProperties"]["relatedCryptoMaterialProperties"] == {
        "type": "private-key",
        "size": 2048,
    }
    assert any(
        w.startswith("$.components[0].cryptoProperties") and "never stored" in w
        for w in report.warnings
    )


def test_tenant_rows_stay_apart(sqlite_url: str, make_org) -> None:
    """The same CBOM in two organizations: each export holds its own originals only once."""
    data = (DATA / "cbomkit-occurrences-1.6.cdx.json").read_bytes()
    with transaction(sqlite_url) as s:
        a, b = make_org(s, "org-a"), make_org(s, "org-b")
        import_cbom(s, a, data)
        import_cbom(s, b, data)
    with transaction(sqlite_url) as s:
        docs = [json.loads(export_cbom(s, o)) for o in (a, b)]
        n = s.scalar(select(func.count()).select_from(CryptoUsage))
    assert crypto_view(docs[0]) == crypto_view(docs[1])
    refs = [c["bom-ref"] for c in docs[0]["components"]]
    assert len(refs) == len(set(refs))
    assert n == 2 * len(_usages(sqlite_url, a))
