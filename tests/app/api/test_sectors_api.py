"""Sector guidelines over HTTP: the completeness check, ties and absences, the procedure
with its evidence, reporting to a supervisor (started and stopped by the reporting
organization only, audited on both sides), the supervisor's view and the signed report."""

from __future__ import annotations

import base64
import json

from app import supervision_report
from core.choices import Role, Sector, Tier

V1 = "/api/v1"


def _asset(api, headers, name: str, kind: str, algorithm: str, function: str, **kw) -> int:
    body = {"name": name, "asset_type": kind, **kw}
    asset = api.client.post(f"{V1}/assets", json=body, headers=headers)
    assert asset.status_code == 201, asset.text
    usage = {
        "asset_id": asset.json()["id"],
        "algorithm": algorithm,
        "primitive": "signature",
        "function": function,
    }
    assert api.client.post(f"{V1}/usages", json=usage, headers=headers).status_code == 201
    return asset.json()["id"]


def _states(api, headers) -> dict[str, str]:
    got = api.client.get(f"{V1}/sector-check", headers=headers)
    assert got.status_code == 200, got.text
    return {t["key"]: t["state"] for t in got.json()["targets"]}


def test_check_ties_absences_procedure_reporting_and_supervision(api) -> None:
    ministry = api.make_org("ministry", Sector.GOVERNMENT, Tier.CENTRAL_GOVERNMENT)
    telco = api.make_org("telco", Sector.TELECOM, Tier.CRITICAL_PRIVATE_INFRASTRUCTURE)
    officer, auditor = api.headers(telco), api.headers(telco, Role.AUDITOR)
    sup_officer, sup_auditor = api.headers(ministry), api.headers(ministry, Role.AUDITOR)

    _asset(api, officer, "SEPP roaming gateway", "service", "ECDSA-P256", "tls_authentication")
    ssh = _asset(api, officer, "core router", "network_appliance", "ssh-rsa", "ssh_host_key")
    states = _states(api, auditor)
    assert states["telecom/roaming-n32"] == "found"
    assert states["telecom/network-management-ssh"] == "found"
    assert states["telecom/suci-concealment"] == "not_found"
    md = api.client.get(f"{V1}/sector-check", params={"format": "md"}, headers=auditor)
    assert md.headers["content-type"].startswith("text/markdown")
    assert "How to look for what was not found" in md.text and "SEPP roaming gateway" in md.text

    # by hand: the router is the DNSSEC signer, and RPKI is declared absent
    tie = api.client.post(
        f"{V1}/sector-ties", json={"asset_id": ssh, "target": "telecom/dnssec"}, headers=officer
    )
    assert tie.status_code == 201, tie.text
    bad = api.client.post(
        f"{V1}/sector-ties",
        json={"asset_id": ssh, "target": "finance/card-payment"},
        headers=officer,
    )
    assert bad.status_code == 422 and bad.json()["location"] == "target"
    absent = api.client.post(
        f"{V1}/sector-absences",
        headers=officer,
        json={"target": "telecom/rpki", "reason": "transit provider signs ROAs"},
    )
    assert absent.status_code == 201, absent.text
    assert (
        api.client.post(
            f"{V1}/sector-ties", json={"asset_id": ssh, "target": "telecom/rpki"}, headers=auditor
        ).status_code
        == 403
    )
    states = _states(api, officer)
    assert states["telecom/dnssec"] == "found" and states["telecom/rpki"] == "declared_absent"

    # the procedure: a step in progress with a link, a file and a plan version as evidence
    step = f"{V1}/procedure/gsma-pq03/discovery"
    patched = api.client.patch(
        step,
        json={"status": "in_progress", "owner": "Kim", "due_on": "2027-03-31"},
        headers=officer,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["started_on"] is not None and patched.json()["owner"] == "Kim"
    assert (
        api.client.post(
            f"{step}/evidence", json={"url": "https://intra.example/inv"}, headers=officer
        ).status_code
        == 201
    )
    upload = api.client.post(
        f"{step}/evidence/file",
        params={"filename": "scan.txt"},
        content=b"inventory export",
        headers=officer,
    )
    assert upload.status_code == 201, upload.text
    assert upload.json()["size"] == 16
    back = api.client.get(f"{V1}/procedure/evidence/{upload.json()['id']}/file", headers=auditor)
    assert back.content == b"inventory export"
    plan = api.client.post(f"{V1}/plans", json={"profile": "kr-2035"}, headers=officer)
    version_id = plan.json()["versions"][0]["id"]
    serves = api.client.post(
        f"{V1}/procedure/gsma-pq03/prioritisation/evidence",
        json={"plan_version_id": version_id},
        headers=officer,
    )
    assert serves.status_code == 201, serves.text
    served = api.client.get(f"{V1}/procedure/plan-versions/{version_id}", headers=auditor)
    assert served.json() == [{"procedure": "gsma-pq03", "step": "prioritisation"}]
    wrong = api.client.patch(
        f"{V1}/procedure/gsma-pq03/no-such-step", json={"status": "done"}, headers=officer
    )
    assert wrong.status_code == 422 and wrong.json()["location"] == "step"

    # nobody shares anything yet: the ministry sees no one
    assert api.client.get(f"{V1}/supervision", headers=sup_officer).json()["organizations"] == []
    # only the telco itself may start; an auditor may not, nor an admin of another org
    admin = api.headers(ministry, Role.ADMIN)
    assert (
        api.client.post(
            f"{V1}/reporting", json={"supervisor": "ministry"}, headers=auditor
        ).status_code
        == 403
    )
    assert (
        api.client.post(
            f"{V1}/reporting",
            json={"supervisor": "ministry", "organization_id": telco.id},
            headers=admin,
        ).status_code
        == 403
    )
    started = api.client.post(f"{V1}/reporting", json={"supervisor": "ministry"}, headers=officer)
    assert started.status_code == 201, started.text
    relation = started.json()["id"]
    again = api.client.post(f"{V1}/reporting", json={"supervisor": "ministry"}, headers=officer)
    assert again.status_code == 409

    view = api.client.get(f"{V1}/supervision", headers=sup_auditor).json()
    (row,) = view["organizations"]
    assert row["organization"]["slug"] == "telco"
    assert row["coverage"]["counts"]["found"] == 3  # roaming, SSH, DNSSEC by hand
    assert row["coverage"]["counts"]["declared_absent"] == 1
    assert row["procedure"]["procedures"][1]["counts"]["in_progress"] == 1
    assert "targets" not in row["coverage"]  # the list is counts; one organization has detail
    one = api.client.get(f"{V1}/supervision/{telco.id}", headers=sup_auditor).json()
    states = {t["key"]: t["state"] for t in one["coverage"]["targets"]}
    assert states["telecom/rpki"] == "declared_absent" and states["telecom/dnssec"] == "found"
    steps = {s["id"]: s for s in one["procedure"]["procedures"][1]["steps"]}
    assert steps["discovery"]["status"] == "in_progress" and steps["discovery"]["evidence"] == 2
    assert row["plan"]["version_id"] == version_id and row["plan"]["progress_live"] is True
    assert view["sectors"][0]["sector"] == "telecom"
    assert "Kim" not in json.dumps(view) and "transit provider" not in json.dumps(view)

    # a task marked done moves the supervisor's figures (live progress)
    tasks = api.client.get(f"{V1}/plans/{plan.json()['id']}/versions/1/tasks", headers=officer)
    first = tasks.json()["items"][0]
    done = api.client.patch(
        f"{V1}/plans/tasks/{first['id']}", json={"status": "done"}, headers=officer
    )
    assert done.status_code == 200
    after = api.client.get(f"{V1}/supervision/{telco.id}", headers=sup_officer).json()
    assert after["plan"]["done"] == 1

    # both sides see the audit of it
    for who in (sup_auditor, auditor):
        entries = api.client.get(
            f"{V1}/audit", params={"entity": "reporting_relation"}, headers=who
        ).json()
        assert [e["action"] for e in entries] == ["create"], entries

    # the signed report, checked offline against the published key
    key = base64.b64decode(api.client.get(f"{V1}/testbed/report-key").json()["public_key"])
    for fmt in ("json", "md", "html"):
        issued = api.client.post(
            f"{V1}/reporting/report",
            headers=auditor,
            json={"format": fmt, "lang": "ko", "supervisor": "ministry"},
        )
        assert issued.status_code == 200, issued.text
        checked = supervision_report.check(issued.text, key)
        assert checked.ok, (fmt, checked)
        assert checked.body["coverage"]["counts"]["declared_absent"] == 1
        assert checked.body["supervisor"]["slug"] == "ministry"
        if fmt != "json":
            assert "분야별 전환 대상 식별 현황" in issued.text
            assert "통신 / 주요 민간 기반시설" in issued.text  # labels, not stored values
            changed = issued.text.replace("transit provider", "transit pr0vider", 1)
            assert not supervision_report.check(changed, key).ok  # visible text changed
    forged = json.loads(
        api.client.post(f"{V1}/reporting/report", headers=auditor, json={"format": "json"}).text
    )
    forged["report"]["coverage"]["counts"]["found"] = 8
    assert not supervision_report.check(json.dumps(forged), key).ok

    # stopping: the supervisor loses the figures, the reporting side keeps the history
    stopped = api.client.post(f"{V1}/reporting/{relation}/stop", headers=officer)
    assert stopped.status_code == 200 and stopped.json()["active"] is False
    assert api.client.get(f"{V1}/supervision/{telco.id}", headers=sup_officer).status_code == 404
    assert api.client.get(f"{V1}/reporting/shared", headers=officer).json() == {
        "coverage": None,
        "procedure": None,
        "plan": None,
    }
    both = api.client.get(f"{V1}/reporting", headers=sup_auditor).json()
    assert both["reported_by"][0]["active"] is False
