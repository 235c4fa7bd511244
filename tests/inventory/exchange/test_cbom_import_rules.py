"""The import's mapping rules on small hand-made documents."""

from __future__ import annotations

import json
from typing import Any

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from core.db import transaction
from inventory.choices import (
    AssetType,
    CryptoFunction,
    DependencyKind,
    Primitive,
    QuantumStatus,
    Source,
)
from inventory.classification import classify_usage
from inventory.exchange.cbom_export import export_cbom
from inventory.exchange.cbom_import import import_cbom
from inventory.models import Asset, CryptoUsage
from tests.inventory.exchange.rows import inventory_rows


def _alg(ref: str, name: str, primitive: str | None = None, **ap: Any) -> dict[str, Any]:
    props: dict[str, Any] = dict(ap)
    if primitive:
        props["primitive"] = primitive
    return {
        "type": "cryptographic-asset",
        "bom-ref": ref,
        "name": name,
        "cryptoProperties": {"assetType": "algorithm", "algorithmProperties": props},
    }


def test_shapes_other_tools_use(sqlite_url: str, make_org) -> None:
    doc = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "components": [
            {
                "type": "application",
                "bom-ref": "web",
                "name": "Web",
                "properties": [{"name": "cdx:team", "value": "blue"}],
                "components": [_alg("nested-aes", "AES-256-GCM", "ae")],
            },
            {"type": "application", "bom-ref": "batch", "name": "Batch", "purl": "pkg:x/y"},
            {"type": "operating-system", "name": "Debian", "version": "12"},
            {"type": "quantum-computer", "bom-ref": "qc", "name": "Q"},
            {"type": "library", "bom-ref": "libssl", "name": "libssl", "version": "3.0.13"},
            _alg("shared-rsa", "RSA", "pke", parameterSetIdentifier="2048"),
            _alg("kem", "Kyber768", "kem"),
        ],
        "services": [
            {
                "bom-ref": "idp",
                "name": "Identity provider",
                "provider": {"name": "Gov IdP", "url": ["https://idp.example"]},
            }
        ],
        "dependencies": [
            {"ref": "web", "dependsOn": ["shared-rsa", "idp", "libssl"]},
            {"ref": "batch", "dependsOn": ["shared-rsa", "web"]},
            {"ref": "kem", "dependsOn": ["libssl"]},
            {"ref": "libssl", "provides": ["kem"]},
        ],
    }
    data = json.dumps(doc).encode()
    with transaction(sqlite_url) as s:
        org = make_org(s, "org")
        report = import_cbom(s, org, data, source_name="scan.cdx.json")
    with transaction(sqlite_url) as s:
        again = import_cbom(s, org, data, source_name="scan.cdx.json")
    assert again.assets_created == again.usages_created == again.dependencies_created == 0

    assets, usages, deps = inventory_rows(sqlite_url, org)
    assert assets["idp"].asset_type is AssetType.SERVICE and assets["idp"].vendor == "Gov IdP"
    assert assets["operating-system:Debian@12"].asset_type is AssetType.HOST
    assert assets["qc"].asset_type is AssetType.APPLICATION
    assert assets["libssl"].asset_type is AssetType.LIBRARY_FIRMWARE
    # a nested crypto component belongs to its parent
    assert usages["nested-aes"].asset_id == assets["web"].id
    # one crypto component used by two assets: one usage each
    assert usages["shared-rsa"].asset_id == assets["web"].id
    assert usages["shared-rsa@batch"].asset_id == assets["batch"].id
    assert usages["shared-rsa"].algorithm == "RSA-2048"
    # provided by a library and depending on it: the library is recorded on the usage
    kem = usages["kem"]
    assert kem.asset_id == assets["libssl"].id
    assert kem.library == "libssl" and kem.library_version == "3.0.13"
    assert kem.quantum_status is QuantumStatus.RESISTANT
    assert kem.source is Source.CBOM
    assert kem.evidence.startswith("scan.cdx.json $.components[")
    kinds = {(d.dependent_id, d.provider_id): d.kind for d in deps}
    assert kinds == {
        (assets["web"].id, assets["idp"].id): DependencyKind.CALLS_SERVICE,
        (assets["web"].id, assets["libssl"].id): DependencyKind.USES_LIBRARY,
        (assets["batch"].id, assets["web"].id): DependencyKind.CALLS_SERVICE,
    }
    text = "\n".join(report.warnings)
    assert "$.components[0].properties[0]: property 'cdx:team' not held" in text
    assert "$.components[1].purl: not held" in text
    assert "$.components[3].type: unknown component type 'quantum-computer'" in text
    assert (
        "$.components[2]['bom-ref']: no bom-ref; identified as 'operating-system:Debian@12'" in text
    )
    assert "$.services[0].provider.url: not held" in text
    assert "used by several components" in text


