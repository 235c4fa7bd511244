"""Limits that hold across processes (PostgreSQL): two apps with their own engines and pools
count the same vendor quota, the same failed-key budget, and the same concurrent-job limit."""

from __future__ import annotations

import threading
import time

import pytest

from app.api.auth_throttle import SharedFailureLimiter
from core.choices import Sector, Tier
from core.db import session_factory
from core.jobs import active_jobs
from core.models import Job, Organization
from testbed.conformance.quotas import RateLimited, VendorLimits


def test_expensive_quota_is_one_count_for_two_processes(pg_url):
    a = VendorLimits.shared(session_factory(pg_url))
    b = VendorLimits.shared(session_factory(pg_url + "?application_name=b"))
    a.charge(7, "Classic-McEliece-348864", "kem_sender")
    b.charge(7, "Classic-McEliece-348864", "kem_sender")
    a.charge(7, "Classic-McEliece-348864", "kem_sender")
    with pytest.raises(RateLimited) as exc:
        b.charge(7, "Classic-McEliece-348864", "kem_sender")
    assert 100 <= exc.value.retry_after <= 120 and "expensive" in str(exc.value)
    b.charge(8, "Classic-McEliece-348864", "kem_sender")  # another organization: its own
    a.charge(7, "ML-KEM-768", "kem_sender")  # cheap requests still pass


def test_failed_keys_are_counted_across_processes(pg_url):
    a = SharedFailureLimiter(session_factory(pg_url), limit=4, window=60)
    b = SharedFailureLimiter(session_factory(pg_url + "?application_name=b"), limit=4, window=60)
    for limiter in (a, b, a):
        limiter.record_failure("10.0.0.9", "k1")
    assert (
        a.retry_after("10.0.0.9", key="k1") is None and b.retry_after("10.0.0.9", key="k1") is None
    )
    b.record_failure("10.0.0.9", "k1")
    assert 1 <= a.retry_after("10.0.0.9", key="k1") <= 15
    assert b.retry_after("10.0.0.9", key="k1") is not None
    assert a.retry_after("10.0.0.9", key="k2") is None  # another key from there
    assert a.retry_after("10.0.0.10", key="k1") is None


def test_count_then_insert_is_atomic_across_processes(pg_url):
    """Session B's count waits for A's insert to commit, so two starts cannot both see 1."""
    sa, sb = session_factory(pg_url), session_factory(pg_url + "?application_name=b")
    with sa.begin() as s:
        org = Organization(
            slug="o", name="O", sector=Sector.GOVERNMENT, tier=Tier.CENTRAL_GOVERNMENT
        )
        s.add(org)
    seen: list[int] = []
    with sa.begin() as s:
        assert active_jobs(s, org.id, "benchmark") == 0
        s.add(Job(organization_id=org.id, kind="benchmark", created_by="a", params={}))
        s.flush()

        def other() -> None:
            with sb.begin() as s2:
                seen.append(active_jobs(s2, org.id, "benchmark"))

        thread = threading.Thread(target=other)
        thread.start()
        time.sleep(0.5)
        assert seen == []  # B waits on A's lock
    thread.join(10)
    assert seen == [1]
