"""FastAPI's request-model validation answers in the project's 422 shape, and the OpenAPI
document says so. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import func, select

from app.api.errors import json_location
from migration.models import Plan


def test_body_field_out_of_range_names_it_as_a_json_path(api):
    h = api.headers(api.make_org())
    resp = api.client.post(
        "/api/v1/plans", headers=h, json={"profile": "kr-2035", "start": "9999-12-31"}
    )
    assert resp.status_code == 422, resp.text
    body = resp.json()
    assert body["location"] == "$.start"
    assert body["detail"].startswith("$.start: ") and isinstance(body["detail"], str)
    [item] = body["errors"]
    assert item["location"] == "$.start" and item["loc"] == ["body", "start"]
    assert item["type"] and item["detail"] in body["detail"]
    with api.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Plan)) == 0


def test_every_problem_is_kept_in_errors(api):
    h = api.headers(api.make_org())
    resp = api.client.post(
        "/api/v1/assets",
        headers=h,
        json={"name": "x", "asset_type": "toaster", "secrecy_years": -1},
    )
    assert resp.status_code == 422, resp.text
    body = resp.json()
    locations = {e["location"] for e in body["errors"]}
    assert {"$.asset_type", "$.secrecy_years"} <= locations, body
    assert body["location"] in locations
    assert all(isinstance(e["detail"], str) and e["detail"] for e in body["errors"])
    assert "input" not in str(body["errors"][0].keys())  # the request is not echoed back


def test_query_parameter_out_of_range_is_located_in_the_query(api):
    h = api.headers(api.make_org())
    resp = api.client.get("/api/v1/scans?limit=501", headers=h)
    assert resp.status_code == 422, resp.text
    body = resp.json()
    assert body["location"] == "query.limit"
    assert body["errors"][0]["ctx"] == {"le": 500}
    resp = api.client.get("/api/v1/assets?q=" + "q" * 201, headers=h)
    assert resp.status_code == 422 and resp.json()["location"] == "query.q", resp.text


def test_json_location_writes_body_paths_as_json_paths():
    assert json_location(["body", "deadlines", 0, "date"]) == "$.deadlines[0].date"
    assert json_location(["body"]) == "$"
    assert json_location(["body", "a b"]) == "$['a b']"
    assert json_location(["path", "plan_id"]) == "path.plan_id"


def test_openapi_describes_the_422_body_the_api_sends(api):
    spec = api.client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    assert set(schemas["ErrorBody"]["properties"]) == {"detail", "location", "errors"}
    assert schemas["ErrorBody"]["properties"]["detail"]["type"] == "string"
    answers = [
        op["responses"]["422"]
        for item in spec["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "422" in op.get("responses", {})
    ]
    assert len(answers) > 20
    for answer in answers:
        schema = answer["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorBody"}
    refs = {s.rsplit("/", 1)[-1] for s in _refs(spec) if s.startswith("#/components/schemas/")}
    assert refs <= set(schemas), refs - set(schemas)  # no dangling reference


def _refs(node: object) -> list[str]:
    if isinstance(node, dict):
        out = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return out + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []
