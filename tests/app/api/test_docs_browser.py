"""/docs and /redoc render in a real browser under the app's Content-Security-Policy.

Headless Chromium loads each page from a real server on loopback and runs its scripts; the
rendered DOM must list the API's operations, and the browser must report no blocked script,
style or request to this origin. (ReDoc's sidebar asks for a logo from its vendor's CDN:
the policy blocks that, as it should on a closed network, and the page does not need it.)
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator

import httpx
import pytest

from app.api.main import create_app
from app.settings import Settings
from tests.app.api.live_server import serve

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(autouse=True)
def _chromium_installed() -> None:
    """scripts/test.sh installs it (scripts/browser.sh): missing is a failure, not a skip."""
    if BROWSER is None:
        pytest.fail("Chromium missing: run scripts/browser.sh (apt-get install chromium)")


@pytest.fixture
def base_url(sqlite_url: str) -> Iterator[str]:
    with serve(create_app(Settings(database_url=sqlite_url))) as base:
        yield base


def _render(url: str, tmp_path) -> tuple[str, str]:
    run = subprocess.run(
        [
            str(BROWSER),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=20000",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout, run.stderr


def _operations(client_openapi: dict) -> int:
    return sum(
        1
        for item in client_openapi["paths"].values()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    )


def _csp_violations(log: str) -> list[str]:
    lines = [line for line in log.splitlines() if "Content Security Policy" in line]
    return [line for line in lines if "cdn.redoc.ly/redoc/logo-mini.svg" not in line]


def test_swagger_ui_renders_every_operation(base_url, tmp_path):
    expected = _operations(httpx.get(f"{base_url}/openapi.json", timeout=60).json())
    dom, log = _render(f"{base_url}/docs", tmp_path)
    assert len(re.findall(r'class="opblock opblock-', dom)) == expected
    assert _csp_violations(log) == []


def test_redoc_renders_every_operation(base_url, tmp_path):
    expected = _operations(httpx.get(f"{base_url}/openapi.json", timeout=60).json())
    dom, log = _render(f"{base_url}/redoc", tmp_path)
    assert len(set(re.findall(r'id="operation/([^"]+)"', dom))) == expected
    assert _csp_violations(log) == []
