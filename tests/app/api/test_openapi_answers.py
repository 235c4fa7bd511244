"""`/openapi.json` documents every answer: each operation's 2xx (but 204) has a schema."""

from __future__ import annotations

from typing import Any

import pytest

from app.api.main import create_app
from app.settings import Settings


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    url = f"sqlite:///{tmp_path_factory.mktemp('openapi')}/spec.sqlite3"
    return create_app(Settings(database_url=url)).openapi()


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
