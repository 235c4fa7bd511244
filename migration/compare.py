"""One inventory judged under several profiles side by side, with the disagreements.

For each usage: each profile's verdict, deadline and target; then the places where they
disagree (one profile wants a hybrid another discourages or forbids, deadlines years apart,
one says migrate where another has no deadline).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from core.i18n import N_, gettext_for, label
from migration.inputs import AssetFacts, PlanInput, UsageFacts
from migration.policy import table_for
from migration.profiles.schema import Profile
from migration.targets import Target, choose_target, is_hybrid
from migration.tasks import STATUS_OF, judged
from migration.uses import use_of

DEADLINE_GAP_YEARS = 2  # deadlines this far apart count as a disagreement


@dataclass(frozen=True, slots=True)
class Verdict:
    profile_id: str
    verdict: str  # migrate-now / migrate / review / acceptable
    deadline: date | None
    deadline_rule: str | None
    target: str | None
    hybrid_policy: str
    reason: str | None = None
    basis: str | None = None  # how it was reached (see migration.policy)
    source: str | None = None  # the source id (or URL) of the sentence the verdict encodes
    quote: str | None = None
    confirmed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "profile": self.profile_id,
            "verdict": self.verdict,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "deadline_rule": self.deadline_rule,
            "target": self.target,
            "hybrid_policy": self.hybrid_policy,
            "reason": self.reason,
            "basis": self.basis,
            "source": self.source,
            "quote": self.quote,
            "confirmed": self.confirmed,
        }


@dataclass
class Judgement:
    usage_id: int
    asset_name: str
    algorithm: str
    use: str
    verdicts: list[Verdict]
    disagreements: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "usage_id": self.usage_id,
            "asset_name": self.asset_name,
            "algorithm": self.algorithm,
            "use": self.use,
            "verdicts": [v.as_dict() for v in self.verdicts],
            "disagreements": list(self.disagreements),
        }


def hybrid_policy(profile: Profile, use: str) -> str:
    """The profile's hybrid policy for a use: its table's, else the profile-wide one."""
    _puse, policy = table_for(profile, use)
    return policy.hybrid if policy is not None else profile.hybrid


def verdict_for(
    profile: Profile,
    usage: UsageFacts,
    asset: AssetFacts,
    use: str,
    target: Target,
    today: date | None = None,
) -> Verdict:
    """What ``profile``'s own table says about this usage (see `migration.policy`)."""
    today = today or date.today()
    status = STATUS_OF[usage.quantum_status]
    r, _rule = judged(profile, usage.algorithm, use, status, asset, today)  # as plans do
    acting = r.verdict != "acceptable"
    return Verdict(
        profile.id,
        r.verdict,
        r.deadline if acting else None,
        r.rule if acting else None,
        target.algorithm if acting else None,
        hybrid_policy(profile, use),
        r.reason,
        r.basis,
        r.source,
        r.quote,
        r.confirmed,
    )


def disagreements(verdicts: list[Verdict], lang: str | None = None) -> list[str]:
    """Plain-word differences between the profiles' verdicts on one usage (in `lang`,
    English by default).

    >>> a = Verdict("kr", "migrate", date(2035, 12, 31), "final", "X25519MLKEM768", "allowed")
    >>> b = Verdict("au", "migrate", date(2030, 12, 31), "x", "ML-KEM-1024", "forbidden")
    >>> for line in disagreements([a, b]): print(line)
    deadlines 5 years apart: au 2030-12-31, kr 2035-12-31
    kr targets hybrid X25519MLKEM768 but au forbids hybrids
    targets differ: kr X25519MLKEM768, au ML-KEM-1024
    """
    _ = gettext_for(lang)
    english = lang in (None, "en")
    out: list[str] = []
    kinds = {v.verdict for v in verdicts}
    if len(kinds) > 1:
        listed = ", ".join(
            f"{v.profile_id} {v.verdict if english else label(v.verdict, lang=lang)}"
            for v in verdicts
        )
        out.append(_(N_("verdicts differ: {verdicts}")).format(verdicts=listed))
    dated = sorted((v for v in verdicts if v.deadline), key=lambda v: (v.deadline, v.profile_id))
    if len(dated) > 1:
        first, last = dated[0], dated[-1]
        assert first.deadline is not None and last.deadline is not None
        gap = last.deadline.year - first.deadline.year
        if gap >= DEADLINE_GAP_YEARS:
            listed = ", ".join(f"{v.profile_id} {v.deadline}" for v in dated)
            out.append(
                _(N_("deadlines {gap} years apart: {deadlines}")).format(gap=gap, deadlines=listed)
            )
    for wants in verdicts:
        if not wants.target or not is_hybrid(wants.target):
            continue
        for other in verdicts:
            if other.hybrid_policy in ("forbidden", "discouraged") and other is not wants:
                sentence = (
                    N_("{wants} targets hybrid {target} but {other} forbids hybrids")
                    if other.hybrid_policy == "forbidden"
                    else N_("{wants} targets hybrid {target} but {other} discourages hybrids")
                )
                out.append(
                    _(sentence).format(
                        wants=wants.profile_id, target=wants.target, other=other.profile_id
                    )
                )
    targets = {v.target for v in verdicts if v.target}
    if len(targets) > 1:
        listed = ", ".join(f"{v.profile_id} {v.target}" for v in verdicts if v.target)
        out.append(_(N_("targets differ: {targets}")).format(targets=listed))
    return out


def judge(
    inputs: PlanInput,
    profiles: list[Profile],
    today: date | None = None,
    lang: str | None = None,
) -> list[Judgement]:
    """Every usage under every profile as of ``today``; deterministic order (usage id); the
    disagreements in `lang` (English by default)."""
    today = today or date.today()
    assets = {a.id: a for a in inputs.assets}
    targets: dict[tuple[str, str, str], Target] = {}
    out: list[Judgement] = []
    for usage in sorted(inputs.usages, key=lambda u: u.id):
        asset = assets[usage.asset_id]
        use = use_of(usage.primitive, usage.function, usage.algorithm)
        verdicts = []
        for profile in profiles:
            key = (profile.id, use, usage.algorithm)
            if key not in targets:
                targets[key] = choose_target(profile, use, usage.algorithm, today)
            verdicts.append(verdict_for(profile, usage, asset, use, targets[key], today))
        out.append(
            Judgement(
                usage.id, asset.name, usage.algorithm, use, verdicts, disagreements(verdicts, lang)
            )
        )
    return out
