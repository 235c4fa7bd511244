"""The asset list as people use it in the console: sorted by any column, filters that
combine, a search that is partial and case-insensitive, a count, and pages by keyset.

The API's list (`assets.list_assets`) keeps its exact filters; this one reads the way a
person types: `q` finds "Keycloak" in a name, reference, owner or location, and `algorithm`
"rsa" finds every RSA usage. The algorithm names a partial text matches are looked up in
the per-organization counters (`usage_counts`, a few dozen rows) and then probed exactly,
so the partial match costs no scan of the usages; `q` goes by the trigram index of
`inventory.search_index`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import Session

from core.errors import BAD_CURSOR, NOT_A_SORT, InputError
from core.tenancy import Principal, scoped
from inventory.choices import Criticality, Exposure
from inventory.models import Asset, CryptoUsage, UsageCount
from inventory.search_index import ASSETS, contains, matches
from inventory.service.assets import AssetFilter
from inventory.service.filters import where_equal, where_sector

# Enumerations sort by meaning, not spelling: low < critical, isolated < internet-facing.
_CRITICALITY_RANK = case(
    {c: i for i, c in enumerate(Criticality)},
    value=Asset.criticality,
    else_=-1,
)
_EXPOSURE_RANK = case(
    {e: i for i, e in enumerate(reversed(list(Exposure)))},
    value=Asset.exposure,
    else_=-1,
)
SORT_KEYS: dict[str, Any] = {
    "id": Asset.id,
    "name": Asset.name,
    "ref": Asset.ref,
    "asset_type": Asset.asset_type,
    "exposure": _EXPOSURE_RANK,
    "criticality": _CRITICALITY_RANK,
    "environment": Asset.environment,
    "data_sensitivity": Asset.data_sensitivity,
    "secrecy_years": Asset.secrecy_years,
    "owner": func.coalesce(Asset.owner, ""),
    "location": func.coalesce(Asset.location, ""),
}
# columns a person may show; the order is the table's
COLUMNS = (
    "id",
    "name",
    "ref",
    "asset_type",
    "exposure",
    "criticality",
    "environment",
    "data_sensitivity",
    "secrecy_years",
    "owner",
    "location",
)
DEFAULT_COLUMNS = ("name", "asset_type", "exposure", "criticality", "environment", "owner")


@dataclass(frozen=True)
class Sort:
    column: str = "id"
    descending: bool = False

    def __post_init__(self) -> None:
        if self.column not in SORT_KEYS:
            raise InputError(
                NOT_A_SORT, "query.sort", column=self.column, choices=", ".join(SORT_KEYS)
            )


def encode_cursor(value: Any, row_id: int) -> str:
    raw = json.dumps([value, row_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[Any, int] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, row_id = json.loads(raw)
    except (ValueError, TypeError):
        raise InputError(BAD_CURSOR, "query.cursor") from None
    if not isinstance(row_id, int) or not isinstance(value, str | int | float | None):
        raise InputError(BAD_CURSOR, "query.cursor")
    return value, row_id


def algorithms_like(session: Session, principal: Principal, text: str) -> list[str]:
    """The canonical algorithm names of the principal's usages that contain `text`
    (case-insensitive), read from the per-organization counters."""
    stmt = scoped(select(UsageCount.algorithm).distinct(), UsageCount, principal).where(
        UsageCount.usages > 0, contains(session, [UsageCount.algorithm], text)
    )
    return sorted(session.scalars(stmt))


def _filtered(session: Session, principal: Principal, flt: AssetFilter, exact: bool) -> Any:
    """SELECT Asset with every filter applied (no order, no page); `exact`: the algorithm
    is a canonical name, matched as it is (a chart's bar opens exactly what it counts)."""
    stmt: Any = scoped(select(Asset), Asset, principal)
    stmt = where_equal(
        stmt,
        Asset,
        flt,
        ("organization_id", "asset_type", "exposure", "criticality", "environment"),
    )
    stmt = where_sector(stmt, Asset.organization_id, flt.sector)
    if flt.q:
        searched = ("name", "ref", "owner", "location")
        stmt = stmt.where(matches(session, ASSETS, Asset, searched, flt.q))
    usage_conds = []
    if flt.quantum_status is not None:
        usage_conds.append(CryptoUsage.quantum_status == flt.quantum_status)
    if flt.algorithm and exact:
        usage_conds.append(CryptoUsage.algorithm == flt.algorithm)
    elif flt.algorithm:
        names = algorithms_like(session, principal, flt.algorithm)
        if not names:
            return stmt.where(literal(False))
        usage_conds.append(CryptoUsage.algorithm.in_(names))
    if usage_conds:
        stmt = stmt.where(exists().where(CryptoUsage.asset_id == Asset.id, *usage_conds))
    return stmt


@dataclass
class AssetPage:
    rows: list[Asset]
    total: int
    next_cursor: str | None


def list_page(
    session: Session,
    principal: Principal,
    flt: AssetFilter,
    sort: Sort,
    *,
    limit: int,
    cursor: str | None = None,
    count: bool = True,
    exact: bool = False,
) -> AssetPage:
    """One page of the list in `sort` order, the count of every match, and the cursor of
    the next page (None on the last)."""
    base = _filtered(session, principal, flt, exact)
    rows = list(_page(session, base, sort, limit, decode_cursor(cursor)))
    if cursor is None and len(rows) < limit:
        total = len(rows)  # the first page holds every match: no second pass to count them
    elif count:
        total = session.scalar(select(func.count()).select_from(base.subquery()))
    else:
        total = 0
    next_cursor = None
    if len(rows) == limit:
        last = rows[-1]
        next_cursor = encode_cursor(_key_value(last, sort.column), last.id)
    return AssetPage(rows=rows, total=int(total or 0), next_cursor=next_cursor)


def iter_all(
    session: Session,
    principal: Principal,
    flt: AssetFilter,
    sort: Sort,
    batch: int = 2000,
    exact: bool = False,
) -> Iterator[Asset]:
    """Every match in `sort` order, read a page at a time (a CSV of the whole list)."""
    base = _filtered(session, principal, flt, exact)
    after: tuple[Any, int] | None = None
    while True:
        rows = list(_page(session, base, sort, batch, after))
        yield from rows
        if len(rows) < batch:
            return
        after = (_key_value(rows[-1], sort.column), rows[-1].id)
        session.expunge_all()


def _page(
    session: Session, base: Any, sort: Sort, limit: int, after: tuple[Any, int] | None
) -> Iterator[Asset]:
    key = SORT_KEYS[sort.column]
    stmt = base
    if after is not None:
        value, row_id = after
        if sort.column == "id":
            stmt = stmt.where(Asset.id < row_id if sort.descending else Asset.id > row_id)
        else:
            beyond = key < value if sort.descending else key > value
            stmt = stmt.where(or_(beyond, and_(key == value, Asset.id > row_id)))
    if sort.column == "id":
        order = [Asset.id.desc() if sort.descending else Asset.id]
    else:
        order = [key.desc() if sort.descending else key, Asset.id]
    return iter(session.scalars(stmt.order_by(*order).limit(limit)))


def _key_value(asset: Asset, column: str) -> Any:
    """The sort key of a row as the database compares it (ranks for enumerations)."""
    if column == "criticality":
        return list(Criticality).index(asset.criticality)
    if column == "exposure":
        return list(reversed(list(Exposure))).index(asset.exposure)
    value = getattr(asset, column)
    if value is None:
        return ""
    return getattr(value, "value", value)
