"""One maximum length per stored text field, and the date windows of plans and profiles.

Every path in (API schemas, CSV import, CBOM import) reads its limits here, so what one
path accepts every other path accepts too, and exporting then re-importing never fails on
length. A `String(n)` column carries its own length; a `Text` column gets its limit from
`TEXT_LIMITS`, so no column is left unbounded. The text columns of what a file import
writes (organizations, assets, usages, dependencies) and a profile's own name and version
are plain data here (`STRING_LENGTHS`, read by the models as `String(length(...))`), so
the importers and `pqcplan judge` check them without importing SQLAlchemy (0.3 s of CPU).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated, Any

from core.i18n import N_, say

if TYPE_CHECKING:
    from annotated_types import Interval
    from sqlalchemy import Column

#: String columns whose length is declared here; the models use `length(table, column)`.
STRING_LENGTHS: dict[tuple[str, str], int] = {
    ("organizations", "slug"): 64,
    ("organizations", "name"): 200,
    ("organizations", "country"): 2,
    ("assets", "ref"): 200,
    ("assets", "name"): 200,
    ("assets", "owner"): 200,
    ("assets", "vendor"): 200,
    ("assets", "product"): 200,
    ("assets", "version"): 100,
    ("assets", "location"): 300,
    ("crypto_usages", "ref"): 200,
    ("crypto_usages", "algorithm"): 120,
    ("crypto_usages", "algorithm_raw"): 200,
    ("crypto_usages", "protocol"): 60,
    ("crypto_usages", "parameter_set"): 80,
    ("crypto_usages", "mode"): 40,
    ("crypto_usages", "padding"): 40,
    ("crypto_usages", "library"): 120,
    ("crypto_usages", "library_version"): 60,
    ("crypto_usages", "catalog_version"): 20,
    ("crypto_usages", "cert_subject"): 500,
    ("crypto_usages", "cert_issuer"): 500,
    ("crypto_usages", "cert_serial"): 100,
    ("crypto_usages", "cert_fingerprint_sha256"): 64,
    ("crypto_usages", "cert_public_key_algorithm"): 120,
    ("custom_profiles", "profile_id"): 64,
    ("custom_profiles", "version"): 40,
    ("custom_profiles", "name"): 200,
}

TEXT_LIMITS: dict[tuple[str, str], int] = {
    ("organizations", "description"): 5000,
    ("assets", "description"): 5000,
    ("crypto_usages", "evidence"): 20000,
    ("crypto_usages", "notes"): 5000,
    ("dependencies", "description"): 2000,
}

# Integers a request carries are bounded to what the databases store, so a larger one is
# refused as invalid input (422 naming it) before any database sees it. Row ids (and what
# is compared with them: cursors, version numbers) are INTEGER columns: 32-bit on
# PostgreSQL, where SQLAlchemy casts the bound value to the column's type (2**31 fails
# there as "out of range"). Other integers (offsets, ids inside ACVP answers) are `Int64`,
# SQLite's INTEGER and PostgreSQL's BIGINT.
# `Int64` and `RowId` are made on first use (module `__getattr__`): only the API's request
# shapes need them, and `annotated_types` (0.01 s to import) is pydantic's business; every
# model reads this module.
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
ROW_ID_MIN = -(2**31)
ROW_ID_MAX = 2**31 - 1
if TYPE_CHECKING:
    Int64 = Annotated[int, Interval(ge=INT64_MIN, le=INT64_MAX)]
    RowId = Annotated[int, Interval(ge=ROW_ID_MIN, le=ROW_ID_MAX)]


def __getattr__(name: str) -> Any:
    """`Int64` and `RowId`, made once when first imported."""
    bounds = {"Int64": (INT64_MIN, INT64_MAX), "RowId": (ROW_ID_MIN, ROW_ID_MAX)}.get(name)
    if bounds is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from annotated_types import Interval

    made = Annotated[int, Interval(ge=bounds[0], le=bounds[1])]
    globals()[name] = made
    return made


# Plans count quarters from their start and profiles date phases and deadlines. No policy
# predates 2000 or looks past 2100; a window ending in 2200 keeps every wave date the
# scheduler computes (start + waves, deadline arithmetic) centuries below Python's year
# 9999, so date arithmetic on accepted input can never overflow.
PLAN_DATE_MIN = date(2000, 1, 1)
PLAN_DATE_MAX = date(2200, 12, 31)
# Sources (standards, papers) may be older than any plan.
SOURCE_DATE_MIN = date(1900, 1, 1)
# Seen timestamps and certificate validity: X.509 uses 9999-12-31T23:59:59Z for "no
# expiry" (RFC 5280, 4.1.2.5), so the upper bound is the last day Python can represent
# after a timezone shift to UTC; the lower bound predates any computer-held certificate.
OBSERVED_MIN = datetime(1900, 1, 1, tzinfo=UTC)
OBSERVED_MAX = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)


def length(table: str, column: str) -> int:
    """The declared length of a String column (`STRING_LENGTHS`), for its model.

    >>> length("assets", "name")
    200
    """
    return STRING_LENGTHS[(table, column)]


def table_limits(table: str) -> dict[str, int]:
    """Every text limit of a table whose text columns are all declared here, by column.

    >>> table_limits("dependencies")
    {'description': 2000}
    """
    return {
        column: n
        for limits in (STRING_LENGTHS, TEXT_LIMITS)
        for (name, column), n in limits.items()
        if name == table
    }


def column_limit(column: Column[Any]) -> int | None:
    """The longest text a column may hold, or None for a column that is not text."""
    from sqlalchemy import String  # loaded already wherever a model is

    if isinstance(column.type, String) and column.type.length is not None:
        return int(column.type.length)
    return TEXT_LIMITS.get((column.table.name, column.key))


def limit(model: Any, name: str) -> int:
    """`limit(Asset, "description")`: the maximum length of one model field.

    >>> from inventory.models import Asset
    >>> limit(Asset, "name"), limit(Asset, "description")
    (200, 5000)
    """
    found = column_limit(model.__table__.c[name])
    if found is None:
        raise KeyError(f"{model.__tablename__}.{name} has no text limit")
    return found


def check_observed(value: datetime | None) -> datetime | None:
    """Refuse a timestamp that cannot be converted to UTC or lies outside OBSERVED_*."""
    if value is None:
        return None
    try:
        utc = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    except OverflowError:
        raise ValueError("date-time is out of range once converted to UTC") from None
    if not OBSERVED_MIN <= utc <= OBSERVED_MAX:
        raise ValueError(
            f"date-time must be between {OBSERVED_MIN:%Y-%m-%d} and {OBSERVED_MAX:%Y-%m-%d}"
        )
    return value


def check_plan_date(value: date, what: str = "date") -> date:
    if not PLAN_DATE_MIN <= value <= PLAN_DATE_MAX:
        raise ValueError(
            say(
                N_("{what} must be between {least} and {most}"),
                what=what,
                least=PLAN_DATE_MIN,
                most=PLAN_DATE_MAX,
            )
        )
    return value
