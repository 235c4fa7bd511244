"""A scan's filing and another writer of the same organization on PostgreSQL queue on the
organization's counter lock; they never deadlock (issue 24, item 8, for the Core writer
the discovery filing is).

Writer 2 holds the organization's counter lock (it wrote a usage). The filing re-scans a
store whose asset exists: it updates that asset's row, then writes usages, whose triggers
need the counter lock. Writer 2 then renames the same asset. If the filing touched the
asset before taking the lock, each would wait for the other and PostgreSQL would abort one
(40P01); the filing takes the lock first, so it simply waits for writer 2.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select, text

from core.choices import Sector, Tier
from core.db import session_factory
from core.models import Organization
from inventory.choices import AssetType
from inventory.discovery import service
from inventory.models import Asset, CryptoUsage
from tests.inventory.discovery import pki
from tests.inventory.test_counter_lock_order import _usage

pytestmark = pytest.mark.postgres


def _scan(sessions, org_id: int, path: str) -> None:
    with sessions.begin() as s:
        req = service.prepare(s, org_id, "certs", [path])
    results = service.run(req)
    with sessions.begin() as s:
        service.record_scan(s, org_id, req, results, "test")


def _waiting_backends(sessions) -> int:
    with sessions() as s:
        return int(
            s.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                )
            )
        )


def test_filing_and_another_writer_do_not_deadlock(pg_url: str, tmp_path) -> None:
    sessions = session_factory(pg_url)
    store = tmp_path / "store"
    store.mkdir()
    (store / "a.pem").write_bytes(pki.pem(pki.make_cert(pki.ecdsa_key(), "a.test")))
    with sessions.begin() as s:
        org = Organization(slug="filer", name="F", sector=Sector.OTHER, tier=Tier.PRIVATE)
        s.add(org)
        s.flush()
        org_id = org.id
        service.add_scope(s, org_id, "path", str(store), None, None)
        other = Asset(organization_id=org_id, ref="other", name="other", asset_type="service")
        s.add(other)
        s.flush()
        other_id = other.id
    _scan(sessions, org_id, str(store))  # the store's asset exists from now on
    with sessions() as s:
        filed = s.scalar(
            select(Asset.id).where(Asset.organization_id == org_id, Asset.id != other_id)
        )
    (store / "b.pem").write_bytes(pki.pem(pki.make_cert(pki.rsa_key(2048), "b.test")))

    errors: list[BaseException] = []

    def filing() -> None:
        try:
            _scan(sessions, org_id, str(store))
        except BaseException as exc:
            errors.append(exc)

    with sessions.begin() as s:
        s.add(_usage(org_id, other_id, "w2"))
        s.flush()  # writer 2 now holds the organization's counter lock
        thread = threading.Thread(target=filing)
        thread.start()
        deadline = time.monotonic() + 60
        while _waiting_backends(sessions) == 0:  # the filing waits on a lock
            assert time.monotonic() < deadline, "the filing never waited for the lock"
            assert thread.is_alive(), errors
            time.sleep(0.05)
        asset = s.get(Asset, filed)
        asset.name = "renamed by writer 2"
        asset.asset_type = AssetType.APPLICATION
        s.flush()  # before the fix: the filing holds this row and waits for our lock
    thread.join(60)
    assert not thread.is_alive()
    assert errors == []
    with sessions() as s:
        assert s.get(Asset, filed).name == "renamed by writer 2"
        usages = s.scalars(select(CryptoUsage.algorithm).where(CryptoUsage.asset_id == filed))
        assert "RSA-2048" in set(usages)  # the second scan's certificate was filed
