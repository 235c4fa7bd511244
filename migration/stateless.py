"""The judgement across profiles as a pipeline tool: what satisfies all, the gate, and output.

`migration.compare.judge` gives each usage's verdict under each profile. This module adds
what a pipeline needs on top, without a database:

- :func:`satisfy_all`: the one answer that meets every profile at once (the earliest
  deadline, the strictest target every profile accepts), or a plain statement that no single
  construction does (one profile requires hybrid key exchange, another discourages it);
- :func:`gate`: which usages fail a CI gate (a deadline already passed or within N years, or
  a classically broken algorithm to replace now);
- renderers: JSON, Markdown and SARIF 2.1.0 (code-scanning tools read it).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from core.display import printable
from inventory.catalog import get_catalog
from migration.compare import Judgement, Verdict, hybrid_policy
from migration.policy import UNKNOWN_ALGORITHM, accepts, table_for
from migration.profiles.schema import Profile
from migration.report import md_escape
from migration.targets import candidates, is_hybrid
from migration.uses import policy_use

ACTIONABLE = ("migrate-now", "migrate", "review")
HYBRID_ONLY = ("required",)
NO_HYBRID = ("forbidden", "discouraged")


@dataclass(frozen=True)
class SatisfyAll:
    """What meets every profile at once for one usage (None where nothing needs doing)."""

    deadline: date | None
    deadline_profile: str | None
    target: str | None
    conflict: str | None = None
    now: bool = False  # a profile says replace now (the deadline is when it was disallowed)
    review: str | None = None  # why no answer can be given (an algorithm nobody can judge)

    def as_dict(self) -> dict[str, Any]:
        return {
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "deadline_profile": self.deadline_profile,
            "now": self.now,
            "target": self.target,
            "conflict": self.conflict,
            "review": self.review,
        }

    def text(self) -> str:
        parts = []
        if self.now and self.deadline:
            parts.append(f"now (disallowed since {self.deadline}, {self.deadline_profile})")
        elif self.deadline:
            parts.append(f"by {self.deadline} ({self.deadline_profile})")
        if self.target:
            parts.append(f"to {self.target}")
        if self.conflict:
            parts.append(self.conflict)
        if self.review:
            parts.append(self.review)
        return "; ".join(parts) if parts else "nothing to do under any profile"


def _strength(name: str) -> tuple[int, int]:
    info = get_catalog().get(name)
    if info is None:
        return (0, 0)
    return (info.nist_category or 0, info.classical_bits or 0)


def _widened(names: list[str]) -> list[str]:
    """The names, then stronger parameter sets of their families, then hybrids built on
    them (ML-KEM-768 -> ML-KEM-1024 -> SecP384r1MLKEM1024): what a profile naming a weaker
    set or no hybrid may still accept."""
    cat = get_catalog()
    infos = [i for i in (cat.get(n) for n in names) if i is not None]
    out = list(names)
    for info in infos:
        out += [
            e.name
            for e in cat
            if e.family == info.family
            and e.primitive == info.primitive
            and not e.is_generic
            and e.name != e.family  # a family named without its parameter set
            and _strength(e.name) >= _strength(info.name)
        ]
    base = set(out)
    out += [e.name for e in cat if is_hybrid(e.name) and base & set(e.components)]
    return list(dict.fromkeys(out))


def satisfy_all(
    judgement: Judgement, profiles: list[Profile], today: date | None = None
) -> SatisfyAll:
    """The earliest deadline and the strictest target every profile accepts.

    A target satisfies a profile when that profile's own table judges it acceptable for the
    use (parameter set, hybrid form and all: `migration.policy.accepts`). When no candidate
    does, the conflict says why, and the strictest of the profiles' own targets is given as
    the nearest answer.
    """
    today = today or date.today()
    acting = [v for v in judgement.verdicts if v.verdict in ACTIONABLE]
    if not acting:
        return SatisfyAll(None, None, None)
    if any(v.basis == UNKNOWN_ALGORITHM for v in acting):
        return SatisfyAll(
            None,
            None,
            None,
            review=f"review: {judgement.algorithm} is not in the catalog, so no profile can "
            "judge it",
        )
    now = sorted(
        (v for v in acting if v.verdict == "migrate-now" and v.deadline),
        key=lambda v: (v.deadline, v.profile_id),
    )
    dated = now or sorted(
        (v for v in acting if v.deadline), key=lambda v: (v.deadline, v.profile_id)
    )
    first = dated[0] if dated else None
    use = judgement.use
    named: list[str] = []
    for p in profiles:
        named += candidates(p, use)
    named += [v.target for v in acting if v.target]
    pool = _widened(list(dict.fromkeys(named)))
    fitting = [c for c in pool if all(accepts(p, use, c, today) for p in profiles)]
    deadline = first.deadline if first else None
    who = first.profile_id if first else None
    if fitting:
        best = max(fitting, key=lambda n: (_strength(n), -pool.index(n)))
        return SatisfyAll(deadline, who, best, now=bool(now))
    nearest = max((v.target for v in acting if v.target), key=_strength, default=None)
    return SatisfyAll(deadline, who, nearest, _conflict(use, profiles, today, pool), now=bool(now))


def _conflict(use: str, profiles: list[Profile], today: date, pool: list[str]) -> str:
    puse = policy_use(use)
    word = {
        "key_establishment": "key establishment",
        "signature": "signatures",
        "software_signing": "software signing",
    }.get(puse, puse.replace("_", " "))
    need = [p.id for p in profiles if _hybrid_only(p, use)]
    against = [(p, hybrid_policy(p, use)) for p in profiles if hybrid_policy(p, use) in NO_HYBRID]
    if need and against:
        verbs = {"discouraged": "discourages", "forbidden": "forbids"}
        return (
            "no single construction satisfies all: "
            + " and ".join(need)
            + (" require" if len(need) > 1 else " requires")
            + f" hybrid {word} while "
            + " and ".join(f"{p.id} {verbs[h]}" for p, h in against)
            + " hybrids"
        )

    def accepted(p: Profile) -> str:
        return ", ".join(c for c in pool if accepts(p, use, c, today)) or "none of them"

    lists = "; ".join(f"{p.id} accepts {accepted(p)}" for p in profiles)
    hybrid = f" ({' and '.join(need)} only in hybrid form)" if need else ""
    return f"no single construction satisfies all for {word}{hybrid}: {lists}"


def _hybrid_only(profile: Profile, use: str) -> bool:
    """The profile allows post-quantum {use} only inside a hybrid (hash-based aside)."""
    _puse, policy = table_for(profile, use)
    if policy is None:
        return profile.hybrid in HYBRID_ONLY
    return policy.hybrid in HYBRID_ONLY or any(r.form == "hybrid_required" for r in policy.rules)


# --- the gate --------------------------------------------------------------------------


@dataclass
class GateFinding:
    judgement: Judgement
    satisfy: SatisfyAll
    failing: bool
    why: str

    @property
    def unknown(self) -> bool:
        return any(v.basis == UNKNOWN_ALGORITHM for v in self.judgement.verdicts)


@dataclass
class GateResult:
    findings: list[GateFinding] = field(default_factory=list)
    #: the file held no cryptographic usage at all (fails unless allowed)
    empty: bool = False
    allow_empty: bool = False

    @property
    def failed(self) -> list[GateFinding]:
        return [f for f in self.findings if f.failing]

    @property
    def empty_fails(self) -> bool:
        return self.empty and not self.allow_empty

    @property
    def exit_code(self) -> int:
        """0: the gate passes; 1: a usage fails it, or nothing could be judged (input
        errors are 2, raised earlier)."""
        return 1 if self.failed or self.empty_fails else 0


def _years_until(day: date, today: date) -> float:
    return (day - today).days / 365.25


def gate(
    judgements: list[Judgement],
    profiles: list[Profile],
    *,
    today: date,
    fail_within_years: float = 0,
    allow_unknown: bool = False,
    allow_empty: bool = False,
) -> GateResult:
    """Each usage with something to do, and whether it fails the pipeline. Fails closed.

    A usage fails when any profile says migrate-now (broken by classical attacks today, or
    no longer allowed by the profile), when its earliest deadline has passed or falls within
    ``fail_within_years`` of ``today``, or when its algorithm cannot be judged at all (not in
    the catalog) unless ``allow_unknown``. A file without any usage fails unless
    ``allow_empty``: a gate that saw nothing has checked nothing.
    """
    out = GateResult(empty=not judgements, allow_empty=allow_empty)
    for j in judgements:
        sat = satisfy_all(j, profiles, today)
        if sat.deadline is None and not any(v.verdict in ACTIONABLE for v in j.verdicts):
            continue
        now = [v.profile_id for v in j.verdicts if v.verdict == "migrate-now"]
        unknown = any(v.basis == UNKNOWN_ALGORITHM for v in j.verdicts)
        failing, why = False, ""
        if now:
            failing, why = True, f"replace now under {', '.join(now)}"
        elif unknown:
            failing = not allow_unknown
            why = f"cannot be judged: {j.algorithm} is not in the algorithm catalog" + (
                " (allowed by --allow-unknown)" if allow_unknown else ""
            )
        elif sat.deadline is not None:
            years = _years_until(sat.deadline, today)
            if years < 0:
                failing, why = True, f"deadline {sat.deadline} ({sat.deadline_profile}) has passed"
            elif years <= fail_within_years:
                failing = True
                why = (
                    f"deadline {sat.deadline} ({sat.deadline_profile}) is within "
                    f"{fail_within_years:g} years"
                )
            else:
                why = f"deadline {sat.deadline} ({sat.deadline_profile})"
        else:
            why = "review: " + ", ".join(
                f"{v.profile_id} {v.verdict}" for v in j.verdicts if v.verdict in ACTIONABLE
            )
        out.findings.append(GateFinding(j, sat, failing, why))
    return out


# --- output ----------------------------------------------------------------------------


def verdict_text(v: Verdict) -> str:
    bits = [v.verdict]
    if v.deadline:
        bits.append(f"since {v.deadline}" if v.verdict == "migrate-now" else f"by {v.deadline}")
    if v.target:
        bits.append(f"-> {v.target}")
    return " ".join(bits)


def to_json(
    judgements: list[Judgement],
    profiles: list[Profile],
    result: GateResult,
    *,
    source: str,
    today: date,
) -> dict[str, Any]:
    sat = {f.judgement.usage_id: f for f in result.findings}
    usages = []
    for j in judgements:
        item = j.as_dict()
        finding = sat.get(j.usage_id)
        item["satisfies_all"] = (
            finding.satisfy if finding else SatisfyAll(None, None, None)
        ).as_dict()
        item["gate"] = (
            {"failing": finding.failing, "why": finding.why} if finding else {"failing": False}
        )
        usages.append(item)
    return {
        "source": source,
        "as_of": today.isoformat(),
        "profiles": [{"id": p.id, "version": p.version, "name": p.name} for p in profiles],
        "usages": usages,
        "summary": {
            "usages": len(judgements),
            "to_act_on": len(result.findings),
            "failing": len(result.failed),
            "unknown": sum(1 for f in result.findings if f.unknown),
            "with_disagreements": sum(1 for j in judgements if j.disagreements),
            "empty": result.empty,
        },
        "exit_code": result.exit_code,
    }


def _md(text: str) -> str:
    return md_escape(printable(text))  # no raw HTML, Markdown or control characters


def to_markdown(
    judgements: list[Judgement], profiles: list[Profile], result: GateResult, *, source: str
) -> str:
    ids = [p.id for p in profiles]
    lines = [
        f"# PQC judgement of {_md(source)}",
        "",
        f"Profiles: {', '.join(ids)}. {len(judgements)} usages, {len(result.findings)} to act "
        f"on, {len(result.failed)} failing the gate.",
        "",
    ]
    if result.empty:
        lines += [
            ("**FAIL** " if result.empty_fails else "")
            + "The file holds no cryptographic component: nothing was judged.",
            "",
        ]
    lines += [
        "| asset | algorithm | " + " | ".join(ids) + " | satisfies all | gate |",
        "|---|---|" + "---|" * len(ids) + "---|---|",
    ]
    for f in result.findings:
        j = f.judgement
        cells = [verdict_text(v) for v in j.verdicts]
        gate_cell = ("**FAIL** " if f.failing else "") + _md(f.why)
        lines.append(
            "| "
            + " | ".join(_md(c) for c in [j.asset_name, j.algorithm, *cells, f.satisfy.text()])
            + f" | {gate_cell} |"
        )
    disagreeing = [j for j in judgements if j.disagreements]
    if disagreeing:
        lines += ["", "## Where the profiles disagree", ""]
        for j in disagreeing:
            lines.append(f"- **{_md(j.algorithm)}** in {_md(j.asset_name)}:")
            lines += [f"  - {_md(d)}" for d in j.disagreements]
    return "\n".join(lines) + "\n"


RULES: list[dict[str, Any]] = [
    {
        "id": "PQC001",
        "name": "ReplaceNow",
        "level": "error",
        "short": "Algorithm a profile no longer allows (classically broken or disallowed): "
        "replace now",
    },
    {
        "id": "PQC002",
        "name": "DeadlinePassedOrNear",
        "level": "error",
        "short": "Algorithm whose migration deadline has passed or is near",
    },
    {
        "id": "PQC003",
        "name": "MigrateByDeadline",
        "level": "warning",
        "short": "Algorithm with a migration deadline",
    },
    {
        "id": "PQC004",
        "name": "Review",
        "level": "warning",
        "short": "Algorithm that cannot be judged (not in the catalog) or that a profile does "
        "not list and names no date for: review it",
    },
]
_RULE_INDEX = {r["id"]: i for i, r in enumerate(RULES)}
#: the base every SARIF path is relative to: the scanned project's root (run `pqcplan judge`
#: there); the judged file and the CBOM's `evidence.occurrences` paths are relative to it
SRCROOT = "%SRCROOT%"


def _rule_for(f: GateFinding) -> str:
    if any(v.verdict == "migrate-now" for v in f.judgement.verdicts):
        return "PQC001"
    if f.unknown:
        return "PQC004"
    if f.failing:
        return "PQC002"
    if f.satisfy.deadline is not None:
        return "PQC003"
    return "PQC004"


def _in_file(uri: str, line: int) -> dict[str, Any]:
    return {
        "artifactLocation": {"uri": uri, "uriBaseId": SRCROOT, "index": 0},
        "region": {"startLine": max(1, line)},
    }


def to_sarif(
    result: GateResult,
    profiles: list[Profile],
    *,
    artifact_uri: str,
    locations: dict[int, tuple[int, str]],
    tool_version: str,
    occurrences: dict[int, list[tuple[str, int, int | None]]] | None = None,
) -> dict[str, Any]:
    """A SARIF 2.1.0 log: one result per usage to act on.

    ``locations`` maps a usage id to (line in the judged file, logical location such as the
    CBOM component's JSON path or the CSV row). ``occurrences`` maps a usage id to the
    source files and lines a code scanner saw it at (CBOM ``evidence.occurrences``): such a
    usage gives one result per occurrence, at the source line, with the CBOM's own place as
    a related location. Every path is relative to ``%SRCROOT%`` (``artifact_uri`` too).
    """
    results = []
    for f in result.findings:
        j = f.judgement
        rule = _rule_for(f)
        line, logical = locations.get(j.usage_id, (1, j.asset_name))
        verdicts = "; ".join(f"{v.profile_id}: {verdict_text(v)}" for v in j.verdicts)
        text = (
            f"{printable(j.algorithm)} in {printable(j.asset_name)} "
            f"({j.use.replace('_', ' ')}): {printable(f.why)}. "
            f"Satisfies all profiles: {printable(f.satisfy.text())}. Per profile: {verdicts}."
        )
        if j.disagreements:
            text += " Disagreements: " + printable("; ".join(j.disagreements)) + "."
        fingerprint = hashlib.sha256(
            f"{logical}\0{j.asset_name}\0{j.algorithm}\0{j.use}".encode()
        ).hexdigest()
        results.append(
            {
                "ruleId": rule,
                "ruleIndex": _RULE_INDEX[rule],
                "level": RULES[_RULE_INDEX[rule]]["level"],
                "message": {"text": text},
                "locations": [
                    {
                        "physicalLocation": _in_file(artifact_uri, line),
                        "logicalLocations": [{"fullyQualifiedName": logical, "kind": "object"}],
                    }
                ],
                "partialFingerprints": {"pqcplanUsage/v1": fingerprint},
                "properties": {
                    "algorithm": j.algorithm,
                    "asset": j.asset_name,
                    "use": j.use,
                    "verdicts": [v.as_dict() for v in j.verdicts],
                    "satisfiesAll": f.satisfy.as_dict(),
                    "disagreements": list(j.disagreements),
                },
            }
        )
        results[-1:] = _at_occurrences(results[-1], (occurrences or {}).get(j.usage_id))
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "pqcplan",
                        "version": tool_version,
                        "rules": [
                            {
                                "id": r["id"],
                                "name": r["name"],
                                "shortDescription": {"text": r["short"]},
                                "defaultConfiguration": {"level": r["level"]},
                            }
                            for r in RULES
                        ],
                    }
                },
                "originalUriBaseIds": {
                    SRCROOT: {
                        "description": {
                            "text": "The root of the scanned project: the directory pqcplan "
                            "judge ran in, to which the judged file and the CBOM's evidence "
                            "paths are relative."
                        }
                    }
                },
                "artifacts": [{"location": {"uri": artifact_uri, "uriBaseId": SRCROOT}}],
                "results": results,
                "properties": {"profiles": [f"{p.id}@{p.version}" for p in profiles]},
            }
        ],
    }


def _at_occurrences(
    result: dict[str, Any], places: list[tuple[str, int, int | None]] | None
) -> list[dict[str, Any]]:
    """The result itself, or one copy per source occurrence, the CBOM's place kept as a
    related location."""
    if not places:
        return [result]
    out = []
    fingerprint = result["partialFingerprints"]["pqcplanUsage/v1"]
    for path, line, column in places[:1000]:
        region: dict[str, Any] = {"startLine": line}
        if column:
            region["startColumn"] = column
        at = {"artifactLocation": {"uri": path, "uriBaseId": SRCROOT}, "region": region}
        copy = dict(result)
        copy["locations"] = [{**result["locations"][0], "physicalLocation": at}]
        copy["relatedLocations"] = [
            {"id": 0, "physicalLocation": result["locations"][0]["physicalLocation"]}
        ]
        digest = hashlib.sha256(f"{fingerprint}\0{path}\0{line}".encode()).hexdigest()
        copy["partialFingerprints"] = {"pqcplanUsage/v1": digest}
        out.append(copy)
    return out


def dumps(data: dict[str, Any]) -> str:
    """JSON for a terminal or a file: every non-ASCII character escaped, so no control or
    bidi character from an input is printed raw (JSON readers see the same strings)."""
    return json.dumps(data, indent=2, ensure_ascii=True) + "\n"
