"""Plans and profiles over HTTP, on SQLite and PostgreSQL, through the real app."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from core.choices import Role
from core.models import Organization
from inventory.choices import AssetType, CryptoFunction, DependencyKind, Primitive, QuantumStatus
from inventory.models import Asset, Dependency
from migration.profiles import get_profile, profile_to_dict
from tests.migration.planning_helpers import stored_usage

START = "2026-11-24"


@pytest.fixture
def client(api: Any) -> Any:
    return api


def seed(api: Any, org: Organization) -> dict[str, int]:
    """root-ca -> tls-lib -> portal, plus a cycle hsm <-> kms feeding the portal."""
    ids: dict[str, int] = {}
    with api.sessions.begin() as s:
        specs = [
            ("root-ca", AssetType.CA_PKI),
            ("tls-lib", AssetType.LIBRARY_FIRMWARE),
            ("portal", AssetType.APPLICATION),
            ("hsm", AssetType.HSM),
            ("kms", AssetType.SERVICE),
        ]
        for name, kind in specs:
            a = Asset(organization_id=org.id, ref=name, name=name, asset_type=kind)
            s.add(a)
            s.flush()
            ids[name] = a.id
        for provider, dependent in [
            ("root-ca", "tls-lib"),
            ("tls-lib", "portal"),
            ("hsm", "kms"),
            ("kms", "hsm"),
            ("kms", "portal"),
        ]:
            s.add(
                Dependency(
                    organization_id=org.id,
                    provider_id=ids[provider],
                    dependent_id=ids[dependent],
                    kind=DependencyKind.OTHER,
                )
            )
        usages = [
            ("root-ca", "RSA-2048", Primitive.SIGNATURE, CryptoFunction.CERTIFICATE_SIGNATURE),
            ("tls-lib", "ECDH-P256", Primitive.KEY_EXCHANGE, CryptoFunction.TLS_KEY_EXCHANGE),
            ("portal", "ECDH-P256", Primitive.KEY_EXCHANGE, CryptoFunction.TLS_KEY_EXCHANGE),
            ("hsm", "RSA-2048", Primitive.SIGNATURE, CryptoFunction.CODE_SIGNING),
            ("kms", "RSA-2048", Primitive.ENCRYPTION, CryptoFunction.KEY_WRAPPING),
            ("portal", "ML-KEM-768", Primitive.KEY_EXCHANGE, CryptoFunction.TLS_KEY_EXCHANGE),
        ]
        for i, (name, algorithm, primitive, function) in enumerate(usages):
            status = QuantumStatus.RESISTANT if algorithm == "ML-KEM-768" else QuantumStatus.BROKEN
            s.add(
                stored_usage(
                    org.id, ids[name], f"{org.slug}-u{i}", algorithm, primitive, function, status
                )
            )
    return ids


def _seeded(api: Any, slug: str) -> dict[str, str]:
    """A new organization with the seeded inventory; its officer's headers."""
    org = api.make_org(slug)
    seed(api, org)
    return api.headers(org)


