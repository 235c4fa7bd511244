"""Input that parses but cannot be stored is a 422 naming the place, with nothing written.

Non-finite JSON numbers, NUL and lone surrogates, duplicate keys, deep nesting and huge
integer literals, on every request body of the OpenAPI schema and over a real socket.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import func, select

from app.api.main import create_app
from app.settings import Settings
from core.apikeys import issue_key
from core.choices import Role, Sector, Tier
from core.models import Base, Organization
from inventory.models import Asset

BAD_NUMBERS = ("NaN", "Infinity", "-Infinity", "1e309", "-1e309")


def _counts(sessions: Any) -> dict[str, int]:
    with sessions() as session:
        return {
            t.name: session.scalar(select(func.count()).select_from(t))
            for t in Base.metadata.sorted_tables
        }


def _resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return schema


def _variants(schema: dict[str, Any], spec: dict[str, Any]) -> list[dict[str, Any]]:
    schema = _resolve(schema, spec)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return [v for s in schema[key] for v in _variants(s, spec)]
    return [schema]


def _example(schema: dict[str, Any], spec: dict[str, Any], name: str = "") -> Any:
    """A plausible value, so that the bad number is the only thing wrong with a body."""
    options = [v for v in _variants(schema, spec) if v.get("type") != "null"] or [{}]
    s = options[0]
    if "enum" in s:
        return s["enum"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    kind = s.get("type")
    if kind == "object":
        props = s.get("properties", {})
        return {k: _example(v, spec, k) for k, v in props.items() if k in s.get("required", [])}
    if kind == "array":
        return [_example(s.get("items", {}), spec, name)] if s.get("minItems") else []
    if kind in ("integer", "number"):
        return max(1, int(s.get("minimum", 1)))
    if kind == "boolean":
        return False
    if s.get("format") == "date":
        return "2027-01-01"
    if s.get("format") == "date-time":
        return "2027-01-01T00:00:00Z"
    return {"profile": "kr-2035", "algorithm": "ML-KEM-768"}.get(name, "x")


def _fields(schema: dict[str, Any], spec: dict[str, Any], types: tuple[str, ...]) -> list[str]:
    out = []
    for s in _variants(schema, spec):
        for key, prop in s.get("properties", {}).items():
            if any(v.get("type") in types for v in _variants(prop, spec)):
                out.append(key)
    return out


def _json_operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, op in item.items():
            content = op.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                yield method.upper(), path, content["application/json"]["schema"]


@pytest.mark.parametrize(
    ("types", "tokens", "words"),
    [
        (("integer", "number"), BAD_NUMBERS, "not a finite number"),
        (("string",), ('"a\\u0000b"', '"\\udc00"', '"x\\ud800y"'), "text contains"),
    ],
    ids=["numbers", "text"],
)
def test_every_field_of_every_body_refuses_what_cannot_be_stored(db_url, types, tokens, words):
    app = create_app(Settings(database_url=db_url))
    sessions = app.state.sessionmaker
    with sessions.begin() as session:
        org = Organization(slug="fuzz", name="Fuzz", sector=Sector.ENERGY, tier=Tier.PRIVATE)
        session.add(org)
        session.flush()
        _, secret = issue_key(session, org.id, Role.ADMIN, "fuzz admin")
    from fastapi.testclient import TestClient

    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
    tried = 0
    with TestClient(app, raise_server_exceptions=False) as client:
        spec = client.get("/openapi.json").json()
        before = _counts(sessions)
        for method, path, schema in _json_operations(spec):
            url = re.sub(r"\{[^}]+\}", "1", path)
            body = _example(schema, spec)
            fields = _fields(schema, spec, types) if isinstance(body, dict) else []
            for field in fields or ["__top__"]:
                for token in tokens:
                    doc = dict(body) if isinstance(body, dict) else {}
                    doc[field] = "@@NUM@@"
                    raw = json.dumps(doc).replace('"@@NUM@@"', token)
                    resp = client.request(method, url, content=raw, headers=headers)
                    tried += 1
                    assert 400 <= resp.status_code < 500, (method, path, field, token, resp.text)
                    assert resp.status_code == 422, (method, path, field, token, resp.text)
                    assert resp.json().get("location") == f"$.{field}", (method, path, resp.text)
                    assert words in resp.json()["detail"], resp.text
        assert _counts(sessions) == before
    assert tried >= 40  # the walk found the request bodies


@pytest.fixture
def live(db_url) -> Iterator[tuple[str, Any, dict[str, str]]]:
    """The app on a real uvicorn socket, with an officer key of one organization."""
    app = create_app(Settings(database_url=db_url))
    sessions = app.state.sessionmaker
    with sessions.begin() as session:
        org = Organization(slug="live", name="Live", sector=Sector.FINANCE, tier=Tier.PRIVATE)
        session.add(org)
        session.flush()
        _, secret = issue_key(session, org.id, Role.OFFICER, "live officer")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", sessions, {"Authorization": f"Bearer {secret}"}
    finally:
        server.should_exit = True
        thread.join(timeout=20)


ASSET = '{"name": "web", "asset_type": "application", "secrecy_years": %s}'


@pytest.mark.parametrize(
    ("raw", "location", "words"),
    [
        (ASSET % "NaN", "$.secrecy_years", "NaN is not a finite number"),
        (ASSET % "Infinity", "$.secrecy_years", "Infinity is not a finite number"),
        (ASSET % "1e309", "$.secrecy_years", "1e309 is not a finite number"),
        (ASSET % ("1" + "0" * 5000), "$", "too large"),
        ('{"name": "a\\u0000b", "asset_type": "application"}', "$.name", "NUL"),
        ('{"name": "a\\ud800b", "asset_type": "application"}', "$.name", "lone surrogate"),
        ('{"name": "a", "name": "b", "asset_type": "application"}', "$", "appears twice"),
        (
            '{"name": "a", "asset_type": "application", "owner": ' + "[" * 100 + "]" * 100 + "}",
            "$.owner",
            "nested deeper",
        ),
    ],
)
def test_bad_json_over_a_real_socket_is_422_and_stores_nothing(live, raw, location, words):
    base, sessions, headers = live
    resp = httpx.post(
        f"{base}/api/v1/assets",
        content=raw.encode(),
        headers=headers | {"Content-Type": "application/json"},
    )
    assert resp.status_code == 422, resp.text
    assert resp.json()["location"].startswith(location)
    assert words in resp.json()["detail"]
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Asset)) == 0


@pytest.mark.parametrize(
    ("query", "location"),
    [
        ("q=a%00b", 'query parameter "q"'),
        ("q=%ED%A0%80", "query"),
        ("q=%FF", "query"),
        ("algorithm=RSA%00", 'query parameter "algorithm"'),
    ],
)
def test_query_strings_with_nul_or_broken_utf8_are_422(live, query, location):
    base, _, headers = live
    resp = httpx.get(f"{base}/api/v1/assets?{query}", headers=headers)
    assert resp.status_code == 422, resp.text
    assert resp.json()["location"] == location


def test_nul_in_the_path_is_422(live):
    base, _, headers = live
    resp = httpx.get(f"{base}/api/v1/profiles/kr%002035", headers=headers)
    assert resp.status_code == 422, resp.text
    assert resp.json()["location"] == "path"


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=-1",
        "limit=99999999999999999999999",
        "cursor=-5",
        "cursor=abc",
        "cursor=99999999999999999999999",
        "q=" + "x" * 5000,
    ],
)
def test_bad_paging_parameters_are_4xx_never_500(live, query):
    base, _, headers = live
    resp = httpx.get(f"{base}/api/v1/assets?{query}", headers=headers)
    assert 400 <= resp.status_code < 500, resp.text


def test_text_checks_cover_every_field_of_request_models_not_only_json():
    """The pydantic base refuses NUL and lone surrogates too, for callers that skip HTTP."""
    from pydantic import ValidationError

    from inventory.schemas import AssetIn, UsageFields

    with pytest.raises(ValidationError, match="NUL") as info:
        AssetIn(name="ok", asset_type="application", owner="a\x00b")
    assert info.value.errors()[0]["loc"] == ("owner",)
    with pytest.raises(ValidationError, match=r"lone surrogate|unicode"):
        UsageFields(algorithm="RSA", notes="\udc80")
    with pytest.raises(ValidationError, match="out of range"):
        UsageFields(algorithm="RSA", cert_not_before="0001-01-01T00:00:00+01:00")
    assert UsageFields(algorithm="RSA", cert_not_after="9999-12-31T23:59:59Z").cert_not_after
