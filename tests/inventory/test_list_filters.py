"""Every filter of the asset and usage lists returns exactly the rows a plain Python filter
over the whole demo inventory picks: an admin sees all four organizations, so organization
and sector filters have something to tell apart."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.choices import Role
from core.db import session_factory
from core.models import Organization
from core.tenancy import Principal
from inventory.demo import load_demo
from inventory.models import Asset, CryptoUsage
from inventory.service.assets import AssetFilter, list_assets
from inventory.service.usages import UsageFilter, list_usages

ALL = 100_000


@pytest.fixture
def demo(db_url: str) -> Any:
    with session_factory(db_url).begin() as s:
        load_demo(s)
    with session_factory(db_url)() as s:
        yield s


def _admin(s: Session) -> Principal:
    office = s.scalar(select(Organization).where(Organization.slug == "national-pqc-office"))
    assert office is not None
    return Principal(office.id, Role.ADMIN, "filters test")


def _check(rows: list[Any], got: dict[tuple[str, Any], list[int]], value_of: Any) -> None:
    for (name, value), ids in got.items():
        want = sorted(r.id for r in rows if value_of(r, name) == value)
        assert ids == want, (name, value)
    assert any(0 < len(ids) < len(rows) for ids in got.values())  # the demo tells them apart


def test_every_asset_filter_picks_exactly_its_rows(demo: Session) -> None:
    s, admin = demo, _admin(demo)
    rows = list(s.scalars(select(Asset)))
    sector_of = {o.id: o.sector for o in s.scalars(select(Organization))}
    names = ("organization_id", "asset_type", "exposure", "criticality", "environment")
    cases = {(n, getattr(a, n)) for a in rows for n in names}
    cases |= {("sector", sector) for sector in sector_of.values()}
    got = {
        (n, v): [a.id for a in list_assets(s, admin, AssetFilter(**{n: v}), limit=ALL)]
        for n, v in cases
    }

    def value_of(a: Asset, name: str) -> Any:
        return sector_of[a.organization_id] if name == "sector" else getattr(a, name)

    _check(rows, got, value_of)


def test_every_usage_filter_picks_exactly_its_rows(demo: Session) -> None:
    s, admin = demo, _admin(demo)
    rows = list(s.scalars(select(CryptoUsage)))
    sector_of = {o.id: o.sector for o in s.scalars(select(Organization))}
    names = ("organization_id", "quantum_status", "algorithm", "primitive", "function", "source")
    cases = {(n, getattr(u, n)) for u in rows for n in names}
    cases |= {("asset_id", u.asset_id) for u in rows[::50]}
    cases |= {("sector", sector) for sector in sector_of.values()}
    got = {
        (n, v): [u.id for u in list_usages(s, admin, UsageFilter(**{n: v}), limit=ALL)]
        for n, v in cases
    }

    def value_of(u: CryptoUsage, name: str) -> Any:
        return sector_of[u.organization_id] if name == "sector" else getattr(u, name)

    _check(rows, got, value_of)


def test_filters_combine(demo: Session) -> None:
    s, admin = demo, _admin(demo)
    first = s.scalars(select(Asset).order_by(Asset.id)).first()
    assert first is not None
    flt = AssetFilter(organization_id=first.organization_id, asset_type=first.asset_type)
    listed = list_assets(s, admin, flt, limit=ALL)
    assert first in listed
    assert all(
        a.organization_id == first.organization_id and a.asset_type is first.asset_type
        for a in listed
    )
