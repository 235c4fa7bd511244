"""Import a CycloneDX CBOM (JSON, specVersion 1.4-1.7) into one organization's inventory.

`import_cbom` parses and checks the whole document first (raising `InputError` with the JSON
path of the first problem), then writes with bulk statements. It never commits: the caller's
transaction makes an import land whole or not at all. Rows are matched by `bom-ref`
(asset.ref / usage.ref), so importing the same file twice updates instead of duplicating.

How components become rows
- Non-crypto components (and `$.services`, and `$.metadata.component`) -> assets. Our own
  `pqcplan:asset:*` properties win; otherwise the asset type follows the CycloneDX type.
- `cryptographic-asset` (or the older `crypto-asset`) components -> crypto usages:
  * algorithm -> one usage of that algorithm, unless it is only the signature algorithm of a
    certificate, the algorithm a key names by `algorithmRef`, or a cipher-suite algorithm of
    a protocol (then it is folded into that usage);
  * certificate -> a usage of its signature algorithm, function `certificate_signature`, with
    the certificate columns (the subject public key's name goes to cert_public_key_algorithm);
  * related-crypto-material keys (public/private/secret/key) -> a usage of the key's
    algorithm (algorithmRef, or the algorithm it dependsOn, or its own name) with key size;
  * protocol -> one usage per algorithm of its cipher suites (by reference, or parsed from
    IANA suite names), with the protocol set; IKEv2 transform references likewise. A protocol
    naming no algorithm at all is one usage of the protocol itself (primitive other, quantum
    status unknown: nothing to classify, and not listed as an unknown algorithm).
  Other material (nonces, salts, tokens...) is no usage and is reported.
- Every crypto component of another tool (all but our own exporter's helpers and native
  usages) is also kept verbatim in `cbom_extra` of the nearest usage: its cryptoProperties
  (secret key values left out), evidence, and dependsOn/provides to other crypto components;
  each usage records the bom-ref it came from. The exporter writes them back (cbom_fidelity).
- A usage belongs to the asset that `dependsOn` it (or nests it); else to the library/HSM
  that `provides` it; else to the asset owning a crypto component that refers to it; else to
  `metadata.component`, or a synthetic asset named after the file, with a warning. A crypto
  component used by several assets gives one usage per asset (`<ref>@<asset-ref>` for the
  second and later ones).
- Dependencies between non-crypto components -> asset dependencies, kind from our
  `pqcplan:dependency:<provider-ref>` property or guessed from the provider's type.
- `dependsOn` / `provides` naming unknown refs are reported as warnings and skipped (real
  tools emit dangling refs; refusing the whole file would help nobody).
- source = cbom and evidence = the component's JSON path (plus a summary of the occurrences
  a scanner recorded, kept whole in `cbom_extra`), unless our own `pqcplan:usage:source` /
  `evidence` properties say otherwise.
- Every usage is classified by the catalog (`Catalog.classify`, memoized on its inputs; a name
  the catalog does not know is retried by the component's OID); names it does not know are
  kept, flagged unknown and listed in `unknown_algorithms`. When our own file states another
  quantum status than the catalog now gives, the catalog wins and a warning says so.
- Whatever the document says that the model cannot hold is listed in `warnings`, each
  naming a JSON path (repeats of the same field are counted in one warning).
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from core.errors import InputError, TooLarge
from core.field_limits import check_observed, column_limit
from core.input_checks import loads_strict
from core.models import Organization
from core.models.base import utcnow
from inventory.catalog import get_catalog
from inventory.choices import (
    AssetType,
    Criticality,
    CryptoFunction,
    DataSensitivity,
    DependencyKind,
    Environment,
    Exposure,
    Primitive,
    QuantumStatus,
    Source,
)
from inventory.exchange.cbom_common import (
    ASSET_PROP,
    ASSET_PROPERTY_COLUMNS,
    CDX_TO_ASSET_TYPE,
    CDX_TO_PRIMITIVE,
    CRYPTO_TYPES,
    DEPENDENCY_PROP,
    GENERATED_PROP,
    KIND_BY_PROVIDER_TYPE,
    NS,
    ORG_PROP,
    PART_OF_PROP,
    SUPPORTED_SPEC_VERSIONS,
    USAGE_PROP,
    USAGE_PROPERTY_COLUMNS,
    VERBATIM_PROP,
    cipher_suite_algorithms,
    guess_function,
    join_protocol,
    parse_datetime,
)
from inventory.exchange.cbom_fidelity import PUBLIC_VALUE_TYPES, mentioned_refs, original_entry
from inventory.models import Asset, CryptoUsage, Dependency
from inventory.service.refs import REF_LIMIT, fit_ref

KNOWN_COMPONENT_TYPES = frozenset(CDX_TO_ASSET_TYPE) | CRYPTO_TYPES
KEY_MATERIAL = frozenset(
    {"private-key", "public-key", "secret-key", "key", "privateKey", "publicKey", "secretKey"}
)
ASSET_TYPES = ("algorithm", "certificate", "protocol", "related-crypto-material")

_ENUM_COLUMNS: dict[str, type[StrEnum]] = {
    "asset_type": AssetType,
    "environment": Environment,
    "criticality": Criticality,
    "exposure": Exposure,
    "data_sensitivity": DataSensitivity,
    "function": CryptoFunction,
    "quantum_status": QuantumStatus,
    "source": Source,
}
_INT_COLUMNS = frozenset({"secrecy_years", "key_size"})
_DATETIME_COLUMNS = frozenset({"first_seen", "last_seen"})


@dataclass
class ImportReport:
    assets_created: int = 0
    assets_updated: int = 0
    usages_created: int = 0
    usages_updated: int = 0
    dependencies_created: int = 0
    warnings: list[str] = field(default_factory=list)
    unknown_algorithms: list[str] = field(default_factory=list)


@dataclass
class _Comp:
    path: str
    ref: str
    ctype: str
    name: str
    data: dict[str, Any]
    crypto: bool
    parent: str | None = None
    props: dict[str, Any] = field(default_factory=dict)  # parsed pqcplan properties
    ours: bool = False  # carries pqcplan:usage:* properties (written by our exporter)
    skip: bool = False  # helper component of our exporter (part-of / generated)
    asset_type: str | None = None  # cryptoProperties.assetType (crypto only)
    verbatim: bool = False  # an original our exporter wrote back (pqcplan:verbatim)

    @property
    def kept(self) -> bool:
        """A crypto component stored verbatim (see cbom_fidelity): any but our own helpers
        and our own usages."""
        return self.crypto and not self.skip and (self.verbatim or not self.ours)


@dataclass
class _Usage:
    ref: str
    anchor: str  # the component whose owner this usage belongs to
    path: str
    row: dict[str, Any]
    curve: str | None = None
    oid: str | None = None
    ours: bool = False
    protocol_only: bool = False  # a protocol naming no algorithm: nothing to classify


# --- small parsing helpers -----------------------------------------------------------------
def _load(data: bytes | str) -> Any:
    # bad UTF-8, NaN/Infinity, NUL and lone surrogates are refused with their JSON path
    return loads_strict(data, duplicates=False, max_depth=None)


def _str(value: Any, path: str, what: str, *, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise InputError(f"{what} is missing", path)
        return None
    if not isinstance(value, str):
        raise InputError(f"{what} must be a string, not {type(value).__name__}", path)
    if required and not value.strip():
        raise InputError(f"{what} is empty", path)
    return value


def _int(value: Any, path: str, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        raise InputError(f"{what} must be an integer", path)
    return value


def _list(value: Any, path: str, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(f"{what} must be a list", path)
    return value


def _obj(value: Any, path: str, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError(f"{what} must be an object", path)
    return value


def _date(value: Any, path: str, what: str) -> datetime | None:
    if value is None:
        return None
    try:  # the same window as the API and the CSV import (core.field_limits)
        return check_observed(parse_datetime(value))
    except (ValueError, TypeError, OverflowError) as exc:
        raise InputError(f"{what} is not an ISO 8601 date-time: {value!r} ({exc})", path) from exc


def _enum(enum_cls: type[StrEnum], value: str, path: str, what: str) -> StrEnum:
    try:
        return enum_cls(value)
    except ValueError as exc:
        allowed = ", ".join(m.value for m in enum_cls)
        raise InputError(f"{what} {value!r} is not one of: {allowed}", path) from exc


def _key(path: str, key: str) -> str:
    if key.isidentifier() and key.isascii():
        return f"{path}.{key}"
    return f"{path}['{key}']"


_INDEX_RE = re.compile(r"\[\d+\]")
NOT_HELD = "not held by the inventory model"


class _Notes:
    """Warnings, with repeats of the same field (same path up to list indexes) counted."""

    def __init__(self) -> None:
        self._order: list[str] = []
        self._first: dict[str, tuple[str, str]] = {}
        self._count: dict[str, int] = defaultdict(int)
        self.kept: set[str] = set()  # paths of crypto components stored verbatim

    def add(self, path: str, message: str, group: str | None = None) -> None:
        if message.startswith(NOT_HELD) and self.kept:
            for part in (".cryptoProperties", ".evidence"):
                if part in path and path.split(part, 1)[0] in self.kept:
                    return  # kept in cbom_extra
        key = (group or "") + "|" + _INDEX_RE.sub("[*]", path) + "|" + (group or message)
        if key not in self._first:
            self._first[key] = (path, message)
            self._order.append(key)
        self._count[key] += 1

    def render(self) -> list[str]:
        out = []
        for key in self._order:
            path, message = self._first[key]
            n = self._count[key] - 1
            more = f" (and {n} more like it)" if n else ""
            out.append(f"{path}: {message}{more}")
        return out


# Keys of each object that the importer reads; the rest is reported as not held.
_TOP_KEYS = {
    "bomFormat",
    "specVersion",
    "serialNumber",
    "version",
    "$schema",
    "metadata",
    "components",
    "services",
    "dependencies",
}
_META_KEYS = {"timestamp", "component", "properties"}
_COMPONENT_KEYS = {
    "type",
    "name",
    "bom-ref",
    "version",
    "description",
    "supplier",
    "properties",
    "components",
    "cryptoProperties",
    "evidence",
}
_SERVICE_KEYS = {"name", "bom-ref", "version", "description", "provider", "properties"}
_CRYPTO_KEYS = {
    "assetType",
    "algorithmProperties",
    "certificateProperties",
    "relatedCryptoMaterialProperties",
    "protocolProperties",
    "oid",
    "keyProperties",
}
# classicalSecurityLevel, nistQuantumSecurityLevel, cryptoFunctions, algorithmFamily are
# facts of the algorithm the catalog re-derives from its canonical name.
_ALGO_KEYS = {
    "primitive",
    "parameterSetIdentifier",
    "curve",
    "ellipticCurve",
    "mode",
    "padding",
    "cryptoFunctions",
    "classicalSecurityLevel",
    "nistQuantumSecurityLevel",
    "algorithmFamily",
    "variant",
}
_CERT_KEYS = {
    "subjectName",
    "issuerName",
    "notValidBefore",
    "notValidAfter",
    "signatureAlgorithmRef",
    "subjectPublicKeyRef",
    "serialNumber",
    "fingerprint",
    "signatureAlgorithm",
    "subjectPublicKey",
    "subjectPublicKeyAlgorithm",
    "certificateFormat",
}
_KEY_KEYS = {"type", "algorithmRef", "keyAlgorithmRef", "size"}
_PROTO_KEYS = {"type", "version", "cipherSuites", "cryptoRefArray", "ikev2TransformTypes"}


class _Parser:
    def __init__(self, doc: Any, max_components: int, source_name: str | None, digest: str) -> None:
        self.doc = doc
        self.max_components = max_components
        self.source_name = source_name
        self.digest = digest
        self.notes = _Notes()
        self.comps: dict[str, _Comp] = {}
        self.order: list[_Comp] = []
        self.seen_at: datetime = datetime.now(UTC)
        self.metadata_ref: str | None = None
        self.org_props: dict[str, str] = {}
        self.count = 0

    # --- document ---------------------------------------------------------------------
    def parse(self) -> None:
        doc = self.doc
        if not isinstance(doc, dict):
            raise InputError("a CycloneDX document must be a JSON object", "$")
        fmt = doc.get("bomFormat")
        if fmt is None:
            raise InputError("bomFormat is missing: not a CycloneDX document", "$.bomFormat")
        if fmt not in ("CycloneDX", "CBOM"):
            raise InputError(f"bomFormat must be 'CycloneDX', not {fmt!r}", "$.bomFormat")
        spec = doc.get("specVersion")
        if spec is None:
            raise InputError("specVersion is missing", "$.specVersion")
        m = re.match(r"^(\d+\.\d+)", spec) if isinstance(spec, str) else None
        if not m or m.group(1) not in SUPPORTED_SPEC_VERSIONS:
            raise InputError(
                f"specVersion {spec!r} is not supported (use "
                + ", ".join(SUPPORTED_SPEC_VERSIONS)
                + ")",
                "$.specVersion",
            )
        self.spec = m.group(1)
        if fmt == "CBOM" or spec != m.group(1):
            self.notes.add(
                "$.specVersion",
                f"pre-standard CBOM draft ({fmt} {spec}) read as CycloneDX {self.spec}",
            )
        self.serial = doc.get("serialNumber") if isinstance(doc.get("serialNumber"), str) else None
        for k in doc:
            if k not in _TOP_KEYS:
                self.notes.add(_key("$", k), "not held by the inventory model")

        meta = _obj(doc.get("metadata"), "$.metadata", "metadata")
        for k in meta:
            if k not in _META_KEYS:
                self.notes.add(_key("$.metadata", k), "not held by the inventory model")
        ts = _date(meta.get("timestamp"), "$.metadata.timestamp", "timestamp")
        if ts is not None:
            self.seen_at = ts
        for j, prop in enumerate(
            _list(meta.get("properties"), "$.metadata.properties", "properties")
        ):
            p = f"$.metadata.properties[{j}]"
            prop = _obj(prop, p, "a property")
            name = _str(prop.get("name"), p + ".name", "property name", required=True)
            value = prop.get("value")
            if name.startswith(ORG_PROP) and isinstance(value, str):
                self.org_props[name[len(ORG_PROP) :]] = value
            else:
                self.notes.add(p, f"property {name!r} not held by the inventory model")
        if meta.get("component") is not None:
            comp = self.component(meta["component"], "$.metadata.component", None)
            self.metadata_ref = comp.ref

        components = doc.get("components")
        if components is not None and not isinstance(components, list):
            raise InputError("components must be a list", "$.components")
        for i, c in enumerate(components or []):
            self.component(c, f"$.components[{i}]", None)
        services = doc.get("services")
        if services is not None and not isinstance(services, list):
            raise InputError("services must be a list", "$.services")
        for i, s in enumerate(services or []):
            self.service(s, f"$.services[{i}]")

    def _count(self, path: str) -> None:
        self.count += 1
        if self.count > self.max_components:
            raise TooLarge(f"more than {self.max_components} components; split the document", path)

    def _register(self, comp: _Comp) -> None:
        first = self.comps.get(comp.ref)
        if first is not None:
            raise InputError(
                f"bom-ref {comp.ref!r} is used twice (first at {first.path})",
                _key(comp.path, "bom-ref"),
            )
        if len(comp.ref) > REF_LIMIT:
            raise InputError("bom-ref is longer than 200 characters", _key(comp.path, "bom-ref"))
        self.comps[comp.ref] = comp
        self.order.append(comp)

    def _synth_ref(self, base: str, path: str) -> str:
        ref = base[:190]
        n = 1
        while ref in self.comps:
            n += 1
            ref = f"{base[:180]}#{n}"
        self.notes.add(
            _key(path, "bom-ref"),
            f"no bom-ref; identified as {ref!r} (a stable name, so a re-import updates it)",
        )
        return ref

    def _properties(self, comp: _Comp, raw: Any) -> None:
        ppath = comp.path + ".properties"
        for j, prop in enumerate(_list(raw, ppath, "properties")):
            p = f"{ppath}[{j}]"
            prop = _obj(prop, p, "a property")
            name = _str(prop.get("name"), p + ".name", "property name", required=True)
            value = prop.get("value")
            if not name.startswith(NS + ":"):
                self.notes.add(
                    p, f"property {name!r} not held by the inventory model", group=f"prop:{name}"
                )
                continue
            vpath = p + ".value"
            if value is not None and not isinstance(value, str):
                raise InputError("property value must be a string", vpath)
            if name in (PART_OF_PROP, GENERATED_PROP):
                comp.skip = True
                continue
            if name == VERBATIM_PROP:
                comp.verbatim = True
                continue
            if name == USAGE_PROP + "ref":  # the usage's ref, when an asset has the same one
                comp.props["ref"] = _str(value, vpath, "ref", required=True)
                continue
            if name.startswith(DEPENDENCY_PROP):
                provider = name[len(DEPENDENCY_PROP) :]
                kind_text, _, desc = (value or "").partition(":")
                kind = _enum(DependencyKind, kind_text, vpath, "dependency kind")
                comp.props.setdefault("dependencies", []).append(
                    (provider, kind, desc if _ else None, p)
                )
                continue
            for prefix, columns in (
                (ASSET_PROP, ASSET_PROPERTY_COLUMNS),
                (USAGE_PROP, USAGE_PROPERTY_COLUMNS),
            ):
                if name.startswith(prefix) and name[len(prefix) :] in columns:
                    col = name[len(prefix) :]
                    comp.props[col] = self._convert(col, value, vpath)
                    if prefix == USAGE_PROP:
                        comp.ours = True
                    break
            else:
                self.notes.add(p, f"property {name!r} is not a known {NS} property")

    @staticmethod
    def _convert(col: str, value: str | None, path: str) -> Any:
        if value is None:
            return None
        if col in _ENUM_COLUMNS:
            return _enum(_ENUM_COLUMNS[col], value, path, col)
        if col in _INT_COLUMNS:
            try:
                return int(value)
            except ValueError as exc:
                raise InputError(f"{col} must be an integer, not {value!r}", path) from exc
        if col in _DATETIME_COLUMNS:
            return _date(value, path, col)
        return value

    # --- components ---------------------------------------------------------------------
    def component(self, c: Any, path: str, parent: str | None) -> _Comp:
        self._count(path)
        if not isinstance(c, dict):
            raise InputError("a component must be a JSON object", path)
        ctype = _str(c.get("type"), path + ".type", "component type", required=True)
        name = _str(c.get("name"), path + ".name", "component name", required=True)
        ref = _str(c.get("bom-ref"), _key(path, "bom-ref"), "bom-ref")
        crypto = ctype in CRYPTO_TYPES
        if ctype not in KNOWN_COMPONENT_TYPES:
            self.notes.add(
                path + ".type", f"unknown component type {ctype!r}; kept as an application asset"
            )
        if not ref:
            if crypto:
                cp = c.get("cryptoProperties")
                cp = cp if isinstance(cp, dict) else {}
                oid = cp.get("oid") if isinstance(cp.get("oid"), str) else None
                base = f"crypto:{cp.get('assetType', 'algorithm')}:{name}" + (
                    f"@{oid}" if oid else ""
                )
            else:
                base = (
                    c.get("purl")
                    or c.get("cpe")
                    or (f"{ctype}:{name}" + (f"@{c['version']}" if c.get("version") else ""))
                )
                base = str(base)
            ref = self._synth_ref(base, path)
        comp = _Comp(
            path=path, ref=ref, ctype=ctype, name=name, data=c, crypto=crypto, parent=parent
        )
        self._properties(comp, c.get("properties"))
        self._register(comp)
        if comp.kept:
            self.notes.kept.add(path)
        for k in c:
            if k not in _COMPONENT_KEYS:
                self.notes.add(_key(path, k), "not held by the inventory model")
        if crypto:
            self._crypto_header(comp)
        else:
            _str(c.get("version"), path + ".version", "version")
            _str(c.get("description"), path + ".description", "description")
            sup = _obj(c.get("supplier"), path + ".supplier", "supplier")
            _str(sup.get("name"), path + ".supplier.name", "supplier name")
            for k in sup:
                if k != "name":
                    self.notes.add(_key(path + ".supplier", k), "not held by the inventory model")
            if "evidence" in c:
                self.notes.add(
                    path + ".evidence",
                    "evidence of a non-crypto component is not held by the inventory model",
                )
        children = c.get("components")
        if children is not None:
            for j, child in enumerate(_list(children, path + ".components", "components")):
                self.component(child, f"{path}.components[{j}]", ref)
        return comp

    def _crypto_header(self, comp: _Comp) -> None:
        path = comp.path + ".cryptoProperties"
        cp = comp.data.get("cryptoProperties")
        if cp is None:
            self.notes.add(
                comp.path,
                "cryptographic asset without cryptoProperties; read as "
                "an algorithm named by the component name",
            )
            comp.asset_type = "algorithm"
            return
        cp = _obj(cp, path, "cryptoProperties")
        at = cp.get("assetType")
        if at == "key":  # pre-1.6 IBM CBOM draft
            at = "related-crypto-material"
        if at not in ASSET_TYPES:
            if at is None:
                raise InputError("assetType is missing", path + ".assetType")
            raise InputError(
                f"assetType {at!r} is not one of: {', '.join(ASSET_TYPES)}", path + ".assetType"
            )
        comp.asset_type = at
        for k in cp:
            if k not in _CRYPTO_KEYS:
                self.notes.add(_key(path, k), "not held by the inventory model")
        oid = cp.get("oid")
        _str(oid, path + ".oid", "oid")

    def service(self, s: Any, path: str) -> None:
        self._count(path)
        if not isinstance(s, dict):
            raise InputError("a service must be a JSON object", path)
        name = _str(s.get("name"), path + ".name", "service name", required=True)
        ref = _str(s.get("bom-ref"), _key(path, "bom-ref"), "bom-ref")
        if not ref:
            ref = self._synth_ref(f"service:{name}", path)
        data = dict(s)
        data["type"] = "service"
        provider = _obj(s.get("provider"), path + ".provider", "provider")
        if provider.get("name") is not None:
            data["supplier"] = {
                "name": _str(provider.get("name"), path + ".provider.name", "provider name")
            }
        comp = _Comp(path=path, ref=ref, ctype="service", name=name, data=data, crypto=False)
        self._properties(comp, s.get("properties"))
        self._register(comp)
        for k in s:
            if k not in _SERVICE_KEYS:
                self.notes.add(_key(path, k), "not held by the inventory model")
            elif k == "provider":
                for pk in provider:
                    if pk != "name":
                        self.notes.add(
                            _key(path + ".provider", pk), "not held by the inventory model"
                        )


def _with_related_assets(cert: dict[str, Any]) -> dict[str, Any]:
    """CycloneDX 1.7 names a certificate's signature algorithm and public key in
    `relatedCryptographicAssets` ({type, ref}); read them as the 1.6 `...Ref` fields."""
    rels = cert.get("relatedCryptographicAssets")
    if not isinstance(rels, list):
        return cert
    out = dict(cert)
    for rel in rels:
        if not isinstance(rel, dict) or not isinstance(rel.get("ref"), str):
            continue
        rtype = str(rel.get("type", "")).lower()
        if "key" in rtype and "public" in rtype:
            out.setdefault("subjectPublicKeyRef", rel["ref"])
        elif "algorithm" in rtype or "signature" in rtype:
            out.setdefault("signatureAlgorithmRef", rel["ref"])
    return out


class _Builder:
    """Turns parsed components and dependencies into asset, usage and dependency rows."""

    def __init__(self, p: _Parser) -> None:
        self.p = p
        self.notes = p.notes
        self.assets: dict[str, dict[str, Any]] = {}
        self.usages: dict[str, _Usage] = {}
        self.consumed: set[str] = set()  # algorithm/key refs folded into another usage
        self.owner_depends: dict[str, list[str]] = defaultdict(list)
        self.owner_provides: dict[str, list[str]] = defaultdict(list)
        self.crypto_referrers: dict[str, list[str]] = defaultdict(list)
        self.key_algorithm: dict[str, str] = {}  # key ref -> algorithm ref (via dependsOn)
        self.library_of: dict[str, str] = {}  # crypto ref -> library component ref
        self.protocol_of: dict[str, str] = {}  # cert/key ref -> protocol string
        self.edges: list[tuple[str, str, str]] = []  # (dependent, provider, path)
        self.dependencies: dict[tuple[str, str, DependencyKind], tuple[str | None, str]] = {}
        # crypto -> crypto dependsOn / provides, per source ref and kind
        self.crypto_links: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))

    # --- assets --------------------------------------------------------------------------
    def asset_row(self, comp: _Comp) -> dict[str, Any]:
        c, pr = comp.data, comp.props
        asset_type = pr.get("asset_type") or CDX_TO_ASSET_TYPE.get(
            comp.ctype, AssetType.APPLICATION
        )
        supplier = c.get("supplier")
        vendor = supplier.get("name") if isinstance(supplier, dict) else None
        row = {
            "ref": comp.ref,
            "name": comp.name,
            "asset_type": asset_type,
            "description": c.get("description"),
            "owner": pr.get("owner"),
            "environment": pr.get("environment") or Environment.PRODUCTION,
            "criticality": pr.get("criticality") or Criticality.MEDIUM,
            "exposure": pr.get("exposure") or Exposure.INTERNAL,
            "data_sensitivity": pr.get("data_sensitivity") or DataSensitivity.INTERNAL,
            "secrecy_years": pr.get("secrecy_years") or 0,
            "vendor": vendor,
            "product": pr.get("product"),
            "version": c.get("version"),
            "location": pr.get("location"),
        }
        for bad in ("algorithm_raw",):
            if bad in pr:
                self.notes.add(
                    comp.path + ".properties",
                    "usage properties on a non-crypto component are ignored",
                )
        return row

    # --- usages --------------------------------------------------------------------------
    def _base_row(self, comp: _Comp, evidence_path: str) -> dict[str, Any]:
        pr = comp.props
        evidence = pr.get("evidence")
        if evidence is None and not comp.ours:
            evidence = (f"{self.p.source_name} " if self.p.source_name else "") + evidence_path
            occ = self._occurrences(comp)
            if occ:
                evidence += "; seen at " + ", ".join(occ)
        return {
            "ref": comp.ref,
            "algorithm_raw": None,
            "primitive": None,
            "function": pr.get("function"),
            "protocol": pr.get("protocol"),
            "key_size": pr.get("key_size"),
            "parameter_set": None,
            "mode": pr.get("mode"),
            "padding": pr.get("padding"),
            "library": pr.get("library"),
            "library_version": pr.get("library_version"),
            "cert_subject": None,
            "cert_issuer": None,
            "cert_serial": pr.get("cert_serial"),
            "cert_not_before": None,
            "cert_not_after": None,
            "cert_fingerprint_sha256": pr.get("cert_fingerprint_sha256"),
            "cert_public_key_algorithm": pr.get("cert_public_key_algorithm"),
            "source": pr.get("source") or Source.CBOM,
            "evidence": evidence,
            "first_seen": pr.get("first_seen") or self.p.seen_at,
            "last_seen": pr.get("last_seen") or self.p.seen_at,
            "notes": pr.get("notes"),
            "cbom_extra": None,
        }

    def _occurrences(self, comp: _Comp) -> list[str]:
        ev = comp.data.get("evidence")
        if not isinstance(ev, dict):
            return []
        out = []
        for k in ev:
            if k != "occurrences":
                self.notes.add(_key(comp.path + ".evidence", k), "not held by the inventory model")
        occs = ev.get("occurrences")
        for occ in occs if isinstance(occs, list) else []:
            if not isinstance(occ, dict) or not isinstance(occ.get("location"), str):
                continue
            text = occ["location"]
            if occ.get("line") is not None:
                text += f":{occ['line']}"
                if occ.get("offset") is not None:
                    text += f":{occ['offset']}"
            if isinstance(occ.get("additionalContext"), str):
                text += f" ({occ['additionalContext']})"
            out.append(text)
        return out

    def _algo(
        self,
        comp: _Comp,
        row: dict[str, Any],
        default_primitive: Primitive | None,
        path_prefix: str | None = None,
    ) -> tuple[str | None, str | None]:
        """Fill primitive, parameter set, mode and padding from an algorithm component's
        algorithmProperties. Returns (curve, oid)."""
        cp = comp.data.get("cryptoProperties") or {}
        base = (path_prefix or comp.path) + ".cryptoProperties"
        ap = _obj(
            cp.get("algorithmProperties"), base + ".algorithmProperties", "algorithmProperties"
        )
        apath = base + ".algorithmProperties"
        for k in ap:
            if k not in _ALGO_KEYS:
                self.notes.add(_key(apath, k), "not held by the inventory model")
        prim_text = _str(ap.get("primitive"), apath + ".primitive", "primitive")
        prim = None
        if prim_text is not None:
            prim = CDX_TO_PRIMITIVE.get(prim_text)
            if prim is None:
                self.notes.add(
                    apath + ".primitive", f"unknown primitive {prim_text!r}; stored as other"
                )
                prim = Primitive.OTHER
        if row["primitive"] is None:
            row["primitive"] = prim or default_primitive or self._guess_primitive(comp.name)
        psi = ap.get("parameterSetIdentifier")
        if isinstance(psi, int) and not isinstance(psi, bool):
            psi = str(psi)
        psi = _str(psi, apath + ".parameterSetIdentifier", "parameterSetIdentifier")
        if psi is not None and row["parameter_set"] is None:
            row["parameter_set"] = psi
        for col, key in (("mode", "mode"), ("padding", "padding")):
            v = _str(ap.get(key), f"{apath}.{key}", key)
            if (
                row[col] is None
                and v is not None
                and not comp.ours
                and v not in ("other", "unknown")
            ):
                row[col] = v
        curve = _str(ap.get("curve"), apath + ".curve", "curve")
        ec = ap.get("ellipticCurve")
        if curve is None and isinstance(ec, str):
            curve = ec.split("/", 1)[-1]
        oid = cp.get("oid") if isinstance(cp.get("oid"), str) else None
        return curve, oid

    @staticmethod
    def _guess_primitive(name: str) -> Primitive:
        entry = get_catalog().resolve(name)
        if entry is not None:
            return entry.primitive
        n = name.upper()
        table = (
            (
                (
                    "MLKEM",
                    "ML-KEM",
                    "KYBER",
                    "ECDH",
                    "X25519",
                    "X448",
                    "DH",
                    "MCELIECE",
                    "HQC",
                    "FRODO",
                    "NTRU",
                    "SMAUG",
                ),
                Primitive.KEY_EXCHANGE,
            ),
            (
                (
                    "DSA",
                    "ED25519",
                    "ED448",
                    "FALCON",
                    "DILITHIUM",
                    "SPHINCS",
                    "LMS",
                    "XMSS",
                    "WITHRSA",
                    "-RSA",
                    "HAETAE",
                    "AIMER",
                ),
                Primitive.SIGNATURE,
            ),
            (("HMAC", "CMAC", "GMAC", "POLY1305"), Primitive.MAC),
            (("PBKDF", "HKDF", "ARGON", "SCRYPT", "BCRYPT", "KDF"), Primitive.KDF),
            (("SHA", "MD5", "MD4", "BLAKE", "SM3", "RIPEMD", "SHAKE"), Primitive.HASH),
            (
                (
                    "AES",
                    "DES",
                    "CHACHA",
                    "CAMELLIA",
                    "SM4",
                    "ARIA",
                    "SEED",
                    "RC4",
                    "BLOWFISH",
                    "SALSA",
                    "IDEA",
                ),
                Primitive.SYMMETRIC,
            ),
            (("RSA", "ELGAMAL"), Primitive.ENCRYPTION),
        )
        for hints, prim_ in table:
            if any(h in n for h in hints):
                return prim_
        return Primitive.OTHER

    def _new_usage(
        self,
        ref: str,
        anchor: str,
        path: str,
        row: dict[str, Any],
        comp: _Comp,
        curve: str | None,
        oid: str | None,
    ) -> None:
        if ref == comp.ref and comp.props.get("ref"):
            ref = comp.props["ref"]
        row["ref"] = ref
        if row["function"] is None:
            row["function"] = CryptoFunction.OTHER
        self.usages[ref] = _Usage(
            ref=ref, anchor=anchor, path=path, row=row, curve=curve, oid=oid, ours=comp.ours
        )

    def crypto_usages(self) -> None:
        comps = self.p.comps
        protocols: list[_Comp] = []
        certs: list[_Comp] = []
        keys: list[_Comp] = []
        algos: list[_Comp] = []
        for comp in self.p.order:
            if not comp.crypto or comp.skip:
                continue
            {"protocol": protocols, "certificate": certs, "related-crypto-material": keys}.get(
                comp.asset_type or "", algos
            ).append(comp)

        for comp in certs:
            self._certificate(comp, comps)
        for comp in protocols:
            self._protocol(comp, comps)
        for comp in keys:
            self._key_material(comp, comps)
        for comp in algos:
            if comp.ref in self.consumed and not self.owner_depends.get(comp.ref) and not comp.ours:
                continue
            row = self._base_row(comp, comp.path)
            row["algorithm_raw"] = comp.props.get("algorithm_raw") or comp.name
            curve, oid = self._algo(comp, row, None)
            self._new_usage(comp.ref, comp.ref, comp.path, row, comp, curve, oid)

    def _resolve(self, ref: Any, path: str, what: str, comps: dict[str, _Comp]) -> _Comp | None:
        if ref is None:
            return None
        if not isinstance(ref, str):
            raise InputError(f"{what} must be a bom-ref string", path)
        target = comps.get(ref)
        if target is None:
            self.notes.add(path, f"{what} {ref!r} names no component in this document")
        return target

    def _certificate(self, comp: _Comp, comps: dict[str, _Comp]) -> None:
        base = comp.path + ".cryptoProperties.certificateProperties"
        cp = _obj(
            (comp.data.get("cryptoProperties") or {}).get("certificateProperties"),
            base,
            "certificateProperties",
        )
        for k in cp:
            if k not in _CERT_KEYS:
                self.notes.add(_key(base, k), "not held by the inventory model")
        cp = _with_related_assets(cp)
        fmt = cp.get("certificateFormat")
        if fmt is not None and fmt != "X.509":
            self.notes.add(
                base + ".certificateFormat",
                f"certificate format {fmt!r} is not held by the inventory model",
            )
        row = self._base_row(comp, comp.path)
        row["cert_subject"] = _str(cp.get("subjectName"), base + ".subjectName", "subjectName")
        row["cert_issuer"] = _str(cp.get("issuerName"), base + ".issuerName", "issuerName")
        row["cert_not_before"] = _date(
            cp.get("notValidBefore"), base + ".notValidBefore", "notValidBefore"
        )
        row["cert_not_after"] = _date(
            cp.get("notValidAfter"), base + ".notValidAfter", "notValidAfter"
        )
        if row["cert_serial"] is None:
            row["cert_serial"] = _str(
                cp.get("serialNumber"), base + ".serialNumber", "serialNumber"
            )
        fp = cp.get("fingerprint")
        if fp is not None and row["cert_fingerprint_sha256"] is None:
            fpo = _obj(fp, base + ".fingerprint", "fingerprint")
            alg = str(fpo.get("alg", "")).upper().replace("_", "-")
            if alg in ("SHA-256", "SHA256") and isinstance(fpo.get("content"), str):
                row["cert_fingerprint_sha256"] = fpo["content"].lower()
            else:
                self.notes.add(
                    base + ".fingerprint",
                    f"{alg or 'unnamed'} fingerprint not held (only SHA-256 is)",
                )
        row["function"] = row["function"] or CryptoFunction.CERTIFICATE_SIGNATURE
        sig_key = "signatureAlgorithmRef" if "signatureAlgorithmRef" in cp else "signatureAlgorithm"
        sig = self._resolve(cp.get(sig_key), f"{base}.{sig_key}", sig_key, comps)
        curve = oid = None
        if sig is not None and sig.crypto:
            self.consumed.add(sig.ref)
            row["algorithm_raw"] = comp.props.get("algorithm_raw") or sig.name
            curve, oid = self._algo(sig, row, Primitive.SIGNATURE)
        else:
            row["algorithm_raw"] = comp.props.get("algorithm_raw") or "unknown"
            row["primitive"] = Primitive.SIGNATURE
            if not comp.props.get("algorithm_raw"):
                self.notes.add(base, "certificate names no signature algorithm; kept as 'unknown'")
        key_key = next(
            (
                k
                for k in ("subjectPublicKeyRef", "subjectPublicKey", "subjectPublicKeyAlgorithm")
                if k in cp
            ),
            None,
        )
        if key_key is not None:
            key = self._resolve(cp.get(key_key), f"{base}.{key_key}", key_key, comps)
            if key is not None and key.crypto:
                self.consumed.add(key.ref)
                self._consume_key_algorithm(key, comps)
                if row["cert_public_key_algorithm"] is None and not comp.ours:
                    row["cert_public_key_algorithm"] = key.name
        self._new_usage(comp.ref, comp.ref, comp.path, row, comp, curve, oid)

    def _consume_key_algorithm(self, key: _Comp, comps: dict[str, _Comp]) -> None:
        """A certificate's public key is recorded on the certificate usage: so is its
        algorithm, which then is no usage of its own."""
        cp = key.data.get("cryptoProperties")
        rp = {}
        if isinstance(cp, dict):
            rp = cp.get("relatedCryptoMaterialProperties") or cp.get("keyProperties") or {}
        ref = None
        if isinstance(rp, dict):
            ref = rp.get("algorithmRef") or rp.get("keyAlgorithmRef")
        ref = ref if isinstance(ref, str) else self.key_algorithm.get(key.ref)
        if ref in comps and comps[ref].asset_type == "algorithm":
            self.consumed.add(ref)

    def _key_material(self, comp: _Comp, comps: dict[str, _Comp]) -> None:
        cp = comp.data.get("cryptoProperties") or {}
        prop_key = (
            "relatedCryptoMaterialProperties"
            if "relatedCryptoMaterialProperties" in cp
            else "keyProperties"
        )
        base = f"{comp.path}.cryptoProperties.{prop_key}"
        rp = _obj(cp.get(prop_key), base, prop_key)
        mtype = rp.get("type")
        if mtype not in KEY_MATERIAL:
            self.notes.add(
                comp.path,
                f"related crypto material of type {mtype!r} is not held as a crypto usage"
                + (" (kept verbatim for export)" if comp.kept else ""),
                group=f"rcm:{mtype}",
            )
            return
        if comp.ref in self.consumed and not self.owner_depends.get(comp.ref):
            return  # a certificate's subject public key: recorded on the certificate usage
        for k in rp:
            if k not in _KEY_KEYS:
                if k == "value" and mtype not in PUBLIC_VALUE_TYPES:
                    self.notes.add(_key(base, k), "key material is never stored; left out")
                else:
                    self.notes.add(_key(base, k), NOT_HELD)
        row = self._base_row(comp, comp.path)
        size = _int(rp.get("size"), base + ".size", "size")
        if row["key_size"] is None:
            row["key_size"] = size
        ref_key = "algorithmRef" if "algorithmRef" in rp else "keyAlgorithmRef"
        algo = self._resolve(rp.get(ref_key), f"{base}.{ref_key}", ref_key, comps)
        by_ref = algo is not None
        if algo is None and comp.ref in self.key_algorithm:
            # named by dependsOn (CBOMkit): the algorithm stays a usage of its own too
            algo = comps[self.key_algorithm[comp.ref]]
        curve = oid = None
        if algo is not None and algo.crypto and algo.asset_type == "algorithm":
            if by_ref:
                self.consumed.add(algo.ref)
            row["algorithm_raw"] = comp.props.get("algorithm_raw") or algo.name
            curve, oid = self._algo(algo, row, None)
        else:
            name = comp.name
            if name.lower().startswith("key:"):
                name = name[4:]
            row["algorithm_raw"] = comp.props.get("algorithm_raw") or name
            row["primitive"] = (
                Primitive.SYMMETRIC
                if mtype in ("secret-key", "secretKey")
                else self._guess_primitive(name)
            )
            oid = cp.get("oid") if isinstance(cp.get("oid"), str) else None
        self._new_usage(comp.ref, comp.ref, comp.path, row, comp, curve, oid)

    def _protocol(self, comp: _Comp, comps: dict[str, _Comp]) -> None:
        base = comp.path + ".cryptoProperties.protocolProperties"
        pp = _obj(
            (comp.data.get("cryptoProperties") or {}).get("protocolProperties"),
            base,
            "protocolProperties",
        )
        for k in pp:
            if k not in _PROTO_KEYS:
                self.notes.add(_key(base, k), "not held by the inventory model")
        ptype = _str(pp.get("type"), base + ".type", "protocol type") or "other"
        version = pp.get("version")
        if isinstance(version, int | float):
            version = str(version)
        version = _str(version, base + ".version", "protocol version")
        protocol = comp.props.get("protocol") or join_protocol(ptype, version)
        made = 0

        def add(
            alg_comp: _Comp | None, name: str, prim: Primitive | None, path: str, detail: str
        ) -> None:
            nonlocal made
            key = alg_comp.ref if alg_comp is not None else name
            ref = fit_ref(comp.ref, f"#{key}")
            if ref in self.usages:
                return
            row = self._base_row(comp, path)
            if not comp.ours:
                row["evidence"] = (row["evidence"] or path) + (f" ({detail})" if detail else "")
            row["protocol"] = protocol
            curve = oid = None
            if alg_comp is not None:
                self.consumed.add(alg_comp.ref)
                row["algorithm_raw"] = alg_comp.name
                curve, oid = self._algo(alg_comp, row, prim)
            else:
                row["algorithm_raw"] = name
                row["primitive"] = prim
            if row["function"] is None:
                row["function"] = guess_function(row["primitive"], ptype)
            self._new_usage(ref, comp.ref, path, row, comp, curve, oid)
            made += 1

        for k, suite in enumerate(
            _list(pp.get("cipherSuites"), base + ".cipherSuites", "cipherSuites")
        ):
            spath = f"{base}.cipherSuites[{k}]"
            suite = _obj(suite, spath, "a cipher suite")
            sname = _str(suite.get("name"), spath + ".name", "cipher suite name")
            ids = suite.get("identifiers")
            detail = (sname or "") + (
                f" {' '.join(map(str, ids))}" if isinstance(ids, list) and ids else ""
            )
            found = False
            for j, aref in enumerate(
                _list(suite.get("algorithms"), spath + ".algorithms", "algorithms")
            ):
                alg = self._resolve(aref, f"{spath}.algorithms[{j}]", "algorithm", comps)
                if alg is not None and alg.crypto:
                    add(alg, alg.name, None, spath, detail)
                    found = True
            if not found and sname:
                parsed = cipher_suite_algorithms(sname)
                for aname, prim in parsed:
                    add(None, aname, prim, spath, detail)
                if not parsed:
                    self.notes.add(
                        spath + ".name",
                        f"cipher suite {sname!r} could not be mapped to algorithms; not held",
                    )
        ike = pp.get("ikev2TransformTypes")
        if ike is not None:
            ike = _obj(ike, base + ".ikev2TransformTypes", "ikev2TransformTypes")
            for tname, refs in ike.items():
                tpath = f"{base}.ikev2TransformTypes.{tname}"
                if not isinstance(refs, list):
                    if tname != "esn":
                        self.notes.add(tpath, "not held by the inventory model")
                    continue
                for j, aref in enumerate(refs):
                    if not isinstance(aref, str):
                        self.notes.add(f"{tpath}[{j}]", "not held by the inventory model")
                        continue
                    alg = self._resolve(aref, f"{tpath}[{j}]", "algorithm", comps)
                    if alg is not None and alg.crypto:
                        add(alg, alg.name, None, tpath, f"IKEv2 {tname}")
        for j, cref in enumerate(
            _list(pp.get("cryptoRefArray"), base + ".cryptoRefArray", "cryptoRefArray")
        ):
            target = self._resolve(cref, f"{base}.cryptoRefArray[{j}]", "crypto reference", comps)
            if target is not None:
                self.protocol_of.setdefault(target.ref, protocol)
                self.crypto_referrers[target.ref].append(comp.ref)
        if not made and not pp.get("cryptoRefArray"):
            # a row of its own, so the inventory shows the protocol; classification says
            # unknown instead of guessing an algorithm (see import_cbom)
            row = self._base_row(comp, comp.path)
            row["protocol"] = protocol
            row["algorithm_raw"] = comp.props.get("algorithm_raw") or protocol
            row["primitive"] = Primitive.OTHER
            if row["function"] is None:
                row["function"] = guess_function(Primitive.OTHER, ptype)
            self._new_usage(comp.ref, comp.ref, comp.path, row, comp, None, None)
            self.usages[comp.props.get("ref") or comp.ref].protocol_only = True
            self.notes.add(
                base,
                f"protocol {protocol!r} names no algorithm; recorded as a usage of the protocol "
                "itself, quantum status unknown",
                group="protocol-only",
            )

    # --- dependencies ---------------------------------------------------------------------
    def read_dependencies(self) -> None:
        comps = self.p.comps
        deps = self.p.doc.get("dependencies")
        if deps is not None and not isinstance(deps, list):
            raise InputError("dependencies must be a list", "$.dependencies")
        for i, entry in enumerate(deps or []):
            path = f"$.dependencies[{i}]"
            entry = _obj(entry, path, "a dependency")
            ref = _str(entry.get("ref"), path + ".ref", "ref", required=True)
            for k in entry:
                if k not in ("ref", "dependsOn", "provides"):
                    self.notes.add(_key(path, k), "not held by the inventory model")
            lists = {k: _list(entry.get(k), f"{path}.{k}", k) for k in ("dependsOn", "provides")}
            for k, items in lists.items():
                for j, t in enumerate(items):
                    if not isinstance(t, str):
                        raise InputError(f"{k} entries must be bom-ref strings", f"{path}.{k}[{j}]")
            src = comps.get(ref)
            if src is None:
                self.notes.add(
                    path + ".ref", f"ref {ref!r} names no component in this document; entry skipped"
                )
                continue
            if src.skip and src.crypto:
                continue
            for kind, items in lists.items():
                for j, t in enumerate(items):
                    tpath = f"{path}.{kind}[{j}]"
                    target = comps.get(t)
                    if target is None:
                        self.notes.add(
                            tpath,
                            f"{kind} names {t!r}, which is no component in this document; skipped",
                        )
                        continue
                    if target.skip or t == ref:
                        continue
                    self._edge(src, target, kind, tpath)
        # nesting: a component inside another is used by it
        for comp in self.p.order:
            if comp.parent is not None:
                parent = comps[comp.parent]
                if comp.crypto:
                    self._edge(parent, comp, "dependsOn", comp.path)
                else:
                    self.notes.add(
                        comp.path,
                        "nested under another component: the nesting is "
                        "not held (imported as an asset of its own)",
                    )

    def _edge(self, src: _Comp, target: _Comp, kind: str, path: str) -> None:
        if not src.crypto and target.crypto:
            (self.owner_depends if kind == "dependsOn" else self.owner_provides)[target.ref].append(
                src.ref
            )
            if kind == "provides" and src.ctype in ("library", "framework"):
                self.library_of.setdefault(target.ref, src.ref)
        elif not src.crypto and not target.crypto:
            if kind == "dependsOn":
                self.edges.append((src.ref, target.ref, path))
            else:
                self.notes.add(path, "'provides' between non-crypto components is not held")
        elif src.crypto and not target.crypto:
            if target.ctype in ("library", "framework") and kind == "dependsOn":
                self.library_of.setdefault(src.ref, target.ref)
            else:
                self.notes.add(
                    path, f"{kind} from a crypto component to a non-crypto one is not held"
                )
        else:
            self.crypto_referrers[target.ref].append(src.ref)
            self.crypto_links[src.ref][kind].append(target.ref)  # kept in cbom_extra
            if src.asset_type == "related-crypto-material" and target.asset_type == "algorithm":
                self.key_algorithm.setdefault(src.ref, target.ref)

    # --- ownership -------------------------------------------------------------------------
    def _owner(self, anchor: str) -> str | None:
        seen = {anchor}
        queue = [anchor]
        while queue:
            ref = queue.pop(0)
            if self.owner_depends.get(ref):
                return self.owner_depends[ref][0]
            if self.owner_provides.get(ref):
                return self.owner_provides[ref][0]
            for r in self.crypto_referrers.get(ref, ()):
                if r not in seen:
                    seen.add(r)
                    queue.append(r)
        return None

    def assign_owners(self) -> list[tuple[_Usage, str]]:
        comps = self.p.comps
        out: list[tuple[_Usage, str]] = []
        orphans: list[_Usage] = []
        for usage in list(self.usages.values()):
            if not usage.ours:
                lib = self.library_of.get(usage.anchor)
                if lib is not None and usage.row["library"] is None:
                    usage.row["library"] = comps[lib].name
                    usage.row["library_version"] = comps[lib].data.get("version")
                proto = self.protocol_of.get(usage.anchor)
                if proto is not None and usage.row["protocol"] is None:
                    usage.row["protocol"] = proto
            owner = self._owner(usage.anchor)
            if owner is None:
                orphans.append(usage)
                continue
            out.append((usage, owner))
            # more assets depend on the same crypto component: one usage for each
            for extra in dict.fromkeys(self.owner_depends.get(usage.anchor, [])[1:]):
                if extra == owner:
                    continue
                ref = fit_ref(usage.ref, f"@{extra}")
                copy = _Usage(
                    ref=ref,
                    anchor=usage.anchor,
                    path=usage.path,
                    row={**usage.row, "ref": ref},
                    curve=usage.curve,
                    oid=usage.oid,
                    ours=usage.ours,
                    protocol_only=usage.protocol_only,
                )
                self.notes.add(
                    usage.path,
                    f"used by several components; recorded once per component (e.g. {ref!r})",
                    group="shared",
                )
                out.append((copy, extra))
        if orphans:
            owner = self.p.metadata_ref
            if owner is None:
                ident = self.p.serial or self.p.digest
                owner = f"cbom:{ident}"[:190]
                if owner in comps:
                    owner += "#synthetic"
                name = self.p.source_name or f"CBOM {ident}"
                self.assets[owner] = {
                    "ref": owner,
                    "name": name[:200],
                    "asset_type": AssetType.APPLICATION,
                    "description": "Synthetic asset holding the cryptography of a CBOM that "
                    "names no component using it",
                    "owner": None,
                    "environment": Environment.PRODUCTION,
                    "criticality": Criticality.MEDIUM,
                    "exposure": Exposure.INTERNAL,
                    "data_sensitivity": DataSensitivity.INTERNAL,
                    "secrecy_years": 0,
                    "vendor": None,
                    "product": None,
                    "version": None,
                    "location": None,
                }
            where = "metadata.component" if self.p.metadata_ref else "a synthetic asset"
            self.notes.add(
                orphans[0].path,
                f"{len(orphans)} crypto usage(s) not used by any component were attached to "
                f"{where} {owner!r}",
            )
            out.extend((u, owner) for u in orphans)
        return out

    def attach_originals(self, owned: list[tuple[_Usage, str]]) -> None:
        """Store every kept crypto component verbatim in `cbom_extra` of the nearest usage:
        its own, else one that refers to it (a certificate's signature algorithm and key, a
        suite's algorithms), else, for what nothing reaches (a lone token), the first usage.
        Each usage also records the bom-ref of the component it came from."""
        comps = self.p.comps
        kept = [c for c in self.p.order if c.kept]
        if not kept or not owned:
            return
        holder: dict[str, _Usage] = {}
        for usage, _owner in owned:
            anchor = comps.get(usage.anchor)
            if anchor is not None and anchor.kept:
                usage.row["cbom_extra"] = {"bom-ref": anchor.ref}
                holder.setdefault(anchor.ref, usage)
        # nearest holder: breadth-first over references and crypto links, both directions
        near: dict[str, list[str]] = defaultdict(list)
        for comp in kept:
            cp = comp.data.get("cryptoProperties")
            # algorithms name no other component; certificates, keys and protocols do
            refers = cp and comp.asset_type != "algorithm"
            linked = mentioned_refs(cp, comps, comp.ref) if refers else []
            for refs in self.crypto_links.get(comp.ref, {}).values():
                linked.extend(refs)
            for other in linked:
                near[comp.ref].append(other)
                near[other].append(comp.ref)
        queue = list(holder)
        for ref in queue:  # grows while it is walked
            for other in near.get(ref, ()):
                if other not in holder:
                    holder[other] = holder[ref]
                    queue.append(other)
        first = owned[0][0]
        for comp in kept:
            entry, dropped = original_entry(
                comp.ref, comp.name, comp.data, self.crypto_links.get(comp.ref, {})
            )
            for d in dropped:
                self.notes.add(
                    f"{comp.path}.{d}", "secret material is never stored; left out", group=d
                )
            usage = holder.get(comp.ref, first)
            extra = usage.row["cbom_extra"]
            if extra is None:
                extra = usage.row["cbom_extra"] = {}
            extra.setdefault("components", []).append(entry)
        for usage in holder.values():  # document order differs between tools: sort by ref
            held = (usage.row["cbom_extra"] or {}).get("components")
            if held:
                held.sort(key=lambda e: e["bom-ref"])
        if first.row["cbom_extra"] and first.row["cbom_extra"].get("components"):
            first.row["cbom_extra"]["components"].sort(key=lambda e: e["bom-ref"])

    def build_dependencies(self) -> None:
        comps = self.p.comps
        declared: dict[tuple[str, str], list[tuple[DependencyKind, str | None, str]]] = defaultdict(
            list
        )
        for comp in self.p.order:
            for provider, kind, desc, path in comp.props.get("dependencies", []):
                target = comps.get(provider)
                if target is None or target.crypto:
                    self.notes.add(
                        path,
                        f"dependency on {provider!r}, which is no non-crypto "
                        "component in this document; skipped",
                    )
                    continue
                declared[(comp.ref, provider)].append((kind, desc, path))
        for dependent, provider, path in self.edges:
            if (dependent, provider) in declared:
                continue
            ptype = self.assets[provider]["asset_type"]
            kind = KIND_BY_PROVIDER_TYPE.get(ptype, DependencyKind.OTHER)
            self.dependencies.setdefault((dependent, provider, kind), (None, path))
        for (dependent, provider), kinds in declared.items():
            for kind, desc, path in kinds:
                self.dependencies[(dependent, provider, kind)] = (desc, path)


# --- classification -------------------------------------------------------------------------
class _Classifier:
    """The catalog's verdict, memoized on its inputs (a 100k-component CBOM repeats
    algorithms); a name the catalog does not know is retried by the component's OID."""

    def __init__(self) -> None:
        self.catalog = get_catalog()
        self.cache: dict[tuple[Any, ...], tuple[str, QuantumStatus, str]] = {}

    def _run(
        self, raw: str, row: dict[str, Any], curve: str | None
    ) -> tuple[str, QuantumStatus, str]:
        result = self.catalog.classify(
            raw,
            key_size=row["key_size"],
            parameter_set=row["parameter_set"],
            curve=curve,
            primitive=row["primitive"],
        )
        return result.canonical, result.status, result.reason

    def __call__(self, row: dict[str, Any], curve: str | None, oid: str | None) -> None:
        key = (
            row["algorithm_raw"],
            row["key_size"],
            row["parameter_set"],
            row["primitive"],
            curve,
            oid,
        )
        result = self.cache.get(key)
        if result is None:
            result = self._run(row["algorithm_raw"], row, curve)
            if result[1] is QuantumStatus.UNKNOWN and oid:
                by_oid = self._run(oid, row, curve)
                if by_oid[1] is not QuantumStatus.UNKNOWN:
                    result = by_oid
            self.cache[key] = result
        row["algorithm"], row["quantum_status"], row["status_reason"] = result
        row["catalog_version"] = self.catalog.version


