"""API keys: 256-bit random secrets, stored only as SHA-256 digests."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from inventory.choices import Role
from inventory.models import ApiKey
from inventory.tenancy import Principal

KEY_PREFIX = "pqc_"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_key(session: Session, organization_id: int, role: Role, name: str) -> tuple[ApiKey, str]:
    """Create a key; the plain secret is returned once and never stored."""
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(
        organization_id=organization_id,
        role=role,
        name=name,
        prefix=secret[: len(KEY_PREFIX) + 6],
        secret_hash=hash_secret(secret),
    )
    session.add(row)
    session.flush()
    return row, secret


def register_known_key(
    session: Session, organization_id: int, role: Role, name: str, secret: str
) -> ApiKey:
    """Store a caller-chosen secret (bootstrap admin key from settings), idempotently."""
    digest = hash_secret(secret)
    row = session.scalar(select(ApiKey).where(ApiKey.secret_hash == digest))
    if row is None:
        row = ApiKey(
            organization_id=organization_id,
            role=role,
            name=name,
            prefix=secret[:10],
            secret_hash=digest,
        )
        session.add(row)
        session.flush()
    return row


def authenticate(session: Session, secret: str) -> Principal | None:
    row = session.scalar(select(ApiKey).where(ApiKey.secret_hash == hash_secret(secret)))
    if row is None or row.revoked_at is not None:
        return None
    return Principal(
        organization_id=row.organization_id, role=row.role, name=row.name, api_key_id=row.id
    )


def revoke(session: Session, key: ApiKey) -> None:
    key.revoked_at = datetime.now(UTC)
