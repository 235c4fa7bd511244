"""What one profile says about one algorithm in one use, read from the profile's own table.

A profile's `uses` table lists, per policy use (key establishment, signature, software
signing, hash, symmetric, MAC, KDF, password hashing), which algorithms and parameter sets it
allows, until when, and in what form. `rule_for` finds the row that speaks about an
algorithm; `ruling` turns it into a verdict:

- classically broken today: ``migrate-now`` with the rule that disallowed it and its date
  (`migration.legacy`), under every profile;
- not in the catalog: ``review`` (nothing to judge by; no target invented);
- a row allows it with no end: ``acceptable`` (unless the row allows it only inside a hybrid
  and it stands alone: then ``migrate`` to the hybrid form);
- a row allows it until a date: ``migrate`` by that date (``migrate-now`` once it passed);
- no row: ``migrate-now`` where the policy approves only what it lists and says since when,
  ``migrate`` by the profile's schedule where it sets one, else ``review`` (the policy names
  no date for it);
- a profile without a table for the use: judged by quantum status and the schedule, as
  before (the reason says the policy is silent on that use).

A hybrid (X25519MLKEM768) is judged by its post-quantum part unless a row names it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from inventory.catalog import get_catalog
from inventory.catalog.models import AlgorithmInfo
from inventory.choices import QuantumStatus
from migration import reasons as R
from migration.legacy import break_rule, classical_break
from migration.profiles.schema import AlgorithmRule, Profile, UsePolicy
from migration.uses import policy_use

MIGRATE_NOW = "migrate-now"
MIGRATE = "migrate"
REVIEW = "review"
ACCEPTABLE = "acceptable"

#: how the verdict was reached (JSON `basis`; the gate and SARIF read it)
CLASSICALLY_BROKEN = "classically-broken"
UNKNOWN_ALGORITHM = "unknown-algorithm"
TABLE = "table"
UNLISTED = "unlisted"
SILENT = "silent"


@dataclass(frozen=True, slots=True)
class Ruling:
    """A profile's verdict on an algorithm in a use, with the rule and the sentence behind it."""

    verdict: str
    deadline: date | None
    rule: str | None  # rule id: a break rule, `uses.<use>.rules.<i>`, `...unlisted`, a deadline
    basis: str
    reason: str
    source: str | None = None
    quote: str | None = None
    confirmed: bool = False


def table_for(profile: Profile, use: str) -> tuple[str, UsePolicy | None]:
    """(policy use, its table) for a usage's use; software signing falls back to signatures."""
    puse = policy_use(use)
    policy = profile.uses.get(puse)
    if policy is None and puse == "software_signing":
        puse, policy = "signature", profile.uses.get("signature")
    return puse, policy


def _matches(rule: AlgorithmRule, info: AlgorithmInfo) -> bool:
    if info.name not in rule.algorithms and info.family not in rule.algorithms:
        return False
    bits = info.classical_bits
    if rule.min_bits is not None and (bits is None or bits < rule.min_bits):
        return False
    if rule.max_bits is not None and (bits is None or bits > rule.max_bits):
        return False
    cat = info.nist_category
    return rule.min_category is None or (cat is not None and cat >= rule.min_category)


def rule_for(policy: UsePolicy, info: AlgorithmInfo) -> tuple[int, AlgorithmRule] | None:
    """The first row that speaks about ``info`` (its index and the row), or None."""
    for i, rule in enumerate(policy.rules):
        if _matches(rule, info):
            return i, rule
    return None


def is_hybrid(info: AlgorithmInfo) -> bool:
    return info.quantum_status is QuantumStatus.HYBRID


def _pq_parts(info: AlgorithmInfo) -> list[AlgorithmInfo]:
    cat = get_catalog()
    parts = [cat.get(c) for c in info.components]
    return [p for p in parts if p is not None and p.quantum_status is QuantumStatus.RESISTANT]


def _hybrid_rule(
    policy: UsePolicy, info: AlgorithmInfo
) -> tuple[list[tuple[int, AlgorithmRule]], list[str]]:
    """The rows that allow a hybrid's post-quantum parts, and the parts no row allows."""
    found, missing = [], []
    for part in _pq_parts(info) or [info]:
        hit = rule_for(policy, part)
        if hit is None:
            missing.append(part.name)
        else:
            found.append(hit)
    return found, missing


