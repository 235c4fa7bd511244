"""Setting defaults that a command needs without importing pydantic-settings (`app.settings`)."""

from __future__ import annotations

from pathlib import Path

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
"""Largest import upload (setting `MAX_UPLOAD_BYTES`)."""

DATA_DIR = Path.home() / ".local" / "share" / "pqcplan"
"""Where the embedded database lives unless `DATABASE_URL` says otherwise."""

DATABASE_URL = f"sqlite:///{DATA_DIR / 'pqcplan.sqlite3'}"
"""The setting `DATABASE_URL`'s default: a SQLite file."""
