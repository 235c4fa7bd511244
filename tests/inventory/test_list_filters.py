"""Every filter of the asset and usage lists returns exactly the rows a plain Python filter
over the whole demo inventory picks: an admin sees all four organizations, so organization
and sector filters have something to tell apart."""

from __future__ import annotations

import inspect
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


LISTS: dict[type, tuple[Any, type]] = {
    Asset: (list_assets, AssetFilter),
    CryptoUsage: (list_usages, UsageFilter),
}


@pytest.mark.parametrize("model", list(LISTS), ids=lambda m: m.__tablename__)
def test_every_filter_picks_exactly_its_rows(demo: Session, model: type) -> None:
    lister, make_filter = LISTS[model]
    # the filters named like a column of the model (a row matches on that column), and sector
    names = [n for n in inspect.signature(make_filter).parameters if n in model.__table__.c]
    s, admin = demo, _admin(demo)
    rows: list[Any] = list(s.scalars(select(model)))
    sector_of = {o.id: o.sector for o in s.scalars(select(Organization))}

    def value_of(row: Any, name: str) -> Any:
        return sector_of[row.organization_id] if name == "sector" else getattr(row, name)

    cases = {(n, getattr(r, n)) for r in rows for n in names}
    cases |= {("sector", sector) for sector in sector_of.values()}
    sizes = []
    for name, value in cases:
        listed = lister(s, admin, make_filter(**{name: value}), limit=ALL)
        want = sorted(r.id for r in rows if value_of(r, name) == value)
        assert [r.id for r in listed] == want, (name, value)
        sizes.append(len(want))
    assert any(0 < n < len(rows) for n in sizes)  # the demo tells them apart


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
