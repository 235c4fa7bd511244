"""Vendor test sessions, their signed reports, and the testbed's report-signing key.

A :class:`VendorSession` holds what the vendor was sent (``challenge``) and what the testbed
keeps to judge the answer (``secret``: its own secret keys, the expected answers). ``secret``
is never returned over the API. A session is answered at most once (``state`` moves from
``open`` to ``finished`` in one guarded UPDATE).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, TenantMixin, UTCDateTime, enum_column, utcnow


class CheckKind(StrEnum):
    KEM_RECEIVER = "kem_receiver"  # vendor decapsulates the testbed's ciphertexts
    KEM_SENDER = "kem_sender"  # vendor encapsulates to the testbed's keys
    SIG_VENDOR_SIGNS = "sig_vendor_signs"  # vendor signs the testbed's challenge
    SIG_VENDOR_VERIFIES = "sig_vendor_verifies"  # vendor grades the testbed's signatures
    ACVP_MLKEM = "acvp_mlkem"  # FIPS 203 vectors (keyGen / encapDecap)
    ACVP_MLDSA = "acvp_mldsa"  # FIPS 204 vectors (keyGen / sigGen / sigVer)


class SessionState(StrEnum):
    OPEN = "open"
    FINISHED = "finished"


class VendorSession(TenantMixin, Base):
    """One check of one product and algorithm, from challenge to verdict."""

    __tablename__ = "vendor_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    algorithm: Mapped[str] = mapped_column(String(120))
    check: Mapped[CheckKind] = mapped_column(enum_column(CheckKind))
    mode: Mapped[str | None] = mapped_column(String(40))
    state: Mapped[SessionState] = mapped_column(
        enum_column(SessionState), default=SessionState.OPEN
    )
    nonce: Mapped[str] = mapped_column(String(64))
    engines: Mapped[list[str]] = mapped_column(JSON, default=list)
    challenge: Mapped[dict[str, Any]] = mapped_column(JSON)
    secret: Mapped[dict[str, Any]] = mapped_column(JSON)  # never returned over the API
    verdict: Mapped[str | None] = mapped_column(String(10))
    prepare_ms: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class VendorReport(TenantMixin, Base):
    """The signed result of one finished session (``document`` is what the vendor downloads)."""

    __tablename__ = "vendor_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("vendor_sessions.id", ondelete="CASCADE"), unique=True
    )
    product_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    algorithm: Mapped[str] = mapped_column(String(120))
    check: Mapped[str] = mapped_column(String(40))
    verdict: Mapped[str] = mapped_column(String(10))
    key_id: Mapped[str] = mapped_column(String(64))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SigningKey(Base):
    """The testbed's own report-signing key pair (not a tenant row: it belongs to the testbed).

    Generated once, on first use, and kept; ``secret_key`` is the signing engine's encoding
    (for OpenSSL the 32-byte ML-DSA seed). Only ``public_key`` is ever published.
    """

    __tablename__ = "testbed_signing_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    algorithm: Mapped[str] = mapped_column(String(40), unique=True)
    engine: Mapped[str] = mapped_column(String(40))
    key_id: Mapped[str] = mapped_column(String(64))
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    secret_key: Mapped[bytes] = mapped_column(LargeBinary)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PooledCase(Base):
    """A check prepared ahead of any session (not a tenant row: no vendor has seen it yet).

    Preparing the expensive checks (ACVP vector sets, signatures to verify, key pairs to
    encapsulate to) takes seconds; the pool keeper (``testbed.conformance.pool``) keeps a few
    of each ready, and opening a session takes one, deleting it, so no case is used twice.
    ``secret`` holds the testbed's secret keys and expected answers, as a session's does.
    """

    __tablename__ = "vendor_case_pool"
    __table_args__ = (Index("ix_vendor_case_pool_spec", "algorithm", "check", "mode"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    algorithm: Mapped[str] = mapped_column(String(120))
    check: Mapped[CheckKind] = mapped_column(enum_column(CheckKind))
    mode: Mapped[str] = mapped_column(String(40), default="")  # "" for non-ACVP checks
    nonce: Mapped[str] = mapped_column(String(64))
    engines: Mapped[list[str]] = mapped_column(JSON, default=list)
    challenge: Mapped[dict[str, Any]] = mapped_column(JSON)
    secret: Mapped[dict[str, Any]] = mapped_column(JSON)
    prepare_ms: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
