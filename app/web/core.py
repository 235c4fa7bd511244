"""What every page shares: templates, the signed-in user, CSRF, language, and HTML errors."""

from __future__ import annotations

import functools
import inspect
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.api.deps import READ_METHODS
from app.api.errors import answer_for
from app.web import i18n, sessions
from app.web.i18n import LANGUAGES
from core.choices import Role
from core.db import READ_ONLY
from core.display import printable
from core.tenancy import Principal, scoped

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")


def _shown(value: Any) -> Any:
    """Every `{{ value }}` a page prints: a plain string (names from files, banners from
    servers) with its control and bidi characters as escapes, before autoescaping; markup
    the templates build themselves (`Markup`) is left as it is."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return printable(value, keep_newlines=True)
    return value


templates.env.finalize = _shown  # set before any template is compiled: it is read then
F = TypeVar("F", bound=Callable[..., Any])
M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


class WebError(Exception):
    """A page that cannot be shown: rendered as an HTML error page with this status."""

    def __init__(self, status: int, message: str, location: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.location = status, message, location


class SignInNeeded(Exception):
    """No live session: the browser is sent to the sign-in page."""


@dataclass(frozen=True)
class WebUser:
    principal: Principal
    csrf: str

    @property
    def role(self) -> Role:
        return self.principal.role

    @property
    def reads_inventory(self) -> bool:
        return self.principal.can_read_inventory()

    @property
    def writes_inventory(self) -> bool:
        return self.principal.can_write_inventory()

    @property
    def runs_testbed(self) -> bool:
        return self.principal.can_use_testbed()

    @property
    def is_admin(self) -> bool:
        return self.principal.is_admin


def lang_of(request: Request) -> str:
    return i18n.pick(
        request.query_params.get("lang"),
        request.cookies.get(i18n.COOKIE),
        request.headers.get("accept-language"),
    )


def current_user(request: Request) -> WebUser:
    """The signed-in user, read in a short read-only transaction of its own.

    Its own session (as the API's `get_principal`) so that a page which starts a job
    holds no writer's transaction while the job's transaction begins.
    """
    session = request.app.state.sessionmaker(execution_options=READ_ONLY)
    try:
        found = sessions.resolve(session, request.cookies.get(sessions.COOKIE))
    finally:
        session.close()
    if found is None:
        raise SignInNeeded()
    row, principal = found
    user = WebUser(principal=principal, csrf=row.csrf_token)
    request.state.web_user = user
    return user


async def check_csrf(request: Request, user: Annotated[WebUser, Depends(current_user)]) -> WebUser:
    if request.method not in READ_METHODS:
        form = await request.form()
        if not sessions.csrf_ok(user.csrf, form.get("csrf")):  # type: ignore[arg-type]
            raise WebError(403, "the form's CSRF token is missing or does not match; reload")
    return user


User = Annotated[WebUser, Depends(check_csrf)]


def newest(
    session: Session, model: type[T], principal: Principal, *where: Any, limit: int
) -> list[T]:
    """The newest rows of a tenant model the principal may see (admins: every tenant's)."""
    stmt = scoped(select(model), model, principal).where(*where)
    return list(session.scalars(stmt.order_by(model.id.desc()).limit(limit)))  # type: ignore[attr-defined]


def require(user: WebUser, *roles: Role) -> None:
    if user.role not in roles:
        raise WebError(403, f"role '{user.role}' cannot see this page")


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    lang = lang_of(request)
    tr = i18n.translations(lang)
    ctx = {
        "_": tr.gettext,
        "ngettext": tr.ngettext,
        "lang": lang,
        "languages": LANGUAGES,
        "user": getattr(request.state, "web_user", None),
        "path": request.url.path,
        "query": request.url.query,
        **(context or {}),
    }
    response = templates.TemplateResponse(request, name, ctx, status_code=status)
    if ctx["user"] is not None:  # a tenant's data: no browser or proxy cache keeps a copy
        response.headers["Cache-Control"] = "no-store"
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(
            i18n.COOKIE,
            lang,
            max_age=365 * 86400,
            samesite="strict",
            httponly=True,
            secure=request.url.scheme == "https",
        )
    return response


def _as_web_error(exc: Exception) -> WebError | None:
    """The HTML page for an error the API answers with a 4xx (the same status and words)."""
    if isinstance(exc, HTTPException):  # raised by an API function a page calls
        return WebError(exc.status_code, str(exc.detail))
    answer = answer_for(exc)
    if answer is None:
        return None
    return WebError(answer.status, answer.detail(exc), answer.location(exc))


@contextmanager
def _as_web_errors() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        error = _as_web_error(exc)
        if error is None:
            raise
        raise error from None


def page(func: F) -> F:
    """Turn the domain's errors into HTML pages (404 for another tenant's row, as the API)."""
    if inspect.iscoroutinefunction(func):

        @functools.wraps(func)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            with _as_web_errors():
                return await func(*args, **kwargs)

        return async_wrapper  # type: ignore[return-value]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _as_web_errors():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def form_model(model: type[M], **fields: Any) -> M:
    """A request model built from a form's fields; a bad value is a 422 page naming it."""
    try:
        return model(**fields)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(part) for part in err.get("loc", ()))
        raise WebError(422, err.get("msg", "invalid value"), f"form.{where}") from None


def _set_cookie(
    request: Request, response: Response, name: str, value: str, path: str, max_age: int | None
) -> None:
    """Only this site, never script, only over HTTPS when the page came over HTTPS."""
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="strict",
        path=path,
        secure=request.url.scheme == "https",
        max_age=max_age,
    )


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    lifetime = int(sessions.LIFETIME.total_seconds())
    _set_cookie(request, response, sessions.COOKIE, token, "/", lifetime)


def signin_page(
    request: Request, next_path: str, error: str | None = None, status: int = 200
) -> HTMLResponse:
    """The sign-in form with a fresh pre-session CSRF token (in its cookie and the form)."""
    token = secrets.token_urlsafe(24)
    context = {"csrf": token, "next": next_path, "error": error}
    response = render(request, "signin.html", context, status=status)
    _set_cookie(request, response, sessions.PRE_CSRF_COOKIE, token, "/signin", None)
    return response


def install_handlers(app: Any) -> None:
    @app.exception_handler(WebError)
    async def _web_error(request: Request, exc: WebError) -> Response:
        return render(
            request,
            "error.html",
            {"status": exc.status, "message": exc.message, "location": exc.location},
            status=exc.status,
        )

    @app.exception_handler(SignInNeeded)
    async def _sign_in(request: Request, _: SignInNeeded) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return redirect(f"/signin?next={quote(target, safe='')}")
