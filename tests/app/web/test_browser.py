"""The web console in a real browser: Debian's chromium driven by Playwright, a real uvicorn
server on loopback, on SQLite and PostgreSQL.

Each role does its job end to end, at both sizes (1440x900 and a 390x844 phone) and in both
languages: on SQLite on a phone in Korean, on PostgreSQL on a wide screen in English. On every
page of a journey the page must not scroll sideways and the keyboard focus must show (a ring
of 3:1 or more against what surrounds it). axe-core finds no serious or critical issue on any
page, error pages included, at both sizes and in both languages.

`scripts/browser.sh` installs chromium (Debian), Playwright's Python package (never its
browser download) and axe-core (npm ci from tests/app/web/package-lock.json, outside the repo).
Screenshots go to PQCPLAN_SCREENSHOTS (a temporary folder otherwise); run
`PQCPLAN_SCREENSHOTS=docs/screenshots pytest tests/app/web/test_browser.py` to refresh the
committed ones.
"""

from __future__ import annotations

import base64
import json
import os
import re
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
from inventory.models import Asset, ScanRun
from testbed.conformance import reports
from testbed.conformance.models import VendorSession
from testbed.models import Product
from tests.app.web.test_console_code_scan import SOURCE
from tests.app.web.test_console_vendor import product_answer
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

    def org_id(self, slug: str) -> int:
        with session_factory(self.db)() as s:
            return s.scalar(select(Organization.id).where(Organization.slug == slug))

    def newest(self, model: type, *where: object) -> int | None:
        with session_factory(self.db)() as s:
            return s.scalar(select(model.id).where(*where).order_by(model.id.desc()).limit(1))

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


WIDE = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
LOOKS = {"wide-en": (WIDE, "en"), "phone-ko": (PHONE, "ko")}


def look_of(site: Site) -> str:
    """Both sizes and both languages, one per database: each journey runs at both."""
    return "phone-ko" if site.label == "sqlite" else "wide-en"


@dataclass
class Visit:
    """A signed-out browser tab at one size and language, checking every page it shows."""

    page: object
    site: Site
    look: str
    shots: Path

    @property
    def lang(self) -> str:
        return LOOKS[self.look][1]

    def t(self, english: str, korean: str) -> str:
        return korean if self.lang == "ko" else english

    def go(self, path: str) -> None:
        self.page.goto(self.site.base + path)
        self.check()

    def check(self) -> None:
        """No sideways scrolling: the page is as wide as the screen at most (the screen's
        width, not innerWidth: a phone zooms out to fit a wider page, which widens it)."""
        self.page.wait_for_load_state()
        screen = LOOKS[self.look][0]["width"]
        wide, where = self.page.evaluate(
            "[document.documentElement.scrollWidth, location.pathname]"
        )
        assert wide <= screen, f"{where} is {wide} px wide on a {screen} px screen"

    def submit(self, form: str) -> None:
        self.page.locator(f"{form} button[type=submit]").first.click()
        self.check()

    def sign_in(self, who: str) -> None:
        self.page.goto(f"{self.site.base}/signin?lang={self.lang}")
        self.page.locator("#api_key").fill(self.site.keys[who])
        self.submit("form[action='/signin']")

    def shot(self, name: str) -> None:
        self.page.screenshot(path=self.shots / f"{name}-{self.look}.png", full_page=False)


@pytest.fixture
def visit(browser, site: Site, shots: Path):
    """A fresh context (no cookies) whose pages fail the test on a CSP violation or a
    request beyond pqcplan."""
    look = look_of(site)
    viewport, lang = LOOKS[look]
    context = browser.new_context(
        viewport=viewport, locale="ko-KR" if lang == "ko" else "en-US", is_mobile=lang == "ko"
    )
    pg = context.new_page()
    problems: list[str] = []
    elsewhere: list[str] = []
    pg.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: problems.append(str(e)))
    pg.on(
        "request",
        lambda r: None if r.url.startswith((site.base, "data:")) else elsewhere.append(r.url),
    )
    yield Visit(pg, site, look, shots)
    context.close()
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
    assert not elsewhere, f"requests beyond pqcplan: {elsewhere}"  # closed networks: no CDN


