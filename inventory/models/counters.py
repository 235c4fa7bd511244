"""Inventory counts the database keeps current, so the overview reads a few dozen rows
instead of grouping half a million usages on every render.

`usage_counts` holds usages per (organization, algorithm, quantum status); `asset_counts`
holds assets per (organization, exposure) and how many of them hold a broken or weakened
usage. Triggers on `assets` and `crypto_usages` (created by migration 0011, or by
`create_all` through the listener below) change them in the writing statement's own
transaction, whatever wrote the rows: the API, imports, discovery, bulk inserts, deletes
and cascades. Rows whose counts fall to zero stay; readers skip them.

Cascades: an asset's own trigger runs BEFORE its row goes and takes its vulnerable flag
with it; its usages, deleted by the foreign key's cascade after the asset row is gone, find
no asset and leave `asset_counts` alone. On PostgreSQL every change first takes a
transaction-scoped advisory lock per organization, so two transactions writing one
organization's inventory queue on it instead of deadlocking on counter rows. Every writer
takes that lock before it writes its first counted row (`lock_counters`: ORM flushes do it
by themselves, bulk writers call it), not only in the trigger after its rows: otherwise a
writer holding a row lock (an asset it updated, or key-share locks from a usage's foreign
key) could wait for the lock held by another writer that waits for that row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, event, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.models.base import Base, enum_column, on_create_all
from inventory.changes import note_written
from inventory.choices import Exposure, QuantumStatus


class UsageCount(Base):
    __tablename__ = "usage_counts"

    organization_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    algorithm: Mapped[str] = mapped_column(String(120), primary_key=True)
    quantum_status: Mapped[QuantumStatus] = mapped_column(
        enum_column(QuantumStatus), primary_key=True
    )
    usages: Mapped[int] = mapped_column(Integer)


class AssetCount(Base):
    __tablename__ = "asset_counts"

    organization_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    exposure: Mapped[Exposure] = mapped_column(enum_column(Exposure), primary_key=True)
    assets: Mapped[int] = mapped_column(Integer)
    vulnerable: Mapped[int] = mapped_column(Integer)  # assets holding a broken/weakened usage


_V = "('broken', 'weakened')"  # QuantumStatus.BROKEN, WEAKENED as stored
_HAS_VULN = "EXISTS (SELECT 1 FROM crypto_usages WHERE asset_id = {id} AND quantum_status IN {v})"
_OTHER_VULN = (
    "EXISTS (SELECT 1 FROM crypto_usages WHERE asset_id = {id}"
    " AND quantum_status IN {v} AND id <> {me})"
)
_ASSET_KEY = (
    "(organization_id, exposure) IN (SELECT organization_id, exposure FROM assets WHERE id = {id})"
)
_USAGE_KEY = (
    "organization_id = {r}.organization_id AND algorithm = {r}.algorithm"
    " AND quantum_status = {r}.quantum_status"
)
_UPSERT_USAGE = (
    "INSERT INTO usage_counts (organization_id, algorithm, quantum_status, usages)"
    " VALUES (NEW.organization_id, NEW.algorithm, NEW.quantum_status, 1)"
    " ON CONFLICT (organization_id, algorithm, quantum_status)"
    " DO UPDATE SET usages = usage_counts.usages + 1"
)


def _fmt(sql: str) -> str:
    return sql.replace("{v}", _V)


SQLITE_TRIGGERS = [
    _fmt(f"""
CREATE TRIGGER usage_counts_insert AFTER INSERT ON crypto_usages BEGIN
  {_UPSERT_USAGE};
  UPDATE asset_counts SET vulnerable = vulnerable + 1
  WHERE NEW.quantum_status IN {{v}} AND {_ASSET_KEY.format(id="NEW.asset_id")}
    AND NOT EXISTS (SELECT 1 FROM crypto_usages WHERE asset_id = NEW.asset_id
                    AND quantum_status IN {{v}} AND id <> NEW.id);
END"""),
    _fmt(f"""
CREATE TRIGGER usage_counts_delete AFTER DELETE ON crypto_usages BEGIN
  UPDATE usage_counts SET usages = usages - 1 WHERE {_USAGE_KEY.format(r="OLD")};
  UPDATE asset_counts SET vulnerable = vulnerable - 1
  WHERE OLD.quantum_status IN {{v}} AND {_ASSET_KEY.format(id="OLD.asset_id")}
    AND NOT {_HAS_VULN.format(id="OLD.asset_id", v="{v}")};
END"""),
    _fmt(f"""
