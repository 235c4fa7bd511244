"""The one SQLAlchemy declarative `Base` of the project, and the mixins every model uses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import DateTime, Enum, ForeignKey, Integer, MetaData, Table, TypeDecorator, event
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

# Stable constraint names: Alembic's SQLite batch mode and autogenerate need them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend.

    PostgreSQL keeps the zone; SQLite stores text without it and would hand back naive
    datetimes, so values are normalized to UTC on the way in and tagged UTC on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    """Every model's base. Each table it maps never reuses an id (see `never_reuse_ids`)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)  # maps the class: __table__ exists from here on
        table = cls.__dict__.get("__table__")
        if isinstance(table, Table):
            never_reuse_ids(table)


def on_create_all(tables: set[str], install: Callable[[Any], None]) -> None:
    """`install(connection)` after `Base.metadata.create_all` has made every one of
    `tables` (a scratch schema, the stateless judge's): triggers that migrations install on
    a migrated database, installed there too."""

    def after_create(target: Any, connection: Any, **kw: Any) -> None:
        made = kw.get("tables")
        names = {t.name for t in made} if made is not None else set(target.tables)
        if tables <= names:
            install(connection)

    event.listen(Base.metadata, "after_create", after_create)


def never_reuse_ids(table: Table) -> None:
    """Declare a one-column integer primary key AUTOINCREMENT on SQLite.

    Without it SQLite hands out max(id)+1, so a deleted row's id goes to the next row,
    possibly another tenant's, and the audit log would name two entities with one id.
    PostgreSQL sequences never go back, so only SQLite needs telling (migration 0006).
    """
    pk = list(table.primary_key.columns)
    if len(pk) == 1 and isinstance(pk[0].type, Integer):
        table.dialect_options["sqlite"]["autoincrement"] = True


def enum_column(enum_cls: type[StrEnum]) -> Enum:
    """A portable enum column stored as its string value (VARCHAR, no native DB enum)."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=40,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class TenantMixin:
    """Every tenant-scoped row carries its organization; queries go through `tenancy.scoped`."""

    @declared_attr
    def organization_id(cls) -> Mapped[int]:
        return mapped_column(
            Integer, ForeignKey("organizations.id", ondelete="CASCADE"), index=True
        )
