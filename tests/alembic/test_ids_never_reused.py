"""A deleted row's id never goes to a later row (migration 0006: AUTOINCREMENT on SQLite)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from core.choices import Role, Sector, Tier
from core.schema import downgrade, upgrade
from inventory.search_index import not_search_index

_SAMPLE = {  # a value for each declared SQLite column type
    "INTEGER": 1,
    "BIGINT": 1,
    "SMALLINT": 1,
    "FLOAT": 1.0,
    "NUMERIC": 1,
    "BOOLEAN": 0,
    "DATETIME": "2026-01-01 00:00:00",
    "DATE": "2026-01-01",
    "JSON": "{}",
    "BLOB": b"x",
    "TEXT": "x",
}


def _value(declared: str, column: str, organization_id: int) -> object:
    if column == "organization_id":
        return organization_id
    base = declared.split("(")[0].upper()
    return _SAMPLE.get(base, "x")  # VARCHAR(n) and friends


def _insert(db: sqlite3.Connection, table: str, organization_id: int) -> int:
    cols = [
        (name, declared)
        for _, name, declared, notnull, default, pk in db.execute(f'PRAGMA table_info("{table}")')
        if not pk and notnull and default is None
    ]
    names = ", ".join(f'"{n}"' for n, _ in cols)
    marks = ", ".join("?" for _ in cols)
    values = [_value(d, n, organization_id) for n, d in cols]
    sql = f'INSERT INTO "{table}" ({names}) VALUES ({marks})' if cols else None
    cur = db.execute(sql or f'INSERT INTO "{table}" DEFAULT VALUES', values)
    return int(cur.lastrowid)


def _tables(db: sqlite3.Connection) -> list[str]:
    """Tables with a surrogate integer ``id`` key: the ones whose ids could be reused.

    Tables keyed by natural keys (e.g. ``rate_limit_buckets`` by scope and key) hand out
    no ids at all. FTS5's own shadow tables of the search index (revision 0020) number
    their index blocks, not rows anyone sees: they are SQLite's, left out by name."""
    rows = db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' "
        "AND name NOT LIKE 'sqlite_%' AND name != 'alembic_version' ORDER BY name"
    )
    names = [r[0] for r in rows if not_search_index(r[0], "table", {})]
    return [
        name
        for name in names
        if any(
            col[1] == "id" and col[5] == 1 and col[2].upper() == "INTEGER"
            for col in db.execute(f'PRAGMA table_info("{name}")')
        )
    ]


def test_every_sqlite_table_never_reuses_an_id(sqlite_url):
    """Org A's newest row is deleted; org B's next row gets a new id, in every table."""
    db = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))
    db.execute("PRAGMA foreign_keys=OFF")  # rows in isolation: parents do not matter here
    tables = _tables(db)
    assert len(tables) >= 16
    for table in tables:
        sql = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
        assert "AUTOINCREMENT" in sql, f"{table} would reuse ids:\n{sql}"
        first = _insert(db, table, organization_id=1)
        db.execute(f'DELETE FROM "{table}" WHERE id = ?', (first,))
        second = _insert(db, table, organization_id=2)
        assert second > first, f"{table}: id {first} of a deleted row was given again"
    db.rollback()
    db.close()


def test_api_ids_stay_unique_across_tenants(api):
    """The issue's case over HTTP, on SQLite and PostgreSQL: the audit log stays unambiguous."""
    a = api.headers(api.make_org("a", Sector.FINANCE, Tier.PRIVATE), Role.OFFICER)
    b = api.headers(api.make_org("b", Sector.ENERGY, Tier.PRIVATE), Role.OFFICER)
    body = {"name": "Portal", "asset_type": "application"}
    first = api.client.post("/api/v1/assets", headers=a, json=body).json()["id"]
    assert api.client.delete(f"/api/v1/assets/{first}", headers=a).status_code == 204
    second = api.client.post("/api/v1/assets", headers=b, json=body).json()["id"]
    assert second != first
    audit_a = api.client.get("/api/v1/audit", headers=a, params={"entity": "asset"}).json()
    audit_b = api.client.get("/api/v1/audit", headers=b, params={"entity": "asset"}).json()
    ids_a = {e["entity_id"] for e in audit_a}
    ids_b = {e["entity_id"] for e in audit_b}
    assert ids_a == {str(first)} and ids_b == {str(second)}


def _seed_0005(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("PRAGMA foreign_keys=ON")
    now = "2026-01-01 00:00:00"
    db.execute(
        "INSERT INTO organizations (id, slug, name, sector, tier, country, created_at, "
        "updated_at) VALUES (1, 'a', 'A', 'finance', 'private', 'KR', ?, ?)",
        (now, now),
    )
    db.execute(
        "INSERT INTO api_keys (id, organization_id, name, role, prefix, secret_hash, "
        "created_at) VALUES (1, 1, 'k', 'officer', 'pqc_ab', 'h', ?)",
        (now,),
    )
    for asset_id in (1, 2):
        db.execute(
            "INSERT INTO assets (id, organization_id, ref, name, asset_type, environment, "
            "criticality, exposure, data_sensitivity, secrecy_years, created_at, updated_at) "
            "VALUES (?, 1, ?, 'x', 'application', 'production', 'high', 'internal', "
            "'internal', 5, ?, ?)",
            (asset_id, f"r{asset_id}", now, now),
        )
    db.execute("DELETE FROM assets WHERE id = 2")  # before 0006: id 2 would be handed out again
    db.commit()
    db.close()


def test_upgrade_keeps_rows_and_references_and_downgrade_works(tmp_path):
    """Recreating a parent table must not cascade-delete its children (foreign keys off)."""
    path = tmp_path / "old.sqlite3"
    url = f"sqlite:///{path}"
    upgrade(url, "0005")
    _seed_0005(path)
    upgrade(url, "0006")
    db = sqlite3.connect(path)
    assert db.execute("SELECT count(*) FROM api_keys").fetchone() == (1,)
    assert db.execute("SELECT id FROM assets").fetchall() == [(1,)]
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    indexes = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"ix_assets_org_id", "ix_api_keys_prefix"} <= indexes
    db.close()
    downgrade(url, "0005")
    db = sqlite3.connect(path)
    assert db.execute("SELECT count(*) FROM assets").fetchone() == (1,)
    assert (
        "AUTOINCREMENT"
        not in db.execute("SELECT sql FROM sqlite_master WHERE name = 'assets'").fetchone()[0]
    )
    db.close()
