"""API docs pages (Swagger UI, ReDoc) whose scripts and styles the app serves itself.

FastAPI's default pages load them from a CDN, which closed networks cannot reach, and start
Swagger UI with an inline script, which a strict Content-Security-Policy blocks. Here the
assets come from the `fastapi-offline` package and Swagger UI starts from a local file.
No OAuth2 redirect page: the API authenticates with API keys only.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

VENDOR_ASSETS = Path(fastapi_offline.__file__).resolve().parent / "static"
OWN_ASSETS = Path(__file__).resolve().parent / "static"
VENDOR_URL = "/docs-assets/vendor"
OWN_URL = "/docs-assets/app"


def _page(title: str, head: str, body: str) -> HTMLResponse:
    html = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<link rel="icon" type="image/png" href="{VENDOR_URL}/favicon.png">
{head}
</head>
<body>
{body}
</body>
</html>
"""
    return HTMLResponse(html)


def install_docs(app: FastAPI, *, docs_url: str = "/docs", redoc_url: str = "/redoc") -> None:
    """Serve /docs and /redoc from local assets; create the app with docs_url=None."""
    openapi_url = app.openapi_url or "/openapi.json"
    app.mount(VENDOR_URL, StaticFiles(directory=VENDOR_ASSETS), name="docs-vendor-assets")
    app.mount(OWN_URL, StaticFiles(directory=OWN_ASSETS), name="docs-app-assets")
    title = app.title

    @app.get(docs_url, include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return _page(
            f"{title} - Swagger UI",
            f'<link rel="stylesheet" href="{VENDOR_URL}/swagger-ui.css">',
            f'<div id="swagger-ui" data-openapi-url="{escape(openapi_url)}"></div>\n'
            f'<script src="{VENDOR_URL}/swagger-ui-bundle.js"></script>\n'
            f'<script src="{OWN_URL}/swagger-init.js"></script>',
        )

    @app.get(redoc_url, include_in_schema=False)
    def redoc() -> HTMLResponse:
        return _page(
            f"{title} - ReDoc",
            "",
            f'<redoc spec-url="{escape(openapi_url)}"></redoc>\n'
            f'<script src="{VENDOR_URL}/redoc.standalone.js"></script>',
        )
