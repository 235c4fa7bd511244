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
- Crypto components imported from other tools' CBOMs are written back verbatim (every
  `cryptoProperties` field, `evidence`, `dependsOn`/`provides` between crypto components)
  under their own bom-refs, fitted to the target version by `cbom_fidelity.fit_original`. The
  usage a component became carries its columns as properties on it (marked
  `pqcplan:verbatim`); usages split from one component (a protocol's cipher-suite algorithms,
  one copy per asset using it) are read back from that component, so their columns are
  whatever a fresh import of it gives.

Writing: the mapping builds the CycloneDX JSON objects directly (linear time). Up to
LIBRARY_LIMIT components (and whenever `writer="library"`), the document is then loaded into
cyclonedx-python-lib's models (`Bom.from_json`), checked by the library (dependency graph,
bom-ref uniqueness) and serialized by its `JsonV1Dot6`/`JsonV1Dot7` outputter. Above that the
library is not used: it keeps every list in sorted sets of rich objects and checks the
dependency graph with one scan per component, about 2 ms per component and quadratic (3
minutes for 10,000). A test holds both writers to identical output; the official JSON schema
validates both. The library (11.x) models neither `dependencies[].provides` nor the 1.7
certificate serial number and fingerprint, so those are added after it; likewise the
verbatim originals' `cryptoProperties` and `evidence` (the library sees a stub).
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from cyclonedx.model.bom import Bom
from cyclonedx.model.crypto import CryptoMode, CryptoPadding, CryptoPrimitive
from cyclonedx.output import make_outputter
from cyclonedx.schema import OutputFormat, SchemaVersion
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from core.errors import InputError
from core.i18n import N_
from core.models import Organization
from core.tenancy import NotFound
from inventory.catalog import get_catalog
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
    PROTOCOL_TYPES_17,
    PROVIDER_ASSET_TYPES,
    USAGE_PROP,
    USAGE_PROPERTY_COLUMNS,
    VERBATIM_PROP,
    as_utc,
    catalog_facts,
    cdx_primitive,
    format_datetime,
    split_protocol,
)
from inventory.exchange.cbom_fidelity import fit_original
from inventory.exchange.columns import CERT_COLUMNS
from inventory.models import Asset, CryptoUsage, Dependency
from inventory.service.refs import fit_ref

_SCHEMA = {"1.6": SchemaVersion.V1_6, "1.7": SchemaVersion.V1_7}
SIGNATURE_ALGORITHM_SUFFIX = "#signature-algorithm"
PUBLIC_KEY_SUFFIX = "#public-key"
PROTOCOL_INFIX = "#protocol:"
LIBRARY_LIMIT = 1000
CRYPTO = "cryptographic-asset"

Json = dict[str, Any]


def _text(value: Any) -> str:
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return format_datetime(value)
    return str(value)


def _props(prefix: str, row: Any, columns: tuple[str, ...]) -> list[Json]:
    out = []
    for col in columns:
        value = getattr(row, col)
        if value is not None:
            out.append({"name": prefix + col, "value": _text(value)})
    return out


def _sorted_props(props: list[Json]) -> list[Json]:
    return sorted(props, key=lambda p: (p["name"], p["value"]))


def _iso(value: datetime | None) -> str | None:
    v = as_utc(value)
    return v.isoformat() if v is not None else None


def is_certificate(usage: CryptoUsage) -> bool:
    return any(getattr(usage, c) is not None for c in CERT_COLUMNS)


