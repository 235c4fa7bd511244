"""Sign-in with an API key, a server-side session row, and CSRF tokens for every form.

The cookie carries a 256-bit random token; the database keeps its SHA-256 digest, the CSRF
token and when the session ends. Each request re-reads the API key, so revoking the key
ends its browser sessions at once; signing out ends the row, so a copied cookie is dead.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.apikeys import authenticate
from core.models import ApiKey, WebSession
from core.tenancy import Principal

COOKIE = "pqcplan_session"
PRE_CSRF_COOKIE = "pqcplan_signin_csrf"  # double-submit token of the sign-in form
LIFETIME = timedelta(hours=8)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, api_key_secret: str) -> tuple[str, Principal] | None:
    """A new session for a valid, unrevoked key: (cookie token, principal), else None."""
    principal = authenticate(session, api_key_secret)
    if principal is None or principal.api_key_id is None:
        return None
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    session.add(
        WebSession(
            organization_id=principal.organization_id,
            token_hash=_digest(token),
            api_key_id=principal.api_key_id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + LIFETIME,
        )
    )
    session.flush()
    return token, principal


def resolve(session: Session, token: str | None) -> tuple[WebSession, Principal] | None:
    """The live session and its principal for a cookie token, or None (ended, expired, revoked)."""
    if not token or len(token) > 128:
        return None
    row = session.scalar(select(WebSession).where(WebSession.token_hash == _digest(token)))
    if row is None or row.ended_at is not None or row.expires_at <= datetime.now(UTC):
        return None
    key = session.get(ApiKey, row.api_key_id)
    if key is None or key.revoked_at is not None:
        return None
    principal = Principal(
        organization_id=key.organization_id, role=key.role, name=key.name, api_key_id=key.id
    )
    return row, principal


def end_session(session: Session, token: str | None) -> None:
    if not token or len(token) > 128:
        return
    row = session.scalar(select(WebSession).where(WebSession.token_hash == _digest(token)))
    if row is not None and row.ended_at is None:
        row.ended_at = datetime.now(UTC)


def csrf_ok(expected: str | None, given: str | None) -> bool:
    return bool(expected and given) and hmac.compare_digest(str(expected), str(given))
