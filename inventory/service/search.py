"""One search box over the inventory: asset names, references, owners and locations, and
the usages' algorithms (as written and canonical), references and evidence (file:line,
JSON path, host), partial and case-insensitive.

Each kind of match reads at most `limit` + 1 rows. Canonical algorithm names are matched in
the per-organization counters and then looked up by index. Names, references and the
usages' own text (spelling, reference, evidence) are found by the trigram indexes of
`inventory.search_index` (migration 0020) when the text has three characters or more.
Shorter text, or a SQLite without the trigram tokenizer, scans the usages against a time
budget: a rare two-letter word in half a million usages stops at the budget and the answer
says the usages were not all read, rather than keeping a person waiting.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from core.tenancy import Principal, scoped
from inventory.models import Asset, CryptoUsage
from inventory.search_index import ASSETS, USAGES, matches
from inventory.service.listing import algorithms_like

ASSET_FIELDS = ASSETS.columns  # name, ref, owner, location, vendor, product
USAGE_TEXT_FIELDS = USAGES.columns  # algorithm_raw, ref, evidence, library, cert_subject
SCAN_BUDGET_MS = 250


@dataclass
class Hit:
    asset: Asset
    fields: list[str] = field(default_factory=list)  # asset columns that matched
    usages: list[CryptoUsage] = field(default_factory=list)  # its usages that matched


@dataclass
class SearchResult:
    text: str
    hits: list[Hit]
    more: bool  # more assets or usages match than are shown
    complete: bool = True  # False: the usages' evidence was not all read within the budget


class _OutOfTime(Exception):
    pass


@contextmanager
def time_budget(session: Session, milliseconds: int) -> Iterator[None]:
    """Stop the statements run inside after `milliseconds` (raises _OutOfTime), inside a
    savepoint so the request's transaction carries on."""
    nested = session.begin_nested()
    connection = session.connection()
    dialect = connection.dialect.name
    raw: Any = connection.connection.dbapi_connection
    try:
        if dialect == "sqlite":
            deadline = time.monotonic() + milliseconds / 1000
            raw.set_progress_handler(lambda: int(time.monotonic() > deadline), 20_000)
        elif dialect == "postgresql":
            connection.execute(text(f"SET LOCAL statement_timeout = {int(milliseconds)}"))
        try:
            yield
        except OperationalError as exc:
            nested.rollback()
            if _interrupted(exc):
                raise _OutOfTime() from None
            raise
        else:
            if dialect == "postgresql":
                connection.execute(text("SET LOCAL statement_timeout = 0"))
            nested.commit()
    finally:
        if dialect == "sqlite":
            raw.set_progress_handler(None, 0)


def _interrupted(exc: OperationalError) -> bool:
    words = str(exc.orig).lower()
    return "interrupted" in words or "statement timeout" in words or "canceling statement" in words


def search(session: Session, principal: Principal, text_: str, limit: int = 50) -> SearchResult:
    principal.require_read()
    text_ = text_.strip()
    if not text_:
        return SearchResult(text_, [], False)
    lowered = text_.casefold()
    assets = list(
        session.scalars(
            scoped(select(Asset), Asset, principal)
            .where(matches(session, ASSETS, Asset, ASSET_FIELDS, text_))
            .order_by(Asset.id)
            .limit(limit + 1)
        )
    )
    usages: dict[int, CryptoUsage] = {}
    names = algorithms_like(session, principal, text_)
    if names:  # canonical names from the counters, then by index
        stmt = scoped(select(CryptoUsage), CryptoUsage, principal)
        stmt = stmt.where(CryptoUsage.algorithm.in_(names)).order_by(CryptoUsage.id)
        usages.update((u.id, u) for u in session.scalars(stmt.limit(limit + 1)))
    complete = True
    if len(usages) <= limit:
        stmt = scoped(select(CryptoUsage), CryptoUsage, principal)
        try:
            with time_budget(session, SCAN_BUDGET_MS):
                stmt = stmt.where(matches(session, USAGES, CryptoUsage, USAGE_TEXT_FIELDS, text_))
                found = list(session.scalars(stmt.order_by(CryptoUsage.id).limit(limit + 1)))
            usages.update((u.id, u) for u in found)
        except _OutOfTime:
            complete = False
    ordered_usages = sorted(usages.values(), key=lambda u: u.id)
    more = len(assets) > limit or len(ordered_usages) > limit
    hits: dict[int, Hit] = {}
    for asset in assets[:limit]:
        matched = [n for n in ASSET_FIELDS if lowered in str(getattr(asset, n) or "").casefold()]
        hits[asset.id] = Hit(asset, matched)
    for usage in ordered_usages[:limit]:
        hit = hits.get(usage.asset_id)
        if hit is None:
            hit = hits[usage.asset_id] = Hit(usage.asset)
        hit.usages.append(usage)
    ordered = sorted(hits.values(), key=lambda h: (h.asset.name.casefold(), h.asset.id))
    return SearchResult(text_, ordered, more, complete)