class _Mapper:
    """Rows -> CycloneDX JSON objects (dicts shaped exactly as the library writes them)."""

    def __init__(self, spec_version: str) -> None:
        self.spec_version = spec_version
        self.catalog = get_catalog()
        self._facts: dict[str, dict[str, Any]] = {}

    def facts(self, name: str) -> dict[str, Any]:
        if name not in self._facts:
            self._facts[name] = catalog_facts(self.catalog, name)
        return self._facts[name]

    def asset(self, asset: Asset, deps: list[tuple[Dependency, str]]) -> Json:
        props = _props(ASSET_PROP, asset, ASSET_PROPERTY_COLUMNS)
        for dep, provider_ref in deps:
            value = (
                dep.kind.value
                if dep.description is None
                else (f"{dep.kind.value}:{dep.description}")
            )
            props.append({"name": DEPENDENCY_PROP + provider_ref, "value": value})
        out: Json = {
            "type": ASSET_TYPE_TO_CDX[asset.asset_type],
            "bom-ref": asset.ref,
            "name": asset.name,
        }
        if asset.version is not None:
            out["version"] = asset.version
        if asset.description is not None:
            out["description"] = asset.description
        if asset.vendor is not None:
            out["supplier"] = {"name": asset.vendor}
        out["properties"] = _sorted_props(props)
        return out

    def algorithm_properties(self, usage: CryptoUsage) -> tuple[Json, str | None]:
        facts = self.facts(usage.algorithm)
        prim = cdx_primitive(usage.primitive, usage.algorithm, facts.get("family"), usage.mode)
        ap: Json = {"primitive": CryptoPrimitive(prim).value}
        if usage.parameter_set is not None:
            ap["parameterSetIdentifier"] = usage.parameter_set
        if facts.get("curve") is not None:
            ap["curve"] = facts["curve"]
        if usage.mode is not None:
            m = usage.mode.lower()
            ap["mode"] = CryptoMode(m if m in CDX_MODES else "other").value
        if usage.padding is not None:
            p = usage.padding.lower().replace("-", "").replace("_", "")
            p = {"pkcs1": "pkcs1v15", "pkcs1v1.5": "pkcs1v15"}.get(p, p)
            ap["padding"] = CryptoPadding(p if p in CDX_PADDINGS else "other").value
        functions = sorted(CRYPTO_FUNCTIONS.get(prim, ()))
        if functions:
            ap["cryptoFunctions"] = functions
        if facts.get("classical") is not None:
            ap["classicalSecurityLevel"] = facts["classical"]
        if facts.get("nist") is not None:
            ap["nistQuantumSecurityLevel"] = facts["nist"]
        return ap, facts.get("oid")

    @staticmethod
    def _crypto(ref: str, name: str, props: list[Json], cp: Json, oid: str | None) -> Json:
        if oid is not None:
            cp["oid"] = oid
        out: Json = {"type": CRYPTO, "bom-ref": ref, "name": name}
        if props:
            out["properties"] = _sorted_props(props)
        out["cryptoProperties"] = cp
        return out

    def usage(self, usage: CryptoUsage, bom_ref: str) -> list[Json]:
        """`bom_ref` is usage.ref unless an asset has the same ref (refs are unique per table,
        bom-refs per document): then the real ref travels in `pqcplan:usage:ref`."""
        props = _props(USAGE_PROP, usage, USAGE_PROPERTY_COLUMNS)
        if bom_ref != usage.ref:
            props.append({"name": USAGE_PROP + "ref", "value": usage.ref})
        ap, oid = self.algorithm_properties(usage)
        if not is_certificate(usage):
            return [
                self._crypto(
                    bom_ref,
                    usage.algorithm,
                    props,
                    {"assetType": "algorithm", "algorithmProperties": ap},
                    oid,
                )
            ]
        part_of = [{"name": PART_OF_PROP, "value": bom_ref}]
        sig_ref = fit_ref(bom_ref, SIGNATURE_ALGORITHM_SUFFIX)
        out = [
            self._crypto(
                sig_ref,
                usage.algorithm,
                part_of,
                {"assetType": "algorithm", "algorithmProperties": ap},
                oid,
            )
        ]
        cert: Json = {}
        for key, value in (
            ("subjectName", usage.cert_subject),
            ("issuerName", usage.cert_issuer),
            ("notValidBefore", _iso(usage.cert_not_before)),
            ("notValidAfter", _iso(usage.cert_not_after)),
        ):
            if value is not None:
                cert[key] = value
        cert["signatureAlgorithmRef"] = sig_ref
        if usage.cert_public_key_algorithm is not None:
            key_ref = fit_ref(bom_ref, PUBLIC_KEY_SUFFIX)
            cert["subjectPublicKeyRef"] = key_ref
            out.append(
                self._crypto(
                    key_ref,
                    usage.cert_public_key_algorithm,
                    list(part_of),
                    {
                        "assetType": "related-crypto-material",
                        "relatedCryptoMaterialProperties": {"type": "public-key"},
                    },
                    self.facts(usage.cert_public_key_algorithm).get("oid"),
                )
            )
        cert["certificateFormat"] = "X.509"
        if self.spec_version == "1.7":
            # not modelled by cyclonedx-python-lib: added after it (see module docstring)
            cert["_extra"] = {}
            if usage.cert_serial is not None:
                cert["_extra"]["serialNumber"] = usage.cert_serial
            fp = (usage.cert_fingerprint_sha256 or "").lower()
            if len(fp) == 64 and all(c in "0123456789abcdef" for c in fp):
                cert["_extra"]["fingerprint"] = {"alg": "SHA-256", "content": fp}
        out.append(
            self._crypto(
                bom_ref,
                usage.cert_subject or usage.algorithm,
                props,
                {"assetType": "certificate", "certificateProperties": cert},
                None,
            )
        )
        return out

    def original(
        self, entry: Json, usage: CryptoUsage | None, warnings: list[str]
    ) -> tuple[Json, Json]:
        """A kept original as a component (with `usage`'s columns as properties when it is
        that usage's own component), and its cryptoProperties and evidence apart (they are put
        back after the library; see module docstring)."""
        ref = entry["bom-ref"]
        cp, ev = fit_original(entry, self.spec_version, f"$.components[bom-ref={ref!r}]", warnings)
        props: list[Json] = []
        if usage is not None:
            props = _props(USAGE_PROP, usage, USAGE_PROPERTY_COLUMNS)
            props.append({"name": VERBATIM_PROP, "value": "true"})
        cp = cp or {"assetType": "algorithm"}
        comp = self._crypto(
            ref, entry.get("name") or ref, props, {"assetType": cp["assetType"]}, None
        )
        return comp, {"cryptoProperties": cp, "evidence": ev}

    def protocol(self, asset_ref: str, protocol: str, refs: list[str]) -> Json:
        ptype, version = split_protocol(protocol)
        allowed = PROTOCOL_TYPES_16 if self.spec_version == "1.6" else PROTOCOL_TYPES_17
        pp: Json = {"type": ptype if ptype in allowed else "other"}
        if version is not None:
            pp["version"] = version
        pp["cryptoRefArray"] = sorted(refs)
        return self._crypto(
            fit_ref(asset_ref, PROTOCOL_INFIX + protocol),
            protocol,
            [{"name": GENERATED_PROP, "value": "protocol"}],
            {"assetType": "protocol", "protocolProperties": pp},
            None,
        )


