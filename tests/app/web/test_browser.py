"""The web console in a real browser: Debian's chromium driven by Playwright, a real uvicorn
server on loopback, on SQLite and PostgreSQL. Each journey saves a screenshot; axe-core finds
no serious or critical accessibility issue on the main pages.

`scripts/browser.sh` installs chromium (Debian), Playwright's Python package (never its
browser download) and axe-core (npm ci from tests/app/web/package-lock.json, outside the repo).
Set PQCPLAN_SCREENSHOTS=DIR to keep the screenshots (docs/screenshots/ holds a few).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from core.db import engine_for, session_factory
from core.models import Organization
from inventory.demo import load_demo
from inventory.models import Asset
from tests.conftest import EXCHANGE_DATA, _pg_exec

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CBOM = EXCHANGE_DATA / "cyclonedx-protocol-1.7.cdx.json"


@pytest.fixture(scope="session")
def axe_script() -> Path:
    out = subprocess.run(
        ["bash", str(ROOT / "scripts" / "browser.sh")], check=True, capture_output=True, text=True
    )
    return Path(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def browser(axe_script: Path) -> Iterator[object]:
    """Module-scoped: Playwright's sync API keeps an event loop running in this thread while
    it is open, and later tests in the session call asyncio.run()."""
    try:
        from playwright import sync_api as playwright_api
    except ImportError:
        pytest.fail("playwright is missing: run scripts/setup.sh and scripts/browser.sh")
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is missing: run scripts/browser.sh")
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    keep = os.environ.get("PQCPLAN_SCREENSHOTS")
    folder = Path(keep) if keep else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass
class Site:
    base: str
    db: str
    keys: dict[str, str]
    label: str

    def other_org_asset(self, slug: str) -> int:
        with session_factory(self.db)() as s:
            return s.scalar(
                select(Asset.id)
                .join(Organization, Organization.id == Asset.organization_id)
                .where(Organization.slug != slug)
                .order_by(Asset.id)
                .limit(1)
            )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    """A demo inventory in a fresh database, served by `uvicorn` in its own process."""
    folder = tmp_path_factory.mktemp(f"site-{request.param}")
    if request.param == "sqlite":
        path = folder / "web.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        admin = request.getfixturevalue("pg_admin_url")
        template = request.getfixturevalue("pg_template")
        name = f"pqcplan_web_{uuid.uuid4().hex[:10]}"
        _pg_exec(admin, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    with session_factory(url).begin() as s:
        keys = load_demo(s).keys
    engine_for(url).dispose()
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    log = (folder / "server.log").open("wb")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "app.api.main:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=folder,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    worker = None
    if request.param == "postgresql":  # on PostgreSQL benchmarks run on workers only
        worker = subprocess.Popen(
            [sys.executable, "-m", "app.cli.main", "worker", "--queue", "benchmarks"],
            cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None:
                raise RuntimeError((folder / "server.log").read_text())
            time.sleep(0.1)
        yield Site(base=base, db=url, keys=keys, label=request.param)
    finally:
        for process in (server, worker):
            if process is not None:
                process.terminate()
                process.wait(timeout=30)
        log.close()
        if request.param == "postgresql":
            _pg_exec(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def page(browser, site: Site):
    """A fresh browser context (no cookies) whose page fails the test on a CSP violation."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    pg = context.new_page()
    problems: list[str] = []
    elsewhere: list[str] = []
    pg.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: problems.append(str(e)))
    pg.on(
        "request",
        lambda r: None if r.url.startswith((site.base, "data:")) else elsewhere.append(r.url),
    )
    yield pg
    context.close()
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
    assert not elsewhere, f"requests beyond pqcplan: {elsewhere}"  # closed networks: no CDN


def sign_in(pg, site: Site, who: str) -> None:
    pg.goto(site.base + "/")
    assert "/signin" in pg.url
    pg.get_by_label("API key").fill(site.keys[who])
    pg.get_by_role("button", name="Sign in").click()
    pg.wait_for_load_state()


