"""The parser: checks the document's frame (bomFormat, specVersion, metadata, components,
services) and reads every component into a `Component`, with our own `pqcplan:*` properties
typed. It writes nothing and makes no rows; `InputError` names the JSON path of the first
problem, `TooLarge` stops a document past the component limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import inventory.exchange.cbom_import.notes as N
from core.errors import LONGER, NOT_ONE_OF, InputError, TooLarge
from core.i18n import N_, say
from inventory.choices import DependencyKind
from inventory.exchange.cbom_common import (
    ASSET_PROP,
    ASSET_PROPERTY_COLUMNS,
    CDX_TO_ASSET_TYPE,
    CRYPTO_TYPES,
    DEPENDENCY_PROP,
    GENERATED_PROP,
    NS,
    ORG_PROP,
    PART_OF_PROP,
    SUPPORTED_SPEC_VERSIONS,
    USAGE_PROP,
    USAGE_PROPERTY_COLUMNS,
    VERBATIM_PROP,
)
from inventory.exchange.cbom_import.fields import (
    child_path,
    column_value,
    enum_value,
    opt_date,
    opt_list,
    opt_obj,
    opt_str,
)
from inventory.exchange.cbom_import.notes import NOT_HELD, Notes
from inventory.service.refs import REF_LIMIT

KNOWN_COMPONENT_TYPES = frozenset(CDX_TO_ASSET_TYPE) | CRYPTO_TYPES
ASSET_TYPES = ("algorithm", "certificate", "protocol", "related-crypto-material")

# Keys of each object that the importer reads; the rest is reported as not held.
_TOP_KEYS = frozenset(
    {
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
)
_META_KEYS = frozenset({"timestamp", "component", "properties"})
# metadata properties that say what was scanned (CBOMkit writes gitUrl, revision, commit);
# they name the asset of a CBOM that names no component of its own
SOURCE_PROPS = {
    "giturl": "url",
    "git-url": "url",
    "git_url": "url",
    "revision": "revision",
    "branch": "revision",
    "commit": "commit",
}


def _tool_names(tools: Any) -> list[str]:
    """Names of the tools that made the CBOM (CycloneDX 1.4 list or 1.5+ object)."""
    if isinstance(tools, dict):
        tools = [*(tools.get("components") or []), *(tools.get("services") or [])]
    if not isinstance(tools, list):
        return []
    return [t["name"] for t in tools if isinstance(t, dict) and isinstance(t.get("name"), str)]


_COMPONENT_KEYS = frozenset(
    {
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
)
_SERVICE_KEYS = frozenset({"name", "bom-ref", "version", "description", "provider", "properties"})
_CRYPTO_KEYS = frozenset(
    {
        "assetType",
        "algorithmProperties",
        "certificateProperties",
        "relatedCryptoMaterialProperties",
        "protocolProperties",
        "oid",
        "keyProperties",
    }
)


@dataclass
class Component:
    """One component (or service) of the document, as read."""

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
    # crypto only: cryptoProperties ({} when absent) and its oid, once checked
    crypto_properties: dict[str, Any] = field(default_factory=dict)
    oid: str | None = None

    @property
    def kept(self) -> bool:
        """A crypto component stored verbatim (see cbom_fidelity): any but our own helpers
        and our own usages."""
        return self.crypto and not self.skip and (self.verbatim or not self.ours)


class Parser:
    def __init__(self, doc: Any, max_components: int, source_name: str | None, digest: str) -> None:
        self.doc = doc
        self.max_components = max_components
        self.source_name = source_name
        self.digest = digest
        self.notes = Notes()
        self.comps: dict[str, Component] = {}
        self.order: list[Component] = []
        self.seen_at: datetime = datetime.now(UTC)
        self.metadata_ref: str | None = None
        self.org_props: dict[str, str] = {}
        self.source_props: dict[str, str] = {}  # gitUrl, revision, commit (CBOMkit)
        self.tool_names: list[str] = []
        self.count = 0

    # --- document ---------------------------------------------------------------------
    def parse(self) -> None:
        doc = self.doc
        if not isinstance(doc, dict):
            raise InputError(N_("a CycloneDX document must be a JSON object"), "$")
        self._spec(doc)
        self.serial = doc.get("serialNumber") if isinstance(doc.get("serialNumber"), str) else None
        self.notes.unread(doc, "$", _TOP_KEYS)
        self._metadata(opt_obj(doc.get("metadata"), "$.metadata", "metadata"))

        components = doc.get("components")
        if components is not None and not isinstance(components, list):
            raise InputError(N_("{what} must be a list"), "$.components", what="components")
        for i, c in enumerate(components or []):
            self.component(c, f"$.components[{i}]", None)
        services = doc.get("services")
        if services is not None and not isinstance(services, list):
            raise InputError(N_("{what} must be a list"), "$.services", what="services")
        for i, s in enumerate(services or []):
            self.service(s, f"$.services[{i}]")

    def _spec(self, doc: dict[str, Any]) -> None:
        fmt = doc.get("bomFormat")
        if fmt is None:
            raise InputError(N_("bomFormat is missing: not a CycloneDX document"), "$.bomFormat")
        if fmt not in ("CycloneDX", "CBOM"):
            raise InputError(
                N_("bomFormat must be 'CycloneDX', not {value}"), "$.bomFormat", value=repr(fmt)
            )
        spec = doc.get("specVersion")
        if spec is None:
            raise InputError(N_("{what} is missing"), "$.specVersion", what="specVersion")
        m = re.match(r"^(\d+\.\d+)", spec) if isinstance(spec, str) else None
        if not m or m.group(1) not in SUPPORTED_SPEC_VERSIONS:
            raise InputError(
                N_("specVersion {value} is not supported (use {supported})"),
                "$.specVersion",
                value=repr(spec),
                supported=", ".join(SUPPORTED_SPEC_VERSIONS),
            )
        self.spec = m.group(1)
        if fmt == "CBOM" or spec != m.group(1):
            self.notes.add(
                "$.specVersion",
                N.PRE_STANDARD.format(format=fmt, spec=spec, version=self.spec),
            )

    def _metadata(self, meta: dict[str, Any]) -> None:
        self.notes.unread(meta, "$.metadata", _META_KEYS)
        ts = opt_date(meta.get("timestamp"), "$.metadata.timestamp", "timestamp")
        if ts is not None:
            self.seen_at = ts
        for j, prop in enumerate(
            opt_list(meta.get("properties"), "$.metadata.properties", "properties")
        ):
            p = f"$.metadata.properties[{j}]"
            prop = opt_obj(prop, p, say(N_("a property")))
            name = opt_str(prop.get("name"), p + ".name", say(N_("property name")), required=True)
            value = prop.get("value")
            if name.startswith(ORG_PROP) and isinstance(value, str):
                self.org_props[name[len(ORG_PROP) :]] = value
            else:
                if isinstance(value, str) and name.lower() in SOURCE_PROPS:
                    self.source_props[SOURCE_PROPS[name.lower()]] = value.strip()
                self.notes.add(p, N.PROPERTY_NOT_HELD.format(name=name))
        self.tool_names = _tool_names(meta.get("tools"))
        if meta.get("component") is not None:
            comp = self.component(meta["component"], "$.metadata.component", None)
            self.metadata_ref = comp.ref

    def _count(self, path: str) -> None:
        self.count += 1
        if self.count > self.max_components:
            raise TooLarge(
                N_("more than {count} components; split the document"),
                path,
                count=self.max_components,
            )

    def _register(self, comp: Component) -> None:
        first = self.comps.get(comp.ref)
        if first is not None:
            raise InputError(
                N_("bom-ref {ref} is used twice (first at {first})"),
                child_path(comp.path, "bom-ref"),
                ref=repr(comp.ref),
                first=first.path,
            )
        if len(comp.ref) > REF_LIMIT:
            raise InputError(
                LONGER, child_path(comp.path, "bom-ref"), what="bom-ref", length=REF_LIMIT
            )
        self.comps[comp.ref] = comp
        self.order.append(comp)

    def _synth_ref(self, base: str, path: str) -> str:
        ref = base[:190]
        n = 1
        while ref in self.comps:
            n += 1
            ref = f"{base[:180]}#{n}"
        self.notes.add(
            child_path(path, "bom-ref"),
            N.NO_BOM_REF.format(ref=ref),
        )
        return ref

    def _properties(self, comp: Component, raw: Any) -> None:
        ppath = comp.path + ".properties"
        for j, prop in enumerate(opt_list(raw, ppath, "properties")):
            p = f"{ppath}[{j}]"
            prop = opt_obj(prop, p, say(N_("a property")))
            name = opt_str(prop.get("name"), p + ".name", say(N_("property name")), required=True)
            value = prop.get("value")
            if not name.startswith(NS + ":"):
                self.notes.add(p, N.PROPERTY_NOT_HELD.format(name=name), group=f"prop:{name}")
                continue
            vpath = p + ".value"
            if value is not None and not isinstance(value, str):
                raise InputError(N_("property value must be a string"), vpath)
            if name in (PART_OF_PROP, GENERATED_PROP):
                comp.skip = True
                continue
            if name == VERBATIM_PROP:
                comp.verbatim = True
                continue
            if name == USAGE_PROP + "ref":  # the usage's ref, when an asset has the same one
                comp.props["ref"] = opt_str(value, vpath, "ref", required=True)
                continue
            if name.startswith(DEPENDENCY_PROP):
                provider = name[len(DEPENDENCY_PROP) :]
                kind_text, _, desc = (value or "").partition(":")
                kind = enum_value(DependencyKind, kind_text, vpath, say(N_("dependency kind")))
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
                    comp.props[col] = column_value(col, value, vpath)
                    if prefix == USAGE_PROP:
                        comp.ours = True
                    break
            else:
                self.notes.add(p, N.UNKNOWN_PROPERTY.format(name=name, namespace=NS))

    # --- components ---------------------------------------------------------------------
    def component(self, c: Any, path: str, parent: str | None) -> Component:
        self._count(path)
        if not isinstance(c, dict):
            raise InputError(N_("a component must be a JSON object"), path)
        ctype = opt_str(c.get("type"), path + ".type", say(N_("component type")), required=True)
        name = opt_str(c.get("name"), path + ".name", say(N_("component name")), required=True)
        ref = opt_str(c.get("bom-ref"), child_path(path, "bom-ref"), "bom-ref")
        crypto = ctype in CRYPTO_TYPES
        if ctype not in KNOWN_COMPONENT_TYPES:
            self.notes.add(path + ".type", N.UNKNOWN_TYPE.format(type=ctype))
        if not ref:
            ref = self._synth_ref(_stable_ref(c, ctype, name, crypto), path)
        comp = Component(
            path=path, ref=ref, ctype=ctype, name=name, data=c, crypto=crypto, parent=parent
        )
        self._properties(comp, c.get("properties"))
        self._register(comp)
        if comp.kept:
            self.notes.kept.add(path)
        self.notes.unread(c, path, _COMPONENT_KEYS)
        if crypto:
            self._crypto_header(comp)
        else:
            opt_str(c.get("version"), path + ".version", "version")
            opt_str(c.get("description"), path + ".description", "description")
            sup = opt_obj(c.get("supplier"), path + ".supplier", "supplier")
            opt_str(sup.get("name"), path + ".supplier.name", say(N_("supplier name")))
            self.notes.unread(sup, path + ".supplier", ("name",))
            if "evidence" in c:
                self.notes.add(path + ".evidence", N.PLAIN_EVIDENCE)
        children = c.get("components")
        if children is not None:
            for j, child in enumerate(opt_list(children, path + ".components", "components")):
                self.component(child, f"{path}.components[{j}]", ref)
        return comp

    def _crypto_header(self, comp: Component) -> None:
        path = comp.path + ".cryptoProperties"
        cp = comp.data.get("cryptoProperties")
        if cp is None:
            self.notes.add(
                comp.path,
                N.NO_PROPERTIES,
            )
            comp.asset_type = "algorithm"
            return
        cp = opt_obj(cp, path, "cryptoProperties")
        at = cp.get("assetType")
        if at == "key":  # pre-1.6 IBM CBOM draft
            at = "related-crypto-material"
        if at not in ASSET_TYPES:
            if at is None:
                raise InputError(N_("{what} is missing"), path + ".assetType", what="assetType")
            raise InputError(
                NOT_ONE_OF,
                path + ".assetType",
                what="assetType",
                value=repr(at),
                allowed=", ".join(ASSET_TYPES),
            )
        comp.asset_type = at
        comp.crypto_properties = cp
        self.notes.unread(cp, path, _CRYPTO_KEYS)
        comp.oid = opt_str(cp.get("oid"), path + ".oid", "oid")

    def service(self, s: Any, path: str) -> None:
        self._count(path)
        if not isinstance(s, dict):
            raise InputError(N_("a service must be a JSON object"), path)
        name = opt_str(s.get("name"), path + ".name", say(N_("service name")), required=True)
        ref = opt_str(s.get("bom-ref"), child_path(path, "bom-ref"), "bom-ref")
        if not ref:
            ref = self._synth_ref(f"service:{name}", path)
        data = dict(s)
        data["type"] = "service"
        provider = opt_obj(s.get("provider"), path + ".provider", "provider")
        if provider.get("name") is not None:
            data["supplier"] = {
                "name": opt_str(
                    provider.get("name"), path + ".provider.name", say(N_("provider name"))
                )
            }
        comp = Component(path=path, ref=ref, ctype="service", name=name, data=data, crypto=False)
        self._properties(comp, s.get("properties"))
        self._register(comp)
        for k in s:
            if k not in _SERVICE_KEYS:
                self.notes.add(child_path(path, k), NOT_HELD)
            elif k == "provider":
                self.notes.unread(provider, path + ".provider", ("name",))


def _stable_ref(c: dict[str, Any], ctype: str, name: str, crypto: bool) -> str:
    """A bom-ref for a component that has none, from what identifies it."""
    if crypto:
        cp = c.get("cryptoProperties")
        cp = cp if isinstance(cp, dict) else {}
        oid = cp.get("oid") if isinstance(cp.get("oid"), str) else None
        return f"crypto:{cp.get('assetType', 'algorithm')}:{name}" + (f"@{oid}" if oid else "")
    return str(
        c.get("purl")
        or c.get("cpe")
        or (f"{ctype}:{name}" + (f"@{c['version']}" if c.get("version") else ""))
    )
