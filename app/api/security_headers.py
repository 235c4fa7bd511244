"""Security headers on every HTTP response, including the 413s and 429s sent before routing.

API answers and web pages carry tenants' inventory data and, for new keys, secrets: every
response but static assets also gets `Cache-Control: no-store`, so no browser or proxy
cache keeps a copy.
The Content-Security-Policy allows this origin only; the docs pages work under it because
their assets are served locally and Swagger UI starts from a file (`app.api.docs`).
"""

from __future__ import annotations

from app.api.body_size import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        # ReDoc and Swagger UI set styles from script (styled-components, React).
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "worker-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
)
NO_STORE = (b"cache-control", b"no-store")


class SecurityHeaders:
    """Pure ASGI middleware: adds each header the response does not set itself."""

    def __init__(
        self, app: ASGIApp, *, cacheable_prefixes: tuple[str, ...] = ("/docs-assets/", "/static/")
    ) -> None:
        self.app = app
        self.cacheable_prefixes = cacheable_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = list(SECURITY_HEADERS)
        if not scope["path"].startswith(self.cacheable_prefixes):
            extra.append(NO_STORE)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in extra if name not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
