"""Two writers into one organization on PostgreSQL queue on its counter lock; they never
deadlock.

The counting triggers take the organization's advisory lock after the rows they count are
written. Writer 1 updates an asset (holding its row lock) and later adds a usage; writer 2
adds a usage (its trigger takes the organization's lock) and then updates that asset. With
the lock taken only by the triggers, writer 1 waits for the lock and writer 2 for the row:
PostgreSQL aborts one with a deadlock (40P01). Every writer now takes the lock before its
first counted row, so writer 2 simply waits for writer 1.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.orm import Session, sessionmaker

from core.choices import Sector, Tier
from core.db import session_factory
from core.models import Organization
from inventory.choices import AssetType, Primitive, QuantumStatus
from inventory.models import Asset, CryptoUsage

pytestmark = pytest.mark.postgres


def _usage(org_id: int, asset_id: int, ref: str) -> CryptoUsage:
    return CryptoUsage(
        organization_id=org_id,
        asset_id=asset_id,
        ref=ref,
        algorithm="RSA-2048",
        algorithm_raw="RSA-2048",
        primitive=Primitive.SIGNATURE,
        quantum_status=QuantumStatus.BROKEN,
        status_reason="test",
        catalog_version="test",
    )


def _setup(sessions: sessionmaker[Session]) -> tuple[int, list[int]]:
    with sessions.begin() as s:
        org = Organization(slug="locks", name="L", sector=Sector.OTHER, tier=Tier.PRIVATE)
        s.add(org)
        s.flush()
        assets = [
            Asset(organization_id=org.id, ref=f"a{i}", name=f"a{i}", asset_type=AssetType.SERVICE)
            for i in range(3)
        ]
        s.add_all(assets)
        s.flush()
        return org.id, [a.id for a in assets]


def test_two_writers_in_one_organization_do_not_deadlock(pg_url: str) -> None:
    sessions = session_factory(pg_url)
    org_id, (shared, other_1, other_2) = _setup(sessions)
    first_wrote = threading.Event()
    second_wrote = threading.Event()
    errors: list[BaseException] = []

    def second() -> None:
        try:
            with sessions.begin() as s:
                first_wrote.wait(10)
                s.add(_usage(org_id, other_2, "w2"))  # its trigger locks the organization
                s.flush()
                second_wrote.set()
                s.get(Asset, shared).name = "renamed by 2"  # the row writer 1 holds
                s.flush()
        except BaseException as exc:
            errors.append(exc)
        finally:
            second_wrote.set()

    thread = threading.Thread(target=second)
    thread.start()
    with sessions.begin() as s:
        s.get(Asset, shared).name = "renamed by 1"
        s.flush()  # holds the asset's row lock (and, now, the organization's lock)
        first_wrote.set()
        second_wrote.wait(3)  # before the fix writer 2 gets here; now it waits for us
        s.add(_usage(org_id, other_1, "w1"))
        s.flush()
    thread.join(60)
    assert not thread.is_alive()
    assert errors == []
    with sessions() as s:
        assert s.get(Asset, shared).name == "renamed by 2"  # it ran after writer 1
        refs = {u.ref for u in s.query(CryptoUsage).filter_by(organization_id=org_id)}
        assert refs == {"w1", "w2"}
