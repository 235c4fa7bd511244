"""All runtime settings in one place, read from the environment (prefix-free) or `.env`."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from app import defaults

if TYPE_CHECKING:
    from core.jobs import JobTimings

DEFAULT_DATA_DIR = defaults.DATA_DIR


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(
        default=defaults.DATABASE_URL,
        description="SQLAlchemy URL; SQLite file by default, any postgresql+psycopg:// URL works.",
    )
    max_upload_bytes: int = Field(
        default=defaults.MAX_UPLOAD_BYTES, description="Largest import upload."
    )
    max_json_bytes: int = Field(
        default=2 * 1024 * 1024, description="Largest body of any other request."
    )
    page_size_max: int = 500
    job_workers: int = Field(default=2, ge=1, le=32, description="Threads running jobs.")
    api_threads: int = Field(
        default=40,
        ge=1,
        le=1000,
        description="Worker threads of one API process for sync routes and dependencies "
        "(anyio's default limiter, 40 unless set).",
    )
    api_runs_jobs: bool = Field(
        default=True,
        description="On PostgreSQL, the API process also works the 'jobs' queue (one-process "
        "deployments); set false when `pqcplan worker` processes run them. Benchmarks always "
        "wait for a worker.",
    )
    testbed_pool_keeper: bool = Field(
        default=True,
        description="Keep the expensive vendor checks prepared ahead (testbed.conformance.pool): "
        "on SQLite a child process of the API does it, on PostgreSQL each `pqcplan worker`.",
    )
    bootstrap_admin_key: str | None = Field(
        default=None,
        description="If set, an admin API key with this secret (32+ chars) exists at start-up.",
    )
    auth_failure_limit: int = Field(
        default=10, ge=1, description="Failures of one API key from one client address per window."
    )
    auth_client_failure_limit: int = Field(
        default=100,
        ge=1,
        description="Invalid API keys one client address may send per window; then only keys "
        "that worked from that address are let through.",
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses (or CIDR ranges) of reverse proxies whose "
        "X-Forwarded-For and X-Forwarded-Proto are believed; empty: none, the peer is the client.",
    )
    auth_failure_window_seconds: float = Field(
        default=60.0, gt=0, description="The window of auth_failure_limit; then 429 + Retry-After."
    )

    job_heartbeat_seconds: float = Field(
        default=2.0, gt=0, description="How often a job runner says it is alive."
    )
    job_stalled_after_seconds: float = Field(
        default=8.0, gt=0, description="A worker silent this long has its attempt retried."
    )
    job_orphaned_after_seconds: float = Field(
        default=120.0,
        gt=0,
        description="An embedded runner on another machine silent this long has its jobs "
        "failed (one on this machine is checked directly).",
    )
    job_reap_every_seconds: float = Field(
        default=3.0, gt=0, description="How often runners look for stalled attempts."
    )
    job_max_attempts: int = Field(
        default=3, ge=1, le=20, description="Attempts of a job whose worker died."
    )
    job_busy_patience_seconds: float = Field(
        default=60.0,
        ge=0,
        description="How long a job waits out a busy database (with backoff) before failing.",
    )

    def job_timings(self) -> JobTimings:
        from core.jobs import JobTimings

        return JobTimings(
            busy_patience_s=self.job_busy_patience_seconds,
            heartbeat_s=self.job_heartbeat_seconds,
            stalled_after_s=self.job_stalled_after_seconds,
            orphaned_after_s=self.job_orphaned_after_seconds,
            reap_every_s=self.job_reap_every_seconds,
            max_attempts=self.job_max_attempts,
        )


@lru_cache
def get_settings() -> Settings:
    return Settings()