CREATE TRIGGER usage_counts_update
AFTER UPDATE OF organization_id, algorithm, quantum_status, asset_id ON crypto_usages
WHEN OLD.organization_id IS NOT NEW.organization_id OR OLD.algorithm IS NOT NEW.algorithm
  OR OLD.quantum_status IS NOT NEW.quantum_status OR OLD.asset_id IS NOT NEW.asset_id
BEGIN
  UPDATE usage_counts SET usages = usages - 1 WHERE {_USAGE_KEY.format(r="OLD")};
  {_UPSERT_USAGE};
  UPDATE asset_counts SET vulnerable = vulnerable - 1
  WHERE OLD.quantum_status IN {{v}}
    AND (NEW.quantum_status NOT IN {{v}} OR NEW.asset_id <> OLD.asset_id)
    AND {_ASSET_KEY.format(id="OLD.asset_id")}
    AND NOT {_HAS_VULN.format(id="OLD.asset_id", v="{v}")};
  UPDATE asset_counts SET vulnerable = vulnerable + 1
  WHERE NEW.quantum_status IN {{v}}
    AND (OLD.quantum_status NOT IN {{v}} OR NEW.asset_id <> OLD.asset_id)
    AND {_ASSET_KEY.format(id="NEW.asset_id")}
    AND NOT EXISTS (SELECT 1 FROM crypto_usages WHERE asset_id = NEW.asset_id
                    AND quantum_status IN {{v}} AND id <> NEW.id);
END"""),
    """
CREATE TRIGGER asset_counts_insert AFTER INSERT ON assets BEGIN
  INSERT INTO asset_counts (organization_id, exposure, assets, vulnerable)
  VALUES (NEW.organization_id, NEW.exposure, 1, 0)
  ON CONFLICT (organization_id, exposure) DO UPDATE SET assets = asset_counts.assets + 1;
END""",
    _fmt(f"""
CREATE TRIGGER asset_counts_delete BEFORE DELETE ON assets BEGIN
  UPDATE asset_counts SET assets = assets - 1,
    vulnerable = vulnerable - {_HAS_VULN.format(id="OLD.id", v="{v}")}
  WHERE organization_id = OLD.organization_id AND exposure = OLD.exposure;
END"""),
    _fmt(f"""
CREATE TRIGGER asset_counts_update AFTER UPDATE OF organization_id, exposure ON assets
WHEN OLD.organization_id IS NOT NEW.organization_id OR OLD.exposure IS NOT NEW.exposure
BEGIN
  UPDATE asset_counts SET assets = assets - 1,
    vulnerable = vulnerable - {_HAS_VULN.format(id="NEW.id", v="{v}")}
  WHERE organization_id = OLD.organization_id AND exposure = OLD.exposure;
  INSERT INTO asset_counts (organization_id, exposure, assets, vulnerable)
  VALUES (NEW.organization_id, NEW.exposure, 1, {_HAS_VULN.format(id="NEW.id", v="{v}")})
  ON CONFLICT (organization_id, exposure) DO UPDATE
  SET assets = asset_counts.assets + 1, vulnerable = asset_counts.vulnerable + excluded.vulnerable;
END"""),
]

# one advisory-lock class for the counters: pg_advisory_xact_lock(class, organization id)
LOCK_CLASS = 1129206339
_LOCK = "PERFORM pg_advisory_xact_lock(1129206339, {r}.organization_id);"
_PG_VULN = "(" + _HAS_VULN + ")::int"
# An organization's deletion cascades to its counters and its rows in no set order; a
# counter row this transaction already changed is checked against its foreign key again
# when updated, so decrements for a deleted organization are skipped (its counters go too)
_ORG_LIVES = "EXISTS (SELECT 1 FROM organizations WHERE id = OLD.organization_id)"

POSTGRESQL_ROW_TRIGGERS = [
    _fmt(f"""
CREATE FUNCTION pqcplan_usage_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    {_LOCK.format(r="OLD")}
    UPDATE usage_counts SET usages = usages - 1
    WHERE {_USAGE_KEY.format(r="OLD")} AND {_ORG_LIVES};
    IF OLD.quantum_status IN {{v}}
       AND (TG_OP = 'DELETE' OR NEW.quantum_status NOT IN {{v}} OR NEW.asset_id <> OLD.asset_id)
       AND NOT {_OTHER_VULN.format(id="OLD.asset_id", me="OLD.id", v="{v}")} THEN
      UPDATE asset_counts SET vulnerable = vulnerable - 1
      WHERE {_ASSET_KEY.format(id="OLD.asset_id")};
    END IF;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    {_LOCK.format(r="NEW")}
    {_UPSERT_USAGE};
    IF NEW.quantum_status IN {{v}}
       AND (TG_OP = 'INSERT' OR OLD.quantum_status NOT IN {{v}} OR NEW.asset_id <> OLD.asset_id)
       AND NOT {_OTHER_VULN.format(id="NEW.asset_id", me="NEW.id", v="{v}")} THEN
      UPDATE asset_counts SET vulnerable = vulnerable + 1
      WHERE {_ASSET_KEY.format(id="NEW.asset_id")};
    END IF;
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END $$"""),
    # BEFORE, unlike SQLite's AFTER: PostgreSQL's row AFTER triggers run once the whole
    # statement is done, so each would see every row of a many-row insert or delete; a
    # BEFORE trigger sees the rows before it, as SQLite's AFTER trigger does
    """
