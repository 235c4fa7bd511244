"""Map the project's exceptions to HTTP answers: a 4xx that names the problem, never a 500."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from core.db import RETRY_AFTER_S, is_busy
from core.errors import Conflict, InputError, TooLarge
from core.tenancy import Forbidden, NotFound


def _json(status: int, detail: str, location: str | None = None) -> JSONResponse:
    body: dict[str, object] = {"detail": detail}
    if location:
        body["location"] = location
    return JSONResponse(status_code=status, content=body)


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


class ValidationItem(BaseModel):
    location: str = Field(description="Where, as in `location` above.")
    detail: str = Field(description="What is wrong there.")
    type: str = Field(description="Pydantic's error type, e.g. `less_than_equal`.")
    loc: list[int | str] = Field(description="FastAPI's raw location of the problem.")
    ctx: dict[str, Any] | None = Field(None, description="The limit or pattern that was broken.")


class ErrorBody(BaseModel):
    """Every 4xx (and 503) body: one message and, when it has one, where."""

    detail: str = Field(description="The problem, naming the field.")
    location: str | None = Field(
        None, description="JSON path in the body (`$.start`), or `query.<name>` / `path.<name>`."
    )
    errors: list[ValidationItem] | None = Field(
        None, description="Request validation only: every problem found, first one above."
    )


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


def _use_error_body_for_422(app: FastAPI) -> None:
    """The OpenAPI document says 422 answers `ErrorBody`, not FastAPI's HTTPValidationError."""
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
        ref = {"$ref": "#/components/schemas/ErrorBody"}
        for item in spec.get("paths", {}).values():
            for op in item.values():
                answer = op.get("responses", {}).get("422") if isinstance(op, dict) else None
                if answer is not None:
                    answer["description"] = "The request is invalid; `location` says where."
                    answer["content"] = {"application/json": {"schema": ref}}
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


def install_error_handlers(app: FastAPI) -> None:
    _use_error_body_for_422(app)

    @app.exception_handler(RequestValidationError)
    async def _request(_: Request, exc: RequestValidationError) -> JSONResponse:
        """FastAPI's request-model validation in the project's shape, every problem kept."""
        items = _validation_items(exc)
        first = items[0] if items else {"location": "$", "detail": "invalid request"}
        body = {
            "detail": f"{first['location']}: {first['detail']}",
            "location": first["location"],
            "errors": items,
        }
        return JSONResponse(status_code=422, content=body)

    @app.exception_handler(NotFound)
    async def _not_found(_: Request, exc: NotFound) -> JSONResponse:
        return _json(404, str(exc) or "not found")

    @app.exception_handler(Forbidden)
    async def _forbidden(_: Request, exc: Forbidden) -> JSONResponse:
        return _json(403, str(exc))

    @app.exception_handler(TooLarge)
    async def _too_large(_: Request, exc: TooLarge) -> JSONResponse:
        return _json(413, exc.message, exc.location)

    @app.exception_handler(InputError)
    async def _input(_: Request, exc: InputError) -> JSONResponse:
        return _json(422, exc.message, exc.location)

    @app.exception_handler(Conflict)
    async def _conflict(_: Request, exc: Conflict) -> JSONResponse:
        return _json(409, str(exc))

    @app.exception_handler(OverflowError)
    async def _overflow(_: Request, exc: OverflowError) -> JSONResponse:
        return _json(422, "a number in the request is too large to store")

    @app.exception_handler(DataError)
    async def _data(_: Request, exc: DataError) -> JSONResponse:
        return _json(422, f"a value in the request does not fit its column: {exc.orig}")

    @app.exception_handler(UnicodeEncodeError)
    async def _unicode(_: Request, exc: UnicodeEncodeError) -> JSONResponse:
        return _json(422, f"text contains a character that is not valid Unicode: {exc.reason}")

    @app.exception_handler(IntegrityError)
    async def _integrity(_: Request, exc: IntegrityError) -> JSONResponse:
        return _json(409, f"the write conflicts with existing data: {exc.orig}")

    async def _busy(_: Request, exc: Exception) -> JSONResponse:
        if not is_busy(exc):
            raise exc  # a real fault: the server error handler answers 500
        response = _json(503, "the database is busy; nothing was changed, retry shortly")
        response.headers["Retry-After"] = str(RETRY_AFTER_S)
        return response

    app.add_exception_handler(OperationalError, _busy)
    app.add_exception_handler(PoolTimeout, _busy)
