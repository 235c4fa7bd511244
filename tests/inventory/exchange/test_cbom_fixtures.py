"""CBOMs written by other tools and the CycloneDX project's examples import without error, and
what they say lands in the right columns (see data/README.md for where each shape is from)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from core.db import transaction
from inventory.choices import (
    AssetType,
    CryptoFunction,
    DependencyKind,
    Primitive,
    QuantumStatus,
    Source,
)
from inventory.exchange.cbom_import import ImportReport, import_cbom
from inventory.models import CryptoUsage
from tests.inventory.exchange.rows import inventory_rows

FIXTURES = sorted((Path(__file__).parent / "data").glob("*.json"))


def _import(url: str, make_org, name: str) -> tuple[ImportReport, dict, dict, list]:
    data = (Path(__file__).parent / "data" / name).read_bytes()
    with transaction(url) as s:
        org = make_org(s, "o-" + name.split(".")[0][:40])
        report = import_cbom(s, org, data)
    return report, *inventory_rows(url, org)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_fixture_imports_twice_without_error(sqlite_url: str, make_org, path: Path) -> None:
    data = path.read_bytes()
    with transaction(sqlite_url) as s:
        org = make_org(s, "org")
        first = import_cbom(s, org, data)
    with transaction(sqlite_url) as s:
        second = import_cbom(s, org, data)
    assert first.usages_created > 0 and first.assets_created > 0
    assert second.assets_created == second.usages_created == second.dependencies_created == 0
    assert second.usages_updated == first.usages_created
    assert second.assets_updated == first.assets_created
    for w in first.warnings:
        assert w.startswith("$"), w  # every warning names a JSON path
    with transaction(sqlite_url) as s:
        for u in s.scalars(select(CryptoUsage)):
            assert u.status_reason and u.catalog_version  # classified
            assert u.source is Source.CBOM and u.evidence and u.evidence.startswith("$")


def test_cyclonedx_dependencies_example(sqlite_url: str, make_org) -> None:
    report, assets, usages, deps = _import(
        sqlite_url, make_org, "cyclonedx-dependencies-1.7.cdx.json"
    )
    assert set(assets) == {"portal-app", "tls-library", "compression-library"}
    assert assets["tls-library"].asset_type is AssetType.LIBRARY_FIRMWARE
    assert assets["portal-app"].version == "2.4"
    aes = usages["alg-aes128gcm"]
    # `provides`: the library implements the algorithm, so it holds the usage
    assert aes.asset_id == assets["tls-library"].id
    assert aes.library == "Example TLS library" and aes.library_version == "3.1.0"
    assert aes.algorithm == "AES-128" and aes.mode == "gcm"
    assert aes.primitive is Primitive.SYMMETRIC
    assert aes.quantum_status is QuantumStatus.WEAKENED
    kinds = {(d.dependent_id, d.provider_id, d.kind) for d in deps}
    assert kinds == {
        (assets["portal-app"].id, assets["tls-library"].id, DependencyKind.USES_LIBRARY),
        (assets["tls-library"].id, assets["compression-library"].id, DependencyKind.USES_LIBRARY),
    }
    # fields without a column are kept verbatim (cbom_extra), so not reported as lost
    assert not any("executionEnvironment" in w for w in report.warnings)
    (kept,) = aes.cbom_extra["components"]
    assert kept["cryptoProperties"]["algorithmProperties"]["executionEnvironment"]


def test_cyclonedx_protocol_example(sqlite_url: str, make_org) -> None:
    report, assets, usages, _ = _import(sqlite_url, make_org, "cyclonedx-protocol-1.7.cdx.json")
    # metadata.component has no bom-ref: it gets a stable one, and holds the orphan crypto
    assert list(assets) == ["application:payment gateway@1.0"]
    assert any("no bom-ref" in w for w in report.warnings)
    assert any("attached to metadata.component" in w for w in report.warnings)
    tls = [u for u in usages.values() if u.ref.startswith("crypto/protocol/tls@1.2#")]
    algos = {u.algorithm for u in tls}
    assert {"X25519", "RSA-2048", "AES-256", "SHA-384"} <= algos
    assert {"3DES", "SHA-1"} <= algos  # parsed from the suite name TLS_RSA_WITH_3DES_EDE_CBC_SHA
    assert all(u.protocol == "TLS 1.2" for u in tls)
    x25519 = next(u for u in tls if u.algorithm == "X25519")
    assert x25519.function is CryptoFunction.TLS_KEY_EXCHANGE
    assert "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" in x25519.evidence
    cert = usages["crypto/certificate/gateway.example@sha256:5f2b7c0d"]
    assert cert.function is CryptoFunction.CERTIFICATE_SIGNATURE
    assert cert.primitive is Primitive.SIGNATURE
    assert cert.cert_subject == "CN = gateway.example"
    assert cert.cert_issuer.startswith("C = KR")
    assert cert.cert_serial == "0a:1b:2c:3d"
    assert cert.cert_fingerprint_sha256.startswith("5f2b7c0d")
    assert cert.cert_not_after.year == 2025 and cert.cert_not_before.month == 11
    assert cert.cert_public_key_algorithm == "RSA-2048"
    assert cert.protocol == "TLS 1.2"  # named by the protocol's cryptoRefArray
    assert cert.quantum_status is QuantumStatus.BROKEN
    # the algorithms folded into the suite, certificate and key are no usages of their own
    assert "crypto/algorithm/sha-512-rsa@1.2.840.113549.1.1.13" not in usages
    assert "crypto/key/rsa-2048@1.2.840.113549.1.1.1" not in usages
    assert report.unknown_algorithms == []


def test_cyclonedx_certificate_example(sqlite_url: str, make_org) -> None:
    report, assets, usages, _ = _import(sqlite_url, make_org, "cyclonedx-certificate-1.6.cdx.json")
    assert list(usages) == ["crypto/certificate/records.example@sha256:9c1d"]
    cert = usages["crypto/certificate/records.example@sha256:9c1d"]
    assert cert.asset_id == assets["records-app"].id
    assert cert.algorithm_raw == "SHA512withRSA" and cert.algorithm.startswith("RSA")
    assert cert.cert_public_key_algorithm == "RSA-2048"
    assert not any("certificateExtension" in w for w in report.warnings)
    kept = {e["bom-ref"]: e for e in cert.cbom_extra["components"]}
    assert kept[cert.ref]["cryptoProperties"]["certificateProperties"]["certificateExtension"]


def test_cbomkit_hyperion_scan(sqlite_url: str, make_org) -> None:
    report, assets, usages, _ = _import(sqlite_url, make_org, "cbomkit-hyperion-java-1.6.cdx.json")
    # no component uses the crypto: one synthetic asset per BOM, named by its serial number
    (ref,) = assets
    assert ref == "cbom:urn:uuid:5c7e9a1b-3d5f-4b7d-9f1b-3d5f7b9d1f10"
    assert any("synthetic asset" in w for w in report.warnings)
    sha1 = usages["2b8c4e6a-0d1f-4a3b-8c5e-7f9a1b3d5e03"]
    assert sha1.algorithm == "SHA-1" and sha1.primitive is Primitive.HASH
    assert "src/main/java/org/example/util/Digests.java:52:17" in sha1.evidence
    key = usages["f2a4b6c8-d0e2-4f4a-b6c8-d0e2f4a6b807"]  # key:aes dependsOn aes-128
    assert key.algorithm == "AES-128"
    assert "7e1a3c5b-9d0f-4b2e-a4c6-8e0b2d4f6a04" in usages  # aes-128 itself stays
    # key:aes dependsOn aes-128 is kept (with the key's original), not reported as lost
    assert not any("between crypto components" in w for w in report.warnings)
    (kept,) = [e for e in key.cbom_extra["components"] if e["bom-ref"] == key.ref]
    assert kept["dependsOn"] == ["7e1a3c5b-9d0f-4b2e-a4c6-8e0b2d4f6a04"]
    assert any(w.startswith("$.metadata.tools") for w in report.warnings)
    # Java's name for PBKDF2 with HMAC-SHA1 (RFC 8018's default PRF) is in the catalog
    # (unknown names are kept and listed: test_cbom_roundtrip's FooCipher-9)
    assert report.unknown_algorithms == []
    kdf = usages["c5d7e9f1-2a4b-4c6d-8e0f-1a3b5c7d9e05"]
    assert kdf.quantum_status is QuantumStatus.WEAKENED
    assert kdf.algorithm == "PBKDF2-SHA1" and kdf.primitive is Primitive.KDF


def test_cbomkit_theia_certificates(sqlite_url: str, make_org) -> None:
    report, _, usages, _ = _import(sqlite_url, make_org, "cbomkit-theia-certificates-1.6.cdx.json")
    cert = usages["a1b2c3d4e5f60718"]
    assert cert.cert_public_key_algorithm == "RSA-4096"
    assert cert.padding == "pkcs1v15" and cert.evidence.endswith("/app/example-cert.pem")
    key = usages["5e6f708192a3b4c5"]
    assert key.algorithm == "ECDSA-P256" and key.key_size == 256
    assert "708192a3b4c5d6e7" not in usages  # a token: reported, not held
    assert any("'token' is not held as a crypto usage (kept verbatim" in w for w in report.warnings)
    # the public key's value is reported as not held, never stored
    assert any(".value: not held" in w for w in report.warnings) or all(
        "MIIC" not in (u.evidence or "") for u in usages.values()
    )


def test_ibm_cbom_draft(sqlite_url: str, make_org) -> None:
    report, assets, usages, deps = _import(sqlite_url, make_org, "ibm-cbom-draft-1.4.json")
    lib = assets["cpe:2.3:a:example:libcrypto:1.1.1q:*:*:*:*:*:*:*"]
    assert lib.asset_type is AssetType.LIBRARY_FIRMWARE
    assert {u.asset_id for u in usages.values()} == {lib.id}
    key = usages["pkg:crypto/key/rsa2048@1.2.840.113549.1.1.1"]
    assert key.algorithm == "RSA-2048" and key.key_size == 2048
    dil = usages["pkg:crypto/algorithm/dilithium5@1.3.6.1.4.1.2.267.7.8.7"]
    assert dil.quantum_status is QuantumStatus.RESISTANT
    assert len(deps) == 1
    assert any(w.startswith("$.specVersion") for w in report.warnings)
    assert any("dependencyType" in w for w in report.warnings)
    assert any(".purl" in w for w in report.warnings)