def _word(use: str) -> str:
    return use.replace("_", " ")


def ruling(
    profile: Profile,
    algorithm: str,
    use: str,
    status: QuantumStatus,
    schedule: tuple[date | None, str | None],
    today: date,
) -> Ruling:
    """The verdict of ``profile`` on ``algorithm`` used for ``use``.

    ``schedule`` is the profile's deadline for this usage read as quantum-vulnerable (its
    date and rule id) from `migration.tasks.matching_deadline`: the date an algorithm the
    profile does not allow must be gone by, where the profile sets one.
    """
    broken = break_rule(algorithm)
    if broken is not None:
        return Ruling(
            MIGRATE_NOW,
            broken.since,
            broken.id,
            CLASSICALLY_BROKEN,
            str(classical_break(algorithm)),
            broken.source_url,
            broken.quote,
            broken.confirmed,
        )
    info = get_catalog().get(algorithm)
    if info is None or status is QuantumStatus.UNKNOWN:
        return Ruling(
            REVIEW,
            None,
            None,
            UNKNOWN_ALGORITHM,
            R.UNKNOWN_ALGORITHM.format(algorithm=algorithm),
        )
    puse, policy = table_for(profile, use)
    if policy is None:
        return _silent(profile, info, puse, status, schedule)
    if is_hybrid(info) and rule_for(policy, info) is None:
        return _hybrid(profile, policy, info, puse, status, schedule, today)
    hit = rule_for(policy, info)
    if hit is None:
        return _unlisted(profile, policy, info, puse, status, schedule, today, None)
    index, row = hit
    return _allowed(profile, row, f"uses.{puse}.rules.{index}", info, puse, status, schedule, today)


def _silent(
    profile: Profile,
    info: AlgorithmInfo,
    puse: str,
    status: QuantumStatus,
    schedule: tuple[date | None, str | None],
) -> Ruling:
    said = dict(profile=profile.id, use=_word(puse), algorithm=info.name, status=status.value)
    when, rule = schedule
    if status in (QuantumStatus.BROKEN, QuantumStatus.WEAKENED) and when is not None:
        return Ruling(
            MIGRATE,
            when,
            rule,
            SILENT,
            R.SILENT_SCHEDULE.format(**said, when=when),
        )
    return Ruling(
        ACCEPTABLE,
        None,
        None,
        SILENT,
        R.SILENT_ACCEPTABLE.format(**said),
    )


def _allowed(
    profile: Profile,
    row: AlgorithmRule,
    rule_id: str,
    info: AlgorithmInfo,
    puse: str,
    status: QuantumStatus,
    schedule: tuple[date | None, str | None],
    today: date,
    *,
    inside_hybrid: bool = False,
) -> Ruling:
    cite = dict(source=row.source, quote=row.quote, confirmed=row.confirmed)
    said = dict(profile=profile.id, algorithm=info.name, use=_word(puse))
    if row.disallowed_since is not None and row.disallowed_since <= today:
        return Ruling(
            MIGRATE_NOW,
            row.disallowed_since,
            rule_id,
            TABLE,
            R.NOT_ALLOWED_SINCE.format(**said, since=row.disallowed_since),
            **cite,
        )
    if row.form == "hybrid_required" and not inside_hybrid and not is_hybrid(info):
        when, rule = schedule
        return Ruling(
            MIGRATE,
            when,
            rule or rule_id,
            TABLE,
            R.HYBRID_ONLY.format(**said),
            **cite,
        )
    vulnerable = status in (QuantumStatus.BROKEN, QuantumStatus.WEAKENED)
    until = row.allowed_until
    sched_when, sched_rule = schedule
    if vulnerable and sched_when is not None and (until is None or sched_when < until):
        until, rule_id = sched_when, sched_rule or rule_id
    if until is None:
        prefer = row.form == "hybrid_preferred" and not is_hybrid(info)
        return Ruling(
            ACCEPTABLE,
            None,
            None,
            TABLE,
            (R.ALLOWS_HYBRID_PREFERRED if prefer else R.ALLOWS).format(**said),
            **cite,
        )
    if until < today:
        return Ruling(
            MIGRATE_NOW,
            until,
            rule_id,
            TABLE,
            R.ALLOWED_UNTIL.format(**said, until=until, after=row.after),
            **cite,
        )
    return Ruling(
        MIGRATE,
        until,
        rule_id,
        TABLE,
        R.ALLOWS_UNTIL.format(**said, until=until, after=row.after),
        **cite,
    )


