"""`/openapi.json` documents every answer: each operation's 2xx (but 204) has a schema."""

from __future__ import annotations

from typing import Annotated, Any, get_args, get_origin

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, StrictBool

from app.api.main import create_app
from app.settings import Settings
from core.choices import Role
from core.field_limits import INT64_MAX, INT64_MIN


@pytest.fixture(scope="module")
def spec(openapi_spec: dict[str, Any]) -> dict[str, Any]:
    return openapi_spec  # tests/conftest.py: made once per process


@pytest.fixture(scope="module")
def app_routes(tmp_path_factory: pytest.TempPathFactory) -> list[Any]:
    url = f"sqlite:///{tmp_path_factory.mktemp('routes')}/routes.sqlite3"
    contexts = iter_route_contexts(create_app(Settings(database_url=url)).routes)
    return [c for c in contexts if isinstance(c.original_route, APIRoute)]


def _undocumented(spec: dict[str, Any]) -> list[str]:
    """Operations with a 2xx answer (other than 204 No Content) whose body has no schema."""
    missing = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            for code, answer in op.get("responses", {}).items():
                if not code.startswith("2") or code == "204":
                    continue
                content = answer.get("content") or {}
                if not content or any(not media.get("schema") for media in content.values()):
                    missing.append(f"{method.upper()} {path} {code}")
    return missing


def test_every_2xx_answer_has_a_schema(spec: dict[str, Any]) -> None:
    assert _undocumented(spec) == []


def test_the_check_fails_on_an_answer_without_a_schema(spec: dict[str, Any]) -> None:
    """The walk above finds what FastAPI writes for a route that declares no answer."""
    bare = {"responses": {"200": {"content": {"application/json": {"schema": {}}}}}}
    documented = {"responses": {"200": {"content": {"text/csv": {"schema": {"type": "string"}}}}}}
    no_body = {"responses": {"204": {"description": "No Content"}}}
    fake = {"paths": {"/a": {"get": bare, "delete": no_body}, "/b": {"get": documented}}}
    assert _undocumented(fake) == ["GET /a 200"]


def test_answers_that_used_to_be_undocumented_name_their_shapes(spec: dict[str, Any]) -> None:
    """Plans, profiles, the testbed and vendor sessions had no response model before."""

    def ref(path: str, method: str = "get", code: str = "200") -> str:
        media = spec["paths"][path][method]["responses"][code]["content"]["application/json"]
        schema = media["schema"]
        return schema.get("$ref") or schema.get("items", {}).get("$ref", "")

    v1 = "/api/v1"
    assert ref(f"{v1}/plans", "post", "201").endswith("/PlanOut")
    assert ref(f"{v1}/plans", "post", "202").endswith("/JobAccepted")
    assert ref(f"{v1}/plans/{{plan_id}}/versions/{{number}}/tasks").endswith("/TaskPage")
    assert ref(f"{v1}/plans/{{plan_id}}/compare").endswith("/VersionComparison")
    assert ref(f"{v1}/plans/judge", "post").endswith("/JudgeOut")
    assert ref(f"{v1}/profiles").endswith("/ProfileSummary")
    assert ref(f"{v1}/profiles/{{profile_id}}").endswith("/ProfileDocument")
    assert ref(f"{v1}/testbed/engines").endswith("/EnginesOut")
    assert ref(f"{v1}/testbed/sessions/{{session_id}}/answer", "post").endswith("/SignedReport")
    assert ref(f"{v1}/testbed/report-key").endswith("/ReportKeyOut")
    assert ref(f"{v1}/catalog/{{name}}").endswith("/AlgorithmInfo")
    assert ref("/healthz").endswith("/Liveness")
    export = spec["paths"][f"{v1}/plans/{{plan_id}}/versions/{{number}}/export"]["get"]
    assert set(export["responses"]["200"]["content"]) == {
        "text/csv; charset=utf-8",
        "application/json",
        "text/markdown; charset=utf-8",
        "text/html; charset=utf-8",
    }


def _integers(spec: dict[str, Any], schema: Any, where: str, seen: frozenset[str] = frozenset()):
    """(place, schema) of every integer schema under `schema`, following `$ref`s once each."""
    if isinstance(schema, list):
        for i, sub in enumerate(schema):
            yield from _integers(spec, sub, f"{where}[{i}]", seen)
        return
    if not isinstance(schema, dict):
        return
    ref = schema.get("$ref")
    if ref:
        if ref not in seen:
            target = spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]
            yield from _integers(spec, target, f"{where}->{ref.rsplit('/', 1)[-1]}", seen | {ref})
        return
    if schema.get("type") == "integer":
        yield where, schema
    for key, sub in schema.items():
        yield from _integers(spec, sub, f"{where}.{key}", seen)


