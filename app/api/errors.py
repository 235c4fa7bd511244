"""Map the project's exceptions to HTTP answers: a 4xx that names the problem, never a 500.

The one place where a domain error becomes a status code: services and routes raise typed
errors (`core.errors`, `core.tenancy`, the testbed's and the planner's own) and never build
an `HTTPException` for them. `DOMAIN_ERRORS` lists each type with its answer.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.types import Send

from app.api.answers import declare_error_answers
from app.api.schemas.errors import ErrorBody
from core.db import RETRY_AFTER_S, describe_refusal, is_busy
from core.errors import Conflict, InputError, NotJson, TooLarge, said_of
from core.i18n import N_, Said, say
from core.jobs import JobLimitReached
from core.tenancy import Forbidden, NotFound
from core.their_words import their_words
from migration.profiles import UnknownProfile
from testbed.conformance.common import OracleDisagreement
from testbed.conformance.quotas import RateLimited
from testbed.conformance.service import SessionExpired

log = logging.getLogger(__name__)


def _content(detail: str, location: str | None) -> dict[str, str]:
    return {"detail": detail, "location": location} if location else {"detail": detail}


def _json(
    status: int, detail: str, location: str | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(status_code=status, content=_content(detail, location), headers=headers)


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def json_location(loc: Sequence[int | str]) -> str:
    """FastAPI's `loc` as this API's `location`: the body as a JSON path (`$.deadlines[0].date`),
    other parts by where they came from (`query.limit`, `path.plan_id`, `header.x-api-key`)."""
    if not loc:
        return "$"
    where, rest = str(loc[0]), loc[1:]
    if where != "body":
        return ".".join([where, *map(str, rest)])
    out = "$"
    for part in rest:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _NAME.fullmatch(part):
            out += f".{part}"
        else:
            out += f"[{part!r}]"
    return out


def _validation_items(exc: RequestValidationError) -> list[dict[str, Any]]:
    items = []
    for err in exc.errors():
        loc = [p if isinstance(p, int) else str(p) for p in err.get("loc", ())]
        item: dict[str, Any] = {
            "location": json_location(loc),
            "detail": str(err.get("msg", "invalid")),
            "type": str(err.get("type", "")),
            "loc": loc,
        }
        if err.get("ctx"):
            item["ctx"] = jsonable_encoder(err["ctx"], custom_encoder={Exception: str})
        if item["type"] == "json_invalid":  # loc is (body, character offset)
            item["location"] = "$"
            reason = (err.get("ctx") or {}).get("error", "")
            item["detail"] = f"invalid JSON at character {loc[-1]}: {reason}".rstrip(": ")
        items.append(item)
    return items


def _document_error_answers(app: FastAPI) -> None:
    """The OpenAPI document lists every error status an operation answers, each with
    `ErrorBody` (422 included, instead of FastAPI's HTTPValidationError): app/api/answers.py."""
    make = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        spec = make()
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(body.pop("$defs", {}))
        schemas["ErrorBody"] = body
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        declare_error_answers(app, spec)
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


@dataclass(frozen=True)
class Answer:
    """How one error type answers: its status, message, location and headers."""

    status: int
    detail: Callable[[Any], str] = str
    location: Callable[[Any], str | None] = field(default=lambda _: None)
    headers: Callable[[Any], dict[str, str]] = field(default=lambda _: {})


def _retry_after(seconds: Callable[[Any], int]) -> Callable[[Any], dict[str, str]]:
    return lambda exc: {"Retry-After": str(seconds(exc))}


_INPUT = {"detail": lambda e: e.message, "location": lambda e: e.location}

DOMAIN_ERRORS: dict[type[Exception], Answer] = {
    # the row is absent or another tenant's (indistinguishable on purpose)
    NotFound: Answer(404, lambda e: str(e) or "not found"),
    UnknownProfile: Answer(404),  # a profile named in a body is an InputError instead
    Forbidden: Answer(403),
    TooLarge: Answer(413, **_INPUT),
    NotJson: Answer(415, **_INPUT),
    InputError: Answer(422, **_INPUT),
    Conflict: Answer(409),
    SessionExpired: Answer(410),
    RateLimited: Answer(
        429,
        lambda e: say(
            N_("{reason}; retry in {seconds} s"), reason=said_of(e), seconds=e.retry_after
        ),
        headers=_retry_after(lambda e: e.retry_after),
    ),
    JobLimitReached: Answer(429, headers=_retry_after(lambda e: e.retry_after_s)),
    OracleDisagreement: Answer(
        503,
        lambda e: say(
            N_("the testbed's reference implementations disagree, nothing can be graded: {why}"),
            why=said_of(e),
        ),
    ),
    # values the database refuses, found at flush or commit
    OverflowError: Answer(422, lambda _: say(N_("a number in the request is too large to store"))),
    # described, never quoted: the driver's text names tables, constraints and SQL
    DataError: Answer(422, lambda e: _refused(e, N_("a value in the request"))),
    UnicodeEncodeError: Answer(
        422,
        lambda e: say(
            N_("text contains a character that is not valid Unicode: {reason}"),
            reason=their_words(e.reason),
        ),
    ),
    IntegrityError: Answer(409, lambda e: _refused(e)),
}


def _refused(exc: Exception, what: str | None = None) -> Said:
    log.info("database refused a write: %s", getattr(exc, "orig", exc))  # the log has it all
    return describe_refusal(exc, what)


def answer_for(exc: Exception) -> Answer | None:
    """The answer of the nearest listed type in the error's class hierarchy, if any."""
    for cls in type(exc).__mro__:
        if cls in DOMAIN_ERRORS:
            return DOMAIN_ERRORS[cls]
    return None


async def send_domain_error(send: Send, exc: Exception) -> None:
    """Answer a listed error from ASGI middleware, which runs outside the exception handlers."""
    answer = answer_for(exc)
    if answer is None:
        raise exc
    body = json.dumps(_content(answer.detail(exc), answer.location(exc))).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    headers += [(k.lower().encode(), v.encode()) for k, v in answer.headers(exc).items()]
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _domain_error(_: Request, exc: Exception) -> JSONResponse:
    answer = answer_for(exc)
    if answer is None:  # pragma: no cover - only listed types are registered
        raise exc
    return _json(answer.status, answer.detail(exc), answer.location(exc), answer.headers(exc))


async def _busy(_: Request, exc: Exception) -> JSONResponse:
    if not is_busy(exc):
        raise exc  # a real fault: the server error handler answers 500
    headers = {"Retry-After": str(RETRY_AFTER_S)}
    return _json(503, "the database is busy; nothing was changed, retry shortly", None, headers)


async def _request(_: Request, exc: Exception) -> JSONResponse:
    """FastAPI's request-model validation in the project's shape, every problem kept."""
    assert isinstance(exc, RequestValidationError)
    items = _validation_items(exc)
    first = items[0] if items else {"location": "$", "detail": "invalid request"}
    body = {
        "detail": f"{first['location']}: {first['detail']}",
        "location": first["location"],
        "errors": items,
    }
    return JSONResponse(status_code=422, content=body)


def install_error_handlers(app: FastAPI) -> None:
    _document_error_answers(app)
    app.add_exception_handler(RequestValidationError, _request)
    for error_type in DOMAIN_ERRORS:
        app.add_exception_handler(error_type, _domain_error)
    app.add_exception_handler(OperationalError, _busy)
    app.add_exception_handler(PoolTimeout, _busy)
