"""Policy profiles: the list, one profile's document, and the answer of a check."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from migration.profiles.schema import Profile


class ProfileSummary(BaseModel):
    id: str
    name: str
    version: str
    jurisdiction: str
    final_deadline: str = Field(description="ISO date.")
    builtin: bool = Field(description="A built-in profile (read-only) or the organization's own.")


class ProfileDocument(Profile):
    """A whole profile, as `POST /api/v1/profiles` takes it, and whether it is built in.

    Documentation only: the route sends the stored document as it is, unvalidated again."""

    builtin: bool


class ProfileCheck(BaseModel):
    valid: Literal[True]
    id: str
    version: str