def test_orphans_go_to_a_synthetic_asset_named_after_the_file(sqlite_url: str, make_org) -> None:
    doc = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "components": [_alg("h", "SHA-256", "hash")],
    }
    with transaction(sqlite_url) as s:
        org = make_org(s, "org")
        report = import_cbom(s, org, json.dumps(doc), source_name="firmware.cdx.json")
    assets, usages, _ = inventory_rows(sqlite_url, org)
    (asset,) = assets.values()
    assert asset.name == "firmware.cdx.json" and asset.ref.startswith("cbom:")
    assert usages["h"].asset_id == asset.id
    assert any(
        "attached to a synthetic asset" in w and w.startswith("$.components[0]")
        for w in report.warnings
    )


def test_primitive_and_function_guesses(sqlite_url: str, make_org) -> None:
    """Foreign components without a primitive get one from the catalog; protocol usages get
    the function their protocol implies."""
    doc = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "components": [
            {"type": "application", "bom-ref": "vpn", "name": "VPN"},
            _alg("ed", "Ed25519"),
            _alg("dh", "ECDH", curve="secp384r1"),
            {
                "type": "cryptographic-asset",
                "bom-ref": "ssh",
                "name": "SSH-2",
                "cryptoProperties": {
                    "assetType": "protocol",
                    "protocolProperties": {
                        "type": "ssh",
                        "version": "2",
                        "cipherSuites": [{"name": "curve25519", "algorithms": ["dh", "ed"]}],
                    },
                },
            },
        ],
        "dependencies": [{"ref": "vpn", "dependsOn": ["ssh", "ed"]}],
    }
    with transaction(sqlite_url) as s:
        org = make_org(s, "org")
        import_cbom(s, org, json.dumps(doc))
    _, usages, _ = inventory_rows(sqlite_url, org)
    assert usages["ed"].primitive is Primitive.SIGNATURE  # no primitive in the file
    kex = usages["ssh#dh"]
    assert kex.protocol == "SSH-2" and kex.function is CryptoFunction.SSH_KEY_EXCHANGE
    assert kex.algorithm == "ECDH-P384" and kex.primitive is Primitive.KEY_EXCHANGE
    assert usages["ssh#ed"].function is CryptoFunction.SSH_HOST_KEY
    # `ed` is also used directly by the VPN: it stays a usage of its own
    assert "ed" in usages and "dh" not in usages


def test_asset_and_usage_sharing_a_ref_round_trip(sqlite_url: str, make_org) -> None:
    """Refs are unique per table but bom-refs per document: the export renames the usage's
    bom-ref and carries the real one in a property."""
    with transaction(sqlite_url) as s:
        src, dst = make_org(s, "src"), make_org(s, "dst")
        a = Asset(organization_id=src, ref="portal", name="Portal", asset_type=AssetType.HSM)
        s.add(a)
        s.flush()
        u = CryptoUsage(
            organization_id=src,
            ref="portal",
            asset_id=a.id,
            algorithm_raw="RSA",
            primitive=Primitive.SIGNATURE,
            key_size=4096,
            cert_subject="CN=portal",
        )
        classify_usage(u)
        s.add(u)
    with transaction(sqlite_url) as s:
        text = export_cbom(s, src, "1.6")
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    refs = [c["bom-ref"] for c in json.loads(text)["components"]]
    assert len(refs) == len(set(refs)) and "portal#usage" in refs
    with transaction(sqlite_url) as s:
        import_cbom(s, dst, text)
    assets, usages, _ = inventory_rows(sqlite_url, dst)
    assert set(usages) == {"portal"} and usages["portal"].asset_id == assets["portal"].id
    assert usages["portal"].algorithm == "RSA-4096"
    assert usages["portal"].cert_subject == "CN=portal"


def test_status_drift_is_reported(sqlite_url: str, make_org) -> None:
    """Our files carry the status they were exported with; when today's catalog disagrees the
    import keeps the catalog's verdict and says so."""
    doc = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "components": [
            {"type": "application", "bom-ref": "a", "name": "A"},
            {
                **_alg("u", "AES-256", "block-cipher"),
                "properties": [
                    {"name": "pqcplan:usage:quantum_status", "value": "broken"},
                    {"name": "pqcplan:usage:catalog_version", "value": "2020.1"},
                    {"name": "pqcplan:usage:function", "value": "data_at_rest"},
                ],
            },
        ],
        "dependencies": [{"ref": "a", "dependsOn": ["u"]}],
    }
    with transaction(sqlite_url) as s:
        report = import_cbom(s, make_org(s, "org"), json.dumps(doc))
    assert any(
        w.startswith(
            "$.components[1]: the file says quantum status 'broken' (catalog "
            "2020.1); the catalog now says 'resistant'"
        )
        for w in report.warnings
    )
