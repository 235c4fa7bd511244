"""The error statuses each operation answers, written into the OpenAPI document.

They are derived from what a route uses, so a new route is documented with no list to
keep: every request may be refused as invalid (422: the URL checks run on every path); a
request with a body may be too large (413); a route that takes an API key answers 401 and
429 (throttled keys), a role check 403; a route that names a row (a path parameter, or a
query or body field ending in `_id`) 404 (absent, or another organization's); a route
that reaches the database 503 (busy), and a writing one 409 (a row in the way). A route
declares what it answers beyond that with `responses=errors(410, ...)` (or a `responses=`
dict of its own, e.g. `JOB_ACCEPTED`), and every declared error answer gets `ErrorBody`.
`tests/app/api` fails when an answer's status is not in the document (see
tests/answer_check.py).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from app.api.deps import get_db, get_principal
from app.api.schemas.errors import ErrorBody
from core.choices import Role
from core.field_limits import INT64_MAX, INT64_MIN

ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}

#: What each error status means in this API (the OpenAPI description of the answer).
MEANINGS: dict[int, str] = {
    401: "No API key, or one that is unknown or revoked.",
    403: "The key's role may not do this.",
    404: "A row the request names does not exist, or belongs to another organization.",
    409: "The request conflicts with a row that exists (a duplicate, or one in use).",
    410: "Gone: the session has expired.",
    413: "The request body is larger than the limit for this path.",
    415: "The request body's media type is not one this path reads.",
    422: "The request is invalid; `location` says where.",
    429: "Too many requests; `Retry-After` says when to try again.",
    503: "The database is busy or not ready; nothing was changed. Retry after `Retry-After`.",
}

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for the error statuses a route answers beyond those it is given by what
    it uses (see the module), e.g. `errors(410)`; merge with `|` into another dict."""
    return {code: {"model": ErrorBody, "description": MEANINGS[code]} for code in statuses}


def _calls(dependant: Dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def _resolve(spec: dict[str, Any], schema: Any) -> Any:
    while isinstance(schema, dict) and "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec.get("components", {}).get("schemas", {}).get(name, {})
    return schema


def _names_a_row(spec: dict[str, Any], schema: Any, depth: int = 0) -> bool:
    """Whether a request body schema has a property ending in `_id` or `_ids`, at any depth."""
    schema = _resolve(spec, schema)
    if not isinstance(schema, dict) or depth > 8:
        return False
    for name, sub in (schema.get("properties") or {}).items():
        if name.endswith(("_id", "_ids")) or _names_a_row(spec, sub, depth + 1):
            return True
    parts = [schema.get("items"), *(schema.get(k) or [] for k in ("anyOf", "oneOf", "allOf"))]
    flat = [p for part in parts for p in (part if isinstance(part, list) else [part])]
    return any(_names_a_row(spec, p, depth + 1) for p in flat if p)


def derived_statuses(
    dependant: Dependant, method: str, operation: dict[str, Any], spec: Any
) -> set[int]:
    """The error statuses a route whose dependencies are `dependant` answers for `method`
    (see the module)."""
    calls = list(_calls(dependant))
    out = {422}
    if method in _BODY_METHODS:
        out.add(413)
    authenticated = get_principal in calls
    if authenticated:
        out |= {401, 429}
    roles = [set(c.allowed_roles) for c in calls if hasattr(c, "allowed_roles")]
    if any(allowed != set(Role) for allowed in roles):
        out.add(403)
    if authenticated or get_db in calls:
        out.add(503)
        if method not in _READ_METHODS:
            out.add(409)
    parameters = operation.get("parameters") or []
    body = ((operation.get("requestBody") or {}).get("content") or {}).values()
    if (
        any(p.get("in") == "path" for p in parameters)
        or any(p.get("name", "").endswith(("_id", "_ids")) for p in parameters)
        or any(_names_a_row(spec, media.get("schema")) for media in body)
    ):
        out.add(404)
    return out


def _exact_bounds(schema: Any) -> None:
    """FastAPI's OpenAPI model types `minimum`/`maximum` as float, so 2**63-1 comes out as
    9.223372036854776e18 (2**63, past the bound): give integer schemas their exact bounds."""
    if isinstance(schema, dict):
        if schema.get("type") == "integer":
            for key, exact in (("maximum", INT64_MAX), ("minimum", INT64_MIN)):
                value = schema.get(key)
                if isinstance(value, float) and math.isfinite(value) and value.is_integer():
                    schema[key] = exact if value == float(exact) else int(value)
        for value in schema.values():
            _exact_bounds(value)
    elif isinstance(schema, list):
        for value in schema:
            _exact_bounds(value)


def declare_error_answers(app: FastAPI, spec: dict[str, Any]) -> None:
    """Write every operation's error answers, each with `ErrorBody`, into `spec`."""
    _exact_bounds(spec.get("components", {}))
    for route in iter_route_contexts(app.routes):  # included routers: their routes, prefixed
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        item = spec.get("paths", {}).get(route.path_format, {})
        for method in route.methods or ():
            operation = item.get(method.lower())
            if operation is None:
                continue
            answers = operation.setdefault("responses", {})
            for code in derived_statuses(route.dependant, method, operation, spec):
                answers.setdefault(str(code), {"description": MEANINGS[code]})
            for code, answer in answers.items():
                if code[:1] in "45" and not _has_own_body(answer):
                    answer["content"] = {"application/json": {"schema": ERROR_REF}}


def _has_own_body(answer: dict[str, Any]) -> bool:
    """An error answer that documents a body of its own (e.g. /readyz's 503), not FastAPI's
    validation error, which this API answers as `ErrorBody`."""
    schemas = [media.get("schema") or {} for media in (answer.get("content") or {}).values()]
    return any(s and "HTTPValidationError" not in s.get("$ref", "") for s in schemas)
