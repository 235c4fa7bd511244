"""Map the project's exceptions to HTTP answers: a 4xx that names the problem, never a 500."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from inventory.db import RETRY_AFTER_S, is_busy
from inventory.errors import Conflict, InputError, TooLarge
from inventory.tenancy import Forbidden, NotFound


def _json(status: int, detail: str, location: str | None = None) -> JSONResponse:
    body: dict[str, object] = {"detail": detail}
    if location:
        body["location"] = location
    return JSONResponse(status_code=status, content=body)


def install_error_handlers(app: FastAPI) -> None:
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
