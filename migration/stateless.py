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

from inventory.catalog import get_catalog
from migration.compare import Judgement, Verdict
from migration.profiles.schema import Profile
from migration.report import md_escape
from migration.targets import is_hybrid

ACTIONABLE = ("migrate-now", "migrate", "review")
HYBRID_ONLY = ("required",)
NO_HYBRID = ("forbidden", "discouraged")
#: the uses a hybrid policy speaks about (hybrids in the catalog are key establishment)
KEY_ESTABLISHMENT = ("tls_key_exchange", "key_exchange", "encryption")


@dataclass(frozen=True)
class SatisfyAll:
    """What meets every profile at once for one usage (None where nothing needs doing)."""

    deadline: date | None
    deadline_profile: str | None
    target: str | None
    conflict: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "deadline_profile": self.deadline_profile,
            "target": self.target,
            "conflict": self.conflict,
        }

    def text(self) -> str:
        parts = []
        if self.deadline:
            parts.append(f"by {self.deadline} ({self.deadline_profile})")
        if self.target:
            parts.append(f"to {self.target}")
        if self.conflict:
            parts.append(self.conflict)
        return "; ".join(parts) if parts else "nothing to do under any profile"


def _strength(name: str) -> tuple[int, int]:
    info = get_catalog().get(name)
    if info is None:
        return (0, 0)
    return (info.nist_category or 0, info.classical_bits or 0)


def _accepts(accepted: list[str], name: str) -> bool:
    """Listed, or a stronger parameter set of a listed family (ML-DSA-87 for ML-DSA-65)."""
    if name in accepted:
        return True
    info = get_catalog().get(name)
    if info is None:
        return False
    for other in accepted:
        theirs = get_catalog().get(other)
        same_family = theirs is not None and theirs.family == info.family
        if same_family and _strength(name) >= _strength(other):
            return True
    return False


def _fits(profile: Profile, use: str, name: str) -> bool:
    accepted = profile.targets.get(use)
    if accepted and not _accepts(accepted, name):
        return False
    if use not in KEY_ESTABLISHMENT:
        return True
    if profile.hybrid in HYBRID_ONLY and not is_hybrid(name):
        return False
    return not (profile.hybrid in NO_HYBRID and is_hybrid(name))


def satisfy_all(judgement: Judgement, profiles: list[Profile]) -> SatisfyAll:
    """The earliest deadline and the strictest target every profile accepts.

    A target fits a profile when the profile lists it for the use (or lists nothing, or lists
    a weaker parameter set of the same family) and, for key establishment, respects the
    profile's hybrid policy. When no candidate fits all, the conflict says why,
    and the strictest of the profiles' own targets is given as the nearest answer.
    """
    acting = [v for v in judgement.verdicts if v.verdict in ACTIONABLE]
    if not acting:
        return SatisfyAll(None, None, None)
    dated = sorted((v for v in acting if v.deadline), key=lambda v: (v.deadline, v.profile_id))
    first = dated[0] if dated else None
    by_id = {p.id: p for p in profiles}
    use = judgement.use
    candidates: list[str] = []
    for p in profiles:
        candidates += p.targets.get(use, [])
    candidates += [v.target for v in acting if v.target]
    candidates = list(dict.fromkeys(candidates))
    fitting = [c for c in candidates if all(_fits(p, use, c) for p in profiles)]
    deadline = first.deadline if first else None
    who = first.profile_id if first else None
    if fitting:
        best = max(fitting, key=lambda n: (_strength(n), -candidates.index(n)))
        return SatisfyAll(deadline, who, best)
    nearest = max(
        (v.target for v in acting if v.target),
        key=lambda n: _strength(n),
        default=None,
    )
    return SatisfyAll(deadline, who, nearest, _conflict(use, [by_id[v.profile_id] for v in acting]))


def _conflict(use: str, profiles: list[Profile]) -> str:
    need = [p.id for p in profiles if p.hybrid in HYBRID_ONLY]
    against = [p for p in profiles if p.hybrid in NO_HYBRID]
    if use in KEY_ESTABLISHMENT and need and against:
        verbs = {"discouraged": "discourages", "forbidden": "forbids"}
        return (
            "no single construction satisfies all: "
            + " and ".join(need)
            + (" require" if len(need) > 1 else " requires")
            + " hybrid key exchange while "
            + " and ".join(f"{p.id} {verbs[p.hybrid]}" for p in against)
            + " hybrids"
        )
    lists = "; ".join(
        f"{p.id} accepts {', '.join(p.targets.get(use, [])) or 'anything'}" for p in profiles
    )
    return f"no single target satisfies all for {use.replace('_', ' ')}: {lists}"