CREATE TRIGGER usage_counts_insert_delete BEFORE INSERT OR DELETE ON crypto_usages
FOR EACH ROW EXECUTE FUNCTION pqcplan_usage_counts()""",
    """
CREATE TRIGGER usage_counts_update
BEFORE UPDATE OF organization_id, algorithm, quantum_status, asset_id ON crypto_usages
FOR EACH ROW WHEN (OLD.organization_id IS DISTINCT FROM NEW.organization_id
  OR OLD.algorithm IS DISTINCT FROM NEW.algorithm
  OR OLD.quantum_status IS DISTINCT FROM NEW.quantum_status
  OR OLD.asset_id IS DISTINCT FROM NEW.asset_id)
EXECUTE FUNCTION pqcplan_usage_counts()""",
    _fmt(f"""
CREATE FUNCTION pqcplan_asset_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    {_LOCK.format(r="OLD")}
    UPDATE asset_counts SET assets = assets - 1,
      vulnerable = vulnerable - {_PG_VULN.format(id="OLD.id", v="{v}")}
    WHERE organization_id = OLD.organization_id AND exposure = OLD.exposure AND {_ORG_LIVES};
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    {_LOCK.format(r="NEW")}
    INSERT INTO asset_counts (organization_id, exposure, assets, vulnerable)
    VALUES (NEW.organization_id, NEW.exposure, 1, {_PG_VULN.format(id="NEW.id", v="{v}")})
    ON CONFLICT (organization_id, exposure) DO UPDATE
    SET assets = asset_counts.assets + 1,
        vulnerable = asset_counts.vulnerable + excluded.vulnerable;
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NULL;
END $$"""),
    """
CREATE TRIGGER asset_counts_insert AFTER INSERT ON assets
FOR EACH ROW EXECUTE FUNCTION pqcplan_asset_counts()""",
    """
CREATE TRIGGER asset_counts_delete BEFORE DELETE ON assets
FOR EACH ROW EXECUTE FUNCTION pqcplan_asset_counts()""",
    """
CREATE TRIGGER asset_counts_update AFTER UPDATE OF organization_id, exposure ON assets
FOR EACH ROW WHEN (OLD.organization_id IS DISTINCT FROM NEW.organization_id
  OR OLD.exposure IS DISTINCT FROM NEW.exposure)
