"""The report an organization hands to its supervisor or regulator: coverage of its sector
targets, the adoption procedure, plan progress and deadlines at risk, in English or
Korean, as JSON, Markdown, or HTML that prints cleanly to PDF.

`report_body` builds the body (strings, integers, booleans and null only: it is signed as
canonical JSON). Signing is the app's business (`app.supervision_report`, with the
testbed's report key); this module renders a signed document and finds one inside a
rendered file. Markdown and HTML carry the signed JSON inside them and are rendered from
it byte for byte, so a checker re-renders the document and compares: a changed word in
the visible page is caught as surely as a changed byte in the JSON.
"""

from __future__ import annotations

import json
import re
from html import escape
from typing import Any

from sqlalchemy.orm import Session

from core.i18n import label
from core.models import Organization
from core.models.base import utcnow
from migration.report import md_escape
from migration.sectors.completeness import check
from migration.sectors.plan_share import plan_figures
from migration.sectors.procedure import procedure_figures

FORMAT = "pqcplan-supervisor-report/1"
LANGS = ("en", "ko")
MEDIA_TYPES = {
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
}
MARK = "pqcplan-signed-report"

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "PQC transition report",
        "organization": "Organization",
        "sector": "Sector",
        "tier": "Tier",
        "supervisor": "For",
        "issued": "Issued",
        "by": "by",
        "coverage": "Coverage of the sector's transition targets",
        "accounted": "Found or declared absent",
        "target": "Target",
        "priority": "Priority",
        "state": "State",
        "assets": "Assets",
        "vulnerable": "Quantum-vulnerable",
        "reason": "Reason given",
        "procedure": "Adoption procedure",
        "step": "Step",
        "status": "Status",
        "started": "Started",
        "due": "Due",
        "done": "Done",
        "evidence": "Evidence items",
        "plan": "Migration plan progress",
        "no_plan": "No migration plan yet.",
        "version": "Plan version",
        "profile": "Profile",
        "tasks": "Tasks",
        "percent_done": "Done (by effort)",
        "risk": "Deadlines at risk",
        "deadline": "Deadline",
        "rule": "Rule",
        "open_tasks": "Open tasks",
        "late": "Planned after the deadline",
        "none_at_risk": "No open task is planned after its deadline or due within a year.",
        "signed": "Signed with ML-DSA-65 by this pqcplan's report key; check offline with "
        "`pqcplan supervision verify FILE --key report-key.json`.",
        "found": "found",
        "not_found": "not found",
        "declared_absent": "declared absent",
        "not_started": "not started",
        "in_progress": "in progress",
        "not_applicable": "not applicable",
    },
    "ko": {
        "title": "양자내성암호 전환 보고서",
        "organization": "기관",
        "sector": "분야",
        "tier": "구분",
        "supervisor": "제출처",
        "issued": "발행",
        "by": "발행자",
        "coverage": "분야별 전환 대상 식별 현황",
        "accounted": "식별 또는 부재 신고",
        "target": "전환 대상",
        "priority": "우선순위",
        "state": "상태",
        "assets": "자산",
        "vulnerable": "양자 취약",
        "reason": "부재 사유",
        "procedure": "도입 절차",
        "step": "단계",
        "status": "상태",
        "started": "시작",
        "due": "기한",
        "done": "완료",
        "evidence": "증빙 수",
        "plan": "전환 계획 진척",
        "no_plan": "전환 계획이 아직 없습니다.",
        "version": "계획 버전",
        "profile": "프로파일",
        "tasks": "작업",
        "percent_done": "완료율 (작업량 기준)",
        "risk": "기한 위험",
        "deadline": "기한",
        "rule": "규칙",
        "open_tasks": "미완료 작업",
        "late": "기한 이후로 계획됨",
        "none_at_risk": "기한을 넘겨 계획되었거나 1년 안에 기한이 오는 미완료 작업이 없습니다.",
        "signed": "이 pqcplan의 보고서 키로 ML-DSA-65 서명됨. 오프라인 검증: "
        "`pqcplan supervision verify FILE --key report-key.json`.",
        "found": "식별됨",
        "not_found": "미식별",
        "declared_absent": "부재 신고",
        "not_started": "시작 전",
        "in_progress": "진행 중",
        "not_applicable": "해당 없음",
        "critical": "최우선",
        "high": "높음",
        "medium": "보통",
        "low": "낮음",
    },
}


