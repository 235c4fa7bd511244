"""Refuse, with 422 naming the place, request input that parses but cannot be stored.

Starlette reads JSON bodies with `json.loads`, which accepts `NaN`, `Infinity`, `1e309`,
duplicate keys, `\\u0000` and lone surrogates; query strings may carry `%00` or bytes that
are not UTF-8. This middleware checks every JSON body (the import endpoints parse their
own documents with the same checks) and every query string and path before a route runs,
so no endpoint can forget, and nothing is written.
"""

from __future__ import annotations

import email.message
import json
from urllib.parse import parse_qsl, unquote

from app.api.body_size import ASGIApp, Receive, Scope, Send, replay
from app.api.errors import send_domain_error
from core.errors import QUERY_PARAMETER, InputError
from core.i18n import N_
from core.input_checks import loads_strict, text_problem

_NO_BODY = ("GET", "HEAD", "OPTIONS", "DELETE")


def _is_json(scope: Scope) -> bool:
    headers = dict(scope.get("headers") or [])
    value = headers.get(b"content-type")
    if not value:
        return False
    message = email.message.Message()
    message["content-type"] = value.decode("latin-1")
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


def check_url(scope: Scope) -> None:
    """Raise InputError for a path or query string holding NUL, lone surrogates or non-UTF-8."""
    raw_path = scope.get("raw_path") or scope["path"].encode()
    try:
        path = unquote(raw_path.decode("latin-1"), errors="strict")
    except UnicodeDecodeError as exc:
        raise InputError(
            N_("the URL path is not valid UTF-8 after percent-decoding"), "path"
        ) from exc
    if problem := text_problem(path):
        raise InputError(N_("the URL path {problem}"), "path", problem=problem)
    query = scope.get("query_string", b"").decode("latin-1")
    try:
        pairs = parse_qsl(query, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError as exc:
        raise InputError(
            N_("the query string is not valid UTF-8 after percent-decoding"), "query"
        ) from exc
    for name, value in pairs:
        if problem := text_problem(name) or text_problem(value):
            where = QUERY_PARAMETER.format(name=json.dumps(name)[:100])
            raise InputError(N_("text {problem}"), where, problem=problem)


class StrictInput:
    def __init__(self, app: ASGIApp, *, own_parser_prefix: str = "/api/v1/imports/") -> None:
        self.app = app
        self.own_parser_prefix = own_parser_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            check_url(scope)
        except InputError as exc:
            await send_domain_error(send, exc)
            return
        if (
            scope["method"] in _NO_BODY
            or scope["path"].startswith(self.own_parser_prefix)
            or not _is_json(scope)
        ):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, replay([message]), send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body.strip():
            try:
                loads_strict(body)
            except InputError as exc:
                await send_domain_error(send, exc)
                return
        await self.app(
            scope, replay([{"type": "http.request", "body": body, "more_body": False}]), send
        )
