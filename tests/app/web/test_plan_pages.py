"""Plan pages over HTTP that call the API's plan functions (which answer rows, not dicts)."""

from __future__ import annotations

from core.choices import Role


def test_regenerating_from_the_plan_page_goes_to_the_new_version(api, sign_in):
    org = api.make_org()
    made = api.client.post(
        "/api/v1/plans",
        headers=api.headers(org),
        json={"profile": "kr-2035", "start": "2026-11-24", "name": "p"},
    )
    assert made.status_code == 201, made.text
    plan_id = made.json()["id"]
    csrf = sign_in(org, Role.OFFICER)
    resp = api.client.post(
        f"/plans/{plan_id}/versions", data={"csrf": csrf}, follow_redirects=False
    )
    assert resp.status_code == 303, resp.text
    assert resp.headers["location"] == f"/plans/{plan_id}/versions/2"
    page = api.client.get(f"/plans/{plan_id}/compare", params={"from": 1, "to": 2})
    assert page.status_code == 200 and "v1 → v2" in page.text