def report_body(
    session: Session,
    org_id: int,
    lang: str,
    issued_by: str,
    supervisor: Organization | None = None,
) -> dict[str, Any]:
    """The report's body, computed now (not from the shared figures: this is the
    organization's own statement, absence reasons included)."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}")
    org = session.get_one(Organization, org_id)
    found = check(session, org_id, sample=0)
    ko = lang == "ko"
    plan = plan_figures(session, org_id)
    return {
        "format": FORMAT,
        "lang": lang,
        "organization": {
            "slug": org.slug,
            "name": org.name,
            "sector": str(org.sector),
            "tier": str(org.tier),
        },
        "supervisor": None
        if supervisor is None
        else {"slug": supervisor.slug, "name": supervisor.name},
        "issued_at": utcnow().replace(microsecond=0).isoformat(),
        "issued_by": issued_by,
        "coverage": {
            "catalogs": [{"id": c["id"], "version": c["version"]} for c in found.catalogs],
            "counts": found.counts,
            "accounted_percent": f"{found.accounted_percent:.1f}",
            "targets": [
                {
                    "key": t.key,
                    "name": (t.name_ko or t.name) if ko else t.name,
                    "priority": t.priority,
                    "state": t.state.value,
                    "assets": t.assets,
                    "vulnerable": t.vulnerable,
                    "absence_reason": t.absence["reason"] if t.absence else None,
                    "declared_by": t.absence["by"] if t.absence else None,
                }
                for t in found.targets
            ],
        },
        "procedure": [
            {
                "id": p["id"],
                "name": p["name_ko"] if ko else p["name"],
                "steps": [
                    {k: v for k, v in s.items() if k not in ("name", "name_ko")}
                    | {"name": s["name_ko"] if ko else s["name"]}
                    for s in p["steps"]
                ],
            }
            for p in procedure_figures(session, org_id)["procedures"]
        ],
        "plan": {k: v for k, v in plan.items() if k not in ("as_of", "at_risk")}
        if plan.get("version_id")
        else None,
        "deadlines_at_risk": plan.get("at_risk"),
    }


# --- rendering -------------------------------------------------------------------------


def _t(lang: str, key: str) -> str:
    return LABELS[lang].get(key, LABELS["en"].get(key, key))


def _json_text(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def render(fmt: str, doc: dict[str, Any]) -> str:
    """A signed document (`{"report", "signature"}`) as a file of `fmt`."""
    if fmt == "json":
        return _json_text(doc)
    if fmt == "md":
        return to_markdown(doc)
    if fmt == "html":
        return to_html(doc)
    raise ValueError(f"unknown format '{fmt}'")


def _rows(body: dict[str, Any]) -> dict[str, list[list[str]]]:
    """The report's tables as rows of plain text (both renderers escape their own way)."""
    lang = body["lang"]
    coverage = [
        [
            t["name"],
            _t(lang, t["priority"]),
            _t(lang, t["state"]),
            str(t["assets"]),
            str(t["vulnerable"]),
            t["absence_reason"] or "",
        ]
        for t in body["coverage"]["targets"]
    ]
    procedure = [
        [
            f"{p['name']}: {s['name']}",
            _t(lang, s["status"]),
            s["started_on"] or "",
            s["due_on"] or "",
            s["done_on"] or "",
            str(s["evidence"]),
        ]
        for p in body["procedure"]
        for s in p["steps"]
    ]
    risk = body.get("deadlines_at_risk") or {}
    at_risk = [
        [g["deadline"], g["rule"] or "", str(g["open_tasks"]), str(g["planned_after_deadline"])]
        for g in risk.get("groups", [])
    ]
    return {"coverage": coverage, "procedure": procedure, "risk": at_risk}


def _headers(lang: str) -> dict[str, list[str]]:
    t = LABELS[lang]
    return {
        "coverage": [
            t["target"],
            t["priority"],
            t["state"],
            t["assets"],
            t["vulnerable"],
            t["reason"],
        ],
        "procedure": [t["step"], t["status"], t["started"], t["due"], t["done"], t["evidence"]],
        "risk": [t["deadline"], t["rule"], t["open_tasks"], t["late"]],
    }


def _value(value: str, lang: str) -> str:
    """A stored value (sector, tier): as stored in English, its label in Korean."""
    return value if lang == "en" else label(value, lang=lang)


def _facts(body: dict[str, Any]) -> list[tuple[str, str]]:
    lang, org = body["lang"], body["organization"]
    facts = [
        (_t(lang, "organization"), f"{org['name']} ({org['slug']})"),
        (_t(lang, "sector"), f"{_value(org['sector'], lang)} / {_value(org['tier'], lang)}"),
    ]
    if body.get("supervisor"):
        sup = body["supervisor"]
        facts.append((_t(lang, "supervisor"), f"{sup['name']} ({sup['slug']})"))
    facts.append(
        (_t(lang, "issued"), f"{body['issued_at']} ({_t(lang, 'by')} {body['issued_by']})")
    )
    counts = body["coverage"]["counts"]
    facts.append(
        (
            _t(lang, "accounted"),
            f"{body['coverage']['accounted_percent']}% "
            f"({counts['found']} + {counts['declared_absent']} / {counts['expected']})",
        )
    )
    plan = body.get("plan")
    if plan:
        facts += [
            (_t(lang, "version"), f"{plan['plan_id']} v{plan['version']} ({plan['profile']})"),
            (_t(lang, "tasks"), str(plan["tasks"])),
            (_t(lang, "percent_done"), f"{plan['percent_done']}%"),
        ]
    return facts