def wait_done(pg, site: Site, who: str, seconds: float = 240) -> None:
    """Job pages reload themselves (app.js) until the job ends; on a timeout the message
    carries the job as the API sees it."""
    deadline = time.monotonic() + seconds
    # the form that started the job may still be on screen: wait for the job's own page,
    # or the loop below sees no running marker and stops at once
    pg.locator("#job-status").wait_for(timeout=seconds * 1000)
    while pg.locator("[data-job-running]").count() and time.monotonic() < deadline:
        pg.wait_for_timeout(500)
        pg.wait_for_load_state()
    if pg.locator("[data-job-running]").count():
        url = pg.url.split("#")[0]
        job_id = url.split("job=")[-1] if "job=" in url else url.split("/jobs/")[-1]
        seen = httpx.get(
            f"{site.base}/api/v1/jobs/{job_id}", headers={"X-API-Key": site.keys[who]}
        ).text
        raise AssertionError(f"job still running at {pg.url}: {seen[:600]}")


def test_officer_signs_in_and_filters_assets(page, site: Site, shots: Path):
    sign_in(page, site, "daehan-bank:officer")
    assert page.url.endswith("/overview")
    assert page.locator("svg.chart").count() >= 4
    assert page.get_by_role("heading", name="What breaks first, and why").is_visible()
    page.screenshot(path=shots / f"officer-overview-{site.label}.png")
    page.get_by_role("link", name="Assets", exact=True).click()
    page.get_by_label("quantum_status").select_option("broken")
    page.get_by_label("exposure").select_option("internet_facing")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    assert "quantum_status=broken" in page.url and "exposure=internet_facing" in page.url
    rows = page.locator("#assets tbody tr")
    assert rows.count() > 0
    for i in range(rows.count()):
        assert rows.nth(i).locator("td").nth(3).inner_text() == "internet_facing"
    page.screenshot(path=shots / f"officer-assets-{site.label}.png")
    rows.first.locator("a").click()
    page.wait_for_load_state()
    assert page.locator("#usages .status-broken").count() > 0
    page.screenshot(path=shots / f"officer-asset-{site.label}.png")


def test_officer_uploads_a_cbom_and_sees_its_assets(page, site: Site, shots: Path, tmp_path):
    sign_in(page, site, "mois:officer")
    page.goto(site.base + "/imports")
    page.get_by_label("Format").select_option("cbom")
    page.get_by_label("File").set_input_files(str(CBOM))
    page.get_by_role("button", name="Upload and import").click()
    wait_done(page, site, "mois:officer")
    assert "succeeded" in page.locator("#job-status").inner_text()
    page.screenshot(path=shots / f"officer-import-{site.label}.png")
    page.get_by_role("link", name="See the assets").click()
    page.get_by_label("Name contains").fill("payment gateway")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    assert "payment gateway" in page.locator("#assets").inner_text()
    bad = tmp_path / "bad.cdx.json"
    bad.write_text('{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"type": 7}]}')
    page.goto(site.base + "/imports")
    page.get_by_label("File").set_input_files(str(bad))
    page.get_by_role("button", name="Upload and import").click()
    wait_done(page, site, "mois:officer")
    error = page.locator("#job-error").inner_text()
    assert "components[0]" in error, error
    page.screenshot(path=shots / f"officer-import-error-{site.label}.png")


def test_agency_generates_a_plan_and_sees_its_timeline(page, site: Site, shots: Path):
    sign_in(page, site, "mois:officer")
    page.goto(site.base + "/plans")
    page.get_by_label("Policy profile").select_option("kr-2035")
    page.get_by_label("Name", exact=True).fill("national master plan")
    page.get_by_role("button", name="Generate", exact=True).click()
    wait_done(page, site, "mois:officer")
    page.get_by_role("link", name="Open the plan").click()
    page.wait_for_load_state()
    assert page.locator("#timeline svg rect").count() > 0
    assert int(page.locator("#task-count").inner_text()) > 0
    page.screenshot(path=shots / f"agency-timeline-{site.label}.png")
    first = page.locator("#tasks tbody tr").first
    first.locator("select").select_option("in_progress")
    first.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert page.locator("#tasks tbody tr").first.locator("select").input_value() == "in_progress"
    page.goto(page.url.split("?")[0].split("#")[0] + "?lang=ko")
    assert page.get_by_role("heading", name="일정").is_visible()
    shipped_font = page.evaluate(
        "document.fonts.ready.then(() => document.fonts.check('16px \"pqcplan Korean\"', '일정'))"
    )
    assert shipped_font  # Korean glyphs come from the font pqcplan serves
    page.screenshot(path=shots / f"agency-timeline-ko-{site.label}.png")


