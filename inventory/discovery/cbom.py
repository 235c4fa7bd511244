"""A scan written to a CycloneDX CBOM: exactly the rows filing would write, in the layout of
the inventory's own export (``cbom_export``), so the file, its re-import, the stored
inventory and ``plan judge`` all give every fact the same verdict.

Per endpoint or store: an asset (``scan:KIND:TARGET``) and one crypto component per fact
(see ``facts``), with its columns as ``pqcplan:usage:*`` properties; a certificate's
signature becomes a ``certificate`` component (its signature algorithm and public key as
helpers), the certificate's key an ``algorithm`` component of its own. TLS protocol
components (one per version, generated, so an import skips them) list the accepted cipher
suites with their IANA identifiers. Nothing secret is written: a private key appears as its
algorithm and size only.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from core.models import Organization
from inventory.discovery.facts import facts_of
from inventory.discovery.service import Result, asset_ref, new_asset, new_usage, usage_ref
from inventory.discovery.tls import TlsResult
from inventory.discovery.tlswire import SUITES
from inventory.exchange.cbom_common import GENERATED_PROP
from inventory.exchange.cbom_export import PROTOCOL_INFIX, cbom_document
from inventory.models import Asset, CryptoUsage
from inventory.service.refs import fit_ref

Json = dict[str, Any]


def scan_rows(
    kind: str, results: list[Result], org_id: int = 0
) -> tuple[list[Asset], list[CryptoUsage]]:
    """The assets and usages filing would write for these results (not stored)."""
    now = datetime.now(UTC)
    assets: list[Asset] = []
    usages: list[CryptoUsage] = []
    classified: dict[tuple, CryptoUsage] = {}
    for result in results:
        if result.status not in ("ok", "partial"):
            continue
        ref = asset_ref(kind, result.target)
        asset = new_asset(org_id, kind, ref, result)
        asset.id = len(assets) + 1
        assets.append(asset)
        seen: set[str] = set()
        for fact in facts_of(kind, result):
            uref = usage_ref(ref, fact.suffix)
            if uref in seen:
                continue
            seen.add(uref)
            usage = new_usage(org_id, asset, uref, fact, fact.evidence, now, classified)
            usage.id = len(usages) + 1
            usages.append(usage)
    return assets, usages


def scan_cbom(kind: str, results: list[Result], org: Organization) -> str:
    """CycloneDX 1.6 JSON for the results that answered (``ok`` or ``partial``)."""
    assets, usages = scan_rows(kind, results, org.id or 0)
    doc = cbom_document(org, assets, usages, [], "1.6")
    if kind == "tls":
        _tls_protocols(doc, [r for r in results if isinstance(r, TlsResult)])
    return json.dumps(doc, indent=2, ensure_ascii=False)


def _tls_protocols(doc: Json, results: list[TlsResult]) -> None:
    """Each TLS version's protocol component names its suites (IANA name and identifier)."""
    by_ref = {c["bom-ref"]: c for c in doc["components"]}
    by_name = {s.name: s for s in SUITES.values()}
    depends = {d["ref"]: d for d in doc["dependencies"]}
    for r in results:
        if r.status not in ("ok", "partial"):
            continue
        aref = asset_ref("tls", r.target)
        for version in r.versions:
            number = version.removeprefix("TLSv")
            suites = r.suites_by_version.get(version, [])
            ref = fit_ref(aref, PROTOCOL_INFIX + f"TLS {number}")
            comp = by_ref.get(ref)
            if comp is None:
                comp = _generated_protocol(ref, number)
                doc["components"].append(comp)
                doc["dependencies"].append({"ref": ref})
                entry = depends.setdefault(aref, {"ref": aref})
                entry["dependsOn"] = sorted({*entry.get("dependsOn", []), ref})
            entries = []
            for name in suites:
                suite = by_name[name]
                suite_usage = usage_ref(aref, f"suite:{name}")
                entry = {
                    "name": name,
                    "algorithms": [suite_usage] if suite_usage in by_ref else [],
                    "identifiers": [f"0x{suite.code >> 8:02X}", f"0x{suite.code & 0xFF:02X}"],
                }
                entries.append(entry)
            if entries:
                comp["cryptoProperties"]["protocolProperties"]["cipherSuites"] = entries


def _generated_protocol(ref: str, number: str) -> Json:
    return {
        "type": "cryptographic-asset",
        "bom-ref": ref,
        "name": f"TLS {number}",
        "properties": [{"name": GENERATED_PROP, "value": "protocol"}],
        "cryptoProperties": {
            "assetType": "protocol",
            "protocolProperties": {"type": "tls", "version": number},
        },
    }
