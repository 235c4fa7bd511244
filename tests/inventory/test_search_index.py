"""The trigram search (revision 0020) finds exactly what the plain scan finds, on SQLite and
PostgreSQL: mixed case, Korean, LIKE's wildcards typed as text, quotes, one and two
characters (which scan), across every searched column; only the caller's organization's
rows; and the SQLite index stays in step with inserts, updates and deletes."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from core.choices import Role, Sector, Tier
from core.db import session_factory
from core.models import Organization
from core.tenancy import Principal
from inventory import search_index
from inventory.choices import AssetType, Primitive, QuantumStatus
from inventory.models import Asset, CryptoUsage
from inventory.search_index import ASSETS, USAGES, contains, matches
from inventory.service.assets import AssetFilter
from inventory.service.listing import Sort, list_page
from inventory.service.search import search

NAMES = [
    ("Keycloak SSO", "kc-1", "Identity Team", "https://sso.example.kr"),
    ("키클록 인증 서버", "인증-1", "보안팀", "서울 IDC"),
    ("50%_off promo", "promo_50%", None, None),
    ("5000 off", "promo-5000", None, None),
    ("a_b gateway", "a_b", None, None),
    ("axb gateway", "axb", None, None),
    ("ÄBC Gateway", "abc-upper", None, None),
    ("äbc gateway", "abc-lower", None, None),
    ("Back\\slash host", "bs-1", None, "C:\\keys\\host"),
    ('say "hi" node', "quote-1", None, None),
    ("KEYCLOAK admin", "KC-2", None, None),
]
USAGE_TEXT = [  # algorithm_raw, ref, evidence, library, cert_subject
    ("rsaEncryption", "u-kc", "src/main/java/Login.java:42", "Bouncy Castle 1.78", None),
    ("RSA-2048", "u-kr", "설정/보안.yaml:7", "OpenSSL 3.0", "CN=키클록, O=보안팀"),
    ("ecdsa_p256", "u-50%", "conf/50%_off.conf:1", None, None),
]
QUERIES = [
    "keycloak",
    "KEYCLOAK",
    "KeyCloak SSO",
    "cloak",
    "키클록",
    "클록 인",
    "보안",
    "클",
    "50%",
    "%",
    "%_",
    "_",
    "a_b",
    "promo_",
    "\\",
    "\\keys\\",
    "ke",
    "K",
    "java:4",
    "JAVA:42",
    "äbc",
    "ÄBC",
    "abc",
    'say "hi"',
    '"',
    "missing word",
    "gateway",
    "rsa",
    "RSAENC",
    "cn=키클",
    "bouncy castle",
    "sso.example.kr",
    "  ",
]


def _seed(url: str) -> tuple[Principal, Principal]:
    with session_factory(url).begin() as s:
        orgs = []
        for slug in ("mine", "theirs"):
            org = Organization(
                slug=slug, name=slug, sector=Sector.GOVERNMENT, tier=Tier.CENTRAL_GOVERNMENT
            )
            s.add(org)
            s.flush()
            orgs.append(org.id)
        for org_id in orgs:  # the other tenant holds the very same words
            assets = []
            for name, ref, owner, location in NAMES:
                asset = Asset(
                    organization_id=org_id,
                    name=name,
                    ref=ref,
                    owner=owner,
                    location=location,
                    vendor="Red Hat" if "Keycloak" in name else None,
                    asset_type=AssetType.APPLICATION,
                )
                s.add(asset)
                assets.append(asset)
            s.flush()
            for asset, (raw, ref, evidence, library, subject) in zip(
                assets, USAGE_TEXT, strict=False
            ):
                s.add(
                    CryptoUsage(
                        organization_id=org_id,
                        asset_id=asset.id,
                        ref=ref,
                        algorithm="RSA-2048",
                        algorithm_raw=raw,
                        primitive=Primitive.SIGNATURE,
                        quantum_status=QuantumStatus.BROKEN,
                        status_reason="test",
                        catalog_version="test",
                        evidence=evidence,
                        library=library,
                        cert_subject=subject,
                    )
                )
    return Principal(orgs[0], Role.OFFICER, "mine"), Principal(orgs[1], Role.OFFICER, "theirs")


def _ids(s: Session, model: Any, cond: Any, org_id: int) -> list[int]:
    stmt = select(model.id).where(model.organization_id == org_id, cond).order_by(model.id)
    return list(s.scalars(stmt))


@pytest.fixture
def seeded(db_url: str) -> Any:
    mine, theirs = _seed(db_url)
    with session_factory(db_url)() as s:
        yield s, mine, theirs


@pytest.mark.parametrize("scan_cap", [search_index.SCAN_CAP, 1])
def test_the_index_finds_exactly_what_the_scan_finds(seeded, monkeypatch, scan_cap) -> None:
    """scan_cap 1: every word is 'common', so SQLite takes its scan path, which must agree too."""
    monkeypatch.setattr(search_index, "SCAN_CAP", scan_cap)
    s, mine, _ = seeded
    found_any = 0
    for q in QUERIES:
        for index, model in ((ASSETS, Asset), (USAGES, CryptoUsage)):
            for columns in (index.columns, index.columns[:1], index.columns[-2:]):
                plain = _ids(
                    s,
                    model,
                    contains(s, [getattr(model, c) for c in columns], q),
                    mine.organization_id,
                )
                indexed = _ids(s, model, matches(s, index, model, columns, q), mine.organization_id)
                assert indexed == plain, (q, index.table, columns)
                found_any += bool(plain)
    assert found_any > 40  # the queries do find things


def _expected_assets(s: Session, principal: Principal, q: str, fields: tuple[str, ...]) -> set[str]:
    """The plain scan, written out again in Python over the caller's rows (case folded as
    each database folds it: ASCII only on SQLite, every letter on PostgreSQL)."""
    ascii_only = s.get_bind().dialect.name == "sqlite"

    def fold(v: str) -> str:
        return "".join(c.lower() if c.isascii() else c for c in v) if ascii_only else v.lower()

    rows = s.scalars(select(Asset).where(Asset.organization_id == principal.organization_id))
    return {a.ref for a in rows if any(fold(q) in fold(getattr(a, f) or "") for f in fields)}


def test_the_console_search_and_list_agree_with_a_plain_filter(seeded) -> None:
    s, mine, theirs = seeded
    for q in QUERIES:
        q = q.strip()
        if not q:
            continue
        result = search(s, mine, q)
        shown = {h.asset.ref for h in result.hits if h.fields}
        assert result.complete, q
        assert shown == _expected_assets(s, mine, q, ASSETS.columns), q
        assert all(h.asset.organization_id == mine.organization_id for h in result.hits), q
        for h in result.hits:
            assert all(u.organization_id == mine.organization_id for u in h.usages), q
        page = list_page(s, mine, AssetFilter(q=q), Sort(), limit=100)
        listed = {a.ref for a in page.rows}
        assert listed == _expected_assets(s, mine, q, ("name", "ref", "owner", "location")), q
        assert page.total == len(listed), q
        assert all(a.organization_id == mine.organization_id for a in page.rows), q
    hits = search(s, theirs, "java:42").hits  # the evidence line, in the other tenant's rows
    assert [u.organization_id for h in hits for u in h.usages] == [theirs.organization_id]


def test_longer_words_go_by_the_index(seeded) -> None:
    """The plan reads the trigram index (PostgreSQL: with plain scans priced out, as they
    are at 100,000 rows; these few rows would otherwise be read whole)."""
    s, _, _ = seeded
    stmt = select(Asset.id).where(matches(s, ASSETS, Asset, ASSETS.columns, "keycloak"))
    compiled = stmt.compile(s.get_bind())
    if s.get_bind().dialect.name == "sqlite":
        params = tuple(compiled.params[k] for k in compiled.positiontup or ())
        rows = s.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params)
        plan = " ".join(str(r) for r in rows)
        assert "VIRTUAL TABLE INDEX" in plan, plan
    else:
        s.execute(text("SET LOCAL enable_seqscan = off"))
        s.execute(text("SET LOCAL enable_indexscan = off"))
        rows = s.connection().exec_driver_sql(f"EXPLAIN {compiled}", compiled.params)
        plan = "\n".join(r[0] for r in rows)
        assert f"Bitmap Index Scan on {ASSETS.pg_index}" in plan, plan
    short = matches(s, ASSETS, Asset, ASSETS.columns, "ke")  # no trigram: the plain scan
    assert str(short.compile(s.get_bind())) == str(
        contains(s, [getattr(Asset, c) for c in ASSETS.columns], "ke").compile(s.get_bind())
    )


def test_the_sqlite_index_follows_inserts_updates_and_deletes(sqlite_url) -> None:
    mine, _ = _seed(sqlite_url)
    sessions = session_factory(sqlite_url)
    with sessions.begin() as s:
        kc = s.scalars(
            select(Asset).where(Asset.organization_id == mine.organization_id, Asset.ref == "kc-1")
        ).one()
        kc.name = "Zitadel SSO"
        usage = s.scalars(select(CryptoUsage).where(CryptoUsage.ref == "u-kc")).first()
        usage.evidence = "src/Other.kt:9"
        s.delete(s.scalars(select(Asset).where(Asset.ref == "abc-lower")).first())
        s.add(
            Asset(
                organization_id=mine.organization_id,
                name="New Keycloak",
                ref="kc-3",
                asset_type=AssetType.APPLICATION,
            )
        )
    with sessions() as s:
        for q in ("zitadel", "keycloak", "Keycloak SSO", "äbc", "other.kt", "login.java"):
            for index, model in ((ASSETS, Asset), (USAGES, CryptoUsage)):
                plain = _ids(
                    s,
                    model,
                    contains(s, [getattr(model, c) for c in index.columns], q),
                    mine.organization_id,
                )
                assert (
                    _ids(s, model, matches(s, index, model, index.columns, q), mine.organization_id)
                    == plain
                ), q
        refs = set(
            s.scalars(
                select(Asset.ref).where(
                    Asset.id.in_(
                        select(Asset.id).where(matches(s, ASSETS, Asset, ("name",), "keycloak"))
                    ),
                    Asset.organization_id == mine.organization_id,
                )
            )
        )
        assert refs == {"KC-2", "kc-3"}
        for ix in search_index.INDEXES:  # the index agrees with its table, row for row
            s.execute(text(f"INSERT INTO {ix.fts}({ix.fts}) VALUES ('integrity-check')"))
        triggers = set(s.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))
        for ix in search_index.INDEXES:
            assert {f"{ix.fts}_insert", f"{ix.fts}_update", f"{ix.fts}_delete"} <= triggers
