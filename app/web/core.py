"""What every page shares: templates, the signed-in user, CSRF, language, announcements
(flash), forms that come back with their input kept, and HTML error pages."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import inspect
import json
import re
import secrets
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, TypeVar
from urllib.parse import quote, urlencode

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.api.deps import READ_METHODS
from app.api.errors import answer_for
from app.web import i18n, sessions
from app.web.errortext import error_html, said_html, stored_error_html
from app.web.i18n import LANGUAGES
from app.web.jobtext import case_detail_html, error_text, progress_text, warning_html
from app.web.messages import field_problem, service_message
from core.choices import Role
from core.db import READ_ONLY
from core.display import printable
from core.errors import InputError, pydantic_said
from core.i18n import Said
from core.labels import label as english_label
from core.tenancy import Principal, scoped
from inventory.classification import reason_in

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
FLASH_COOKIE = "pqcplan_flash"
# Paths that belong to the API and its documentation: errors there stay JSON.
API_PATHS = ("/api/", "/docs", "/redoc", "/openapi.json", "/healthz", "/readyz", "/metrics")


class WebError(Exception):
    """A page that cannot be shown: rendered as an HTML error page with this status.

    `message` is an English msgid, translated when shown, with `args` put in after; a
    message from a service (`translate=False`) is said in the reader's language from the
    template it was made from (`said`, `app.web.errortext`) or a known shape of it, else
    shown as it is. `at`: a JSON path the message names first ("$.answer.items: ...")."""

    def __init__(
        self,
        status: int,
        message: str,
        location: str | None = None,
        *,
        args: Mapping[str, object] | None = None,
        translate: bool = True,
        headers: Mapping[str, str] | None = None,
        said: Said | None = None,
        at: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.location = status, message, location
        self.args_ = dict(args or {})
        self.translate = translate
        self.headers = dict(headers or {})
        self.said, self.at = said, at

    def text(self, gettext: Callable[[str], str]) -> str:
        if not self.translate:
            known = service_message(self.message)
            if known is None:
                return self.message
            message, args = known
            return gettext(message).format(**_labelled(args, gettext))
        return gettext(self.message).format(**_labelled(self.args_, gettext))

    def html(self, lang: str) -> Markup:
        """The message in `lang` as the page shows it: values quoted from the input and
        words that are not ours marked as written."""
        if self.said is not None:
            return error_html(self.said, self.at, lang)
        gettext = i18n.translations(lang).gettext
        if self.translate:
            args = _labelled(self.args_, gettext)
            shown = {k: said_html(v, lang) if isinstance(v, Said) else v for k, v in args.items()}
            return Markup(escape(gettext(self.message))).format(**shown)
        if service_message(self.message) is None:
            return said_html(self.message, lang)  # as written, marked English
        return Markup(escape(self.text(gettext)))


def refused(status: int, exc: Exception, location: str | None = None) -> WebError:
    """A service's refusal shown on a page, in the reader's language when it was said from
    a template (`InputError`, a `Conflict` raised with `say`)."""
    return WebError(status, str(exc), location, translate=False, said=said_of_raised(exc))


def said_of_raised(exc: BaseException) -> Said | None:
    if isinstance(exc, InputError):
        return exc.said
    return exc.args[0] if exc.args and isinstance(exc.args[0], Said) else None


def _labelled(args: Mapping[str, object], gettext: Callable[[str], str]) -> dict[str, object]:
    """Arguments that name a role or a kind of row, in the reader's words."""
    out = dict(args)
    if "role" in out:
        out["role"] = gettext(english_label(out["role"]))
    if "what" in out:
        what = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", str(out["what"])).lower().replace(" ", "_")
        out["what"] = gettext(english_label(what, "entity"))
    return out


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


def gettext_of(request: Request) -> Callable[[str], str]:
    return i18n.translations(lang_of(request)).gettext


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
        # kept for a form shown again with its input (request.state outlives this Request)
        request.state.form_values = {
            k: v for k, v in form.multi_items() if isinstance(v, str) and k != "csrf"
        }
        if not sessions.csrf_ok(user.csrf, form.get("csrf")):  # type: ignore[arg-type]
            raise WebError(403, "The form's security token is missing or out of date; reload.")
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
        raise WebError(403, "The role '{role}' cannot see this page.", args={"role": user.role})


# --- announcements: a message shown once on the page a form redirects to ---------------


def _flash_mac(key: str, body: str) -> str:
    return hmac.new(key.encode(), body.encode(), hashlib.sha256).hexdigest()[:32]


def flash(
    request: Request, response: Response, message: str, kind: str = "ok", **args: object
) -> Response:
    """Announce `message` (an English msgid with `{name}` places) on the next page shown.

    Kept in a cookie signed with the session's CSRF token, so only this browser's session
    can set what it says; the next page rendered shows it once and clears it."""
    user: WebUser | None = getattr(request.state, "web_user", None)
    if user is None:
        return response
    payload = {"m": message, "k": kind, "a": {k: str(v) for k, v in args.items()}}
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()
    value = f"{body}.{_flash_mac(user.csrf, body)}"
    _set_cookie(request, response, FLASH_COOKIE, value, "/", 120)
    return response