# --- the gate --------------------------------------------------------------------------


@dataclass
class GateFinding:
    judgement: Judgement
    satisfy: SatisfyAll
    failing: bool
    why: str


@dataclass
class GateResult:
    findings: list[GateFinding] = field(default_factory=list)

    @property
    def failed(self) -> list[GateFinding]:
        return [f for f in self.findings if f.failing]

    @property
    def exit_code(self) -> int:
        """0: the gate passes; 1: a usage fails it (input errors are 2, raised earlier)."""
        return 1 if self.failed else 0


def _years_until(day: date, today: date) -> float:
    return (day - today).days / 365.25


def gate(
    judgements: list[Judgement],
    profiles: list[Profile],
    *,
    today: date,
    fail_within_years: float = 0,
) -> GateResult:
    """Each usage with something to do, and whether it fails the pipeline.

    A usage fails when any profile says migrate-now (broken by classical attacks today), or
    when its earliest deadline has passed or falls within ``fail_within_years`` of ``today``.
    """
    out = GateResult()
    for j in judgements:
        sat = satisfy_all(j, profiles)
        if sat.deadline is None and not any(v.verdict in ACTIONABLE for v in j.verdicts):
            continue
        now = [v.profile_id for v in j.verdicts if v.verdict == "migrate-now"]
        failing, why = False, ""
        if now:
            failing, why = True, f"replace now (classically broken) under {', '.join(now)}"
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
        bits.append(f"by {v.deadline}")
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
            "with_disagreements": sum(1 for j in judgements if j.disagreements),
        },
        "exit_code": result.exit_code,
    }


def _md(text: str) -> str:
    return md_escape(text)  # no raw HTML or Markdown from a scanned file's names


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
        "short": "Classically broken algorithm: replace now under every profile",
    },
    {
        "id": "PQC002",
        "name": "DeadlinePassedOrNear",
        "level": "error",
        "short": "Quantum-vulnerable algorithm whose migration deadline has passed or is near",
    },
    {
        "id": "PQC003",
        "name": "MigrateByDeadline",
        "level": "warning",
        "short": "Quantum-vulnerable algorithm with a migration deadline",
    },
    {
        "id": "PQC004",
        "name": "Review",
        "level": "note",
        "short": "Algorithm the catalog cannot classify: review it",
    },
]
_RULE_INDEX = {r["id"]: i for i, r in enumerate(RULES)}


def _rule_for(f: GateFinding) -> str:
    if any(v.verdict == "migrate-now" for v in f.judgement.verdicts):
        return "PQC001"
    if f.failing:
        return "PQC002"
    if f.satisfy.deadline is not None:
        return "PQC003"
    return "PQC004"


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

    ``locations`` maps a usage id to (line in the file, logical location such as the
    CBOM component's JSON path or the CSV row). ``occurrences`` maps a usage id to the
    source files and lines a code scanner saw it at (CBOM ``evidence.occurrences``): such a
    usage gives one result per occurrence, at the source line (relative to ``%SRCROOT%``),
    so a pull request's review shows it where the code is.
    """
    results = []
    for f in result.findings:
        j = f.judgement
        rule = _rule_for(f)
        line, logical = locations.get(j.usage_id, (1, j.asset_name))
        verdicts = "; ".join(f"{v.profile_id}: {verdict_text(v)}" for v in j.verdicts)
        text = f"{j.algorithm} in {j.asset_name} ({j.use.replace('_', ' ')}): {f.why}. " + (
            f"Satisfies all profiles: {f.satisfy.text()}. Per profile: {verdicts}."
        )
        if j.disagreements:
            text += " Disagreements: " + "; ".join(j.disagreements) + "."
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
                        "physicalLocation": {
                            "artifactLocation": {"uri": artifact_uri, "index": 0},
                            "region": {"startLine": max(1, line)},
                        },
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
                "artifacts": [{"location": {"uri": artifact_uri}}],
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
        at = {"artifactLocation": {"uri": path, "uriBaseId": "%SRCROOT%"}, "region": region}
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
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