_LIMITS: dict[str, list[tuple[str, int]]] = {}


def _check_lengths(table: Any, row: dict[str, Any], path: str) -> None:
    limits = _LIMITS.get(table.name)
    if limits is None:
        # the same limits as the API and the CSV import (Text columns included)
        limits = _LIMITS[table.name] = [
            (c.key, n) for c in table.columns if (n := column_limit(c)) is not None
        ]
    for col, length in limits:
        value = row.get(col)
        if value.__class__ is str and len(value) > length:
            raise InputError(f"{col} is longer than {length} characters", path)


def _bulk_insert(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    """One Core executemany (the ORM bulk path splits batches by which values are None)."""
    if rows:
        session.execute(table.insert(), rows)


def _bulk_update(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    cols = [k for k in rows[0] if k != "id"]
    stmt = (
        table.update().where(table.c.id == bindparam("_id")).values({c: bindparam(c) for c in cols})
    )
    now = utcnow()
    has_updated_at = "updated_at" in table.c
    params = []
    for r in rows:
        p = {k: v for k, v in r.items() if k != "id"}
        p["_id"] = r["id"]
        params.append(p)
    if has_updated_at:
        stmt = stmt.values(updated_at=now)
    session.execute(stmt, params)


# --- entry point -----------------------------------------------------------------------------
def import_cbom(
    session: Session,
    organization_id: int,
    data: bytes | str,
    *,
    max_components: int = 1_000_000,
    source_name: str | None = None,
) -> ImportReport:
    """Import a CycloneDX CBOM into the organization; see the module docstring for the mapping.

    Raises InputError (with the JSON path) for malformed documents and TooLarge past
    `max_components`; nothing is written before the whole document has been checked. Does
    not commit. `source_name` (e.g. the file name) prefixes evidence and names the synthetic
    asset that holds crypto no component claims.
    """
    raw = bytes(data) if not isinstance(data, str) else data.encode()
    doc = _load(data)
    parser = _Parser(doc, max_components, source_name, hashlib.sha256(raw).hexdigest()[:16])
    parser.parse()
    b = _Builder(parser)
    for comp in parser.order:
        if not comp.crypto:
            b.assets[comp.ref] = b.asset_row(comp)
    b.read_dependencies()
    b.crypto_usages()
    owned = b.assign_owners()
    b.attach_originals(owned)
    b.build_dependencies()

    classify = _Classifier()
    unknown: set[str] = set()
    for usage, _owner in owned:
        row = usage.row
        if usage.protocol_only:
            row["algorithm"] = row["algorithm_raw"][:120]
            row["quantum_status"] = QuantumStatus.UNKNOWN
            row["status_reason"] = (
                f"the protocol {row['protocol']} is recorded without the algorithms it uses "
                "(no cipher suites named): nothing to classify until they are known"
            )
            row["catalog_version"] = classify.catalog.version
        else:
            classify(row, usage.curve, usage.oid)
            if row["quantum_status"] is QuantumStatus.UNKNOWN:
                unknown.add(row["algorithm_raw"])
        comp_props = parser.comps[usage.anchor].props if usage.anchor in parser.comps else {}
        fs = comp_props.get("quantum_status")
        if fs is not None and fs != row["quantum_status"]:
            parser.notes.add(
                usage.path,
                f"the file says quantum status {fs.value!r} (catalog "
                f"{comp_props.get('catalog_version') or '?'}); the catalog now "
                f"says {row['quantum_status'].value!r}",
                group="status-drift",
            )

    report = ImportReport()
    _check_org(session, organization_id, parser)
    _write(session, organization_id, b, owned, report)
    report.warnings = parser.notes.render()
    report.unknown_algorithms = sorted(unknown)
    return report


def _check_org(session: Session, organization_id: int, parser: _Parser) -> None:
    org = session.get(Organization, organization_id)
    if org is None:
        raise InputError(f"organization {organization_id} does not exist", "organization_id")
    slug = parser.org_props.get("slug")
    if slug is not None and slug != org.slug:
        parser.notes.add(
            "$.metadata.properties",
            f"the file describes organization {slug!r}; "
            f"imported into {org.slug!r}, whose attributes an import never changes",
        )


def _write(
    session: Session,
    org_id: int,
    b: _Builder,
    owned: list[tuple[_Usage, str]],
    report: ImportReport,
) -> None:
    asset_table, usage_table = Asset.__table__, CryptoUsage.__table__
    # assets
    existing = dict(
        session.execute(select(Asset.ref, Asset.id).where(Asset.organization_id == org_id)).all()
    )
    new_assets, upd_assets = [], []
    for ref, row in b.assets.items():
        comp = b.p.comps.get(ref)
        _check_lengths(asset_table, row, comp.path if comp else "$.metadata")
        if ref in existing:
            upd_assets.append({**row, "id": existing[ref]})
        else:
            new_assets.append({**row, "organization_id": org_id})
    if new_assets:
        _bulk_insert(session, asset_table, new_assets)
    if upd_assets:
        _bulk_update(session, asset_table, upd_assets)
    report.assets_created, report.assets_updated = len(new_assets), len(upd_assets)
    if new_assets:
        existing = dict(
            session.execute(
                select(Asset.ref, Asset.id).where(Asset.organization_id == org_id)
            ).all()
        )

    # usages
    old = {
        r: (i, fs)
        for r, i, fs in session.execute(
            select(CryptoUsage.ref, CryptoUsage.id, CryptoUsage.first_seen).where(
                CryptoUsage.organization_id == org_id
            )
        ).all()
    }
    new_usages, upd_usages = [], []
    seen_refs: set[str] = set()
    for usage, owner in owned:
        row = dict(usage.row)
        if row["ref"] in seen_refs:
            continue
        seen_refs.add(row["ref"])
        row["asset_id"] = existing[owner]
        _check_lengths(usage_table, row, usage.path)
        if row["ref"] in old:
            uid, first_seen = old[row["ref"]]
            if first_seen is not None and not usage.ours:
                row["first_seen"] = min(first_seen, row["first_seen"])
            upd_usages.append({**row, "id": uid})
        else:
            new_usages.append({**row, "organization_id": org_id})
    if new_usages:
        _bulk_insert(session, usage_table, new_usages)
    if upd_usages:
        _bulk_update(session, usage_table, upd_usages)
    report.usages_created, report.usages_updated = len(new_usages), len(upd_usages)

    # dependencies
    have = {
        (d, p, DependencyKind(k)): (i, desc)
        for i, d, p, k, desc in session.execute(
            select(
                Dependency.id,
                Dependency.dependent_id,
                Dependency.provider_id,
                Dependency.kind,
                Dependency.description,
            ).where(Dependency.organization_id == org_id)
        ).all()
    }
    new_deps, upd_deps = [], []
    for (dependent, provider, kind), (desc, _path) in b.dependencies.items():
        key = (existing[dependent], existing[provider], kind)
        if key in have:
            did, old_desc = have[key]
            if old_desc != desc:
                upd_deps.append({"id": did, "description": desc})
            continue
        new_deps.append(
            {
                "organization_id": org_id,
                "dependent_id": key[0],
                "provider_id": key[1],
                "kind": kind,
                "description": desc,
            }
        )
    if new_deps:
        _bulk_insert(session, Dependency.__table__, new_deps)
    if upd_deps:
        _bulk_update(session, Dependency.__table__, upd_deps)
    report.dependencies_created = len(new_deps)
