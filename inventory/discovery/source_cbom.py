"""A source scan as a CycloneDX 1.6 CBOM, without a database.

Shape as CBOMkit writes it: the scanned tree is an `application` component; each distinct
algorithm with its parameters (per file) is a `cryptographic-asset` with
`evidence.occurrences` (location, line, offset, the API as additionalContext); each library
the stack catalog knows is a `library` component with its purl and, as properties, whether
it speaks ML-KEM, the hybrids, ML-DSA and SLH-DSA and the version to reach. The application
`dependsOn` all of them, so a re-import files them under one asset, as the scan does.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from inventory.catalog import get_catalog
from inventory.discovery import source_filing as sf
from inventory.discovery.source import SourceResult
from inventory.discovery.stacks.catalog import CAPABILITIES, stack_catalog

Json = dict[str, Any]
_CDX_PRIMITIVE = {
    "key_exchange": "key-agree",
    "signature": "signature",
    "symmetric": "block-cipher",
    "hash": "hash",
    "mac": "mac",
    "kdf": "kdf",
    "encryption": "pke",
}
_CDX_MODES = {"cbc", "ecb", "ccm", "gcm", "cfb", "ofb", "ctr"}
_CDX_PADDING = {
    "PKCS5PADDING": "pkcs5",
    "PKCS5": "pkcs5",
    "PKCS7": "pkcs7",
    "PKCS1-V1_5": "pkcs1v15",
    "PKCS1PADDING": "pkcs1v15",
    "OAEP": "oaep",
    "NOPADDING": "raw",
}


def _purl(c: Any) -> str | None:
    kind = {
        "pypi": "pypi",
        "maven": "maven",
        "golang": "golang",
        "npm": "npm",
        "cargo": "cargo",
        "deb": "deb",
        "nuget": "nuget",
        "docker": "docker",
        "generic": "generic",
    }.get(c.ecosystem)
    if kind is None:
        return None
    name = c.name.replace(":", "/", 1) if kind == "maven" else c.name
    return f"pkg:{kind}/{name}" + (f"@{c.version}" if c.version else "")


def source_cbom(result: SourceResult, org: str | None = None) -> str:
    cat = get_catalog()
    app_ref = f"application:{result.name}"
    components: list[Json] = [
        {
            "type": "application",
            "bom-ref": app_ref,
            "name": result.name,
            "properties": [{"name": "pqcplan-scan:location", "value": result.target}],
        }
    ]
    depends: list[str] = []
    for key, group in sf.grouped(result.findings).items():
        first = group[0]
        raw = sf.catalog_name(first)
        primitive = sf.primitive_of(first)
        c = cat.classify(raw, key_size=first.key_size, curve=first.curve, primitive=primitive)
        ref = sf.usage_suffix(key)
        ap: Json = {"primitive": _CDX_PRIMITIVE.get(primitive.value, "other")}
        if c.info is not None and c.info.quantum_status.value == "hybrid":
            ap["primitive"] = "kem"
        if first.key_size:
            ap["parameterSetIdentifier"] = str(first.key_size)
        if first.curve:
            ap["curve"] = first.curve
        if first.mode and first.mode.lower() in _CDX_MODES:
            ap["mode"] = first.mode.lower()
        if first.padding:
            ap["padding"] = _CDX_PADDING.get(first.padding.upper(), "other")
        if c.info is not None and c.info.nist_category:
            ap["nistQuantumSecurityLevel"] = c.info.nist_category
        # the usage columns in the importer's own vocabulary, so that this CBOM re-imported
        # gives the rows (and verdicts) the stored scan has
        columns: dict[str, Any] = {
            "algorithm_raw": raw,
            "function": sf.function_of(first).value,
            "protocol": first.protocol,
            "key_size": first.key_size,
            "mode": first.mode,
            "padding": first.padding,
            "library": first.library or None,
            "evidence": sf.evidence(group),
            "notes": sf.unknown_note(group),
        }
        props = [
            {"name": f"pqcplan:usage:{k}", "value": str(v)}
            for k, v in columns.items()
            if v is not None
        ]
        if first.digest:
            props.append({"name": "pqcplan-scan:digest", "value": first.digest})
        crypto: Json = {"assetType": "algorithm", "algorithmProperties": ap}
        oid = c.info.oids[0] if c.info is not None and c.info.oids else None
        if oid:
            crypto["oid"] = oid
        components.append(
            {
                "type": "cryptographic-asset",
                "bom-ref": ref,
                "name": c.canonical or raw,
                "evidence": {"occurrences": sf.occurrences(group)},
                "cryptoProperties": crypto,
                "properties": props,
            }
        )
        depends.append(ref)
    stacks = stack_catalog()
    for comp in result.components:
        ref = f"library:{comp.ecosystem}:{comp.name}@{comp.version or ''}"
        props = [{"name": "pqcplan-scan:location", "value": f"{comp.path}:{comp.line or 1}"}]
        if comp.product:
            props.append({"name": "pqcplan-scan:stack:product", "value": comp.product})
            for cap in CAPABILITIES:
                r = stacks.readiness(comp.product, comp.version, cap)
                if r.ready is not None or r.needed:
                    props.append({"name": f"pqcplan-scan:stack:{cap}", "value": r.sentence()})
        entry: Json = {"type": "library", "bom-ref": ref, "name": comp.name, "properties": props}
        if comp.version:
            entry["version"] = comp.version
        purl = _purl(comp)
        if purl:
            entry["purl"] = purl
        entry["evidence"] = {"occurrences": [{"location": comp.path, "line": comp.line or 1}]}
        components.append(entry)
        depends.append(ref)
    doc = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": f"urn:uuid:{uuid.uuid4()}",
        "version": 1,
        "metadata": {
            "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
            "tools": {"components": [{"type": "application", "name": "pqcplan discovery"}]},
            "component": {"type": "application", "bom-ref": app_ref + ":meta", "name": result.name},
            "properties": [{"name": "pqcplan-scan:scan", "value": "code"}]
            + ([{"name": "pqcplan:organization:slug", "value": org}] if org else []),
        },
        "components": components,
        "dependencies": [{"ref": app_ref, "dependsOn": depends}],
    }
    return json.dumps(doc, indent=2)
