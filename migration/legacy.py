"""Algorithms broken by classical attackers today: migrate now, whatever the quantum timeline.

The catalog is the authority: an entry is classically broken when it carries
``classically_broken: true`` (MD5, SHA-1, DES, 3DES, RC4, RSA/DH/DSA-1024 ...) or when its
classical strength is below the 112 bits NIST SP 800-131A still allows. Every profile treats
such a usage the same way: verdict ``migrate-now``, the profile's earliest deadline, and a
reason in words.

>>> classical_break("MD5")[:58]
'MD5 is broken by classical attacks today (64-bit strength,'
>>> classical_break("ML-KEM-768") is None
True
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from inventory.catalog import get_catalog
from migration.choices import TaskFlag, Verdict
from migration.profiles.schema import Deadline, Profile

MIN_CLASSICAL_BITS = 112  # NIST SP 800-131A Rev. 2: below 112 bits is disallowed
RULE_ID = TaskFlag.CLASSICALLY_BROKEN.value  # the deadline rule and the flag it raises
VERDICT = Verdict.MIGRATE_NOW


@lru_cache(maxsize=4096)
def classical_break(algorithm: str) -> str | None:
    """Why ``algorithm`` must be replaced now (a sentence), or None if it is not broken today."""
    info = get_catalog().get(algorithm)
    if info is None:
        return None
    bits = info.classical_bits
    weak = bits is not None and bits < MIN_CLASSICAL_BITS
    if not (info.classically_broken or weak):
        return None
    if weak:
        why = f"{bits}-bit strength, below the {MIN_CLASSICAL_BITS} bits NIST SP 800-131A allows"
    else:
        why = (info.notes or "the catalog marks it classically broken").rstrip(".")
    return (
        f"{info.name} is broken by classical attacks today ({why}): migrate it now, whatever "
        "the quantum timeline"
    )


def earliest_date(profile: Profile) -> date:
    """The first date the profile holds anything to: its first phase's end or an earlier
    migration deadline."""
    dates = [profile.phases[0].end, profile.final_deadline]
    dates += [d.date for d in profile.deadlines if d.kind not in ("inventory", "plan")]
    return min(dates)


def migrate_now_rule(profile: Profile, reason: str) -> Deadline:
    """The deadline a classically broken usage gets under ``profile`` (its earliest date)."""
    return Deadline.model_construct(
        id=RULE_ID,
        date=earliest_date(profile),
        kind="migrate",
        source=profile.phases[0].source,
        confirmed=True,
        note=reason,
    )
