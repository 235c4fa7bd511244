"""Token buckets shared by every process on one PostgreSQL database (the scaled mode).

One row per (scope, key) in ``rate_limit_buckets``; one upsert refills and locks it, all
on the database's clock, so N API processes and M workers on any machines count together.
"""

from __future__ import annotations

import math

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

_REFILL = text(
    """
    INSERT INTO rate_limit_buckets (scope, key, tokens, updated_at)
    VALUES (:scope, :key, :cap, extract(epoch FROM clock_timestamp()))
    ON CONFLICT (scope, key) DO UPDATE SET
        tokens = LEAST(:cap, rate_limit_buckets.tokens
                 + (EXCLUDED.updated_at - rate_limit_buckets.updated_at) * :rate),
        updated_at = EXCLUDED.updated_at
    RETURNING tokens
    """
)
_SPEND = text(
    "UPDATE rate_limit_buckets SET tokens = tokens - :cost WHERE scope = :scope AND key = :key"
)


def take(
    sessions: sessionmaker[Session],
    scope: str,
    key: str,
    capacity: float,
    per_second: float,
    cost: float = 1.0,
    *,
    spend_when_empty: bool = False,
) -> int | None:
    """Take ``cost`` tokens; None if taken, else whole seconds until they would be there.

    ``spend_when_empty`` counts the cost even when short (failure counters), never below zero.
    """
    args = {"scope": scope, "key": key, "cap": capacity, "rate": per_second}
    with sessions.begin() as session:
        tokens = float(session.execute(_REFILL, args).scalar_one())
        if tokens >= cost or spend_when_empty:
            spent = min(cost, tokens) if spend_when_empty else cost
            session.execute(_SPEND, {**args, "cost": spent})
        if tokens >= cost:
            return None
    return max(1, math.ceil((cost - tokens) / per_second))


_LEVEL = text(
    """
    SELECT LEAST(:cap, tokens + (extract(epoch FROM clock_timestamp()) - updated_at) * :rate)
    FROM rate_limit_buckets WHERE scope = :scope AND key = :key
    """
)


def peek(session: Session, scope: str, key: str, capacity: float, per_second: float) -> int | None:
    """Seconds until one token is back (None if one is there now); takes nothing.

    Reads only, in the caller's transaction: no row is written or locked, so a check on
    every request (the failed-key budget) costs one SELECT and never queues requests from
    one address behind each other. Refilling is linear and capped, so computing the level
    here gives what the refill in `take` would give.
    """
    args = {"scope": scope, "key": key, "cap": capacity, "rate": per_second}
    level = session.execute(_LEVEL, args).scalar()
    tokens = capacity if level is None else float(level)
    return None if tokens >= 1 else max(1, math.ceil((1 - tokens) / per_second))
