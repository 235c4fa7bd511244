"""Load and validate sector catalogs and adoption procedures: the built-in data files and
an organization's own catalogs.

Invalid input raises `CatalogError` (an InputError) whose `field` names the place as a
dotted path (`targets.3.match.0.functions.1`), as profiles do.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from core.i18n import N_, say
from migration.profiles.loader import ProfileError, read_yaml, validate_document
from migration.sectors.schema import Catalog, Procedure

DATA_DIR = Path(__file__).resolve().parent / "data"


class CatalogError(ProfileError):
    """A catalog (or procedure) document is invalid; `field` is the dotted path. Shaped as
    a profile's error (an InputError: 422 with the field, one CLI line)."""


class UnknownSector(LookupError):
    """No catalog for that sector or id."""


def parse_catalog(data: Any, origin: str = "") -> Catalog:
    """Validate a mapping as a catalog, or raise CatalogError naming the field."""
    return validate_document(Catalog, data, origin, CatalogError, "a catalog")


def load_catalog_text(text: str, origin: str = "", *, packaged: bool = False) -> Catalog:
    """Parse YAML or JSON text (JSON is YAML) into a validated catalog; a file shipped with
    pqcplan (``packaged``) is read through the parse cache (`core.yaml_safe.load_packaged`)."""
    data = read_yaml(text, origin, CatalogError, packaged=packaged)
    return parse_catalog(data, origin=origin)


def load_catalog_file(path: str | Path, *, packaged: bool = False) -> Catalog:
    path = Path(path)
    return load_catalog_text(path.read_text(encoding="utf-8"), str(path), packaged=packaged)


def catalog_to_dict(catalog: Catalog) -> dict[str, Any]:
    """A JSON-ready dict that `parse_catalog` reads back."""
    return json.loads(catalog.model_dump_json())


def check_korean_complete(catalog: Catalog, origin: str = "") -> Catalog:
    """A built-in catalog carries Korean beside every English text a person reads (target
    names, why, how to look); raise CatalogError naming the first place without it."""
    missing = catalog.missing_korean()
    if missing:
        english = missing[0].removesuffix("_ko")
        raise CatalogError(
            say(
                N_("'{field}' has no Korean text beside it ({count} places in all)"),
                field=english,
                count=len(missing),
            ),
            missing[0],
            origin,
        )
    return catalog


@lru_cache(maxsize=1)
def builtin_catalogs() -> dict[str, Catalog]:
    """Every catalog shipped in `data/catalogs`, validated, keyed by id (one per sector)."""
    catalogs: dict[str, Catalog] = {}
    sectors: set[str] = set()
    for path in sorted((DATA_DIR / "catalogs").glob("*.yaml")):
        catalog = load_catalog_file(path, packaged=True)
        if catalog.id in catalogs:
            raise CatalogError(
                say(N_("duplicate catalog id '{id}'"), id=catalog.id), "id", str(path)
            )
        if catalog.sector in sectors:
            raise CatalogError(
                say(N_("a second catalog for '{sector}'"), sector=catalog.sector),
                "sector",
                str(path),
            )
        check_korean_complete(catalog, str(path))
        catalogs[catalog.id] = catalog
        sectors.add(catalog.sector)
    return catalogs


def builtin_for_sector(sector: str) -> Catalog | None:
    """The built-in catalog of a sector (None for a sector without one, e.g. `other`)."""
    return next((c for c in builtin_catalogs().values() if c.sector == sector), None)


def get_catalog_by_sector_or_id(key: str) -> Catalog:
    found = builtin_catalogs().get(key) or builtin_for_sector(key)
    if found is None:
        known = ", ".join(sorted(c.sector for c in builtin_catalogs().values()))
        raise UnknownSector(f"no built-in catalog for '{key}'; sectors: {known}")
    return found


@lru_cache(maxsize=1)
def procedures() -> dict[str, Procedure]:
    """The adoption procedures (`data/procedures.yaml`), keyed by id, in file order."""
    path = DATA_DIR / "procedures.yaml"
    data = read_yaml(path.read_text(encoding="utf-8"), str(path), CatalogError, packaged=True)
    out: dict[str, Procedure] = {}
    for i, item in enumerate(data.get("procedures", [])):
        procedure = validate_document(
            Procedure, item, f"{path}: procedures.{i}", CatalogError, "a procedure"
        )
        out[procedure.id] = procedure
    return out
