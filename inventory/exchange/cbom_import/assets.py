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
from inventory.exchange.columns import ASSET_PROFILE_COLUMNS


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


def synthetic_asset(
    ref: str, name: str, location: str | None = None, described: str | None = None
) -> dict[str, Any]:
    """The asset that holds the crypto no component uses, named after what was scanned
    (the repository the metadata names) or the file."""
    row = _row(
        ref,
        name[:200],
        AssetType.APPLICATION,
        description=(f"{described}: " if described else "")
        + "synthetic asset holding the cryptography of a CBOM that names no component using it",
        props={},
        vendor=None,
        version=None,
    )
    row["location"] = location[:300] if location else None
    # a name and location we made up: a person's renaming survives the next import
    row[UNSTATED] = row[UNSTATED] | {"name", "location"}
    return row


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
    row = {
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
    row[UNSTATED] = frozenset(k for k in _JUDGED if props.get(k) is None)
    return row


# What a person decides about an asset (in the console, the API or a spreadsheet) and a
# CBOM seldom states: a re-import keeps the stored value unless the CBOM states one.
_JUDGED = (*ASSET_PROFILE_COLUMNS, "product", "location")
UNSTATED = "_unstated"
"""Key of an asset row: the columns the CBOM left at their defaults (not written on update)."""
