"""The shape of a sector catalog and of an adoption procedure, validated by pydantic.

A sector catalog is data: for one sector, the systems and functions (targets) every
organization of that sector is expected to find in its inventory, the algorithms each
typically uses, why it matters (how long its secrets last, how long its devices stay in
the field, whether recorded traffic can be decrypted later), where to look for it, how
assets are tied to it automatically, and the sources each rests on. A source seen only
through secondary reports says so (`confirmed: false`), as in the policy profiles.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from core.choices import Sector, Tier
from core.i18n import N_, at, say
from inventory.choices import AssetType, CryptoFunction, Source
from migration.profiles.schema import (
    SHARED_SOURCE_ID,
    UNKNOWN_SOURCE,
    SourceRef,
    _Strict,
    check_korean,
)

Priority = Literal["critical", "high", "medium", "low"]
PRIORITIES: tuple[Priority, ...] = ("critical", "high", "medium", "low")
# Where an organization looks for a target (the list, in that order).
Where = Literal["network", "code", "configuration", "key_store", "vendor_questionnaire"]
_ID = r"^[a-z0-9][a-z0-9-]{0,59}$"
_TAG = r"^[a-z0-9][a-z0-9._-]{0,59}$"


class LookHint(_Strict):
    """How to look for a target that is not in the inventory yet."""

    where: Where
    how: str = Field(min_length=1, max_length=500)
    how_ko: str | None = Field(default=None, min_length=1, max_length=500)

    _korean = field_validator("how_ko")(check_korean)


class MatchRule(_Strict):
    """An asset is tied to the target when every field given here holds (a field's list
    is one-of). Asset fields: `asset_types`, `keywords` (in the asset's name, product,
    vendor or description, any case), `tags`. Usage fields (one usage of the asset must
    satisfy all given): `functions`, `protocols` (any case), `algorithms` (catalog names),
    `evidence` (words in the usage's discovery evidence), `sources` (scan, cbom...)."""

    asset_types: list[AssetType] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list, max_length=30)
    tags: list[str] = Field(default_factory=list, max_length=30)
    functions: list[CryptoFunction] = Field(default_factory=list)
    protocols: list[str] = Field(default_factory=list, max_length=30)
    algorithms: list[str] = Field(default_factory=list, max_length=30)
    evidence: list[str] = Field(default_factory=list, max_length=30)
    sources: list[Source] = Field(default_factory=list)

    @field_validator("keywords", "protocols", "evidence")
    @classmethod
    def _words(cls, value: list[str]) -> list[str]:
        for word in value:
            if not 2 <= len(word) <= 80:
                raise ValueError(say(N_("'{word}' must be 2 to 80 characters"), word=word))
        return value

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        return [check_tag(tag) for tag in value]

    @field_validator("algorithms")
    @classmethod
    def _algorithms(cls, value: list[str]) -> list[str]:
        return check_algorithms(value)

    @model_validator(mode="after")
    def _not_empty(self) -> MatchRule:
        if not any(getattr(self, name) for name in type(self).model_fields):
            raise ValueError(say(N_("a match rule needs at least one condition")))
        return self

    @property
    def usage_fields(self) -> bool:
        return bool(self.functions or self.protocols or self.algorithms or self.evidence)


class Why(_Strict):
    """Why a target matters: its text, and the lifetimes the planner weighs."""

    text: str = Field(min_length=1, max_length=1000)
    text_ko: str | None = Field(default=None, min_length=1, max_length=1000)
    secrecy_years: int | None = Field(default=None, ge=0, le=100)
    device_lifetime_years: int | None = Field(default=None, ge=0, le=60)
    harvest_now: bool = False  # recorded traffic can be decrypted later

    _korean = field_validator("text_ko")(check_korean)


class Target(_Strict):
    id: str = Field(pattern=_ID)
    name: str = Field(min_length=1, max_length=200)
    name_ko: str | None = Field(default=None, max_length=200)
    priority: Priority = "medium"
    tiers: list[Tier] = Field(default_factory=list)  # empty: expected of every tier
    algorithms: list[str] = Field(min_length=1, max_length=20)  # typical, catalog names
    why: Why
    look: list[LookHint] = Field(min_length=1)
    # none: tied by hand only; how many an own catalog may hold is bounded when it is saved
    # (migration.sectors.catalogs), so a stored one stays readable if the bound changes
    match: list[MatchRule] = Field(default_factory=list)
    sources: list[str] = Field(min_length=1)

    @field_validator("algorithms")
    @classmethod
    def _algorithms(cls, value: list[str]) -> list[str]:
        return check_algorithms(value)


