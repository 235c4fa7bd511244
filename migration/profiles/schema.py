"""The shape of a policy profile, validated by pydantic.

A profile is data: phases, deadlines per use / sector / tier / asset type, the order in
which sectors and tiers move, and, per use (`uses`), which algorithms and parameter sets the
policy allows, until when and in what form, each with the sentence of the source it encodes.
Every date names the source it was read in; a date not confirmed against its primary
document says so (`confirmed` means one thing everywhere: the cited text was read in the
issuing body's own publication; a secondary report, however faithful, is `false`).
"""

from __future__ import annotations

import re
from datetime import date
from itertools import pairwise
from typing import Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from core.choices import Sector, Tier
from core.field_limits import PLAN_DATE_MAX, SOURCE_DATE_MIN, check_plan_date, length
from core.i18n import N_, at, say
from core.input_model import InputModel
from inventory.choices import AssetType, Criticality, QuantumStatus
from migration.uses import POLICY_USES, USES

HybridPolicy = Literal["required", "preferred", "allowed", "discouraged", "forbidden"]
DeadlineKind = Literal["migrate", "deprecate", "disallow", "inventory", "plan"]
#: how an allowed algorithm may be used: alone, only inside a hybrid, or alone but a hybrid
#: is preferred
Form = Literal["standalone", "hybrid_required", "hybrid_preferred"]
#: what happens to an algorithm a use table does not list: `disallowed` (not approved now:
#: migrate-now, from `unlisted_since`), `schedule` (migrate by the profile's deadlines for
#: the usage, as for a quantum-vulnerable one), `review` (the policy names no date)
Unlisted = Literal["disallowed", "schedule", "review"]


def _in_plan_window(_: type, value: date | None) -> date | None:
    """Dates a plan schedules against stay in the window where its arithmetic is safe."""
    return value if value is None else check_plan_date(value)


