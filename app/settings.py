"""All runtime settings in one place, read from the environment (prefix-free) or `.env`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path.home() / ".local" / "share" / "pqcplan"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{DEFAULT_DATA_DIR / 'pqcplan.sqlite3'}",
        description="SQLAlchemy URL; SQLite file by default, any postgresql+psycopg:// URL works.",
    )
    max_upload_bytes: int = Field(default=200 * 1024 * 1024, description="Largest import upload.")
    max_json_bytes: int = Field(
        default=2 * 1024 * 1024, description="Largest body of any other request."
    )
    page_size_max: int = 500
    job_workers: int = Field(default=2, ge=1, le=32, description="Threads running jobs.")
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
        default=10, ge=1, description="Invalid API keys one client address may send per window."
    )
    auth_failure_window_seconds: float = Field(
        default=60.0, gt=0, description="The window of auth_failure_limit; then 429 + Retry-After."
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()