EXECUTE FUNCTION pqcplan_asset_counts()""",
]

"""Migration 0011's PostgreSQL triggers, one call per row (0011 and 0013 carry their own
copies; the per-row pieces still in use, updates and asset deletes, are taken from here).
Each row's call updated the same few counter rows, and PostgreSQL
keeps every version of a row updated again and again in one transaction, so each update
walked a longer chain: 0.22 ms per usage for 1,000 usages in one transaction, 0.43 ms at
32,000, a quarter of an hour for a 500,000-usage import."""

# PostgreSQL since 0013: usage inserts and deletes and asset inserts counted once per
# statement from its transition tables (an import's COPY, `core.bulk`, moves each counter
# once). A
# usage change `k` is +1 for a new row and -1 for an old one; an asset's vulnerable flag
# after the statement is read from crypto_usages, and before it is that count minus the
# statement's change to it. Orgs are locked in id order, as one transaction's rows come.
_PG_LOCK_ORGS = (
    "PERFORM pg_advisory_xact_lock(1129206339, o.organization_id)"
    " FROM (SELECT DISTINCT organization_id FROM ({changes}) c ORDER BY 1) o;"
)
_PG_COUNT_USAGES = (
    "INSERT INTO usage_counts (organization_id, algorithm, quantum_status, usages)"
    " SELECT c.organization_id, c.algorithm, c.quantum_status, sum(c.k) FROM ({changes}) c"
    " WHERE EXISTS (SELECT 1 FROM organizations WHERE id = c.organization_id)"
    " GROUP BY 1, 2, 3 HAVING sum(c.k) <> 0"
    " ON CONFLICT (organization_id, algorithm, quantum_status)"
    " DO UPDATE SET usages = usage_counts.usages + excluded.usages;"
)
_PG_COUNT_VULNERABLE = _fmt(
    "UPDATE asset_counts ac SET vulnerable = ac.vulnerable + d.k FROM ("
    "  SELECT a.organization_id, a.exposure,"
    "    sum((x.now > 0)::int - ((x.now - x.delta) > 0)::int) AS k"
    "  FROM (SELECT c.asset_id, sum(c.k) AS delta,"
    "      (SELECT count(*) FROM crypto_usages u"
    "       WHERE u.asset_id = c.asset_id AND u.quantum_status IN {v}) AS now"
    "    FROM ({changes}) c WHERE c.quantum_status IN {v} GROUP BY c.asset_id) x"
    "  JOIN assets a ON a.id = x.asset_id"  # an asset deleted first took its flag along
    "  WHERE EXISTS (SELECT 1 FROM organizations WHERE id = a.organization_id)"
    "  GROUP BY 1, 2) d"
    " WHERE ac.organization_id = d.organization_id AND ac.exposure = d.exposure"
    " AND d.k <> 0;"
)
_USAGE_COLUMNS = "organization_id, algorithm, quantum_status, asset_id"
_PG_USAGE_CHANGES = {
    "INSERT": f"SELECT {_USAGE_COLUMNS}, 1 AS k FROM new_usages",
    "DELETE": f"SELECT {_USAGE_COLUMNS}, -1 AS k FROM old_usages",
}
_PG_REFERENCING = {"INSERT": "NEW TABLE AS new_usages", "DELETE": "OLD TABLE AS old_usages"}


def _pg_usage_statement_trigger(op: str) -> list[str]:
    name = op.lower()
    body = "".join(
        part.replace("{changes}", _PG_USAGE_CHANGES[op])
        for part in (_PG_LOCK_ORGS, _PG_COUNT_USAGES, _PG_COUNT_VULNERABLE)
    )
    return [
        f"CREATE FUNCTION pqcplan_usages_{name}() RETURNS trigger LANGUAGE plpgsql AS $$"
        f" BEGIN {body} RETURN NULL; END $$",
        f"CREATE TRIGGER usage_counts_{name} AFTER {op} ON crypto_usages"
        f" REFERENCING {_PG_REFERENCING[op]} FOR EACH STATEMENT"
        f" EXECUTE FUNCTION pqcplan_usages_{name}()",
    ]


def _row_trigger(created: str) -> str:
    """The statement of POSTGRESQL_ROW_TRIGGERS that creates `created` ("TRIGGER name")."""
    (sql,) = [sql for sql in POSTGRESQL_ROW_TRIGGERS if re.search(rf"CREATE {created}\b", sql)]
    return sql


_PG_ASSETS_INSERTED = _fmt(
    "CREATE FUNCTION pqcplan_assets_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    + _PG_LOCK_ORGS.replace("{changes}", "SELECT organization_id FROM new_assets")
    + " INSERT INTO asset_counts (organization_id, exposure, assets, vulnerable)"
    " SELECT n.organization_id, n.exposure, count(*), sum(("
    + _HAS_VULN.format(id="n.id", v="{v}")
    + ")::int) FROM new_assets n GROUP BY 1, 2"
    " ON CONFLICT (organization_id, exposure) DO UPDATE"
    " SET assets = asset_counts.assets + excluded.assets,"
    " vulnerable = asset_counts.vulnerable + excluded.vulnerable;"
    " RETURN NULL; END $$"
)

POSTGRESQL_TRIGGERS = [
    *_pg_usage_statement_trigger("INSERT"),
    *_pg_usage_statement_trigger("DELETE"),
    # updates stay per row, only when a counted column changes: a statement trigger would
    # run for every UPDATE (a re-import's last_seen, one statement per row)
    _row_trigger("FUNCTION pqcplan_usage_counts"),
    _row_trigger("TRIGGER usage_counts_update"),
    _PG_ASSETS_INSERTED,
    "CREATE TRIGGER asset_counts_insert AFTER INSERT ON assets"
    " REFERENCING NEW TABLE AS new_assets FOR EACH STATEMENT"
    " EXECUTE FUNCTION pqcplan_assets_insert()",
    # an asset's delete still runs per row and BEFORE its usages go with it (their flag
    # cannot be read after the cascade); its update (organization, exposure) is rare
    _row_trigger("FUNCTION pqcplan_asset_counts"),
    _row_trigger("TRIGGER asset_counts_delete"),
    _row_trigger("TRIGGER asset_counts_update"),
]
"""PostgreSQL's counting triggers (migration 0013)."""

