"""Export an organization's inventory as a CycloneDX CBOM (JSON, 1.6 by default or 1.7).

Mapping (the importer reads the same mapping back; see `cbom_common`):

- Each Asset -> a component with `bom-ref` = asset.ref, the CycloneDX type of its asset type
  (application/service/CA/vendor product -> application, host/appliance/HSM/IoT -> device,
  library/firmware -> library, database -> data); name, description, version and vendor
  (`supplier.name`) in their own fields; every other column as a `pqcplan:asset:<column>`
  property, the exact asset type included.
- Each CryptoUsage -> a `cryptographic-asset` component with `bom-ref` = usage.ref:
  * assetType `certificate` when any certificate column is set: `certificateProperties`
    (subject, issuer, validity; 1.7 adds serial number and SHA-256 fingerprint) pointing at a
    helper `algorithm` component for its signature algorithm (`<ref>#signature-algorithm`)
    and, when known, a helper `related-crypto-material` public key (`<ref>#public-key`);
  * otherwise assetType `algorithm`.
  `algorithmProperties` carries the CycloneDX primitive, parameter set, mode, padding, the
  crypto functions of that primitive and, from the catalog, curve, classical and NIST
  quantum security levels and the OID. Every usage column without a CycloneDX home is a
  `pqcplan:usage:<column>` property.
- Usages with a protocol are also grouped into one generated `protocol` component per asset
  and protocol (`cryptoRefArray` lists the usages), marked `pqcplan:generated`.
- Dependencies: an asset `dependsOn` its usages (library/firmware and HSM assets `provides`
  them instead, the CycloneDX 1.6 way of saying "implements"), its protocol components and
  the assets it depends on; each asset dependency's kind and description are kept on the
  dependent as `pqcplan:dependency:<provider-ref>` = `kind[:description]`.
- The organization (slug, name, sector, tier, country, description) is in metadata
  properties `pqcplan:organization:<column>`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from enum import Enum
from typing import Any

from cyclonedx.model import Property
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.bom_ref import BomRef
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.contact import OrganizationalEntity
from cyclonedx.model.crypto import (
    AlgorithmProperties,
    CertificateProperties,
    CryptoAssetType,
    CryptoFunction,
    CryptoMode,
    CryptoPadding,
    CryptoPrimitive,
    CryptoProperties,
    ProtocolProperties,
    ProtocolPropertiesType,
    RelatedCryptoMaterialProperties,
    RelatedCryptoMaterialType,
)
from cyclonedx.model.dependency import Dependency as CdxDependency
from cyclonedx.output import make_outputter
from cyclonedx.schema import OutputFormat, SchemaVersion
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from inventory.catalog import get_catalog
from inventory.errors import InputError
from inventory.exchange.cbom_common import (
    ASSET_PROP,
    ASSET_PROPERTY_COLUMNS,
    ASSET_TYPE_TO_CDX,
    CDX_MODES,
    CDX_PADDINGS,
    CRYPTO_FUNCTIONS,
    DEPENDENCY_PROP,
    EXPORT_SPEC_VERSIONS,
    GENERATED_PROP,
    ORG_PROP,
    PART_OF_PROP,
    PROTOCOL_TYPES_16,
    PROVIDER_ASSET_TYPES,
    USAGE_PROP,
    USAGE_PROPERTY_COLUMNS,
    catalog_facts,
    cdx_primitive,
    format_datetime,
    split_protocol,
)
from inventory.models import Asset, CryptoUsage, Dependency, Organization
from inventory.tenancy import NotFound

_SCHEMA = {"1.6": SchemaVersion.V1_6, "1.7": SchemaVersion.V1_7}
_CERT_COLUMNS = (
    "cert_subject",
    "cert_issuer",
    "cert_serial",
    "cert_not_before",
    "cert_not_after",
    "cert_fingerprint_sha256",
    "cert_public_key_algorithm",
)
SIGNATURE_ALGORITHM_SUFFIX = "#signature-algorithm"
PUBLIC_KEY_SUFFIX = "#public-key"
PROTOCOL_INFIX = "#protocol:"


def _text(value: Any) -> str:
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return format_datetime(value)
    return str(value)


def _props(prefix: str, row: Any, columns: tuple[str, ...]) -> list[Property]:
    out = []
    for col in columns:
        value = getattr(row, col)
        if value is not None:
            out.append(Property(name=prefix + col, value=_text(value)))
    return out


def is_certificate(usage: CryptoUsage) -> bool:
    return any(getattr(usage, c) is not None for c in _CERT_COLUMNS)


class _Exporter:
    def __init__(self, spec_version: str) -> None:
        self.spec_version = spec_version
        self.catalog = get_catalog()
        self._facts: dict[str, dict[str, Any]] = {}

    def facts(self, name: str) -> dict[str, Any]:
        if name not in self._facts:
            self._facts[name] = catalog_facts(self.catalog, name)
        return self._facts[name]

    # --- components ----------------------------------------------------------------------
    def asset_component(self, asset: Asset, deps: list[tuple[Dependency, str]]) -> Component:
        props = _props(ASSET_PROP, asset, ASSET_PROPERTY_COLUMNS)
        for dep, provider_ref in deps:
            value = dep.kind.value if dep.description is None else (
                f"{dep.kind.value}:{dep.description}"
            )
            props.append(Property(name=DEPENDENCY_PROP + provider_ref, value=value))
        return Component(
            name=asset.name,
            type=ComponentType(ASSET_TYPE_TO_CDX[asset.asset_type]),
            bom_ref=asset.ref,
            version=asset.version,
            description=asset.description,
            supplier=OrganizationalEntity(name=asset.vendor) if asset.vendor is not None else None,
            properties=props,
        )

    def algorithm_properties(self, usage: CryptoUsage) -> tuple[AlgorithmProperties, str | None]:
        facts = self.facts(usage.algorithm)
        prim = cdx_primitive(usage.primitive, usage.algorithm, facts.get("family"), usage.mode)
        mode = padding = None
        if usage.mode is not None:
            m = usage.mode.lower()
            mode = CryptoMode(m) if m in CDX_MODES else CryptoMode.OTHER
        if usage.padding is not None:
            p = usage.padding.lower().replace("-", "").replace("_", "")
            p = {"pkcs1": "pkcs1v15", "pkcs1v1.5": "pkcs1v15"}.get(p, p)
            padding = CryptoPadding(p) if p in CDX_PADDINGS else CryptoPadding.OTHER
        props = AlgorithmProperties(
            primitive=CryptoPrimitive(prim),
            parameter_set_identifier=usage.parameter_set,
            curve=facts.get("curve"),
            mode=mode,
            padding=padding,
            crypto_functions=[CryptoFunction(f) for f in CRYPTO_FUNCTIONS.get(prim, ())],
            classical_security_level=facts.get("classical"),
            nist_quantum_security_level=facts.get("nist"),
        )
        return props, facts.get("oid")

    def usage_components(self, usage: CryptoUsage, bom_ref: str) -> list[Component]:
        """`bom_ref` is usage.ref unless an asset has the same ref (refs are unique per table,
        bom-refs per document): then the real ref travels in `pqcplan:usage:ref`."""
        props = _props(USAGE_PROP, usage, USAGE_PROPERTY_COLUMNS)
        if bom_ref != usage.ref:
            props.append(Property(name=USAGE_PROP + "ref", value=usage.ref))
        algo_props, oid = self.algorithm_properties(usage)
        if not is_certificate(usage):
            return [
                Component(
                    name=usage.algorithm,
                    type=ComponentType.CRYPTOGRAPHIC_ASSET,
                    bom_ref=bom_ref,
                    properties=props,
                    crypto_properties=CryptoProperties(
                        asset_type=CryptoAssetType.ALGORITHM,
                        algorithm_properties=algo_props,
                        oid=oid,
                    ),
                )
            ]
        part_of = [Property(name=PART_OF_PROP, value=bom_ref)]
        sig_ref = BomRef(bom_ref + SIGNATURE_ALGORITHM_SUFFIX)
        out = [
            Component(
                name=usage.algorithm,
                type=ComponentType.CRYPTOGRAPHIC_ASSET,
                bom_ref=sig_ref,
                properties=part_of,
                crypto_properties=CryptoProperties(
                    asset_type=CryptoAssetType.ALGORITHM, algorithm_properties=algo_props, oid=oid
                ),
            )
        ]
        key_ref = None
        if usage.cert_public_key_algorithm is not None:
            key_ref = BomRef(bom_ref + PUBLIC_KEY_SUFFIX)
            out.append(
                Component(
                    name=usage.cert_public_key_algorithm,
                    type=ComponentType.CRYPTOGRAPHIC_ASSET,
                    bom_ref=key_ref,
                    properties=list(part_of),
                    crypto_properties=CryptoProperties(
                        asset_type=CryptoAssetType.RELATED_CRYPTO_MATERIAL,
                        related_crypto_material_properties=RelatedCryptoMaterialProperties(
                            type=RelatedCryptoMaterialType.PUBLIC_KEY
                        ),
                        oid=self.facts(usage.cert_public_key_algorithm).get("oid"),
                    ),
                )
            )
        out.append(
            Component(
                name=usage.cert_subject or usage.algorithm,
                type=ComponentType.CRYPTOGRAPHIC_ASSET,
                bom_ref=bom_ref,
                properties=props,
                crypto_properties=CryptoProperties(
                    asset_type=CryptoAssetType.CERTIFICATE,
                    certificate_properties=CertificateProperties(
                        subject_name=usage.cert_subject,
                        issuer_name=usage.cert_issuer,
                        not_valid_before=usage.cert_not_before,
                        not_valid_after=usage.cert_not_after,
                        signature_algorithm_ref=sig_ref,
                        subject_public_key_ref=key_ref,
                        certificate_format="X.509",
                    ),
                ),
            )
        )
        return out

    def protocol_component(self, asset_ref: str, protocol: str, refs: list[str]) -> Component:
        ptype, version = split_protocol(protocol)
        allowed = PROTOCOL_TYPES_16 if self.spec_version == "1.6" else {
            t.value for t in ProtocolPropertiesType
        }
        if ptype not in allowed:
            ptype = "other"
        return Component(
            name=protocol,
            type=ComponentType.CRYPTOGRAPHIC_ASSET,
            bom_ref=f"{asset_ref}{PROTOCOL_INFIX}{protocol}",
            properties=[Property(name=GENERATED_PROP, value="protocol")],
            crypto_properties=CryptoProperties(
                asset_type=CryptoAssetType.PROTOCOL,
                protocol_properties=ProtocolProperties(
                    type=ProtocolPropertiesType(ptype),
                    version=version,
                    crypto_refs=[BomRef(r) for r in refs],
                ),
            ),
        )


def _organization_props(org: Organization) -> list[Property]:
    return _props(ORG_PROP, org, ("slug", "name", "sector", "tier", "country", "description"))


def export_cbom(session: Session, organization_id: int, spec_version: str = "1.6") -> str:
    """The organization's whole inventory as CycloneDX JSON text (`spec_version` 1.6 or 1.7)."""
    if spec_version not in EXPORT_SPEC_VERSIONS:
        raise InputError(
            f"unsupported CycloneDX version {spec_version!r}; choose one of "
            + ", ".join(EXPORT_SPEC_VERSIONS),
            "spec_version",
        )
    org = session.get(Organization, organization_id)
    if org is None:
        raise NotFound(f"organization {organization_id} not found")
    exporter = _Exporter(spec_version)

    assets = session.scalars(
        select(Asset).where(Asset.organization_id == organization_id).order_by(Asset.id)
    ).all()
    usages = session.scalars(
        select(CryptoUsage)
        .where(CryptoUsage.organization_id == organization_id)
        .order_by(CryptoUsage.id)
    ).all()
    provider = aliased(Asset)
    dep_rows = session.execute(
        select(Dependency, provider.ref)
        .join(provider, provider.id == Dependency.provider_id)
        .where(Dependency.organization_id == organization_id)
        .order_by(Dependency.id)
    ).all()

    deps_by_dependent: dict[int, list[tuple[Dependency, str]]] = defaultdict(list)
    for dep, provider_ref in dep_rows:
        deps_by_dependent[dep.dependent_id].append((dep, provider_ref))
    usages_by_asset: dict[int, list[CryptoUsage]] = defaultdict(list)
    for u in usages:
        usages_by_asset[u.asset_id].append(u)

    asset_refs = {a.ref for a in assets}
    bom_refs: dict[int, str] = {}
    for u in usages:
        ref = u.ref
        n = 0
        while ref in asset_refs:
            n += 1
            ref = f"{u.ref}#usage" + (f"-{n}" if n > 1 else "")
        bom_refs[u.id] = ref

    components: list[Component] = []
    dependencies: list[CdxDependency] = []
    provides: dict[str, list[str]] = {}
    cert_extras: dict[str, dict[str, Any]] = {}
    for asset in assets:
        components.append(exporter.asset_component(asset, deps_by_dependent.get(asset.id, [])))
        depends_on: list[str] = [ref for _, ref in deps_by_dependent.get(asset.id, [])]
        own = usages_by_asset.get(asset.id, [])
        by_protocol: dict[str, list[str]] = defaultdict(list)
        for u in own:
            components.extend(exporter.usage_components(u, bom_refs[u.id]))
            if u.protocol is not None:
                by_protocol[u.protocol].append(bom_refs[u.id])
            if spec_version == "1.7" and is_certificate(u):
                extra: dict[str, Any] = {}
                if u.cert_serial is not None:
                    extra["serialNumber"] = u.cert_serial
                fp = (u.cert_fingerprint_sha256 or "").lower()
                if len(fp) == 64 and all(c in "0123456789abcdef" for c in fp):
                    extra["fingerprint"] = {"alg": "SHA-256", "content": fp}
                if extra:
                    cert_extras[bom_refs[u.id]] = extra
        for protocol, refs in by_protocol.items():
            comp = exporter.protocol_component(asset.ref, protocol, refs)
            components.append(comp)
            depends_on.append(str(comp.bom_ref.value))
        usage_refs = [bom_refs[u.id] for u in own]
        if asset.asset_type in PROVIDER_ASSET_TYPES:
            if usage_refs:
                provides[asset.ref] = usage_refs
        else:
            depends_on.extend(usage_refs)
        if depends_on:
            dependencies.append(
                CdxDependency(
                    ref=BomRef(asset.ref),
                    dependencies=[CdxDependency(ref=BomRef(r)) for r in dict.fromkeys(depends_on)],
                )
            )

    bom = Bom(components=components, metadata=BomMetaData(properties=_organization_props(org)))
    # Components are registered by the library from their bom-refs; link our dependency
    # objects to the same BomRef instances so the output resolves them.
    by_ref = {str(c.bom_ref.value): c.bom_ref for c in components}
    for d in dependencies:
        d.ref = by_ref[str(d.ref.value)]
        for sub in d.dependencies:
            sub.ref = by_ref[str(sub.ref.value)]
        bom.dependencies.add(d)

    text = make_outputter(bom, OutputFormat.JSON, _SCHEMA[spec_version]).output_as_string()
    if not provides and not cert_extras:
        return text
    # cyclonedx-python-lib (11.x) models neither `dependencies[].provides` (CycloneDX 1.6)
    # nor the 1.7 certificate serial number and fingerprint: add them to its output.
    doc = json.loads(text)
    for entry in doc.get("dependencies", []):
        refs = provides.get(entry["ref"])
        if refs:
            entry["provides"] = refs
    if cert_extras:
        for comp in doc.get("components", []):
            extra = cert_extras.get(comp.get("bom-ref"))
            if extra:
                comp["cryptoProperties"]["certificateProperties"].update(extra)
    return json.dumps(doc, ensure_ascii=False)
