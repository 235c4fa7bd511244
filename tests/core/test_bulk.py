"""`core.bulk.insert_rows`: COPY on PostgreSQL, one executemany elsewhere, with the same
rows, defaults and errors on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.bulk import insert_rows, read_rows
from core.choices import Sector, Tier
from core.models import Organization
from inventory.models import Asset
from inventory.models.counters import AssetCount


def _org(sessions: sessionmaker[Session]) -> int:
    with sessions.begin() as s:
        org = Organization(slug="bulk", name="Bulk", sector=Sector.FINANCE, tier=Tier.PRIVATE)
        s.add(org)
        s.flush()
        return org.id


def test_rows_land_with_their_defaults_and_are_counted(
    session_factory: sessionmaker[Session],
) -> None:
    org_id = _org(session_factory)
    rows = [
        {
            "organization_id": org_id,
            "ref": f"a-{i}",
            "name": f"asset '{i}'\t\\",
            "asset_type": "service",
            "exposure": e,
        }
        for i, e in enumerate(["internet_facing", "internal", "internet_facing"])
    ]
    with session_factory.begin() as s:
        insert_rows(s.connection(), Asset.__table__, rows)
    with session_factory() as s:
        assets = s.scalars(select(Asset).order_by(Asset.ref)).all()
        assert [(a.ref, a.name, str(a.exposure)) for a in assets] == [
            (r["ref"], r["name"], r["exposure"]) for r in rows
        ]
        assert all(a.created_at is not None and a.updated_at is not None for a in assets)
        counted = dict(
            s.execute(
                select(AssetCount.exposure, AssetCount.assets).where(
                    AssetCount.organization_id == org_id
                )
            ).all()
        )
        assert {str(k): v for k, v in counted.items()} == {"internet_facing": 2, "internal": 1}


def test_a_broken_constraint_is_an_integrity_error_and_nothing_lands(
    session_factory: sessionmaker[Session],
) -> None:
    org_id = _org(session_factory)
    rows = [{"organization_id": org_id, "ref": "same", "name": "x", "asset_type": "service"}] * 2
    with pytest.raises(sa_exc.IntegrityError), session_factory.begin() as s:
        insert_rows(s.connection(), Asset.__table__, rows)
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Asset)) == 0


def test_no_rows_is_nothing(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as s:
        insert_rows(s.connection(), Asset.__table__, [])
        assert s.scalar(select(func.count()).select_from(Asset)) == 0


def test_a_value_its_column_cannot_take_is_a_statement_error(
    session_factory: sessionmaker[Session],
) -> None:
    org_id = _org(session_factory)
    rows = [
        {
            "organization_id": org_id,
            "ref": "a",
            "name": "x",
            "asset_type": "service",
            "exposure": "everywhere",
        }
    ]
    with pytest.raises(sa_exc.StatementError, match="everywhere"), session_factory.begin() as s:
        insert_rows(s.connection(), Asset.__table__, rows)


def test_a_sql_default_is_refused_not_left_out() -> None:
    from sqlalchemy import Column, DateTime, Integer, MetaData, Table
    from sqlalchemy import func as sql

    from core.bulk import _python_defaults

    table = Table("t", MetaData(), Column("id", Integer), Column("at", DateTime, default=sql.now()))
    with pytest.raises(NotImplementedError, match=r"t\.at has a SQL default"):
        _python_defaults(table, ["id"])
    assert _python_defaults(table, ["id", "at"]) == {}


def test_read_rows_gives_the_driver_tuples_a_select_gives(
    session_factory: sessionmaker[Session],
) -> None:
    """Same rows and order as SQLAlchemy's, an IN list and a bound value included."""
    org_id = _org(session_factory)
    rows = [
        {"organization_id": org_id, "ref": f"r-{i}", "name": f"n{i}", "asset_type": t}
        for i, t in enumerate(["service", "hsm", "application", "service"])
    ]
    with session_factory.begin() as s:
        insert_rows(s.connection(), Asset.__table__, rows)
    statement = (
        select(Asset.ref, Asset.name)
        .where(Asset.organization_id == org_id, Asset.ref.in_(["r-0", "r-2", "r-3"]))
        .order_by(Asset.ref.desc())
    )
    with session_factory() as s:
        got = read_rows(s.connection(), statement)
        assert got == [("r-3", "n3"), ("r-2", "n2"), ("r-0", "n0")]
        assert got == [tuple(r) for r in s.execute(statement)]
        assert all(type(r) is tuple for r in got)
        with pytest.raises(sa_exc.DBAPIError):
            read_rows(s.connection(), select(Asset.id).where(func.no_such_function(Asset.id)))
