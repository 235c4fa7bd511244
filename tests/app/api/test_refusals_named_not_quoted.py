"""A write the database refuses answers in words, never with its SQL, tables or constraints.

409 answers quoted the driver's text ("UNIQUE constraint failed: organizations.slug", or
PostgreSQL's `duplicate key value violates unique constraint "uq_..."` with the key); the
answer now says what kind of conflict it is, and the server log keeps the rest.
"""

from __future__ import annotations

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import DataError, IntegrityError

from app.api.errors import answer_for
from core.choices import Sector, Tier
from core.models import Organization
from inventory.models import Asset

LEAKS = ("organizations", "slug", "UNIQUE", "unique constraint", "duplicate key", "INSERT",
         "uq_", "fk_", "assets", "organization_id", "FOREIGN KEY", "violates")  # fmt: skip


def _refusal(sessions, statement) -> Exception:
    with pytest.raises((IntegrityError, DataError)) as caught, sessions.begin() as session:
        session.execute(statement)
    return caught.value


def test_integrity_refusals_are_described(session_factory) -> None:
    org = {"slug": "dup", "name": "D", "sector": Sector.OTHER, "tier": Tier.PRIVATE}
    with session_factory.begin() as session:
        session.execute(insert(Organization).values(**org))
    cases = {
        "a row with the same key": _refusal(session_factory, insert(Organization).values(**org)),
        "refers to a row that does not exist": _refusal(
            session_factory,
            insert(Asset).values(organization_id=999_999, ref="a", name="a", asset_type="service"),
        ),
    }
    for meaning, exc in cases.items():
        answer = answer_for(exc)
        assert answer is not None and answer.status == 409
        said = answer.detail(exc)
        assert meaning in said, said
        for leak in LEAKS:
            assert leak not in said, (leak, said)