def _unbounded_request_integers(spec: dict[str, Any]) -> list[str]:
    """Integers a request may carry (parameters, bodies) without bounds inside 64 bits."""
    found = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            places = [(f"{p['in']}.{p['name']}", p.get("schema")) for p in op.get("parameters", [])]
            for media, body in (op.get("requestBody") or {}).get("content", {}).items():
                places.append((f"body({media})", body.get("schema")))
            for place, schema in places:
                for where, integer in _integers(spec, schema, place):
                    low, high = integer.get("minimum"), integer.get("maximum")
                    if low is None or high is None or low < INT64_MIN or high > INT64_MAX:
                        found.append(f"{method.upper()} {path} {where}")
    return found


def test_every_integer_a_request_carries_is_bounded_to_what_the_database_stores(
    spec: dict[str, Any],
) -> None:
    """A larger integer is refused as invalid (422 naming it), not by the database."""
    assert _unbounded_request_integers(spec) == []


def test_the_integer_check_finds_an_unbounded_one() -> None:
    spec = {
        "components": {"schemas": {"B": {"properties": {"n": {"type": "integer"}}}}},
        "paths": {
            "/a/{i}": {
                "get": {"parameters": [{"in": "path", "name": "i", "schema": {"type": "integer"}}]},
                "post": {
                    "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/c/B"}}}}
                },
            }
        },
    }
    assert _unbounded_request_integers(spec) == [
        "GET /a/{i} path.i",
        "POST /a/{i} body(application/json)->B.properties.n",
    ]


def test_the_documented_bounds_are_exact(spec: dict[str, Any]) -> None:
    """2**63-1 written as a float would be 2**63, one past what the databases store."""
    bounds = [
        schema[key]
        for _, schema in _integers(spec, spec, "$")
        for key in ("minimum", "maximum")
        if key in schema
    ]
    assert INT64_MAX in bounds
    assert all(isinstance(b, int) for b in bounds)


def _lax_booleans(annotation: Any, where: str, seen: set[type]) -> list[str]:
    """Places under `annotation` holding a `bool` that pydantic would also take from `0`,
    `1` or `"yes"` (anything but `StrictBool`)."""
    if get_origin(annotation) is Annotated:
        inner, *meta = get_args(annotation)
        if inner is bool:
            return [] if any(getattr(m, "strict", False) for m in meta) else [where]
        return _lax_booleans(inner, where, seen)
    if annotation is bool:
        return [where]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return []
        seen.add(annotation)
        found = []
        for name, info in annotation.model_fields.items():
            field = (
                Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
            )
            found += _lax_booleans(field, f"{annotation.__name__}.{name}", seen)
        return found
    return [hit for arg in get_args(annotation) for hit in _lax_booleans(arg, where, seen)]


def test_no_request_body_takes_a_number_for_a_boolean(app_routes: list[Any]) -> None:
    """`"background": 0` is refused (422), not read as false."""
    found: list[str] = []
    for route in app_routes:
        if route.body_field is not None:
            found += _lax_booleans(route.body_field.field_info.annotation, route.path, set())
    assert found == []


def test_the_boolean_check_finds_a_lax_one() -> None:
    class Inner(BaseModel):
        strict: StrictBool | None = None
        lax: bool = False

    class Outer(BaseModel):
        items: list[Inner]
        ok: StrictBool = True

    assert _lax_booleans(Outer, "$", set()) == ["Inner.lax"]


def test_background_zero_is_refused(api: Any) -> None:
    org = api.make_org()
    answer = api.client.post(
        "/api/v1/plans", headers=api.headers(org), json={"profile": "kr-2035", "background": 0}
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["location"] == "$.background"


def test_the_largest_ids_the_document_allows_reach_the_database_and_answer_404(api: Any) -> None:
    """Every GET whose path names rows by integer, with each id at its documented maximum
    and minimum: both databases take the value (the document's bounds are what they store:
    PostgreSQL's INTEGER ids refuse 2**31), and the answer is 404 (no such row), never a
    5xx or a refusal. (Schemathesis checks the values just past the bounds: 422.)"""
    org = api.make_org()
    headers = api.headers(org, Role.ADMIN)
    spec = api.client.get("/openapi.json").json()
    tried, wrong = 0, []
    for path, item in spec["paths"].items():
        get = item.get("get") or {}
        params = [p for p in get.get("parameters", []) if p["in"] == "path"]
        if not params or any(p["schema"].get("type") != "integer" for p in params):
            continue
        required = {
            p["name"]: 1 for p in get["parameters"] if p["in"] == "query" and p.get("required")
        }
        for bound in ("maximum", "minimum"):
            url = path
            for p in params:
                url = url.replace("{" + p["name"] + "}", str(p["schema"][bound]))
            answer = api.client.get(url, headers=headers, params=required)
            tried += 1
            if answer.status_code != 404:
                wrong.append((url, answer.status_code, answer.json().get("detail")))
    assert wrong == []
    assert tried >= 20  # assets, usages, plans, versions, jobs, scans, products, sessions...
