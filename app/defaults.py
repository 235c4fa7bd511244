"""Setting defaults that a command needs without importing pydantic-settings (`app.settings`)."""

from __future__ import annotations

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
"""Largest import upload (setting `MAX_UPLOAD_BYTES`)."""
