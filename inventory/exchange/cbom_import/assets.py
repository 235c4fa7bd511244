"""Asset rows: one per non-crypto component (and service, and `metadata.component`), plus the
synthetic asset that holds crypto no component claims. Our own `pqcplan:asset:*` properties
win; otherwise the asset type follows the CycloneDX type and the rest takes the defaults.
"""

from __future__ import annotations

from typing import Any

from inventory.choices import AssetType, Criticality, DataSensitivity, Environment, Exposure
from inventory.exchange.cbom_common import CDX_TO_ASSET_TYPE
from inventory.exchange.cbom_import.notes import Notes
from inventory.exchange.cbom_import.parser import Component


def asset_row(comp: Component, notes: Notes) -> dict[str, Any]:
    c, pr = comp.data, comp.props
    supplier = c.get("supplier")
    if "algorithm_raw" in pr:
        notes.add(
            comp.path + ".properties", "usage properties on a non-crypto component are ignored"
        )
    return _row(
        comp.ref,
        comp.name,
        pr.get("asset_type") or CDX_TO_ASSET_TYPE.get(comp.ctype, AssetType.APPLICATION),
        description=c.get("description"),
        props=pr,
        vendor=supplier.get("name") if isinstance(supplier, dict) else None,
        version=c.get("version"),
    )


def synthetic_asset(ref: str, name: str) -> dict[str, Any]:
    """The asset named after the file that holds the crypto no component uses."""
    return _row(
        ref,
        name[:200],
        AssetType.APPLICATION,
        description="Synthetic asset holding the cryptography of a CBOM that "
        "names no component using it",
        props={},
        vendor=None,
        version=None,
    )


def _row(
    ref: str,
    name: str,
    asset_type: AssetType,
    *,
    description: str | None,
    props: dict[str, Any],
    vendor: str | None,
    version: str | None,
) -> dict[str, Any]:
    return {
        "ref": ref,
        "name": name,
        "asset_type": asset_type,
        "description": description,
        "owner": props.get("owner"),
        "environment": props.get("environment") or Environment.PRODUCTION,
        "criticality": props.get("criticality") or Criticality.MEDIUM,
        "exposure": props.get("exposure") or Exposure.INTERNAL,
        "data_sensitivity": props.get("data_sensitivity") or DataSensitivity.INTERNAL,
        "secrecy_years": props.get("secrecy_years") or 0,
        "vendor": vendor,
        "product": props.get("product"),
        "version": version,
        "location": props.get("location"),
    }
