"""The base of every validated input shape (API requests, CSV rows, policy profiles).

Its own module, beside no model: a policy profile is validated by `pqcplan judge` without
importing SQLAlchemy or the ORM models (`inventory.schemas`, which re-exports it, does).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from core.field_limits import check_observed
from core.input_checks import text_problem


class InputModel(BaseModel):
    """Base of every request shape: unknown keys, non-finite numbers and text that cannot
    be stored (NUL, lone surrogates) are refused with the field named."""

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, allow_inf_nan=False, defer_build=True
    )

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        items = value if isinstance(value, list | tuple) else (value,)
        for item in items:
            if isinstance(item, str) and (problem := text_problem(item)):
                raise ValueError(f"text {problem}")
            if isinstance(item, datetime):
                check_observed(item)
        return value