def _through_library(doc: Json, spec_version: str) -> Json:
    """Load the document into cyclonedx-python-lib's models and let its outputter write it."""
    bom = Bom.from_json(doc)  # type: ignore[attr-defined]
    text = make_outputter(bom, OutputFormat.JSON, _SCHEMA[spec_version]).output_as_string()
    return json.loads(text)


def export_cbom(
    session: Session,
    organization_id: int,
    spec_version: str = "1.6",
    *,
    writer: str = "auto",
    warnings: list[str] | None = None,
) -> str:
    """The organization's whole inventory as CycloneDX JSON text (`spec_version` 1.6 or 1.7).

    `writer`: "library" has cyclonedx-python-lib check and serialize the document, "direct"
    writes it without the library (linear time), "auto" uses the library up to
    LIBRARY_LIMIT components. Both give the same JSON. What an imported CBOM said that the
    target version has no place for is left out and named in `warnings` (when given).
    """
    warnings = [] if warnings is None else warnings
    if spec_version not in EXPORT_SPEC_VERSIONS:
        raise InputError(
            N_("unsupported CycloneDX version {value}; choose one of {choices}"),
            "spec_version",
            value=repr(spec_version),
            choices=", ".join(EXPORT_SPEC_VERSIONS),
        )
    if writer not in ("auto", "library", "direct"):
        raise ValueError(f"unknown writer {writer!r}")
    org = session.get(Organization, organization_id)
    if org is None:
        raise NotFound(f"organization {organization_id} not found")

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
    doc = cbom_document(org, assets, usages, dep_rows, spec_version, writer, warnings)
    return json.dumps(doc, ensure_ascii=False)


