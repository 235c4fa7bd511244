"""Algorithms broken by classical attacks today are migrate-now under every profile.

MD5, SHA-1, DES, 3DES, RC4 are only Grover-"weakened" in the quantum sense, and RSA/DH/DSA-1024
share the final quantum deadline with RSA-2048; judged by quantum status alone they came out
"acceptable" (kr-2035, eu-2030-2035) or without a deadline in plans. They must get the
profile's earliest date, the verdict ``migrate-now`` and a reason in words.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.api.main import create_app
from app.cli.plan import plan_app
from app.settings import Settings, get_settings
from core.choices import Role, Sector, Tier
from core.db import session_factory
from core.models import Organization
from inventory.choices import QuantumStatus
from migration.compare import judge
from migration.inputs import PlanInput
from migration.legacy import break_rule, classical_break, earliest_date
from migration.profiles import builtin_profiles, get_profile
from migration.scheduler import plan
from tests.conftest import Api
from tests.migration.planning_helpers import asset, params, usage

LEGACY = {  # canonical name -> (primitive, function, quantum status)
    "MD5": ("hash", "integrity", QuantumStatus.WEAKENED),
    "SHA-1": ("hash", "certificate_signature", QuantumStatus.WEAKENED),
    "DES": ("symmetric", "data_at_rest", QuantumStatus.WEAKENED),
    "3DES": ("symmetric", "data_in_transit", QuantumStatus.WEAKENED),
    "RC4": ("symmetric", "data_in_transit", QuantumStatus.WEAKENED),
    "RSA-1024": ("signature", "certificate_signature", QuantumStatus.BROKEN),
    "DH-1024": ("key_exchange", "tls_key_exchange", QuantumStatus.BROKEN),
    "DSA-1024": ("signature", "document_signing", QuantumStatus.BROKEN),
    "RSA-512": ("encryption", "key_wrapping", QuantumStatus.BROKEN),
    "RSA-1536": ("signature", "code_signing", QuantumStatus.BROKEN),
    "DH-768": ("key_exchange", "vpn", QuantumStatus.BROKEN),
    "DH-1536": ("key_exchange", "ssh_key_exchange", QuantumStatus.BROKEN),
}
SOUND = {  # classically sound today: judged by the quantum timeline only
    "RSA-2048": ("signature", "certificate_signature", QuantumStatus.BROKEN),
    "AES-128": ("symmetric", "data_at_rest", QuantumStatus.WEAKENED),
    "HMAC-SHA1": ("mac", "integrity", QuantumStatus.WEAKENED),
    "SHA-256": ("hash", "integrity", QuantumStatus.RESISTANT),
}


def _inventory() -> tuple[PlanInput, dict[int, str]]:
    names = {}
    usages = []
    for i, (name, (prim, fn, status)) in enumerate({**LEGACY, **SOUND}.items(), start=1):
        usages.append(usage(i, 1, name, prim, fn, status))
        names[i] = name
    return PlanInput([asset(1, "gateway")], [], usages), names


def test_catalog_marks_every_legacy_algorithm() -> None:
    for name in LEGACY:
        assert classical_break(name), name
    for name in SOUND:
        assert classical_break(name) is None, name


@pytest.mark.parametrize("profile_id", sorted(builtin_profiles()))
def test_every_shipped_profile_says_migrate_now_with_its_earliest_date(profile_id: str) -> None:
    profile = get_profile(profile_id)
    inventory, names = _inventory()
    by_name = {names[j.usage_id]: j.verdicts[0] for j in judge(inventory, [profile])}
    first = earliest_date(profile)
    for name in LEGACY:
        v = by_name[name]
        rule = break_rule(name)
        assert rule is not None, name
        assert v.verdict == "migrate-now", (profile_id, name, v)
        # the date the rule that disallowed it took effect: in the past, never a phase end
        assert v.deadline == rule.since and v.deadline_rule == rule.id
        assert v.deadline < first
        assert v.reason and "broken by classical attacks today" in v.reason and name in v.reason
        assert rule.rule.split(":")[0] in v.reason
        assert v.target
    assert by_name["SHA-256"].verdict != "migrate-now"
    assert by_name["HMAC-SHA1"].verdict != "migrate-now"

    result = plan(profile, inventory, params())
    tasks = {t.algorithm: t for t in result.tasks}
    for name in LEGACY:
        t = tasks[name]
        assert t.deadline == first and t.deadline_rule == "classically-broken", (profile_id, t)
        assert "classically-broken" in t.flags
        assert any("broken by classical attacks today" in r for r in t.reasons)
        # the plan's date is the profile's: confirmed only if the source of that date is
        source = profile.source(t.deadline_source) if t.deadline_source else None
        assert source is not None and t.deadline_confirmed == source.confirmed, t.deadline_source
        assert any("date not confirmed" in r for r in t.reasons) != source.confirmed
        classical = next(p for p in t.risk.parts if p.name == "classical")
        assert classical.points > 0 and name in classical.reason
    legacy_waves = [tasks[n].wave for n in LEGACY]
    sound_waves = [tasks[n].wave for n in SOUND if n in tasks]
    assert max(legacy_waves) <= min(sound_waves)  # ahead of everything quantum-only
    assert all(
        p.points == 0
        for n in SOUND
        if n in tasks
        for p in tasks[n].risk.parts
        if p.name == "classical"
    )


# -- through the API (SQLite and PostgreSQL) and the CLI ---------------------------------

SPELLINGS = [  # as a scanner or a spreadsheet writes them: the catalog resolves them
    ("md5", "hash", "integrity", None),
    ("SHA1", "hash", "certificate_signature", None),
    ("DES-CBC", "symmetric", "data_at_rest", None),
    ("3des-cbc", "symmetric", "data_in_transit", None),
    ("RC4", "symmetric", "data_in_transit", None),
    ("RSA", "signature", "certificate_signature", 1024),
    ("modp1024", "key_exchange", "tls_key_exchange", None),
    ("modp1536", "key_exchange", "vpn", None),
    ("AES-256", "symmetric", "data_at_rest", None),
]


def _seed_over_api(api: Any, headers: dict[str, str]) -> dict[str, str]:
    r = api.client.post(
        "/api/v1/assets", headers=headers, json={"name": "legacy-gw", "asset_type": "service"}
    )
    assert r.status_code == 201, r.text
    asset_id = r.json()["id"]
    canonical = {}
    for raw, prim, fn, size in SPELLINGS:
        body = {"asset_id": asset_id, "algorithm": raw, "primitive": prim, "function": fn}
        if size:
            body["key_size"] = size
        r = api.client.post("/api/v1/usages", headers=headers, json=body)
        assert r.status_code == 201, r.text
        canonical[raw] = r.json()["algorithm"]
    return canonical


def test_judge_and_plan_over_the_api(api: Any) -> None:
    org = api.make_org("legacy")
    h = api.headers(org, Role.OFFICER)
    canonical = _seed_over_api(api, h)
    legacy = {c for raw, c in canonical.items() if raw != "AES-256"}
    assert {"MD5", "SHA-1", "DES", "3DES", "RC4", "RSA-1024", "DH-1024", "DH-1536"} <= legacy

    r = api.client.post(
        "/api/v1/plans/judge",
        headers=h,
        json={"profiles": ["kr-2035", "eu-2030-2035"], "disagreements_only": False},
    )
    assert r.status_code == 200, r.text
    for item in r.json()["items"]:
        for v in item["verdicts"]:
            if item["algorithm"] in legacy:
                rule = break_rule(item["algorithm"])
                assert rule is not None
                assert v["verdict"] == "migrate-now", item
                assert "broken by classical attacks today" in v["reason"]
                assert v["deadline"] == str(rule.since)
            else:
                assert v["verdict"] != "migrate-now"

    for profile_id in ("kr-2035", "eu-2030-2035"):
        r = api.client.post(
            "/api/v1/plans", headers=h, json={"profile": profile_id, "start": "2026-11-24"}
        )
        assert r.status_code == 201, r.text
        plan_id = r.json()["id"]
        r = api.client.get(f"/api/v1/plans/{plan_id}/versions/1/tasks?limit=500", headers=h)
        tasks = r.json()["items"]
        first = str(earliest_date(get_profile(profile_id)))
        for t in tasks:
            if t["algorithm"] in legacy:
                assert t["deadline"] == first and "classically-broken" in t["flags"], t
                assert any("classical attacks" in x for x in t["reasons"])


def test_judge_and_plan_in_the_cli(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    sessions = session_factory(sqlite_url)
    with sessions.begin() as s:
        s.add(
            Organization(
                slug="mois", name="Mois", sector=Sector.GOVERNMENT, tier=Tier.CENTRAL_GOVERNMENT
            )
        )
    app = create_app(Settings(database_url=sqlite_url))
    with TestClient(app) as client:
        api = Api(client=client, sessions=app.state.sessionmaker)
        with sessions() as s:
            org = s.query(Organization).filter_by(slug="mois").one()
        _seed_over_api(api, api.headers(org))
    runner = CliRunner()
    res = runner.invoke(
        plan_app,
        [
            "judge",
            "--org",
            "mois",
            "--profile",
            "kr-2035",
            "--profile",
            "eu-2030-2035",
            "--no-only-disagreements",
        ],
        env={"COLUMNS": "250"},
    )
    assert res.exit_code == 0, res.output
    # one migrate-now per legacy usage and profile (8 x 2), none for AES-256; the layout of
    # the table is the judge command's own business
    assert res.output.count("migrate-now") == 2 * (len(SPELLINGS) - 1), res.output
    assert str(break_rule("MD5").since) in res.output  # type: ignore[union-attr]

    res = runner.invoke(
        plan_app,
        ["generate", "--profile", "kr-2035", "--org", "mois", "--start", "2026-11-24"],
    )
    assert res.exit_code == 0, res.output
    res = runner.invoke(plan_app, ["show", "1", "--why", "--limit", "20"], env={"COLUMNS": "250"})
    assert res.exit_code == 0, res.output
    assert "broken by classical attacks today" in res.output
    get_settings.cache_clear()


def test_every_classical_break_reads_in_korean() -> None:
    """The reason a classically broken entry gives (its rule, its catalog notes) is shown in
    Korean: only names, standard references and identifiers stay as written."""
    import re

    from inventory.catalog import get_catalog
    from migration.reasons import translate

    catalog = get_catalog()
    kept = {"SHAttered", "Sweet", "Oakley", "Diffie", "Hellman", "MODP", "OpenSSH", "OpenVPN"}
    kept |= {w for n in catalog.names() for w in re.findall(r"[A-Za-z]+", n)}
    broken = [n for n in catalog.names() if classical_break(n)]
    assert len(broken) > 20
    for name in broken:
        korean = translate(classical_break(name), "ko")
        words = {w for w in re.findall(r"[A-Za-z]+", korean) if w not in kept and not w.isupper()}
        words -= {"ssh", "rsa", "sha", "dss", "Rev"}  # ssh-rsa, rsa-sha2-256, "Rev. 2"
        assert not words, (name, korean)
