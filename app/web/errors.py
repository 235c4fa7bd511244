"""Error answers for browsers: HTML pages (404, 403, 405, 422, 503...) in the reader's
language, a refused form shown again with its input, while API clients keep the JSON.

A request is the console's when a console route took it, or when it is outside the API's
paths and the client asks for HTML (a browser following an unknown link).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.api.errors import DOMAIN_ERRORS
from app.web.core import (
    API_PATHS,
    FORM_STATUSES,
    FormState,
    SignInNeeded,
    WebError,
    WebUser,
    _as_web_error,
    _field_of,
    current_user,
    lang_of,
    redirect,
    render,
    signin_target,
)
from app.web.errortext import location_html
from app.web.messages import field_problem
from core.db import READ_ONLY, RETRY_AFTER_S, is_busy
from core.errors import pydantic_said
from core.i18n import N_, Said

log = logging.getLogger(__name__)
STATUS_TITLES = {
    400: N_("Bad request"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    405: N_("Not available this way"),
    409: N_("In conflict with what is stored"),
    410: N_("Expired"),
    413: N_("Too large"),
    422: N_("Cannot do that"),
    429: N_("Too many requests"),
    503: N_("Busy, try again"),
}
NOT_FOUND = N_("There is no page at this address.")
NOT_ALLOWED_METHOD = N_("This address does not take that kind of request.")
BUSY = N_("The database is busy; nothing was changed. Try again in {seconds} seconds.")
TOO_LARGE = N_(
    "What was sent is larger than this form takes ({limit} at most); nothing was changed. "
    "Go back and send a smaller file."
)


def is_web(request: Request) -> bool:
    path = request.url.path
    if path.startswith(API_PATHS):
        return False
    endpoint = request.scope.get("endpoint")
    if endpoint is not None and getattr(endpoint, "__module__", "").startswith("app.web"):
        return True
    return "text/html" in request.headers.get("accept", "")


def _user(request: Request) -> WebUser | None:
    """The signed-in user if there is one (an unknown URL ran no dependency)."""
    user = getattr(request.state, "web_user", None)
    if user is not None:
        return user
    try:
        return current_user(request)
    except SignInNeeded:
        return None
    except Exception:  # a busy database: the page still renders, without the menu
        log.debug("no user for an error page", exc_info=True)
        return None


def error_page(request: Request, error: WebError) -> Response:
    _user(request)
    lang = lang_of(request)
    response = render(
        request,
        "error.html",
        {
            "status": error.status,
            "title": STATUS_TITLES.get(error.status, STATUS_TITLES[422]),
            "message": error.html(lang),
            "location": location_html(error.location, lang),
        },
        status=error.status,
    )
    for name, value in error.headers.items():
        response.headers[name] = value
    return response


def _show_form(request: Request, status: int, state: FormState, rerender: Any) -> Response:
    """The form's page again, from a read-only transaction of its own (the request's own
    transaction has rolled back)."""
    user = getattr(request.state, "web_user", None) or _user(request)
    if user is None:
        return redirect(signin_target(request))
    session = request.app.state.sessionmaker(execution_options=READ_ONLY)
    try:
        response = rerender(request, session, user, state)
    finally:
        session.close()
    response.status_code = status
    return response


def _form_or_page(request: Request, error: WebError) -> Response:
    """A refused form (422, 409, or any refusal naming one of its fields) or a busy
    database (503) shows the form again with its input when the route is a form's;
    anything else is an error page."""
    form = getattr(request.scope.get("endpoint"), "web_form", None)
    on_a_field = (error.location or "").startswith("form.")
    if (
        form is None
        or request.method != "POST"
        or (error.status not in (*FORM_STATUSES, 503) and not on_a_field)
    ):
        return error_page(request, error)
    name, rerender = form
    values = getattr(request.state, "form_values", {})
    state = FormState(name, values, _field_of(error.location), error.html(lang_of(request)))
    try:
        response = _show_form(request, error.status, state, rerender)
    except Exception:  # the database still busy: the plain page says so
        log.debug("form page not shown again", exc_info=True)
        return error_page(request, error)
    response.headers.update(error.headers)
    return response


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MiB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KiB"


async def refuse_in_html(scope: Any, send: Any, error: Any, limit: int) -> bool:
    """The body-size refusal (413) as the console's error page when a browser sent it to
    the console; False leaves it to the API's JSON. The body is never read."""
    request = Request(scope)
    if not is_web(request):
        return False
    error = WebError(413, TOO_LARGE, "body", args={"limit": _size(limit)})
    page = await run_in_threadpool(error_page, request, error)  # reads the signed-in user
    page.headers["Connection"] = "close"  # the unread body is not kept on the connection

    async def nothing() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    await page(scope, nothing, send)
    return True


def install_handlers(app: FastAPI) -> None:
    api_handlers = dict(app.exception_handlers)

    def api(exc_type: type[Exception]) -> Any:
        return api_handlers.get(exc_type)

    @app.exception_handler(WebError)
    async def _web_error(request: Request, exc: WebError) -> Response:
        return _form_or_page(request, exc)

    @app.exception_handler(SignInNeeded)
    async def _sign_in(request: Request, _: SignInNeeded) -> Response:
        return redirect(signin_target(request))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if not is_web(request):
            return await api(StarletteHTTPException)(request, exc)
        if exc.status_code == 404:
            return error_page(request, WebError(404, NOT_FOUND))
        if exc.status_code == 405:
            return error_page(request, WebError(405, NOT_ALLOWED_METHOD))
        said = exc.detail if isinstance(exc.detail, Said) else None
        error = WebError(exc.status_code, str(exc.detail), translate=False, said=said)
        return error_page(request, error)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if not is_web(request):
            return await api(RequestValidationError)(request, exc)
        err = exc.errors()[0] if exc.errors() else {"type": "missing", "loc": ()}
        location = ".".join(str(p) for p in err.get("loc", ()))
        message, args = field_problem(err)
        error = WebError(422, message, location, args=args, said=pydantic_said(err))
        return _form_or_page(request, error)

    async def _busy(request: Request, exc: Exception) -> Response:
        if not is_web(request) or not is_busy(exc):
            base = OperationalError if isinstance(exc, OperationalError) else PoolTimeout
            return await api(base)(request, exc)
        headers = {"Retry-After": str(RETRY_AFTER_S)}
        error = WebError(503, BUSY, args={"seconds": RETRY_AFTER_S}, headers=headers)
        return _form_or_page(request, error)

    for busy_type in (OperationalError, PoolTimeout):
        app.add_exception_handler(busy_type, _busy)

    def domain(error_type: type[Exception]) -> Any:
        async def handler(request: Request, exc: Exception) -> Response:
            if not is_web(request):
                return await api(error_type)(request, exc)
            error = _as_web_error(exc)
            assert error is not None  # a listed type always has an answer
            return _form_or_page(request, error)

        return handler

    for error_type in DOMAIN_ERRORS:
        app.add_exception_handler(error_type, domain(error_type))
