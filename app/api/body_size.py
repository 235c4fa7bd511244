"""Refuse oversized request bodies with 413 before any endpoint parses them.

Import endpoints may take `max_upload_bytes`; every other endpoint takes `max_json_bytes`.
A declared Content-Length over the limit is refused at once; a body without one
(chunked) is read up to the limit and then handed on, or refused. The refusal is the
API's JSON error unless `refuse` answers it otherwise (the web console: an HTML page
for a browser).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from app.api.errors import send_domain_error
from core.errors import TooLarge
from core.i18n import N_

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
#: answers a refusal itself (True) or leaves it to the JSON error (False)
Refusal = Callable[[Scope, Send, TooLarge, int], Awaitable[bool]]


class BodySizeLimit:
    def __init__(
        self,
        app: ASGIApp,
        *,
        default_limit: int,
        upload_limit: int,
        upload_paths: tuple[str, ...] = ("/api/v1/imports/", "/imports"),
        refuse: Refusal | None = None,
    ) -> None:
        """``upload_paths``: path prefixes that take files (API imports and the web
        console's import form), allowed ``upload_limit``; every other body ``default_limit``."""
        self.app = app
        self.default_limit = default_limit
        self.upload_limit = upload_limit
        self.upload_paths = upload_paths
        self.refuse = refuse

    async def _refuse(self, scope: Scope, send: Send, error: TooLarge, limit: int) -> None:
        if self.refuse is None or not await self.refuse(scope, send, error, limit):
            await send_domain_error(send, error)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        limit = (
            self.upload_limit if scope["path"].startswith(self.upload_paths) else self.default_limit
        )
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            if declared.isdigit() and int(declared) > limit:
                await self._refuse(
                    scope,
                    send,
                    TooLarge(
                        N_(
                            "request body of {size} bytes exceeds the limit of {limit} bytes "
                            "for {path}"
                        ),
                        "body",
                        size=int(declared),
                        limit=limit,
                        path=scope["path"],
                    ),
                    limit,
                )
                return
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, replay([message]), send)
                return
            size += len(message.get("body", b""))
            if size > limit:
                await self._refuse(
                    scope,
                    send,
                    TooLarge(
                        N_("request body exceeds the limit of {limit} bytes for {path}"),
                        "body",
                        limit=limit,
                        path=scope["path"],
                    ),
                    limit,
                )
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, replay([body]), send)


def replay(messages: list[Message]) -> Receive:
    """A `receive` that hands the app a body already read (then a disconnect)."""
    queue = list(messages)

    async def receive() -> Message:
        if queue:
            return queue.pop(0)
        return {"type": "http.disconnect"}

    return receive