class _Strict(InputModel):
    """Refuses unknown keys, non-finite numbers and text that cannot be stored."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


_HANGUL = re.compile(r"[\uac00-\ud7a3]")


UNKNOWN_USE = N_("unknown use '{use}'; known: {known}")
SHARED_SOURCE_ID = N_("two sources share an id")
UNKNOWN_SOURCE = N_("unknown source id '{ref}'")
BEFORE_FIRST = N_("{day} is before the first phase starts ({first})")


def check_korean(value: str | None) -> str | None:
    """A `*_ko` text must be Korean (hold Hangul), not the English copied over.

    >>> check_korean("키 교환")
    '키 교환'
    """
    if value is not None and not _HANGUL.search(value):
        raise ValueError(say(N_("a Korean text (*_ko) must be written in Korean")))
    return value


class SourceRef(_Strict):
    """Where a fact was read. `confirmed` is false when only secondary sources were seen."""

    id: str = Field(min_length=1, max_length=80)
    title: str = Field(min_length=1)
    url: str | None = None
    citation: str | None = None
    published: date | None = None
    confirmed: bool = True
    checked_with: list[str] = Field(default_factory=list)  # further URLs consulted
    note: str | None = None
    note_ko: str | None = Field(default=None, min_length=1)  # the note in Korean

    _korean = field_validator("note_ko")(check_korean)

    @field_validator("published")
    @classmethod
    def _published(cls, value: date | None) -> date | None:
        if value is not None and not SOURCE_DATE_MIN <= value <= PLAN_DATE_MAX:
            raise ValueError(
                say(N_("must be between {low} and {high}"), low=SOURCE_DATE_MIN, high=PLAN_DATE_MAX)
            )
        return value

    @model_validator(mode="after")
    def _url_or_citation(self) -> SourceRef:
        if not self.url and not self.citation:
            raise ValueError(say(N_("a source needs a url or a citation")))
        if self.url and not self.url.startswith(("https://", "http://")):
            raise ValueError(say(N_("url must start with https:// or http://")))
        return self


class Phase(_Strict):
    id: str = Field(min_length=1, max_length=40)
    name: str
    start: date
    end: date
    source: str
    description: str | None = None

    _window = field_validator("start", "end")(classmethod(_in_plan_window))

    @model_validator(mode="after")
    def _ordered(self) -> Phase:
        if self.end < self.start:
            raise ValueError(say(N_("end is before start")))
        return self


class Deadline(_Strict):
    """A date by which matching usages must be migrated. Empty filters match everything."""

    id: str = Field(min_length=1, max_length=60)
    date: date
    kind: DeadlineKind = "migrate"
    uses: list[str] = Field(default_factory=list)
    sectors: list[Sector] = Field(default_factory=list)
    tiers: list[Tier] = Field(default_factory=list)
    asset_types: list[AssetType] = Field(default_factory=list)
    criticalities: list[Criticality] = Field(default_factory=list)
    algorithms: list[str] = Field(default_factory=list)
    statuses: list[QuantumStatus] = Field(default_factory=lambda: [QuantumStatus.BROKEN])
    source: str
    confirmed: bool = True
    note: str | None = None

    _window = field_validator("date")(classmethod(_in_plan_window))

    @field_validator("uses")
    @classmethod
    def _known_uses(cls, value: list[str]) -> list[str]:
        for use in value:
            if use not in USES:
                raise ValueError(say(UNKNOWN_USE, use=use, known=", ".join(USES)))
        return value


class Pilot(_Strict):
    year: int = Field(ge=2000, le=2100)
    sectors: list[Sector]
    basis: Literal["planned", "as_run"] = "planned"
    source: str


class Milestone(_Strict):
    """A dated step that is not a migration deadline (inventories, plans due, pilots)."""

    id: str
    date: date
    name: str
    source: str
    confirmed: bool = True
    note: str | None = None

    _window = field_validator("date")(classmethod(_in_plan_window))


class AlgorithmRule(_Strict):
    """One row of a use table: which algorithms it allows, until when, in what form.

    `algorithms` are catalog canonical names or catalog family names (`ML-KEM` allows every
    FIPS 203 parameter set); `min_bits` / `max_bits` narrow a family by classical strength
    (SP 800-57 bits), `min_category` by NIST category. `allowed_until` is the last day the
    policy allows it (None: no end stated); `after` says what the policy calls it then.
    """

    algorithms: list[str] = Field(min_length=1)
    min_bits: int | None = Field(default=None, ge=1, le=1024)
    max_bits: int | None = Field(default=None, ge=1, le=1024)
    min_category: int | None = Field(default=None, ge=1, le=5)
    allowed_until: date | None = None
    after: Literal["deprecated", "disallowed"] = "disallowed"
    #: the policy does not allow it at all since this day (a parameter set it excludes)
    disallowed_since: date | None = None
    form: Form = "standalone"
    source: str
    quote: str = Field(min_length=1)
    confirmed: bool = False
    note: str | None = None

    _window = field_validator("allowed_until")(classmethod(_in_plan_window))


class UsePolicy(_Strict):
    """What a profile says about one use (key establishment, signature ...)."""

    rules: list[AlgorithmRule] = Field(default_factory=list)
    unlisted: Unlisted = "review"
    unlisted_since: date | None = None
    unlisted_source: str | None = None
    unlisted_quote: str | None = None
    hybrid: HybridPolicy = "allowed"
    hybrid_source: str | None = None
    hybrid_quote: str | None = None
    targets: list[str] = Field(default_factory=list)
    note: str | None = None

    @model_validator(mode="after")
    def _unlisted_needs_date(self) -> UsePolicy:
        dated = self.unlisted_since is not None and self.unlisted_source
        if self.unlisted == "disallowed" and not dated:
            raise ValueError(
                say(N_("unlisted: 'disallowed' needs unlisted_since and unlisted_source"))
            )
        return self


class Profile(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")
    name: str = Field(min_length=1, max_length=length("custom_profiles", "name"))
    version: str = Field(min_length=1, max_length=length("custom_profiles", "version"))
    jurisdiction: str = Field(min_length=2, max_length=10)
    description: str | None = None
    description_ko: str | None = Field(default=None, min_length=1)  # shown to Korean readers

    _korean = field_validator("description_ko")(check_korean)
    sources: list[SourceRef] = Field(min_length=1)
    final_deadline: date
    final_deadline_source: str
    phases: list[Phase] = Field(min_length=1)
    deadlines: list[Deadline] = Field(default_factory=list)
    milestones: list[Milestone] = Field(default_factory=list)
    pilots: list[Pilot] = Field(default_factory=list)
    sector_order: list[Sector] = Field(default_factory=list)
    tier_order: list[Tier] = Field(default_factory=list)
    targets: dict[str, list[str]] = Field(default_factory=dict)
    hybrid: HybridPolicy = "allowed"
    hybrid_source: str | None = None
    #: per policy use: the algorithm table (profiles without it are read by quantum status)
    uses: dict[str, UsePolicy] = Field(default_factory=dict)
    #: the policy requires FIPS-approved mechanisms (password hashing: PBKDF2, SP 800-132)
    fips_required: bool = False
    notes: list[str] = Field(default_factory=list)

    _window = field_validator("final_deadline")(classmethod(_in_plan_window))

    @field_validator("targets")
    @classmethod
    def _targets(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for use, names in value.items():
            if use not in USES:
                raise ValueError(say(UNKNOWN_USE, use=use, known=", ".join(USES)))
            if not names:
                raise ValueError(say(N_("use '{use}' lists no target algorithm"), use=use))
        return value

    @field_validator("uses")
    @classmethod
    def _policy_uses(cls, value: dict[str, UsePolicy]) -> dict[str, UsePolicy]:
        for use in value:
            if use not in POLICY_USES:
                raise ValueError(say(UNKNOWN_USE, use=use, known=", ".join(POLICY_USES)))
        return value

    @field_validator("sector_order", "tier_order")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError(say(N_("lists the same value twice")))
        return value

    @model_validator(mode="before")
    @classmethod
    def _confirmed_by_source(cls, data: object) -> object:
        """`confirmed` means one thing: the cited text was read in the issuing body's own
        publication. A dated item is confirmed only if its source is; unset, it takes the
        source's value, and claiming more than the source gives is refused."""
        if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
            return data
        by_id = {
            s.get("id"): bool(s.get("confirmed", True))
            for s in data["sources"]
            if isinstance(s, dict)
        }
        out = dict(data)
        for key in ("deadlines", "milestones"):
            items = data.get(key)
            if not isinstance(items, list):
                continue
            fixed = []
            for i, item in enumerate(items):
                if isinstance(item, dict) and item.get("source") in by_id:
                    source_ok = by_id[item["source"]]
                    if item.get("confirmed") is True and not source_ok:
                        raise ValueError(
                            at(
                                f"{key}.{i}.confirmed",
                                say(
                                    N_("true, but its source '{source}' is not confirmed"),
                                    source=item["source"],
                                ),
                            )
                        )
                    item = {**item, "confirmed": bool(item.get("confirmed", source_ok))}
                fixed.append(item)
            out[key] = fixed
        return out

    @model_validator(mode="after")
    def _consistent(self) -> Profile:
        ids = [s.id for s in self.sources]
        if len(set(ids)) != len(ids):
            raise ValueError(at("sources", say(SHARED_SOURCE_ID)))
        known = set(ids)
        refs: list[tuple[str, str]] = [("final_deadline_source", self.final_deadline_source)]
        refs += [(f"phases.{i}.source", p.source) for i, p in enumerate(self.phases)]
        refs += [(f"deadlines.{i}.source", d.source) for i, d in enumerate(self.deadlines)]
        refs += [(f"milestones.{i}.source", m.source) for i, m in enumerate(self.milestones)]
        refs += [(f"pilots.{i}.source", p.source) for i, p in enumerate(self.pilots)]
        if self.hybrid_source:
            refs.append(("hybrid_source", self.hybrid_source))
        for use, policy in self.uses.items():
            refs += [(f"uses.{use}.rules.{i}.source", r.source) for i, r in enumerate(policy.rules)]
            for name in ("unlisted_source", "hybrid_source"):
                if getattr(policy, name):
                    refs.append((f"uses.{use}.{name}", getattr(policy, name)))
        for where, ref in refs:
            if ref not in known:
                raise ValueError(at(where, say(UNKNOWN_SOURCE, ref=ref)))
        for i, (before, after) in enumerate(pairwise(self.phases), start=1):
            if after.start < before.start:
                raise ValueError(
                    at(
                        f"phases.{i}.start",
                        say(
                            N_(
                                "phase '{after}' starts before '{before}'; "
                                "list phases in time order"
                            ),
                            after=after.id,
                            before=before.id,
                        ),
                    )
                )
            if after.start <= before.end:
                raise ValueError(
                    at(
                        "phases",
                        say(
                            N_("'{before}' and '{after}' overlap"), before=before.id, after=after.id
                        ),
                    )
                )
        first = self.phases[0].start
        if self.final_deadline < first:
            raise ValueError(
                at("final_deadline", say(BEFORE_FIRST, day=self.final_deadline, first=first))
            )
        for i, d in enumerate(self.deadlines):
            if d.date < first:
                raise ValueError(
                    at(f"deadlines.{i}.date", say(BEFORE_FIRST, day=d.date, first=first))
                )
        return self

    def source(self, source_id: str) -> SourceRef:
        return next(s for s in self.sources if s.id == source_id)

    def phase_for(self, day: date) -> Phase | None:
        for phase in self.phases:
            if phase.start <= day <= phase.end:
                return phase
        return None