_TRIGGERS = {
    "crypto_usages": ("usage_counts_insert", "usage_counts_delete", "usage_counts_update"),
    "assets": ("asset_counts_insert", "asset_counts_delete", "asset_counts_update"),
}
_PG_FUNCTIONS = (
    "pqcplan_usage_counts",
    "pqcplan_asset_counts",
    "pqcplan_usages_insert",
    "pqcplan_usages_delete",
    "pqcplan_assets_insert",
)
_PG_TRIGGERS = {
    "crypto_usages": ("usage_counts_insert_delete", *_TRIGGERS["crypto_usages"]),
    "assets": _TRIGGERS["assets"],
}

REFILL = [
    "DELETE FROM usage_counts",
    "DELETE FROM asset_counts",
    "INSERT INTO usage_counts (organization_id, algorithm, quantum_status, usages)"
    " SELECT organization_id, algorithm, quantum_status, count(*) FROM crypto_usages"
    " GROUP BY organization_id, algorithm, quantum_status",
    _fmt(
        "INSERT INTO asset_counts (organization_id, exposure, assets, vulnerable)"
        " SELECT a.organization_id, a.exposure, count(*),"
        " sum(CASE WHEN EXISTS (SELECT 1 FROM crypto_usages u WHERE u.asset_id = a.id"
        " AND u.quantum_status IN {v}) THEN 1 ELSE 0 END)"
        " FROM assets a GROUP BY a.organization_id, a.exposure"
    ),
]


def install_triggers(connection: Any) -> None:
    """Create the counting triggers and fill the counters from the rows already there."""
    postgres = connection.dialect.name == "postgresql"
    for sql in POSTGRESQL_TRIGGERS if postgres else SQLITE_TRIGGERS:
        connection.execute(text(sql))
    refill(connection)


def refill(connection: Any) -> None:
    """Recount every counter from the rows (what the triggers keep true from then on)."""
    for sql in REFILL:
        connection.execute(text(sql))


def drop_triggers(connection: Any) -> None:
    postgres = connection.dialect.name == "postgresql"
    for table, names in (_PG_TRIGGERS if postgres else _TRIGGERS).items():
        for name in names:
            on = f" ON {table}" if postgres else ""
            connection.execute(text(f"DROP TRIGGER IF EXISTS {name}{on}"))
    if postgres:
        for function in _PG_FUNCTIONS:
            connection.execute(text(f"DROP FUNCTION IF EXISTS {function}()"))


# `create_all` (the stateless judge's scratch database) gets the triggers too
on_create_all({"usage_counts", "asset_counts", "assets", "crypto_usages"}, install_triggers)


_LOCKED = "pqcplan_counter_locks"


def lock_counters(session: Session, organization_ids: Iterable[int]) -> None:
    """On PostgreSQL, take each organization's counter lock (in id order, once per
    transaction) before writing its assets or usages; nothing on SQLite (one writer).
    Either way the organizations are noted as written (`inventory.changes`)."""
    ids = {int(i) for i in organization_ids if i is not None}
    note_written(session, ids)
    hold_counter_locks(session, ids)


def hold_counter_locks(session: Session, organization_ids: Iterable[int]) -> None:
    """The locks of `lock_counters` alone, for a writer that writes no assets or usages but
    must not interleave with their deletion (a plan's tasks, `migration.links`)."""
    ids = {int(i) for i in organization_ids if i is not None}
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return
    held: set[int] = session.info.setdefault(_LOCKED, set())
    for org_id in sorted(ids - held):
        session.execute(
            text("SELECT pg_advisory_xact_lock(:cls, :org)"), {"cls": LOCK_CLASS, "org": org_id}
        )
        held.add(org_id)


@event.listens_for(Session, "before_flush")
def _lock_before_writing(session: Session, _context: Any, _instances: Any) -> None:
    """An ORM flush that writes assets or usages (or deletes an organization, whose cascade
    does) takes their organizations' counter locks before its first statement."""
    from core.models import Organization
    from inventory.models.asset import Asset, CryptoUsage

    orgs = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Asset | CryptoUsage):
            orgs.add(obj.organization_id)
        elif isinstance(obj, Organization) and obj in session.deleted:
            orgs.add(obj.id)
    if orgs:
        lock_counters(session, orgs)


@event.listens_for(Session, "after_transaction_end")
def _forget_locks(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the outermost transaction is over: its locks are gone
        session.info.pop(_LOCKED, None)
