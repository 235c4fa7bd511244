"""Sign-in with an API key, sign-out, and the start page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import PlainTextResponse, Response

from app.api.deps import SessionDep
from app.web import sessions
from app.web.core import (
    SignInNeeded,
    User,
    WebError,
    current_user,
    gettext_of,
    redirect,
    set_session_cookie,
    signin_page,
)
from core.apikeys import hash_secret
from core.choices import Role
from core.i18n import N_
from inventory.exchange import csv_io

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never `//host` or a scheme (no open redirect)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


@router.get("/")
def home(request: Request) -> Response:
    try:
        user = current_user(request)
    except SignInNeeded:
        return redirect("/signin")
    return redirect("/testbed" if user.role is Role.VENDOR else "/overview")


@router.get("/signin")
def signin_form(request: Request, next: str | None = None) -> Response:
    return signin_page(request, _safe_next(next))


@router.post("/signin")
def signin(
    request: Request,
    session: SessionDep,
    api_key: Annotated[str, Form(max_length=300)],
    csrf: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    if not sessions.csrf_ok(request.cookies.get(sessions.PRE_CSRF_COOKIE), csrf):
        raise WebError(
            403, N_("The sign-in form's security token is missing or out of date; reload.")
        )
    limiter = request.app.state.auth_limiter
    client = request.client.host if request.client else "unknown"
    key = hash_secret(api_key.strip())  # counted per key and address, as the API does
    wait = limiter.retry_after(client, key=key)
    if wait is not None:
        raise WebError(
            429,
            N_("Too many invalid API keys from {client}; try again in {seconds} s."),
            args={"client": client, "seconds": wait},
            headers={"Retry-After": str(wait)},
        )
    opened = sessions.open_session(session, api_key.strip())
    if opened is None:
        limiter.record_failure(client, key)
        message = gettext_of(request)(N_("Invalid or revoked API key."))
        return signin_page(request, _safe_next(next), message, status=401)
    token, principal = opened
    limiter.record_success(client, key)
    target = _safe_next(next)
    if target == "/":
        target = "/testbed" if principal.role is Role.VENDOR else "/overview"
    response = redirect(target)
    set_session_cookie(request, response, token)
    response.delete_cookie(sessions.PRE_CSRF_COOKIE, path="/signin")
    return response


@router.post("/signout")
def signout(request: Request, user: User, session: SessionDep) -> Response:
    sessions.end_session(session, request.cookies.get(sessions.COOKIE))
    response = redirect("/signin")
    response.delete_cookie(sessions.COOKIE, path="/")
    return response


@router.get("/imports/csv-template")
def csv_template(user: User) -> Response:
    return PlainTextResponse(
        csv_io.template(),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="pqcplan-template.csv"'},
    )