def redirect_with(
    request: Request, url: str, message: str, kind: str = "ok", **args: object
) -> Response:
    """Post/redirect/get with an announcement: a reload of the next page repeats nothing."""
    return flash(request, redirect(url), message, kind, **args)


def _take_flash(request: Request, user: WebUser | None) -> dict[str, Any] | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw or user is None or "." not in raw or len(raw) > 4000:
        return None
    body, mac = raw.rsplit(".", 1)
    if not hmac.compare_digest(mac, _flash_mac(user.csrf, body)):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(body.encode()))
        return {"message": str(data["m"]), "kind": str(data["k"]), "args": dict(data["a"])}
    except (ValueError, KeyError, TypeError):
        return None


# --- forms shown again with their input ---------------------------------------------------


@dataclass
class FormState:
    """A form's submitted values and its problem, to show the form again (422, 409)."""

    name: str = ""
    values: Mapping[str, str] = field(default_factory=dict)
    field: str | None = None
    message: str = ""

    def value(self, name: str, default: object = "") -> str:
        if name in self.values:
            return str(self.values[name])
        return "" if default is None else str(default)

    def values_of(self, name: str, default: list[str] | None = None) -> list[str]:
        if name in self.values:
            return [self.values[name]] if isinstance(self.values[name], str) else []
        return default or []

    def error(self, name: str) -> str | None:
        return self.message if self.field == name else None


Rerender = Callable[[Request, Session, WebUser, FormState], Response]
FORM_STATUSES = (409, 422)


def _field_of(location: str | None) -> str | None:
    if not location:
        return None
    for prefix in ("form.", "body.", "$.", "query."):
        if location.startswith(prefix):
            location = location[len(prefix) :]
    return location.split(".")[0].split("[")[0] or None


def form_post(name: str, rerender: Rerender) -> Callable[[F], F]:
    """Mark a POST route as the form `name` of the page `rerender` draws: refused input
    (422, 409) or a busy database (503) shows that page again with the input kept and the
    field marked (`app.web.errors`); the request's transaction rolls back as for any error."""

    def decorate(func: F) -> F:
        func.web_form = (name, rerender)  # type: ignore[attr-defined]
        return func

    return decorate


# --- rendering -------------------------------------------------------------------------


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    status: int = 200,
    form: FormState | None = None,
) -> HTMLResponse:
    lang = lang_of(request)
    tr = i18n.translations(lang)
    user = getattr(request.state, "web_user", None)
    shown = _take_flash(request, user)
    ctx = {
        "_": tr.gettext,
        "ngettext": tr.ngettext,
        "L": lambda value, kind=None: tr.gettext(english_label(value, kind)),
        "reason": lambda usage: reason_in(usage, lang),
        "job_progress": lambda job: progress_text(job.message, tr.gettext),
        "job_error": lambda job: stored_error_html(error_text(job.error) or "", lang),
        "said_error": lambda text: stored_error_html(error_text(str(text)) or "", lang),
        "import_warning": lambda line: warning_html(line, lang),
        "case_detail": lambda text: case_detail_html(text, lang),
        "options": lambda enum: [(e.value, tr.gettext(english_label(e))) for e in enum],
        "lang": lang,
        "languages": LANGUAGES,
        "user": user,
        "path": request.url.path,
        "query": request.url.query,
        "here": _here(request),
        "switch_lang": lambda code: _with_query(request, lang=code),
        "flash": shown,
        "form": form or FormState(),
        **(context or {}),
    }
    response = templates.TemplateResponse(request, name, ctx, status_code=status)
    if user is not None:  # a tenant's data: no browser or proxy cache keeps a copy
        response.headers["Cache-Control"] = "no-store"
    if shown is not None or request.cookies.get(FLASH_COOKIE):
        response.delete_cookie(FLASH_COOKIE, path="/")
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


def _here(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def _with_query(request: Request, **changes: str) -> str:
    """This page's URL with some query parameters set (the language switch keeps filters)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    params += list(changes.items())
    return request.url.path + "?" + urlencode(params)


def _as_web_error(exc: Exception) -> WebError | None:
    """The HTML page for an error the API answers with a 4xx (the same status and words)."""
    if isinstance(exc, WebError):
        return exc
    if isinstance(exc, HTTPException):  # raised by an API function a page calls
        said = exc.detail if isinstance(exc.detail, Said) else None
        return WebError(exc.status_code, str(exc.detail), translate=False, said=said)
    answer = answer_for(exc)
    if answer is None:
        return None
    detail = answer.detail(exc)  # a Said when the answer adds words of its own
    return WebError(
        answer.status,
        detail,
        answer.location(exc),
        translate=False,
        headers=answer.headers(exc),
        said=detail if isinstance(detail, Said) else said_of_raised(exc),
    )


@contextmanager
def _as_web_errors() -> Iterator[None]:
    try:
        yield
    except WebError:
        raise
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
    """A request model built from a form's fields; a bad value is a 422 naming the field."""
    try:
        return model(**fields)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(part) for part in err.get("loc", ()))
        message, args = field_problem(err)
        raise WebError(422, message, f"form.{where}", args=args, said=pydantic_said(err)) from None


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


def set_cookie(
    request: Request, response: Response, name: str, value: str, path: str, max_age: int | None
) -> None:
    _set_cookie(request, response, name, value, path, max_age)


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


def signin_target(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/signin?next={quote(target, safe='')}"