def wait_done(v: Visit, who: str, seconds: float = 240) -> None:
    """Job pages reload themselves (app.js) until the job ends: wait for a status without
    the running marker (across the reloads); on a timeout the message carries the job as
    the API sees it."""
    pg = v.page
    try:
        pg.wait_for_selector("#job-status:not([data-job-running])", timeout=seconds * 1000)
    except Exception:
        url = pg.url.split("#")[0]
        job_id = url.split("job=")[-1] if "job=" in url else url.split("/jobs/")[-1]
        seen = httpx.get(
            f"{v.site.base}/api/v1/jobs/{job_id}", headers={"X-API-Key": v.site.keys[who]}
        ).text
        raise AssertionError(f"job still running at {pg.url}: {seen[:600]}") from None
    v.check()


def _luminance(rgb: tuple[float, ...]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


FOCUS_JS = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  let node = el.parentElement, bg = 'rgb(255, 255, 255)';
  while (node) {
    const b = getComputedStyle(node).backgroundColor;
    if (b && b !== 'rgba(0, 0, 0, 0)' && b !== 'transparent') { bg = b; break; }
    node = node.parentElement;
  }
  return [el.tagName, style.outlineStyle, style.outlineWidth, style.outlineColor, bg];
}"""


def assert_focus_visible(v: Visit, presses: int = 6) -> None:
    """Tab through the first controls: each shows a ring of 2 px or more whose colour has
    3:1 or more against the background around it (WCAG 2.2, 1.4.11 and 2.4.7)."""
    v.page.locator("body").focus()
    for _ in range(presses):
        v.page.keyboard.press("Tab")
        tag, style, width, colour, around = v.page.evaluate(FOCUS_JS)
        assert style not in ("none", "") and float(width.rstrip("px")) >= 2, (tag, style, width)
        ring = tuple(float(x) for x in re.findall(r"[\d.]+", colour)[:3])
        bg = tuple(float(x) for x in re.findall(r"[\d.]+", around)[:3])
        assert _contrast(ring, bg) >= 3, (tag, colour, around)


def _write_cbom(tmp_path: Path) -> Path:
    from tests.app.web.test_console_officer import cbomkit_scan

    path = tmp_path / "keycloak-scan.cdx.json"
    path.write_text(json.dumps(cbomkit_scan()))
    return path


def test_officer_journey(visit: Visit, tmp_path: Path):
    v, pg = visit, visit.page
    v.sign_in("daehan-bank:officer")
    assert pg.url.endswith("/overview")
    assert_focus_visible(v)
    assert pg.locator("svg.chart").count() >= 4
    v.shot("officer-overview")
    # a bar of the status chart opens the list it counts
    pg.locator("svg.chart a[href*='quantum_status=broken']").first.click()
    v.check()
    assert "quantum_status=broken" in pg.url and pg.locator("#assets tbody tr").count() > 0
    assert int(pg.locator("#result-count .count").inner_text()) > 0
    pg.locator("#f-exposure").select_option("internet_facing")
    v.submit("form[action='/assets']")
    assert "exposure=internet_facing" in pg.url and "quantum_status=broken" in pg.url
    pg.locator("#f-sort").select_option("criticality")
    pg.locator("#f-dir").select_option("desc")
    v.submit("form[action='/assets']")
    assert "sort=criticality" in pg.url and "dir=desc" in pg.url
    assert pg.locator("#csv-download").get_attribute("href").endswith("format=csv")
    v.shot("officer-assets")
    # a code scan's CBOM: imported, found by the repository's name, its evidence read
    v.go("/imports")
    pg.locator("#import-file").set_input_files(str(_write_cbom(tmp_path)))
    v.submit("form[action='/imports']")
    wait_done(v, "daehan-bank:officer")
    pg.locator("#global-q").fill("KEYCLOAK")
    v.submit("form.search")
    pg.locator("#search-results a", has_text="keycloak/keycloak").first.click()
    v.check()
    assert pg.locator("#usages", has_text="Jwks.java:88:9").count() == 1
    v.shot("officer-asset")
    # its facts fixed in the console; the change is announced and it now breaks first
    pg.locator("#edit summary").click()
    pg.locator("#asset-exposure").select_option("internet_facing")
    pg.locator("#asset-criticality").select_option("critical")
    pg.locator("#asset-secrecy_years").fill("15")
    pg.locator("#asset-owner").fill("IAM team")
    v.submit("form[action^='/assets/']")
    assert pg.locator("#flash").is_visible()
    v.go("/overview")
    assert pg.locator("#breaks-first", has_text="keycloak/keycloak").count() == 1
    pg.locator("#see-all-broken").click()
    v.check()
    # a scan scope added in the console
    v.go("/scans")
    pg.locator("#scope-value").fill("192.0.2.0/24")
    v.submit("form[action='/scans/scopes']")
    assert pg.locator("#scopes", has_text="192.0.2.0/24").count() == 1
    assert pg.locator("#flash").is_visible()


def test_agency_journey(visit: Visit):
    v, pg = visit, visit.page
    v.sign_in("mois:officer")
    v.go("/plans")
    pg.locator("#plan-profile").select_option("kr-2035")
    pg.locator("#plan-name").fill("national master plan")
    pg.locator("#plan-capacity").fill("4")
    v.submit("form[action='/plans']")
    wait_done(v, "mois:officer")
    pg.locator("a[href*='/versions/1']").first.click()
    v.check()
    assert pg.locator("#timeline svg rect").count() > 0
    assert pg.locator("#deadlines tbody tr").count() >= 1
    assert int(pg.locator("#task-count").inner_text()) > 0
    v.shot("agency-timeline")
    # the task list: searched, then a task's status saved and the save announced
    first = pg.locator("#tasks tbody tr").first
    asset = first.locator("td").nth(1).locator("a").inner_text()
    pg.locator("#t-q").fill(asset[:6])
    v.submit("form[role='search'][action*='/versions/']")
    assert all(
        asset[:6].lower() in r.lower()
        for r in pg.locator("#tasks tbody tr td:nth-child(2)").all_inner_texts()
    )
    row = pg.locator("#tasks tbody tr").first
    row.locator("select").select_option("in_progress")
    row.locator("button[type=submit]").click()
    v.check()
    assert pg.locator("#flash").is_visible()
    assert pg.locator("#tasks tbody tr").first.locator("select").input_value() == "in_progress"
    v.shot("agency-tasks")
    at_risk = pg.locator("#blocked a[href*='at=']")
    if at_risk.count():  # a task far down the list is reached
        target = at_risk.last.get_attribute("href").split("#task-")[1]
        at_risk.last.click()
        v.check()
        assert pg.locator(f"#task-{target}").count() == 1
    # a new version from the current inventory, compared with the first
    plan_url = pg.url.split("/versions/")[0]
    v.go(plan_url.removeprefix(v.site.base))
    v.submit("form[action$='/versions']")
    v.go(plan_url.removeprefix(v.site.base))
    v.submit("form[action$='/compare']")
    assert pg.locator("#n-added").count() == 1


def test_vendor_journey(visit: Visit, tmp_path: Path):
    v, pg = visit, visit.page
    v.sign_in("vendor")
    assert pg.url.endswith("/testbed")
    pg.locator("#product-name").fill("VPN gateway")
    pg.locator("#product-version").fill("3.1")
    pg.locator("#product-algorithms").fill("ML-KEM-768")
    v.submit("form[action='/testbed/products']")
    assert pg.locator("#flash").is_visible()
    v.go("/testbed")
    pg.locator("#b-alg").select_option(["ML-KEM-768"])
    pg.locator("#benchmark-time_budget_s").fill("0.2")
    pg.locator("#benchmark-product_id").select_option(label="VPN gateway 3.1")
    v.submit("form[action='/testbed/benchmarks']")
    wait_done(v, "vendor", 420)  # on PostgreSQL a worker starts (and imports its engines)
    assert pg.locator(".bench-chart svg rect").count() >= 2  # ML-KEM-768 beside its baseline
    v.shot("vendor-benchmark")
    with pg.expect_download() as got:  # the measurements, kept
        pg.locator("#run-downloads a", has_text="CSV").click()
    assert Path(got.value.path()).read_bytes().startswith("\ufeff".encode())
    # the product's conformance session: opened, its challenge answered by the product's
    # own ML-KEM (PQClean), the answer file uploaded, the graded result and signed report
    pg.locator("#run-product").click()
    v.check()
    assert pg.locator("#product-benchmarks tbody td:first-child a").count() == 1
    pg.locator("#session-check").select_option("kem_sender")
    v.submit("form[action$='/sessions']")
    assert pg.locator("#flash").is_visible()
    with pg.expect_download() as got:
        pg.locator("#challenge-download").click()
    session = json.loads(Path(got.value.path()).read_text())
    answer = tmp_path / "answer.json"
    answer.write_text(json.dumps(product_answer(session["challenge"])))
    pg.locator("#answer-file").set_input_files(str(answer))
    v.submit("form[action$='/answer']")
    assert pg.locator("#verdict").inner_text() == v.t("Passed", "합격")
    assert pg.locator("#cases tbody tr").count() == len(session["challenge"]["items"])
    v.shot("vendor-session")
    with pg.expect_download() as got:
        pg.locator("#report-download").click()
    key = httpx.get(f"{v.site.base}/api/v1/testbed/report-key").json()["public_key"]
    signed = Path(got.value.path()).read_bytes()
    assert reports.verify_bytes(signed, base64.b64decode(key)).ok
    response = pg.goto(v.site.base + "/overview")
    assert response.status == 403 and pg.locator("h1", has_text="403").count() == 1
    v.check()


def test_officer_code_scan_and_sector_journey(visit: Visit, tmp_path: Path):
    """A source tree scanned from the console (its directory opened to scans by an
    administrator, as only they may), its findings read with file and line; then the
    sector check: a target declared absent, a step of the adoption procedure saved."""
    v, pg = visit, visit.page
    tree = tmp_path / "billing"
    tree.mkdir()
    (tree / "keys.py").write_text(SOURCE)
    org_id = v.site.org_id("daehan-bank")
    made = httpx.post(
        f"{v.site.base}/api/v1/scan-scopes?organization_id={org_id}",
        json={"kind": "path", "value": str(tree)},
        headers={"X-API-Key": v.site.keys["admin"]},
    )
    assert made.status_code == 201, made.text
    v.sign_in("daehan-bank:officer")
    v.go("/scans")
    pg.locator("#scan-kind").select_option("code")
    pg.locator("#scan-targets").fill(str(tree))
    pg.locator("#scan-name").fill("billing service")
    v.submit("form[action='/scans']")
    wait_done(v, "daehan-bank:officer")
    pg.locator("main a[href^='/scans/']").first.click()
    v.check()
    row = pg.locator("#code-findings tbody tr", has_text="keys.py:5")
    assert row.count() == 1 and "RSA-2048" in row.inner_text()
    v.shot("officer-code-scan")
    v.go("/sector")
    target = pg.locator("#targets tr:has(td.state-not_found) td code").first.inner_text()
    pg.locator("#absence-target").select_option(target)
    pg.locator("#absence-reason").fill(v.t("no such system here", "해당 시스템 없음"))
    v.submit("form[action='/sector/absences']")
    assert pg.locator("#flash").is_visible()
    assert pg.locator(f"#target-{target.replace('/', '-')} button.danger").count() == 1
    v.shot("officer-sector")
    v.go("/procedure")
    step = pg.locator("main details").first
    step.locator("summary").click()
    step.locator("select[name=status]").select_option("in_progress")
    step.locator("button[type=submit]").first.click()
    v.check()
    assert pg.locator("#flash").is_visible()


def test_auditor_journey(visit: Visit):
    """Everything readable, nothing writable, another organization's row a 404."""
    v, pg = visit, visit.page
    v.sign_in("daehan-bank:auditor")
    for path in ("/overview", "/assets", "/imports", "/scans", "/plans", "/audit", "/testbed"):
        v.go(path)
        assert pg.locator("main form[method=post]").count() == 0, path
    pg.locator("#global-q").fill("rsa")
    v.submit("form.search")
    pg.locator("#search-results a[href^='/assets/']").first.click()
    v.check()
    assert pg.locator("#usages tbody tr").count() > 0 and pg.locator("#edit").count() == 0
    v.go("/audit")
    v.shot("auditor-audit")
    theirs = v.site.other_org_asset("daehan-bank")
    response = pg.goto(f"{v.site.base}/assets/{theirs}")
    assert response.status == 404 and pg.locator("h1", has_text="404").count() == 1
    v.check()