def test_vendor_starts_a_benchmark_and_sees_its_chart(page, site: Site, shots: Path):
    sign_in(page, site, "vendor")
    assert page.url.endswith("/testbed")
    page.get_by_label("Algorithms", exact=True).select_option(["ML-KEM-768"])
    page.get_by_label("Seconds per engine and algorithm").fill("0.2")
    page.get_by_role("button", name="Start a benchmark").click()
    wait_done(page, site, "vendor", 420)  # a worker starts (and imports its engines) first
    assert "succeeded" in page.locator("#job-status").inner_text()
    assert page.locator(".bench-chart svg rect").count() >= 2  # ML-KEM-768 beside its baseline
    assert "X25519" in page.locator("#records").inner_text() or page.locator("#comparisons").count()
    page.screenshot(path=shots / f"vendor-benchmark-{site.label}.png")
    page.goto(site.base + "/overview")
    assert "403" in page.locator("h1").inner_text()


def test_another_organizations_page_is_404(page, site: Site, shots: Path):
    sign_in(page, site, "daehan-bank:officer")
    theirs = site.other_org_asset("daehan-bank")
    response = page.goto(f"{site.base}/assets/{theirs}")
    assert response.status == 404
    assert "404" in page.locator("h1").inner_text()
    page.screenshot(path=shots / f"tenancy-404-{site.label}.png")


def test_admin_issues_and_revokes_a_key_and_signs_out(page, site: Site, shots: Path):
    sign_in(page, site, "admin")
    page.goto(site.base + "/admin")
    page.get_by_label("Name", exact=True).last.fill("browser-issued")
    page.get_by_role("button", name="Issue a key").click()
    secret = page.locator("#secret").inner_text()
    assert secret.startswith("pqc_")
    page.screenshot(path=shots / f"admin-key-issued-{site.label}.png")
    page.goto(site.base + "/admin")
    assert secret not in page.content()
    page.once("dialog", lambda d: d.accept())
    row = page.locator("#keys tr", has_text="browser-issued")
    row.get_by_role("button").click()
    page.wait_for_load_state()
    assert "revoked" in page.locator("#keys tr", has_text="browser-issued").inner_text()
    assert httpx.get(f"{site.base}/api/v1/assets", headers={"X-API-Key": secret}).status_code == 401
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    assert "/signin" in page.url
    page.goto(site.base + "/admin")
    assert "/signin" in page.url  # the session ended server-side


MAIN_PAGES = ["/overview", "/assets", "/imports", "/plans", "/testbed", "/audit", "/admin"]


def test_axe_finds_no_serious_or_critical_issue(browser, site: Site, axe_script: Path):
    """axe-core, injected over the DevTools protocol (bypass_csp: the pages keep their CSP
    in every other test), on the main pages in English and Korean."""
    context = browser.new_context(bypass_csp=True)
    pg = context.new_page()
    try:
        sign_in(pg, site, "admin")
        asset = site.other_org_asset("pqcplan-admin")
        found: dict[str, list[str]] = {}
        source = axe_script.read_text()
        for path in [*MAIN_PAGES, f"/assets/{asset}", "/overview?lang=ko", "/judge"]:
            pg.goto(site.base + path)
            pg.evaluate(source)
            result = pg.evaluate("async () => await axe.run(document)")
            bad = [
                f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}"
                for v in result["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            if bad:
                found[path] = bad
        assert not found, found
    finally:
        context.close()