class Catalog(_Strict):
    """The transition targets of one sector."""

    id: str = Field(pattern=_ID)
    sector: Sector
    name: str = Field(min_length=1, max_length=200)
    name_ko: str | None = Field(default=None, max_length=200)
    version: str = Field(min_length=1, max_length=40)
    description: str | None = Field(default=None, max_length=2000)
    description_ko: str | None = Field(default=None, min_length=1, max_length=2000)
    sources: list[SourceRef] = Field(min_length=1)
    targets: list[Target] = Field(min_length=1, max_length=200)
    notes: list[str] = Field(default_factory=list)

    _korean = field_validator("description_ko")(check_korean)

    @model_validator(mode="after")
    def _consistent(self) -> Catalog:
        ids = [s.id for s in self.sources]
        if len(set(ids)) != len(ids):
            raise ValueError(at("sources", say(SHARED_SOURCE_ID)))
        known = set(ids)
        seen: set[str] = set()
        for i, target in enumerate(self.targets):
            if target.id in seen:
                raise ValueError(
                    at(f"targets.{i}.id", say(N_("two targets share the id '{id}'"), id=target.id))
                )
            seen.add(target.id)
            for j, ref in enumerate(target.sources):
                if ref not in known:
                    raise ValueError(at(f"targets.{i}.sources.{j}", say(UNKNOWN_SOURCE, ref=ref)))
        return self

    def key(self, target: Target) -> str:
        """A target's key across catalogs: `catalog/target`."""
        return f"{self.id}/{target.id}"

    def source(self, source_id: str) -> SourceRef:
        return next(s for s in self.sources if s.id == source_id)

    def missing_korean(self) -> list[str]:
        """Where the catalog's English text has no Korean beside it, as dotted paths
        (`targets.3.look.0.how_ko`). Built-in catalogs must have none (the console shows
        them in Korean); an organization's own catalog may, and is then shown in English."""
        missing: list[str] = []
        if self.description and self.description_ko is None:
            missing.append("description_ko")
        missing += [
            f"sources.{i}.note_ko"
            for i, source in enumerate(self.sources)
            if source.note and source.note_ko is None
        ]
        for i, target in enumerate(self.targets):
            if target.name_ko is None:
                missing.append(f"targets.{i}.name_ko")
            if target.why.text_ko is None:
                missing.append(f"targets.{i}.why.text_ko")
            missing += [
                f"targets.{i}.look.{j}.how_ko"
                for j, hint in enumerate(target.look)
                if hint.how_ko is None
            ]
        return missing

    def confirmed(self, target: Target) -> bool:
        """Whether every source of the target was read in its primary document."""
        return all(self.source(ref).confirmed for ref in target.sources)


class Step(_Strict):
    id: str = Field(pattern=_ID)
    name: str = Field(min_length=1, max_length=200)
    name_ko: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=1000)
    description_ko: str = Field(min_length=1, max_length=1000)
    source: str

    _korean = field_validator("description_ko")(check_korean)


class Procedure(_Strict):
    """An adoption procedure: named steps in order, each read in a source."""

    id: str = Field(pattern=_ID)
    name: str = Field(min_length=1, max_length=200)
    name_ko: str = Field(min_length=1, max_length=200)
    sources: list[SourceRef] = Field(min_length=1)
    steps: list[Step] = Field(min_length=1)
    notes: list[str] = Field(default_factory=list)
    notes_ko: list[str] = Field(default_factory=list)  # one per note, in the same order

    @field_validator("notes_ko")
    @classmethod
    def _notes_korean(cls, value: list[str]) -> list[str]:
        return [check_korean(note) or "" for note in value]

    @model_validator(mode="after")
    def _consistent(self) -> Procedure:
        if len(self.notes_ko) != len(self.notes):
            raise ValueError(
                at(
                    "notes_ko",
                    say(
                        N_("{ko} Korean notes for {en}"), ko=len(self.notes_ko), en=len(self.notes)
                    ),
                )
            )
        known = {s.id for s in self.sources}
        ids = [s.id for s in self.steps]
        if len(set(ids)) != len(ids):
            raise ValueError(at("steps", say(N_("two steps share an id"))))
        for i, step in enumerate(self.steps):
            if step.source not in known:
                raise ValueError(at(f"steps.{i}.source", say(UNKNOWN_SOURCE, ref=step.source)))
        return self


def check_tag(tag: str) -> str:
    """A tag as stored: lower-case letters, digits, '.', '_' and '-' (at most 60).

    >>> check_tag("esim-rsp")
    'esim-rsp'
    """
    if not re.fullmatch(_TAG, tag):
        raise ValueError(
            say(
                N_("tag '{tag}' must be 1 to 60 lower-case letters, digits, '.', '_' or '-'"),
                tag=tag,
            )
        )
    return tag


def check_algorithms(names: list[str]) -> list[str]:
    """Every name must be the algorithm catalog's canonical name (one name everywhere).
    The catalog is imported here: a procedure (`pqcplan procedure show`) names none."""
    from inventory.catalog import get_catalog

    catalog = get_catalog()
    for name in names:
        if catalog.get(name) is None:
            raise ValueError(
                say(N_("'{name}' is not a canonical name in the algorithm catalog"), name=name)
            )
    return names