def test_admin_journey(visit: Visit):
    v, pg = visit, visit.page
    pg.context.grant_permissions(["clipboard-read", "clipboard-write"])
    v.sign_in("admin")
    v.go("/admin")
    pg.locator("#keys tr", has_text="demo admin").wait_for()
    assert pg.locator("#keys tr", has_text="demo admin").locator("button").count() == 0
    pg.locator("details:has(#org-slug) summary").click()
    pg.locator("#org-slug").fill("regional-office")
    pg.locator("#org-name").fill("Regional Office")
    v.submit("form[action='/admin/organizations']")
    assert pg.locator("#orgs", has_text="Regional Office").count() == 1
    pg.locator("details:has(#key-name) summary").click()
    pg.locator("#key-organization_id").select_option(label="Regional Office (regional-office)")
    pg.locator("#key-name").fill("browser-issued")
    v.submit("form[action='/admin/keys']")
    secret = pg.locator("#secret").inner_text()
    assert secret.startswith("pqc_")
    pg.locator("#copy-secret").click()
    pg.locator("#copy-status").wait_for()
    assert pg.locator("#copy-status").inner_text()
    v.shot("admin-key-issued")
    pg.reload()  # a reload issues nothing and shows the secret no more
    v.check()
    assert pg.locator("#secret-gone").is_visible() and secret not in pg.content()
    v.go("/admin")
    assert pg.locator("#keys tr", has_text="browser-issued").count() == 1
    pg.once("dialog", lambda d: d.accept())
    pg.locator("#keys tr", has_text="browser-issued").locator("button").click()
    v.check()
    assert pg.locator("#flash").is_visible()
    assert (
        httpx.get(f"{v.site.base}/api/v1/assets", headers={"X-API-Key": secret}).status_code == 401
    )
    v.submit("form[action='/signout']")
    assert "/signin" in pg.url
    pg.goto(v.site.base + "/admin")
    assert "/signin" in pg.url  # the session ended server-side


