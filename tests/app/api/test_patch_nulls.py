"""Every field of every PATCH route sent as null: a 200 with a valid answer or a 422 naming
the field, never a 5xx, and a refused PATCH changes nothing.

`PATCH /api/v1/usages/{id}` with `first_seen: null` once answered 500: the row took the
null, and the answer's check failed on it. The routes and their fields are read from the
OpenAPI document, so a PATCH route or field added later is tried too.
"""

from __future__ import annotations

from typing import Any

from core.choices import Role


def _patch_routes(spec: dict[str, Any]) -> dict[str, tuple[list[str], dict[str, Any]]]:
    """PATCH path -> (the fields of its request body, a valid value for each required one)."""
    schemas = spec["components"]["schemas"]
    routes = {}
    for path, item in spec["paths"].items():
        op = item.get("patch")
        if op is None:
            continue
        ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        body = schemas[ref.rsplit("/", 1)[1]]
        required = {}
        for name in body.get("required", []):
            prop = body["properties"][name]
            target = schemas[prop["$ref"].rsplit("/", 1)[1]] if "$ref" in prop else prop
            required[name] = target["enum"][-1] if "enum" in target else "x"
        routes[path] = (sorted(body["properties"]), required)
    return routes


def _rows(api, h: dict[str, str]) -> dict[str, int]:
    """One row to patch behind each id parameter."""
    asset = api.client.post(
        "/api/v1/assets", json={"name": "web", "asset_type": "service"}, headers=h
    ).json()["id"]
    usage = api.client.post(
        "/api/v1/usages",
        json={"asset_id": asset, "algorithm": "RSA-2048", "primitive": "signature"},
        headers=h,
    ).json()["id"]
    plan = api.client.post("/api/v1/plans", json={"profile": "kr-2035"}, headers=h)
    assert plan.status_code == 201, plan.text
    tasks = api.client.get(f"/api/v1/plans/{plan.json()['id']}/versions/1/tasks", headers=h).json()[
        "items"
    ]
    return {
        "asset_id": asset,
        "usage_id": usage,
        "task_id": tasks[0]["id"],
        "procedure_id": "kr-pilot",
        "step_id": "select-system",
    }


def _view(template: str, path: str) -> str | None:
    """The GET that shows the row a PATCH changes (a task's has none of its own)."""
    if "tasks" in template:
        return None
    return "/api/v1/procedure" if template.startswith("/api/v1/procedure/") else path


def test_every_patch_field_sent_as_null_is_a_200_or_a_422(api) -> None:
    org = api.make_org("nulls")
    officer = api.headers(org)
    admin = api.headers(org, Role.ADMIN)
    ids = _rows(api, officer) | {"org_id": org.id}
    routes = _patch_routes(api.client.get("/openapi.json").json())
    assert {"/api/v1/usages/{usage_id}", "/api/v1/assets/{asset_id}"} <= set(routes)
    tried = 0
    for template, (fields, required) in routes.items():
        path = template.format(**ids)
        h = admin if "organizations" in template else officer
        view = _view(template, path)
        for field in fields:
            before = api.client.get(view, headers=h) if view is not None else None
            assert before is None or before.status_code == 200, (view, before.text)
            r = api.client.patch(path, json=required | {field: None}, headers=h)
            tried += 1
            assert r.status_code in (200, 422), (template, field, r.status_code, r.text)
            if r.status_code == 422:
                assert field in r.text, (template, field, r.text)
                if before is not None:  # nothing changed
                    assert api.client.get(view, headers=h).json() == before.json()
    assert tried >= 40


def test_a_number_is_not_taken_for_a_boolean(api) -> None:
    """`"background": 0` ran the plan in the request, as if false; JSON booleans are strict."""
    org = api.make_org("strict")
    h = api.headers(org)
    r = api.client.post("/api/v1/plans", json={"profile": "kr-2035", "background": 0}, headers=h)
    assert r.status_code == 422 and "background" in r.json()["location"]
