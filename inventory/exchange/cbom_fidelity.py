"""Other tools' crypto components, kept verbatim so an export gives back what an import read.

The inventory's columns hold one usage per algorithm; a CycloneDX crypto component says more
(every `cryptoProperties` field, `evidence.occurrences`, `dependsOn`/`provides` between crypto
components). On import each foreign crypto component is stored as an *original* in
`CryptoUsage.cbom_extra` of the usage nearest to it (see `cbom_import`); on export the originals
are written back under their own bom-refs, fitted to the target CycloneDX version by
`fit_original`: fields that moved between 1.6 and 1.7 are moved, and whatever the target
version's JSON schema has no place for is left out with a warning naming it.

`cbom_extra` layout (JSON)::

    {"bom-ref": "<the component this usage came from>",
     "components": [  # only on the usage that holds them
         {"bom-ref": ..., "name": ..., "cryptoProperties": {...}, "evidence": {...},
          "dependsOn": [crypto bom-refs], "provides": [crypto bom-refs]}]}
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import cyclonedx.schema

from inventory.exchange.cbom_common import parse_datetime

Json = dict[str, Any]

# rcm `value` is kept only for public material; secrets never reach the database
PUBLIC_VALUE_TYPES = frozenset(
    {"public-key", "publicKey", "signature", "digest", "tag", "initialization-vector", "ciphertext"}
)
_SCHEMA_DIR = Path(cyclonedx.schema.__file__).parent / "_res"
_DROP = object()


def original_entry(
    ref: str, name: str, data: Json, links: dict[str, list[str]]
) -> tuple[Json, list[str]]:
    """The stored form of one foreign crypto component; also the dotted keys left out."""
    entry: Json = {"bom-ref": ref, "name": name}
    dropped: list[str] = []
    cp = data.get("cryptoProperties")
    if isinstance(cp, dict) and cp:
        for key in ("relatedCryptoMaterialProperties", "keyProperties"):
            rp = cp.get(key)
            if isinstance(rp, dict) and "value" in rp and rp.get("type") not in PUBLIC_VALUE_TYPES:
                cp = {**cp, key: {k: v for k, v in rp.items() if k != "value"}}
                dropped.append(f"cryptoProperties.{key}.value")
        entry["cryptoProperties"] = cp
    ev = data.get("evidence")
    if isinstance(ev, dict) and ev:
        entry["evidence"] = ev
    for kind in ("dependsOn", "provides"):
        if links.get(kind):
            entry[kind] = sorted(set(links[kind]))  # a set in CycloneDX: stable order
    return entry, dropped


def mentioned_refs(value: Any, known: dict[str, Any], own: str) -> list[str]:
    """bom-refs of other known components named anywhere inside a cryptoProperties object."""
    out: list[str] = []
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            if v != own and v in known:
                out.append(v)
        elif isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return out


# --- fitting an original to the target CycloneDX version -------------------------------------
@cache
def _schema(spec_version: str) -> Json:
    return json.loads((_SCHEMA_DIR / f"bom-{spec_version}.SNAPSHOT.schema.json").read_text())


@cache
def _defs_schema() -> Json:
    return json.loads((_SCHEMA_DIR / "cryptography-defs.SNAPSHOT.schema.json").read_text())


_RESOLVED: dict[tuple[int, str], Json] = {}


def _resolve(node: Json, spec: str) -> Json:
    """`node` with its $ref followed (memoized: schema nodes live as long as the cache)."""
    if "$ref" not in node:
        return node
    key = (id(node), spec)
    if key not in _RESOLVED:
        _RESOLVED[key] = _follow(node, spec)
    return _RESOLVED[key]


def _follow(node: Json, spec: str) -> Json:
    while "$ref" in node:
        ref = node["$ref"]
        doc_name, _, pointer = ref.partition("#")
        doc = _defs_schema() if doc_name else _schema(spec)
        target: Any = doc
        for part in pointer.strip("/").split("/"):
            target = target[part]
        extra = {k: v for k, v in node.items() if k != "$ref"}
        node = {**target, **extra} if extra else target
    return node


_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
}


def _fit(value: Any, node: Json, spec: str, path: str, out: list[str]) -> Any:
    """`value` pruned to what `node` (a JSON schema) allows; _DROP when nothing fits. Each
    left-out part is named in `out`."""
    node = _resolve(node, spec)
    for key in ("oneOf", "anyOf"):
        if key in node:
            for option in node[key]:
                trial: list[str] = []
                fitted = _fit(value, option, spec, path, trial)
                if fitted is not _DROP and not trial:
                    return fitted
            out.append(f"{path}: no place for this value in CycloneDX {spec}")
            return _DROP
    if "enum" in node and value not in node["enum"]:
        out.append(f"{path}: {value!r} is not a CycloneDX {spec} value here")
        return _DROP
    kind = node.get("type")
    if isinstance(kind, str) and kind in _TYPES:
        ok = isinstance(value, _TYPES[kind]) and not (
            kind in ("integer", "number") and isinstance(value, bool)
        )
        if not ok:
            out.append(f"{path}: a {kind} is expected in CycloneDX {spec}")
            return _DROP
    if (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and (
            ("minimum" in node and value < node["minimum"])
            or ("maximum" in node and value > node["maximum"])
        )
    ):
        out.append(f"{path}: {value!r} is out of range in CycloneDX {spec}")
        return _DROP
    if node.get("format") == "date-time" and isinstance(value, str):
        try:
            parse_datetime(value)
        except ValueError:
            out.append(f"{path}: {value!r} is no date-time")
            return _DROP
    if isinstance(value, dict) and "properties" in node:
        props = node["properties"]
        kept: Json = {}
        for k, v in value.items():
            if k not in props:
                out.append(f"{path}.{k}: not in CycloneDX {spec}; left out")
                continue
            fitted = _fit(v, props[k], spec, f"{path}.{k}", out)
            if fitted is not _DROP:
                kept[k] = fitted
        if any(r not in kept for r in node.get("required", ())):
            out.append(f"{path}: incomplete for CycloneDX {spec}; left out")
            return _DROP
        return kept
    if isinstance(value, list) and "items" in node:
        items = []
        for i, item in enumerate(value):
            fitted = _fit(item, node["items"], spec, f"{path}[{i}]", out)
            if fitted is not _DROP:
                items.append(fitted)
        return items
    return value


def _upgrade_draft(cp: Json) -> Json:
    """Pre-standard IBM CBOM drafts (`assetType: key`, `keyProperties`) in 1.6 terms."""
    if cp.get("assetType") == "key":
        cp["assetType"] = "related-crypto-material"
    if "keyProperties" in cp and "relatedCryptoMaterialProperties" not in cp:
        kp = dict(cp.pop("keyProperties"))
        if "keyAlgorithmRef" in kp and "algorithmRef" not in kp:
            kp["algorithmRef"] = kp.pop("keyAlgorithmRef")
        cp["relatedCryptoMaterialProperties"] = kp
    rp = cp.get("relatedCryptoMaterialProperties")
    if isinstance(rp, dict) and rp.get("type") in _DRAFT_KEY_TYPES:
        rp["type"] = _DRAFT_KEY_TYPES[rp["type"]]
    return cp


_DRAFT_KEY_TYPES = {
    "publicKey": "public-key",
    "privateKey": "private-key",
    "secretKey": "secret-key",
}


def _to_16(cp: Json) -> None:
    """1.7 fields with a 1.6 home moved there (the rest is left out by `_fit`)."""
    ap = cp.get("algorithmProperties")
    if isinstance(ap, dict) and "ellipticCurve" in ap and "curve" not in ap:
        ap["curve"] = ap.pop("ellipticCurve")
    cert = cp.get("certificateProperties")
    if isinstance(cert, dict):
        if "certificateFileExtension" in cert and "certificateExtension" not in cert:
            cert["certificateExtension"] = cert.pop("certificateFileExtension")
        rels = cert.get("relatedCryptographicAssets")
        left = []
        for rel in rels if isinstance(rels, list) else []:
            rtype = str(rel.get("type", "")).lower() if isinstance(rel, dict) else ""
            key = None
            if "key" in rtype and "public" in rtype:
                key = "subjectPublicKeyRef"
            elif "algorithm" in rtype or "signature" in rtype:
                key = "signatureAlgorithmRef"
            if key and isinstance(rel.get("ref"), str) and key not in cert:
                cert[key] = rel["ref"]
            else:
                left.append(rel)
        if isinstance(rels, list):
            cert["relatedCryptographicAssets"] = left  # what has no 1.6 home is named by _fit
            if not left:
                del cert["relatedCryptographicAssets"]


def fit_original(
    entry: Json, spec_version: str, where: str, warnings: list[str]
) -> tuple[Json | None, Json | None]:
    """(cryptoProperties, evidence) of a stored original, fitted to `spec_version`."""
    defs = _schema(spec_version)["definitions"]
    cp = entry.get("cryptoProperties")
    fitted_cp = None
    if isinstance(cp, dict):
        # the same algorithm repeats across a large inventory: fit each distinct one once
        key = (spec_version, json.dumps(cp, sort_keys=True))
        hit = _FITTED.get(key)
        if hit is None:
            out: list[str] = []
            work = _upgrade_draft(copy.deepcopy(cp))
            if spec_version == "1.6":
                _to_16(work)
            fitted = _fit(work, defs["cryptoProperties"], spec_version, "", out)
            hit = (fitted if isinstance(fitted, dict) else None, out)
            if len(_FITTED) > 50_000:
                _FITTED.clear()
            _FITTED[key] = hit
        fitted_cp = hit[0]  # shared between components: never mutated by the exporter
        warnings.extend(f"{where}.cryptoProperties{w}" for w in hit[1])
    ev = entry.get("evidence")
    fitted_ev = None
    if isinstance(ev, dict):
        fitted = _fit(ev, defs["componentEvidence"], spec_version, where + ".evidence", warnings)
        fitted_ev = fitted if isinstance(fitted, dict) and fitted else None
    return fitted_cp, fitted_ev


_FITTED: dict[tuple[str, str], tuple[Json | None, list[str]]] = {}