def _plan_for_pages(site: Site) -> str:
    """A plan version made through the API, so the crawl has a timeline to read."""
    headers = {"X-API-Key": site.keys["mois:officer"]}
    made = httpx.post(
        f"{site.base}/api/v1/plans", json={"profile": "kr-2035"}, headers=headers, timeout=120
    )
    assert made.status_code == 201, made.text
    return f"/plans/{made.json()['id']}"


def test_every_page_has_no_serious_accessibility_issue_and_fits_a_phone(
    browser, site: Site, axe_script: Path
):
    """axe-core, injected over the DevTools protocol (bypass_csp: the pages keep their CSP
    in every other test), on every page and error page, at both sizes and in both languages,
    on both databases' sites."""
    plan = _plan_for_pages(site)
    asset = site.other_org_asset("national-pqc-office")
    pages = [
        "/overview", "/overview/breaks-first", "/assets", "/assets?sort=name&cols=id&cols=name",
        f"/assets/{asset}", "/search?q=rsa", "/imports", "/scans", "/plans", plan,
        f"{plan}/versions/1", f"{plan}/versions/1?flagged=1",
        "/judge?profile=kr-2035&profile=us-nist-ir8547",
        "/testbed", "/testbed/report-key", "/admin", "/audit", "/no/such/page",
        "/assets?exposure=orbit", "/sector", "/procedure", "/reporting", "/supervision",
    ]  # fmt: skip
    # the journeys' own pages, when they ran first (a vendor session, a source scan)
    session = site.newest(VendorSession)
    code_scan = site.newest(ScanRun, ScanRun.kind == "code")
    product = site.newest(Product)
    pages += [f"/testbed/products/{product}"] if product else []
    pages += [f"/testbed/sessions/{session}"] if session else []
    pages += [f"/scans/{code_scan}"] if code_scan else []
    source = axe_script.read_text()
    found: dict[str, list[str]] = {}
    for look, (viewport, lang) in LOOKS.items():
        context = browser.new_context(bypass_csp=True, viewport=viewport)
        pg = context.new_page()
        v = Visit(pg, site, look, Path("."))
        try:
            v.page.goto(f"{site.base}/signin?lang={lang}")
            for who, paths in (
                ("signed out", ["/signin"]),
                ("admin", pages),
                ("vendor", ["/overview"]),
            ):
                if who != "signed out":
                    v.sign_in(who)
                for path in paths:
                    pg.goto(site.base + path)
                    v.check()
                    pg.evaluate(source)
                    result = pg.evaluate(
                        "async () => await axe.run(document, {resultTypes: ['violations']})"
                    )
                    bad = [
                        f"{x['id']} ({x['impact']}): {x['nodes'][0]['target']}"
                        for x in result["violations"]
                        if x["impact"] in ("serious", "critical")
                    ]
                    if bad:
                        found[f"{look} {path}"] = bad
        finally:
            context.close()
    assert not found, "\n".join(f"{page}: {bad}" for page, bad in found.items())
