"""Algorithms broken by classical attackers today: migrate now, whatever the quantum timeline.

The catalog says *which* entries are classically broken (``classically_broken: true``: MD5,
SHA-1, DES, 3DES, RC4, RSA/DH/DSA-1024 ..., or a classical strength below the 112 bits
NIST SP 800-131A still allows). `classical_breaks.yaml` beside this module says *which rule
disallowed each one and when*. Every profile treats such a usage the same way: verdict
``migrate-now``, the date the rule took effect (a past date, never a future phase end of the
profile) and a reason in words that names the rule.

>>> classical_break("MD5")[:58]
'MD5 is broken by classical attacks today (64-bit strength,'
>>> classical_break("ML-KEM-768") is None
True
>>> break_rule("SHA-1").id, str(break_rule("SHA-1").since)
('sha1-sp800-131a', '2014-01-01')
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from core.yaml_safe import load_packaged
from inventory.catalog import get_catalog
from migration import reasons as R
from migration.choices import TaskFlag, Verdict
from migration.profiles.schema import Deadline, Profile

MIN_CLASSICAL_BITS = 112  # NIST SP 800-131A Rev. 2: below 112 bits is disallowed
RULE_ID = TaskFlag.CLASSICALLY_BROKEN.value  # the deadline rule and the flag it raises
VERDICT = Verdict.MIGRATE_NOW
DATA_FILE = R.BREAKS_FILE
_FALLBACK = "below-112-bits"


@dataclass(frozen=True, slots=True)
class BreakRule:
    """The rule that disallowed a classically broken algorithm, and since when."""

    id: str
    since: date
    rule: str
    quote: str
    source_title: str
    source_url: str
    confirmed: bool

    rule_ko: str = ""

    def text(self) -> str:
        return R.BREAK_RULE.format(rule=self.rule, since=self.since)


@lru_cache(maxsize=1)
def _rules() -> tuple[dict[str, BreakRule], BreakRule]:
    data = load_packaged(DATA_FILE.read_text(encoding="utf-8"))
    by_name: dict[str, BreakRule] = {}
    fallback: BreakRule | None = None
    for raw in data["rules"]:
        rule = BreakRule(
            raw["id"],
            raw["since"],
            raw["rule"],
            raw["quote"],
            raw["source"]["title"],
            raw["source"]["url"],
            bool(raw.get("confirmed", False)),
            _korean(raw),
        )
        for name in raw.get("algorithms") or ():
            by_name[name] = rule
        if rule.id == _FALLBACK:
            fallback = rule
    assert fallback is not None, f"{DATA_FILE}: no '{_FALLBACK}' rule"
    return by_name, fallback


def _korean(raw: dict[str, Any]) -> str:
    """A rule's `rule_ko`: required, and in Korean (as the sector catalogs' `*_ko`)."""
    from migration.profiles.schema import check_korean

    text = raw.get("rule_ko")
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{DATA_FILE.name}: rule '{raw.get('id')}' has no rule_ko")
    try:
        return str(check_korean(text))
    except ValueError as exc:
        raise ValueError(f"{DATA_FILE.name}: rule '{raw.get('id')}': rule_ko: {exc}") from None


def _weak(algorithm: str) -> tuple[bool, int | None, str | None]:
    info = get_catalog().get(algorithm)
    if info is None:
        return False, None, None
    bits = info.classical_bits
    weak = bits is not None and bits < MIN_CLASSICAL_BITS
    return bool(info.classically_broken or weak), bits, info.notes


@lru_cache(maxsize=4096)
def break_rule(algorithm: str) -> BreakRule | None:
    """The rule that disallowed ``algorithm`` (None when it is not broken today)."""
    broken, _bits, _notes = _weak(algorithm)
    if not broken:
        return None
    by_name, fallback = _rules()
    return by_name.get(algorithm, fallback)


@lru_cache(maxsize=4096)
def classical_break(algorithm: str) -> str | None:
    """Why ``algorithm`` must be replaced now (a sentence), or None if it is not broken today."""
    broken, bits, notes = _weak(algorithm)
    if not broken:
        return None
    if bits is not None and bits < MIN_CLASSICAL_BITS:
        why = R.TOO_FEW_BITS.format(bits=bits, minimum=MIN_CLASSICAL_BITS)
    else:
        why = (notes or R.MARKED_BROKEN).rstrip(".")
    rule = break_rule(algorithm)
    if rule is None:
        return R.CLASSICAL.format(algorithm=algorithm, why=why)
    return R.CLASSICAL_RULED.format(algorithm=algorithm, why=why, rule_text=rule.text())


def _earliest(profile: Profile) -> tuple[date, str, bool]:
    """(date, source id, confirmed) of the first date the profile holds anything to."""
    phase = profile.phases[0]
    dates = [
        (phase.end, phase.source, profile.source(phase.source).confirmed),
        (
            profile.final_deadline,
            profile.final_deadline_source,
            profile.source(profile.final_deadline_source).confirmed,
        ),
    ]
    dates += [
        (d.date, d.source, d.confirmed)
        for d in profile.deadlines
        if d.kind not in ("inventory", "plan")
    ]
    return min(dates, key=lambda item: item[0])  # on a tie, the first phase's end


def earliest_date(profile: Profile) -> date:
    """The first date the profile holds anything to: its first phase's end or an earlier
    migration deadline. Plans schedule classically broken tasks by it (a plan needs a date
    ahead); verdicts never show it (they show the rule's own date)."""
    return _earliest(profile)[0]


def migrate_now_rule(profile: Profile, reason: str) -> Deadline:
    """The scheduling deadline a classically broken usage gets in a plan under ``profile``,
    with the source of that date and whether it is confirmed."""
    when, source, confirmed = _earliest(profile)
    return Deadline.model_construct(
        id=RULE_ID,
        date=when,
        kind="migrate",
        source=source,
        confirmed=confirmed,
        note=reason,
    )
