"""API keys: 256-bit random secrets, stored only as SHA-256 digests."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import record
from core.choices import Role, Sector, Tier
from core.errors import InputError
from core.i18n import N_
from core.models import ApiKey, Organization
from core.tenancy import Principal

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


BOOTSTRAP_ORG_SLUG = "pqcplan-admin"
BOOTSTRAP_KEY_NAME = "bootstrap admin (BOOTSTRAP_ADMIN_KEY)"
_BOOTSTRAP_KEY_SHAPE = re.compile(r"[A-Za-z0-9._~+/=-]{32,256}")


def check_bootstrap_secret(secret: str) -> None:
    """Refuse a secret too short to resist guessing, or one no HTTP header can carry."""
    if not _BOOTSTRAP_KEY_SHAPE.fullmatch(secret):
        raise InputError(
            N_(
                "must be 32 to 256 characters of letters, digits and -._~+/= "
                "(got {count} characters); generate one with: {command}"
            ),
            "BOOTSTRAP_ADMIN_KEY",
            count=len(secret),
            command="python3 -c 'import secrets; print(secrets.token_urlsafe(32))'",
        )


def ensure_bootstrap_admin(session: Session, secret: str) -> ApiKey:
    """Make sure an admin key with this secret exists, in the bootstrap organization.

    Idempotent: an existing key with the same digest is returned as it is, even when
    revoked (a revocation is a decision this function does not undo).
    """
    check_bootstrap_secret(secret)
    digest = hash_secret(secret)
    row = session.scalar(select(ApiKey).where(ApiKey.secret_hash == digest))
    if row is not None:
        return row
    org = session.scalar(select(Organization).where(Organization.slug == BOOTSTRAP_ORG_SLUG))
    if org is None:
        org = Organization(
            slug=BOOTSTRAP_ORG_SLUG,
            name="pqcplan administrators",
            sector=Sector.OTHER,
            tier=Tier.PRIVATE,
            description="Holds the key from BOOTSTRAP_ADMIN_KEY; admins act in every organization.",
        )
        session.add(org)
        session.flush()
    row = ApiKey(
        organization_id=org.id,
        role=Role.ADMIN,
        name=BOOTSTRAP_KEY_NAME,
        prefix=secret[:6],  # shown in key lists: no more of a chosen secret than that
        secret_hash=digest,
    )
    session.add(row)
    session.flush()
    actor = Principal(organization_id=org.id, role=Role.ADMIN, name="bootstrap")
    record(session, actor, "create", "api_key", row.id, org.id, {"role": "admin"})
    return row


_PRINCIPAL_COLUMNS = select(ApiKey.organization_id, ApiKey.role, ApiKey.name, ApiKey.id)


def authenticate(session: Session, secret: str) -> Principal | None:
    """The principal of a live key, read on every request (no cache: a revocation holds at
    once in every process). Four columns by the unique digest, no ORM object built."""
    row = session.execute(
        _PRINCIPAL_COLUMNS.where(
            ApiKey.secret_hash == hash_secret(secret), ApiKey.revoked_at.is_(None)
        )
    ).first()
    if row is None:
        return None
    organization_id, role, name, key_id = row
    return Principal(organization_id=organization_id, role=role, name=name, api_key_id=key_id)


def revoke(session: Session, key: ApiKey) -> None:
    key.revoked_at = datetime.now(UTC)