def _signed_json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def to_markdown(doc: dict[str, Any]) -> str:
    body = doc["report"]
    lang = body["lang"]
    rows, heads = _rows(body), _headers(lang)
    out = [f"# {_t(lang, 'title')}", ""]
    out += [f"- **{md_escape(k)}**: {md_escape(v)}" for k, v in _facts(body)]

    def table(name: str) -> list[str]:
        lines = ["| " + " | ".join(md_escape(h) for h in heads[name]) + " |"]
        lines.append("|" + "---|" * len(heads[name]))
        lines += ["| " + " | ".join(md_escape(c) for c in row) + " |" for row in rows[name]]
        return lines

    out += ["", f"## {_t(lang, 'coverage')}", "", *table("coverage")]
    out += ["", f"## {_t(lang, 'procedure')}", "", *table("procedure")]
    out += ["", f"## {_t(lang, 'plan')}", ""]
    if not body.get("plan"):
        out.append(md_escape(_t(lang, "no_plan")))
    out += ["", f"## {_t(lang, 'risk')}", ""]
    out += table("risk") if rows["risk"] else [md_escape(_t(lang, "none_at_risk"))]
    out += [
        "",
        md_escape(_t(lang, "signed")),
        "",
        f"<!-- {MARK} -->",
        "```json",
        _signed_json(doc),
        "```",
        "",
    ]
    return "\n".join(out)


_CSS = (
    "body{font-family:'Noto Sans KR',sans-serif;margin:2rem;color:#111;max-width:60rem}"
    "table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}"
    "th,td{border:1px solid #999;padding:.25rem .4rem;text-align:left;vertical-align:top}"
    "th{background:#eee}tr{page-break-inside:avoid}h2{page-break-after:avoid}"
    "dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:bold}"
    ".sig{font-size:.8rem;color:#444}"
    "@page{size:A4;margin:15mm}@media print{body{margin:0;max-width:none}}"
)


def _script_json(doc: dict[str, Any]) -> str:
    text = _signed_json(doc)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def to_html(doc: dict[str, Any]) -> str:
    body = doc["report"]
    lang = body["lang"]
    rows, heads = _rows(body), _headers(lang)
    e = escape

    def table(name: str) -> str:
        head = "".join(f'<th scope="col">{e(h)}</th>' for h in heads[name])
        lines = "".join(
            "<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in rows[name]
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{lines}</tbody></table>"

    facts = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in _facts(body))
    plan = "" if body.get("plan") else f"<p>{e(_t(lang, 'no_plan'))}</p>"
    risk = table("risk") if rows["risk"] else f"<p>{e(_t(lang, 'none_at_risk'))}</p>"
    return (
        f'<!doctype html>\n<html lang="{e(lang)}"><head><meta charset="utf-8">'
        f"<title>{e(_t(lang, 'title'))}: {e(body['organization']['name'])}</title>"
        f"<style>{_CSS}</style></head><body>"
        f"<h1>{e(_t(lang, 'title'))}</h1><dl>{facts}</dl>"
        f"<h2>{e(_t(lang, 'coverage'))}</h2>{table('coverage')}"
        f"<h2>{e(_t(lang, 'procedure'))}</h2>{table('procedure')}"
        f"<h2>{e(_t(lang, 'plan'))}</h2>{plan}"
        f"<h2>{e(_t(lang, 'risk'))}</h2>{risk}"
        f'<p class="sig">{e(_t(lang, "signed"))}</p>'
        f'<script type="application/json" id="{MARK}">{_script_json(doc)}</script>'
        "</body></html>\n"
    )


_EMBEDDED = {
    "html": re.compile(rf'<script type="application/json" id="{MARK}">(.*?)</script>', re.S),
    "md": re.compile(rf"<!-- {MARK} -->\n```json\n(.*?)\n```\n", re.S),
}


def extract(text: str) -> tuple[str, dict[str, Any]]:
    """(format, signed document) of a rendered report; ValueError if it holds none."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        return "json", json.loads(text)
    for fmt, pattern in _EMBEDDED.items():
        found = pattern.search(text)
        if found:
            return fmt, json.loads(found.group(1))
    raise ValueError("no signed report found (JSON, or HTML/Markdown written by pqcplan)")


def rendered_as_issued(text: str) -> bool:
    """Whether the visible file is exactly what its embedded signed document renders to."""
    fmt, doc = extract(text)
    if fmt == "json":
        return True  # the signature covers the whole of it
    return render(fmt, doc) == text
