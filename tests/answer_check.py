"""Every answer a test provokes must be one its operation's OpenAPI entry lists.

The `api` fixture (tests/conftest.py) records each answer of the app under test and, when
the test is over, fails it with the answers whose status the document does not list; so
every API test also checks the document (app/api/answers.py derives it).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send


@dataclass
class AnswerLog:
    """ASGI middleware: (method, path, status) of every HTTP answer, in order."""

    app: ASGIApp
    answers: list[tuple[str, str, int]] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def recording(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.answers.append((scope["method"], scope["path"], message["status"]))
            await send(message)

        await self.app(scope, receive, recording)


@functools.cache
def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts))


def operation_for(spec: dict[str, Any], method: str, path: str) -> tuple[str, Any] | None:
    """The documented operation a request reaches: a literal path wins over a template
    (`/plans/judge` over `/plans/{plan_id}`), as the router's order has it; None when the
    path is not in the document (web pages, static files, unknown paths) or the method
    is not (405)."""
    found = [t for t in spec["paths"] if _pattern(t).fullmatch(path)]
    if not found:
        return None
    template = min(found, key=lambda t: (t.count("{"), -len(t)))
    operation = spec["paths"][template].get(method.lower())
    return (template, operation) if operation is not None else None


def undeclared(spec: dict[str, Any], answers: list[tuple[str, str, int]]) -> list[str]:
    """`METHOD TEMPLATE STATUS` of each answer whose status its operation does not list."""
    out = []
    for method, path, status in answers:
        found = operation_for(spec, method, path)
        if found is None:
            continue
        template, operation = found
        listed = operation.get("responses", {})
        if str(status) not in listed and "default" not in listed:
            line = f"{method} {template} {status}"
            if line not in out:
                out.append(line)
    return out