def cbom_document(
    org: Organization,
    assets: Any,
    usages: Any,
    dep_rows: Any,
    spec_version: str = "1.6",
    writer: str = "auto",
    warnings: list[str] | None = None,
) -> Json:
    """The CycloneDX document of these rows (ordered by id; ``dep_rows`` are (Dependency,
    provider ref) pairs). Rows need not be stored: a scan's CBOM is the rows it would file."""
    warnings = [] if warnings is None else warnings
    mapper = _Mapper(spec_version)
    deps_by_dependent: dict[int, list[tuple[Dependency, str]]] = defaultdict(list)
    for dep, provider_ref in dep_rows:
        deps_by_dependent[dep.dependent_id].append((dep, provider_ref))
    usages_by_asset: dict[int, list[CryptoUsage]] = defaultdict(list)
    for u in usages:
        usages_by_asset[u.asset_id].append(u)
    asset_refs = {a.ref for a in assets}
    bom_refs: dict[int, str] = {}
    for u in usages:
        ref, n = u.ref, 0
        while ref in asset_refs:
            n += 1
            ref = fit_ref(u.ref, "#usage" + (f"-{n}" if n > 1 else ""))
        bom_refs[u.id] = ref

    originals = _originals(usages, asset_refs, bom_refs, warnings)
    verbatim: dict[str, Json] = {}  # bom-ref -> cryptoProperties and evidence, put back last
    components: list[Json] = []
    depends: dict[str, list[str]] = {}
    provides: dict[str, list[str]] = {}
    for asset in assets:
        components.append(mapper.asset(asset, deps_by_dependent.get(asset.id, [])))
        depends_on: list[str] = [ref for _, ref in deps_by_dependent.get(asset.id, [])]
        own = usages_by_asset.get(asset.id, [])
        by_protocol: dict[str, list[str]] = defaultdict(list)
        usage_refs = []
        for u in own:
            origin = (u.cbom_extra or {}).get("bom-ref")
            if origin in originals:  # written back verbatim, below or as this usage's own
                usage_refs.append(origin)
                if origin == bom_refs[u.id] and origin not in verbatim:
                    comp, verbatim[origin] = mapper.original(originals[origin], u, warnings)
                    components.append(comp)
                continue
            usage_refs.append(bom_refs[u.id])
            components.extend(mapper.usage(u, bom_refs[u.id]))
            if u.protocol is not None:
                by_protocol[u.protocol].append(bom_refs[u.id])
        for protocol, refs in by_protocol.items():
            comp = mapper.protocol(asset.ref, protocol, refs)
            components.append(comp)
            depends_on.append(comp["bom-ref"])
        usage_refs = list(dict.fromkeys(usage_refs))
        if asset.asset_type in PROVIDER_ASSET_TYPES:
            if usage_refs:
                provides[asset.ref] = sorted(usage_refs)
        else:
            depends_on.extend(usage_refs)
        if depends_on:
            depends[asset.ref] = sorted(set(depends_on))

    for ref, entry in originals.items():
        if ref not in verbatim:
            comp, verbatim[ref] = mapper.original(entry, None, warnings)
            components.append(comp)
    written = {c["bom-ref"] for c in components}
    for ref, entry in originals.items():
        for kind, target in (("dependsOn", depends), ("provides", provides)):
            refs = sorted({r for r in entry.get(kind, ()) if r in written and r != ref})
            if refs:
                target[ref] = sorted(set(target.get(ref, [])) | set(refs))

    extras: dict[str, Json] = {}
    for comp in components:
        cert = (
            comp["cryptoProperties"].get("certificateProperties")
            if comp["type"] == CRYPTO
            else None
        )
        if cert is not None and "_extra" in cert:
            extra = cert.pop("_extra")
            if extra:
                extras[comp["bom-ref"]] = extra
    components.sort(key=lambda c: c["bom-ref"])
    dependencies = []
    for comp in components:
        entry: Json = {"ref": comp["bom-ref"]}
        if comp["bom-ref"] in depends:
            entry["dependsOn"] = depends[comp["bom-ref"]]
        dependencies.append(entry)
    doc: Json = {
        "$schema": f"http://cyclonedx.org/schema/bom-{spec_version}.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": spec_version,
        "serialNumber": f"urn:uuid:{uuid.uuid4()}",
        "version": 1,
        "metadata": {
            "timestamp": datetime.now(UTC).isoformat(),
            "properties": _sorted_props(
                _props(ORG_PROP, org, ("slug", "name", "sector", "tier", "country", "description"))
            ),
        },
        "components": components,
        "dependencies": dependencies,
    }
    if writer == "library" or (writer == "auto" and len(components) <= LIBRARY_LIMIT):
        doc = _through_library(doc, spec_version)
    # not modelled by cyclonedx-python-lib 11.x, so added after it
    # the library leaves out empty lists (an organization with no components)
    for entry in doc.get("dependencies", []):
        if entry["ref"] in provides:
            entry["provides"] = provides[entry["ref"]]
    if extras:
        for comp in doc.get("components", []):
            extra = extras.get(comp["bom-ref"])
            if extra:
                comp["cryptoProperties"]["certificateProperties"].update(extra)
    if verbatim:
        for comp in doc.get("components", []):
            parts = verbatim.get(comp["bom-ref"])
            if parts is not None:
                comp["cryptoProperties"] = parts["cryptoProperties"]
                if parts["evidence"]:
                    comp["evidence"] = parts["evidence"]
    return doc


def _originals(
    usages: Any, asset_refs: set[str], bom_refs: dict[int, str], warnings: list[str]
) -> dict[str, Json]:
    """Kept originals by bom-ref (the first stored wins when two imports kept one), without
    those whose bom-ref another component of this export already has."""
    own_ref = {
        bom_refs[u.id]: (u.cbom_extra or {}).get("bom-ref") for u in usages
    }  # a usage's bom-ref -> the original it came from
    out: dict[str, Json] = {}
    for u in usages:
        for entry in (u.cbom_extra or {}).get("components", ()):
            ref = entry.get("bom-ref")
            if not isinstance(ref, str) or ref in out:
                continue
            if ref in asset_refs or (ref in own_ref and own_ref[ref] != ref):
                warnings.append(
                    f"$.components[bom-ref={ref!r}]: an imported crypto component whose "
                    "bom-ref another component now has; left out"
                )
                continue
            out[ref] = entry
    return out
