"""Plans and profiles refuse dates whose arithmetic could overflow, and escape user text in
every export. API tests run on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import csv
import io
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from core.errors import InputError
from core.field_limits import PLAN_DATE_MAX, PLAN_DATE_MIN
from core.models import Organization
from inventory.choices import AssetType, CryptoFunction, Primitive, QuantumStatus
from inventory.models import Asset, CryptoUsage
from migration.inputs import PlanParams
from migration.models import CustomProfile, Plan
from migration.profiles import ProfileError, get_profile, parse_profile, profile_to_dict
from migration.report import render
from migration.scheduler import plan
from migration.waves import MAX_WAVES, wave_bounds
from tests.migration.planning_helpers import inventory, params


def _kr() -> dict[str, Any]:
    return copy.deepcopy(profile_to_dict(get_profile("kr-2035")))


def _with(path: str, value: Any) -> dict[str, Any]:
    doc = _kr()
    node: Any = doc
    *parents, last = path.split(".")
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    node[int(last) if last.isdigit() else last] = value
    return doc


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("final_deadline", "9999-12-31", "final_deadline"),
        ("final_deadline", "0001-01-01", "final_deadline"),
        ("deadlines.0.date", "9999-12-31", "deadlines.0.date"),
        ("deadlines.0.date", "0001-01-01", "deadlines.0.date"),
        ("phases.0.start", "0001-01-01", "phases.0.start"),
        ("phases.0.end", "9999-12-31", "phases.0.end"),
        ("milestones.0.date", "9999-12-31", "milestones.0.date"),
        ("sources.0.published", "0001-01-01", "sources.0.published"),
        ("deadlines.0.date", "2001-06-30", "deadlines.0.date"),  # before the phases start
        ("name", "bad\x00name", "name"),
    ],
)
def test_profile_dates_out_of_range_or_before_the_phases_are_refused(path, value, field):
    with pytest.raises(ProfileError) as info:
        parse_profile(_with(path, value))
    assert info.value.field == field, info.value


def test_profile_phases_out_of_order_are_refused():
    doc = _kr()
    doc["phases"] = list(reversed(doc["phases"]))
    with pytest.raises(ProfileError, match="time order") as info:
        parse_profile(doc)
    assert info.value.field.startswith("phases.")


def test_scheduler_dates_cannot_overflow_at_the_edges_of_the_window():
    profile = get_profile("kr-2035")
    for start in (PLAN_DATE_MIN, PLAN_DATE_MAX):
        result = plan(
            profile, inventory(30, [(i, i + 1) for i in range(1, 30)]), params(start=start)
        )
        assert result.tasks and all(t.wave_label for t in result.tasks)
    assert wave_bounds(PLAN_DATE_MAX, MAX_WAVES)[1].year < 9999
    with pytest.raises(InputError) as info:
        PlanParams(start=date(9999, 12, 31))
    assert info.value.location == "start"


def test_a_plan_longer_than_the_horizon_is_refused_naming_capacity():
    """A chain of more tasks than the horizon has waves, one wave each, is refused."""
    n = MAX_WAVES + 10
    chain = inventory(n, [(i, i + 1) for i in range(1, n)], usages_per_asset=2)
    with pytest.raises(InputError) as info:
        plan(get_profile("kr-2035"), chain, params(start=PLAN_DATE_MAX, capacity=1))
    assert info.value.location == "capacity"


# --- over HTTP ------------------------------------------------------------------------------
def _counts(api: Any) -> tuple[int, int]:
    with api.sessions() as s:
        return (
            s.scalar(select(func.count()).select_from(Plan)),
            s.scalar(select(func.count()).select_from(CustomProfile)),
        )


def _location(body: dict[str, Any]) -> str:
    """Every 422 carries `location` (a JSON path for the body); `start` for `$.start`."""
    assert isinstance(body["detail"], str), body
    return str(body["location"]).removeprefix("$.")


@pytest.mark.parametrize("start", ["9999-12-31", "0001-01-01", "1999-12-31", "2201-01-01"])
def test_plan_start_out_of_range_is_422_naming_start(api, start):
    org = api.make_org()
    h = api.headers(org)
    for background in (False, True):
        resp = api.client.post(
            "/api/v1/plans",
            headers=h,
            json={"profile": "kr-2035", "start": start, "background": background},
        )
        assert resp.status_code == 422, resp.text
        assert _location(resp.json()) == "start", resp.text
    assert _counts(api) == (0, 0)


@pytest.mark.parametrize(
    ("path", "value"),
    [("final_deadline", "9999-12-31"), ("deadlines.0.date", "0001-01-01"),
     ("phases.0.start", "0001-01-01"), ("name", "n" * 201), ("version", "v" * 41)],
)  # fmt: skip
def test_custom_profile_with_bad_dates_or_overlong_text_is_422_and_not_stored(api, path, value):
    org = api.make_org()
    h = api.headers(org)
    doc = _with(path, value) | {"id": "my-plan"}
    resp = api.client.post("/api/v1/profiles", headers=h, json=doc)
    assert resp.status_code == 422, resp.text
    assert resp.json()["location"] == path
    assert _counts(api) == (0, 0)


NAMES = [
    "<script>alert(1)</script>",
    "=cmd|' /C calc'!A0",
    "**bold** [link](javascript:alert(1)) | pipe `code`",
    "[red]rich markup[/red]",
]


def _seed(api: Any, org: Organization) -> None:
    with api.sessions.begin() as s:
        for i, name in enumerate(NAMES):
            a = Asset(organization_id=org.id, ref=f"a{i}", name=name, asset_type=AssetType.SERVICE)
            s.add(a)
            s.flush()
            s.add(
                CryptoUsage(
                    organization_id=org.id,
                    asset_id=a.id,
                    ref=f"u{i}",
                    algorithm="RSA-2048",
                    algorithm_raw="RSA-2048",
                    primitive=Primitive.SIGNATURE,
                    function=CryptoFunction.CERTIFICATE_SIGNATURE,
                    quantum_status=QuantumStatus.BROKEN,
                    status_reason="Shor",
                    catalog_version="1",
                )
            )


def test_plan_exports_never_carry_raw_html_or_live_formulas(api):
    org = api.make_org()
    h = api.headers(org)
    _seed(api, org)
    resp = api.client.post(
        "/api/v1/plans", headers=h, json={"profile": "kr-2035", "start": "2026-11-24"}
    )
    assert resp.status_code == 201, resp.text
    plan_id = resp.json()["id"]
    out = {
        fmt: api.client.get(f"/api/v1/plans/{plan_id}/versions/1/export?format={fmt}", headers=h)
        for fmt in ("md", "html", "csv")
    }
    for fmt, r in out.items():
        assert r.status_code == 200, (fmt, r.text)
    md, html, text = out["md"].text, out["html"].text, out["csv"].text
    assert "<script>" not in md and "&lt;script&gt;alert(1)&lt;/script&gt;" in md
    assert "\\*\\*bold\\*\\* \\[link\\](javascript:alert(1)) \\| pipe \\`code\\`" in md
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    names = {row["asset_name"] for row in csv.DictReader(io.StringIO(text))}
    assert "'=cmd|' /C calc'!A0" in names and "=cmd|' /C calc'!A0" not in names
    for row in csv.DictReader(io.StringIO(text)):
        assert all(not v or v[0] not in "=+-@\t\r" for v in row.values()), row


def test_render_escapes_without_a_database():
    task = {
        "wave": 0, "wave_label": "2027-Q1", "phase": "<b>p</b>", "asset_name": "<img src=x>",
        "algorithm": "RSA", "use": "tls", "target": "ML-KEM", "effort": 1, "score": 1,
        "deadline": "2030-12-31", "flags": ["deadline_missed"], "reasons": ['"><script>'],
        "blocking_chain": ["<i>provider</i> (2027-Q1)"],
    }  # fmt: skip
    summary = {"profile": "<p>", "profile_version": "1", "tasks": 1, "cycles": [["<c>", "d"]]}
    md = render("md", summary, [task])
    html = render("html", summary, [task])
    assert "<" not in md.replace("\\<", "")
    assert "<img" not in html and "<b>p" not in html and '"><script>' not in html