def _hybrid(
    profile: Profile,
    policy: UsePolicy,
    info: AlgorithmInfo,
    puse: str,
    status: QuantumStatus,
    schedule: tuple[date | None, str | None],
    today: date,
) -> Ruling:
    found, missing = _hybrid_rule(policy, info)
    if missing:
        return _unlisted(
            profile,
            policy,
            info,
            puse,
            status,
            schedule,
            today,
            R.PQ_PART_NOT_ALLOWED.format(
                parts=", ".join(missing), profile=profile.id, use=_word(puse)
            ),
        )
    if policy.hybrid == "forbidden":
        when, rule = schedule
        return Ruling(
            MIGRATE,
            when,
            rule,
            TABLE,
            R.FORBIDS_HYBRIDS.format(profile=profile.id, use=_word(puse)),
            policy.hybrid_source,
            policy.hybrid_quote,
        )
    # the strictest row among the parts decides (the earliest end date)
    rulings = [
        _allowed(
            profile,
            row,
            f"uses.{puse}.rules.{i}",
            info,
            puse,
            status,
            schedule,
            today,
            inside_hybrid=True,
        )
        for i, row in found
    ]
    order = {MIGRATE_NOW: 0, MIGRATE: 1, REVIEW: 2, ACCEPTABLE: 3}
    worst = min(rulings, key=lambda r: (order[r.verdict], r.deadline or date.max))
    parts = ", ".join(p.name for p in _pq_parts(info))
    return Ruling(
        worst.verdict,
        worst.deadline,
        worst.rule,
        TABLE,
        R.HYBRID_JUDGED.format(algorithm=info.name, parts=parts, reason=worst.reason),
        worst.source,
        worst.quote,
        worst.confirmed,
    )


def _unlisted(
    profile: Profile,
    policy: UsePolicy,
    info: AlgorithmInfo,
    puse: str,
    status: QuantumStatus,
    schedule: tuple[date | None, str | None],
    today: date,
    why: str | None,
) -> Ruling:
    not_listed = why or R.NOT_LISTED.format(
        profile=profile.id, algorithm=info.name, use=_word(puse)
    )
    rule_id = f"uses.{puse}.unlisted"
    cite = dict(source=policy.unlisted_source, quote=policy.unlisted_quote)
    if policy.unlisted == "disallowed":
        since = policy.unlisted_since
        assert since is not None  # the schema demands it
        if since <= today:
            return Ruling(
                MIGRATE_NOW,
                since,
                rule_id,
                UNLISTED,
                R.UNLISTED_SINCE.format(not_listed=not_listed, since=since),
                **cite,
            )
    when, rule = schedule
    vulnerable = status in (QuantumStatus.BROKEN, QuantumStatus.WEAKENED)
    if (policy.unlisted == "schedule" or vulnerable) and when is not None:
        return Ruling(
            MIGRATE,
            when,
            rule,
            UNLISTED,
            R.UNLISTED_SCHEDULE.format(not_listed=not_listed, when=when),
            **cite,
        )
    return Ruling(
        REVIEW,
        None,
        rule_id,
        UNLISTED,
        R.UNLISTED_REVIEW.format(not_listed=not_listed),
        **cite,
    )


def accepts(profile: Profile, use: str, algorithm: str, today: date) -> bool:
    """Whether ``profile`` would judge ``algorithm`` acceptable for ``use``, for any asset (a
    quantum-vulnerable algorithm never is: every profile schedules it out)."""
    info = get_catalog().get(algorithm)
    if info is None or info.quantum_status not in (QuantumStatus.RESISTANT, QuantumStatus.HYBRID):
        return False
    r = ruling(profile, algorithm, use, info.quantum_status, (None, None), today)
    return r.verdict == ACCEPTABLE