def _create(api: Any, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    body = {"profile": "kr-2035", "start": START, **body}
    r = api.client.post("/api/v1/plans", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def _tasks(api: Any, headers: dict[str, str], plan_id: int, n: int = 1) -> list[dict[str, Any]]:
    r = api.client.get(f"/api/v1/plans/{plan_id}/versions/{n}/tasks?limit=500", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["items"]


def test_generate_store_and_read_a_plan(client: Any) -> None:
    api = client
    org = api.make_org("agency")
    seed(api, org)
    h = api.headers(org, Role.OFFICER)
    plan = _create(api, h, name="national plan")
    assert plan["versions"][0]["number"] == 1
    summary = plan["versions"][0]["summary"]
    assert summary["tasks"] == 5 and summary["skipped_quantum_safe"] == 1
    assert summary["cycles"] == [["hsm", "kms"]]
    tasks = {t["asset_name"]: t for t in _tasks(api, h, plan["id"])}
    assert tasks["root-ca"]["wave"] < tasks["tls-lib"]["wave"] < tasks["portal"]["wave"]
    assert tasks["hsm"]["wave"] == tasks["kms"]["wave"] < tasks["portal"]["wave"]
    assert "cycle" in tasks["hsm"]["flags"]
    # kr-2035 names the KpqC winners and accepts FIPS 203 too; a TLS key exchange can only
    # move to a registered TLS group, so the portal's TLS goes to the ML-KEM hybrid
    assert tasks["portal"]["target"] == "X25519MLKEM768"
    assert "ML-KEM-768" in tasks["portal"]["alternatives"]
    mosca = next(p for p in tasks["portal"]["risk"]["parts"] if p["name"] == "mosca")
    assert mosca["reason"].startswith("Mosca: secrecy 0 y + migration 3 y")

    r = api.client.get(f"/api/v1/plans/{plan['id']}/versions/1", headers=h)
    assert r.json()["progress"]["overall"]["tasks"] == 5

    listed = api.client.get("/api/v1/plans", headers=h).json()
    assert [p["id"] for p in listed] == [plan["id"]]


def test_exports(client: Any) -> None:
    api = client
    h = _seeded(api, "exp")
    plan_id = _create(api, h)["id"]
    base = f"/api/v1/plans/{plan_id}/versions/1/export"
    r = api.client.get(f"{base}?format=csv", headers=h)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 5 and {"wave_label", "target", "blocking_chain"} <= set(rows[0])
    r = api.client.get(f"{base}?format=json", headers=h)
    assert len(r.json()["tasks"]) == 5
    r = api.client.get(f"{base}?format=md", headers=h)
    assert r.text.startswith("# Migration plan: kr-2035")
    r = api.client.get(f"{base}?format=html", headers=h)
    assert "<svg" in r.text and "Progress by phase" in r.text
    r = api.client.get(f"{base}?format=pdf", headers=h)
    assert r.status_code == 422


def test_status_progress_versions_and_compare(client: Any) -> None:
    api = client
    h = _seeded(api, "track")
    plan_id = _create(api, h)["id"]
    first = _tasks(api, h, plan_id)[0]
    r = api.client.patch(
        f"/api/v1/plans/tasks/{first['id']}",
        json={"status": "done", "note": "cut over"},
        headers=h,
    )
    assert r.status_code == 200 and r.json()["status"] == "done"
    r = api.client.patch(
        f"/api/v1/plans/tasks/{first['id']}", json={"status": "finished"}, headers=h
    )
    assert r.status_code == 422
    progress = api.client.get(f"/api/v1/plans/{plan_id}/versions/1", headers=h).json()["progress"]
    assert progress["overall"]["done"] == 1
    assert progress["by_phase"]["pilot"]["percent_done"] > 0
    assert "government" in progress["by_sector"]

    # What-if: a tiny capacity spreads the work; the done status carries over.
    r = api.client.post(f"/api/v1/plans/{plan_id}/versions", json={"capacity": 1}, headers=h)
    assert r.status_code == 201 and r.json()["number"] == 2
    carried = {t["key"]: t["status"] for t in _tasks(api, h, plan_id, 2)}
    assert carried[first["key"]] == "done"
    diff = api.client.get(f"/api/v1/plans/{plan_id}/compare?from=1&to=2", headers=h).json()
    assert diff["added"] == [] and diff["removed"] == []
    assert any("wave_label" in c["changes"] for c in diff["changed"])


def test_tenancy_and_roles(client: Any) -> None:
    api = client
    mine, theirs = api.make_org("mine"), api.make_org("theirs")
    seed(api, mine)
    plan_id = _create(api, api.headers(mine))["id"]
    other = api.headers(theirs)
    assert api.client.get(f"/api/v1/plans/{plan_id}", headers=other).status_code == 404
    assert api.client.get("/api/v1/plans", headers=other).json() == []
    r = api.client.post(
        "/api/v1/plans", json={"profile": "kr-2035", "organization_id": mine.id}, headers=other
    )
    assert r.status_code == 404
    auditor = api.headers(mine, Role.AUDITOR)
    assert api.client.get(f"/api/v1/plans/{plan_id}", headers=auditor).status_code == 200
    r = api.client.post("/api/v1/plans", json={"profile": "kr-2035"}, headers=auditor)
    assert r.status_code == 403
    r = api.client.post("/api/v1/plans", json={"profile": "mars-2099"}, headers=api.headers(mine))
    assert r.status_code == 422 and r.json()["location"] == "profile"
    admin = api.headers(theirs, Role.ADMIN)
    assert api.client.get(f"/api/v1/plans/{plan_id}", headers=admin).status_code == 200


def test_custom_profiles(client: Any) -> None:
    api = client
    h = _seeded(api, "custom")
    data = profile_to_dict(get_profile("uk-ncsc-2035"))
    data["id"] = "our-agency"
    data["deadlines"] = [{"id": "all", "date": "2028-12-31", "source": "ncsc-timelines"}]

    bad = dict(data, deadlines=[{"id": "x", "date": "2028-02-30", "source": "ncsc-timelines"}])
    r = api.client.post("/api/v1/profiles", json=bad, headers=h)
    assert r.status_code == 422 and r.json()["location"] == "deadlines.0.date"
    r = api.client.post("/api/v1/profiles/validate", json=dict(data, hybrid="maybe"), headers=h)
    assert r.status_code == 422 and r.json()["location"] == "hybrid"
    r = api.client.post("/api/v1/profiles", json=dict(data, id="kr-2035"), headers=h)
    assert r.status_code == 422 and r.json()["location"] == "id"

    r = api.client.post("/api/v1/profiles", json=data, headers=h)
    assert r.status_code == 201, r.text
    ids = [p["id"] for p in api.client.get("/api/v1/profiles", headers=h).json()]
    assert "kr-2035" in ids and "our-agency" in ids
    assert api.client.get("/api/v1/profiles/our-agency", headers=h).json()["builtin"] is False

    plan = _create(api, h, profile="our-agency")
    deadlines = {t["deadline"] for t in _tasks(api, h, plan["id"])}
    assert deadlines == {"2028-12-31"}

    other = api.headers(api.make_org("nosy"))
    assert api.client.get("/api/v1/profiles/our-agency", headers=other).status_code == 404
    assert api.client.delete("/api/v1/profiles/kr-2035", headers=h).status_code == 403
    assert api.client.delete("/api/v1/profiles/our-agency", headers=h).status_code == 204
    assert api.client.get("/api/v1/profiles/our-agency", headers=h).status_code == 404


def test_judge_under_several_profiles(client: Any) -> None:
    api = client
    h = _seeded(api, "judge")
    r = api.client.post(
        "/api/v1/plans/judge",
        json={"profiles": ["kr-2035", "au-asd-2030", "us-cnsa2"], "disagreements_only": True},
        headers=h,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    # every usage: the quantum-safe ML-KEM-768 too (kr-2035 accepts it, the ISM until 2030,
    # CNSA 2.0 wants ML-KEM-1024 by 2033)
    assert body["usages"] == 6 and body["with_disagreements"] == 6
    portal = next(i for i in body["items"] if i["asset_name"] == "portal")
    assert [v["profile"] for v in portal["verdicts"]] == ["kr-2035", "au-asd-2030", "us-cnsa2"]
    assert any("targets differ" in d for d in portal["disagreements"])
    mlkem = next(i for i in body["items"] if i["algorithm"] == "ML-KEM-768")
    assert [v["verdict"] for v in mlkem["verdicts"]] == ["acceptable", "migrate", "migrate"]
    assert any(d.startswith("deadlines 3 years apart") for d in mlkem["disagreements"])
