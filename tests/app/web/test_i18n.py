"""Korean everywhere a person reads. Every page of the console is rendered in Korean on the
demo inventory (with a plan, an import, a scan, a product and a key made through the
console), and every word a person reads is checked: text, labels, chart text, tooltips and
confirmations. A word of English letters fails the test unless it is a name from the data
(assets, organizations, products, keys, references, evidence), an algorithm identifier of
the catalog, an acronym (CBOM, TLS), or inside an element marked `translate="no"` (code,
JSON, file paths, a service's own message). The catalogs are complete, written in the
syllables the shipped font holds, and the Korean font loads only on Korean pages."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import shutil
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pqcrypto.kem import ml_kem_768 as kem
from sqlalchemy import select

from app.api.main import create_app
from app.settings import Settings
from app.web import i18n
from core.models import ApiKey, Organization
from inventory.catalog import get_catalog
from inventory.demo import load_demo
from inventory.models import Asset, CryptoUsage, ScanRun
from migration.models import Plan, PlanTask, PlanVersion
from migration.profiles import builtin_profiles
from migration.sectors.loader import builtin_catalogs
from testbed.models import Product
from tests.app.web.test_console_officer import cbomkit_scan
from tests.app.web.test_console_vendor import product_answer
from tests.app.web.test_web_flows import _wait_job

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
WORD = re.compile(r"[A-Za-z][A-Za-z\u2019']+")
READ_ATTRIBUTES = ("aria-label", "title", "placeholder", "data-confirm", "alt", "data-copied")
SKIPPED = {"script", "style", "code", "pre"}
# words that are not English to translate: the product's name, units, file names, and
# protocol names as their standards spell them (IKEv2 reads as "IKEv" here), an attack's
# name, Korea's PQC competition (KpqC) and the KDF combiners BSI TR-02102 names
ALLOWED = {"pqcplan", "IoT", "µs", "report", "json", "CycloneDX", "IKEv", "IPsec", "eUICC",
           "SHAttered", "KpqC", "CatKDF", "KeyCombine"}  # fmt: skip
# pages whose text comes partly from the sector catalogs and procedures: nothing on them may
# be English by declaration (lang="en") except the sources' titles (translate="no")
CATALOG_PAGES = ("/sector", "/procedure", "/reporting", "/supervision")


class _Reader(HTMLParser):
    """The words a person reads: text outside code, JSON and `translate="no"`, and the
    attributes that are read aloud or shown (labels, tooltips, confirmations)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # per open element: is its text skipped?
        self.read: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        skipped = (
            (self.stack[-1] if self.stack else False)
            or tag in SKIPPED
            or named.get("translate") == "no"
            or named.get("lang", "ko") != "ko"  # declared another language: "English"
        )
        if tag not in ("br", "input", "meta", "link", "img", "hr", "rect", "line", "path"):
            self.stack.append(skipped)
        if not skipped:
            self.read += [v for k, v in attrs if k in READ_ATTRIBUTES and v]
            if tag == "input" and named.get("type") in ("submit", "button"):
                self.read.append(named.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if self.stack and tag not in ("br", "input", "meta", "link", "img", "hr"):
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1]):
            self.read.append(data)


class _DeclaredEnglish(HTMLParser):
    """Elements declared English (`lang="en"`) that are neither a document's name kept as
    written (`translate="no"`) nor a language's own name in a language choice (the switch's
    link with `hreflang`, a report language's option with `value="en"`)."""

    def __init__(self, kept: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.kept = kept  # count what is kept as written (translate="no") too
        self.open: list[str] = []  # text of each declared element still open, by depth
        self.depth: list[bool] = []
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        declared = (
            named.get("lang") == "en"
            and (self.kept or named.get("translate") != "no")
            and "hreflang" not in named
            and named.get("value") != "en"
        )
        if tag in ("br", "input", "meta", "link", "img", "hr"):
            return
        self.depth.append(declared)
        if declared:
            self.open.append(f"<{tag}> ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("br", "input", "meta", "link", "img", "hr") or not self.depth:
            return
        if self.depth.pop():
            self.found.append(self.open.pop().strip())

    def handle_data(self, data: str) -> None:
        if self.open:
            self.open[-1] += data


def declared_english(html: str, kept: bool = False) -> list[str]:
    reader = _DeclaredEnglish(kept)
    reader.feed(html)
    return reader.found


def english_words(html: str, names: set[str]) -> set[str]:
    reader = _Reader()
    reader.feed(html)
    return english_in(reader.read, names)


def english_in(texts: Iterable[str], names: set[str]) -> set[str]:
    """The English words of plain texts (cells, sentences, Markdown): what is neither a
    name, an acronym, nor an allowed word."""
    found = set()
    for text in texts:
        for match in WORD.finditer(text):
            word = match.group(0)
            if word.isupper() or word in names or word in ALLOWED:
                continue
            cut = text[match.end() : match.end() + 1] == "…"  # a name cut short in a chart
            if cut and any(n.startswith(word) for n in names):
                continue
            found.add(word)
    return found


def _words(values: object) -> set[str]:
    out: set[str] = set()
    for value in values:  # type: ignore[attr-defined]
        if value:
            out |= set(WORD.findall(str(value)))
    return out


@pytest.fixture(scope="module")
def demo(tmp_path_factory, sqlite_template) -> dict:
    """The demo inventory on SQLite, with what the console makes added through it."""
    path = tmp_path_factory.mktemp("i18n") / "demo.sqlite3"
    shutil.copy(sqlite_template, path)
    app = create_app(Settings(database_url=f"sqlite:///{path}"))
    with app.state.sessionmaker.begin() as s:
        keys = load_demo(s).keys
    with TestClient(app) as client:
        yield {"client": client, "keys": keys, "app": app}


def _sign_in(client: TestClient, secret: str) -> str:
    client.cookies.clear()
    token = CSRF.search(client.get("/signin").text).group(1)
    done = client.post("/signin", data={"api_key": secret, "csrf": token}, follow_redirects=False)
    assert done.status_code == 303
    return CSRF.search(client.get(done.headers["location"]).text).group(1)


def _pages(demo: dict) -> tuple[list[tuple[str, str]], set[str]]:
    """(who, path) of every page, after making through the console what they show."""
    client, keys, app = demo["client"], demo["keys"], demo["app"]
    officer = (
        keys["mois:officer"]
        if "mois:officer" in keys
        else next(v for k, v in keys.items() if k.endswith(":officer"))
    )
    csrf = _sign_in(client, officer)
    upload = client.post(
        "/imports",
        data={"csrf": csrf, "kind": "cbom"},
        files={"file": ("scan.cdx.json", json.dumps(cbomkit_scan()).encode(), "application/json")},
        follow_redirects=False,
    )
    import_job = upload.headers["location"]
    _wait_job(client, import_job)
    bad = client.post(
        "/imports",
        data={"csrf": csrf, "kind": "cbom"},
        files={"file": ("bad.json", b'{"bomFormat": "CycloneDX", "specVersion": "1.6", '
                                    b'"components": [{"type": 7}]}', "application/json")},
        follow_redirects=False,
    )  # fmt: skip
    failed_job = bad.headers["location"]
    _wait_job(client, failed_job)
    plan = client.post(
        "/plans", data={"csrf": csrf, "profile": "kr-2035", "capacity": "5"},
        follow_redirects=False,
    )  # fmt: skip
    plan_job = plan.headers["location"]
    _wait_job(client, plan_job)
    client.post("/scans/scopes", data={"csrf": csrf, "value": "127.0.0.1/32"})
    scan = client.post(
        "/scans", data={"csrf": csrf, "kind": "tls", "targets": "127.0.0.1:1"},
        follow_redirects=False,
    )  # fmt: skip
    scan_job = scan.headers["location"]
    _wait_job(client, scan_job)
    with app.state.sessionmaker() as s:
        plan_row = s.scalars(select(Plan).order_by(Plan.id.desc())).first()
        client.post(f"/plans/{plan_row.id}/versions", data={"csrf": csrf})
        org_id = plan_row.organization_id
        some_assets = list(
            s.scalars(select(Asset.id).where(Asset.organization_id == org_id).limit(3))
        )
        cbom_asset = s.scalar(select(Asset.id).where(Asset.name.like("keycloak%")))
        scan_id = s.scalar(select(ScanRun.id))
    version = f"/plans/{plan_row.id}/versions/1"
    officer_pages = [
        "/overview", "/overview/breaks-first", "/assets", "/assets?sort=criticality&dir=desc",
        "/assets?algorithm=rsa&quantum_status=broken", f"/assets/{cbom_asset}",
        *(f"/assets/{a}" for a in some_assets), "/search?q=rsa", "/search?q=keycloak",
        "/imports", import_job, failed_job, plan_job, scan_job, "/scans", f"/scans/{scan_id}",
        "/plans", f"/plans/{plan_row.id}", version, f"{version}?flagged=1&sort=deadline",
        f"/plans/{plan_row.id}/compare?from=1&to=2",
        "/judge?profile=kr-2035&profile=us-nist-ir8547&profile=au-asd-2030",
        "/testbed", "/testbed/report-key", "/audit", "/no/such/page", "/assets?exposure=orbit",
    ]  # fmt: skip
    pages = [(officer, p) for p in officer_pages]
    admin_csrf = _sign_in(client, keys["admin"])
    issued = client.post(
        "/admin/keys",
        data={"csrf": admin_csrf, "organization_id": str(org_id), "role": "auditor",
              "name": "translated"},
        follow_redirects=False,
    )  # fmt: skip
    vendor_csrf = _sign_in(client, keys["vendor"])
    client.post(
        "/testbed/products",
        data={"csrf": vendor_csrf, "name": "VPN box", "version": "2", "algorithms": "ML-KEM-768"},
    )
    with app.state.sessionmaker() as s:
        product = s.scalar(select(Product.id))
    opened = client.post(
        f"/testbed/products/{product}/sessions",
        data={"csrf": vendor_csrf, "algorithm": "ML-KEM-768", "check": "kem_sender"},
        follow_redirects=False,
    )
    session_page = opened.headers["location"]
    challenge = client.get(f"{session_page}/challenge.json").json()["challenge"]
    client.post(
        f"{session_page}/answer",
        data={"csrf": vendor_csrf},
        files={"file": ("a.json", json.dumps(product_answer(challenge)).encode(), "text/json")},
    )
    sloppy = client.post(
        f"/testbed/products/{product}/sessions",
        data={"csrf": vendor_csrf, "algorithm": "ML-KEM-768", "check": "kem_sender"},
        follow_redirects=False,
    ).headers["location"]
    challenge = client.get(f"{sloppy}/challenge.json").json()["challenge"]
    graded = client.post(
        f"{sloppy}/answer",
        data={"csrf": vendor_csrf},
        files={"file": ("a.json", json.dumps(sloppy_answer(challenge)).encode(), "text/json")},
    )
    assert 'id="verdict"' in graded.text, "the sloppy answer is graded"
    pages += [(keys["admin"], "/admin"), (keys["admin"], issued.headers["location"])]
    pages += [(keys["vendor"], "/testbed"), (keys["vendor"], f"/testbed/products/{product}")]
    pages += [(keys["vendor"], session_page), (keys["vendor"], sloppy)]
    pages += [(officer, p) for p in ("/sector", "/procedure", "/reporting", "/supervision")]
    pages += [(keys["vendor"], "/overview")]  # 403
    return pages, _names(app)


def _names(app) -> set[str]:
    """Names from the data (assets, organizations, products, keys...) and the catalog's
    algorithm identifiers: words a Korean page shows as written."""
    with app.state.sessionmaker() as s:
        names = _words(s.scalars(select(Asset.name)))
        for column in (Asset.ref, Asset.owner, Asset.location, Asset.description):
            names |= _words(s.scalars(select(column)))
        for column in (
            CryptoUsage.algorithm, CryptoUsage.algorithm_raw, CryptoUsage.library,
            CryptoUsage.protocol, CryptoUsage.evidence, CryptoUsage.ref,
        ):  # fmt: skip
            names |= _words(s.scalars(select(column).distinct()))
        for column in (
            Organization.name, Organization.slug, ApiKey.name, Plan.name, Product.name,
            PlanVersion.created_by,
        ):  # fmt: skip
            names |= _words(s.scalars(select(column)))
    catalog = get_catalog()
    names |= _words(catalog.names())
    names |= _words(catalog.get(n).family for n in catalog.names())  # EdDSA, Dilithium...
    names |= _words(builtin_profiles())  # identifiers: kr-2035, us-nist-ir8547
    return names


def sloppy_answer(challenge: dict) -> dict:
    """A sender with every fault the grader names: it encapsulates to a malformed key,
    refuses a valid one, answers a secret its ciphertext does not give, and repeats a
    ciphertext; the rest is sound."""
    answer = product_answer(challenge)["items"]
    ids = [item["id"] for item in challenge["items"]]
    valid = [i for i in ids if "ciphertext" in answer[i]]  # the sound sender encapsulated
    malformed = [i for i in ids if "ciphertext" not in answer[i]]
    answer[malformed[0]] = {
        "ciphertext": base64.b64encode(bytes(kem.CIPHERTEXT_SIZE)).decode(),
        "shared_secret": base64.b64encode(bytes(32)).decode(),
    }
    answer[valid[0]] = {"rejected": True}
    answer[valid[1]] = {**answer[valid[1]], "shared_secret": base64.b64encode(bytes(32)).decode()}
    groups: dict[str, list[str]] = {}
    for item in challenge["items"]:
        if item["id"] in valid[2:]:
            groups.setdefault(item["encapsulation_key"], []).append(item["id"])
    first, again = next(same for same in groups.values() if len(same) > 1)[:2]
    answer[again] = dict(answer[first])  # the same ciphertext for the same key
    return {"items": answer}


def test_every_page_in_korean_reads_korean_outside_names_and_identifiers(demo):
    pages, names = _pages(demo)
    client = demo["client"]
    english: dict[str, set[str]] = {}
    current = None
    for secret, path in pages:
        if secret != current:
            _sign_in(client, secret)
            current = secret
        answer = client.get(path, params={"lang": "ko"}, headers={"Accept": "text/html"})
        assert answer.headers["content-type"].startswith("text/html"), path
        found = english_words(answer.text, names)
        if path.startswith(CATALOG_PAGES):
            found |= {f"lang=en {text[:60]}" for text in declared_english(answer.text)}
        if path.startswith("/testbed/sessions/"):  # graded cases: read in Korean, all of them
            found |= {f"lang=en {t[:60]}" for t in declared_english(answer.text, kept=True)}
        if found:
            english[path] = found
    client.cookies.clear()
    for path in ("/signin", "/no/such/page"):  # signed out
        found = english_words(
            client.get(path, params={"lang": "ko"}, headers={"Accept": "text/html"}).text, names
        )
        if found:
            english[f"signed out {path}"] = found
    assert not english, "\n".join(f"{p}: {sorted(w)}" for p, w in english.items())


def test_the_checker_finds_english_where_it_is():
    names = {"Keycloak"}
    page = (
        '<p>자산 Keycloak</p><p title="Save now">저장</p><code>RSA-2048 x.java</code>'
        '<span translate="no">InputError: bad</span><svg><text>Effort per wave</text></svg>'
    )
    assert english_words(page, names) == {"Save", "now", "Effort", "per", "wave"}
    marked = (
        '<p lang="en">Why it matters</p><li lang="en" translate="no">NIST IR 8547</li>'
        '<a lang="en" hreflang="en" href="?lang=en">English</a>'
        '<option lang="en" value="en">English</option><span lang="en">Ask<br>it</span>'
    )
    assert english_words(marked, set()) == set()  # declared English is not read as Korean...
    assert declared_english(marked) == ["<p> Why it matters", "<span> Askit"]  # ...but seen


def test_the_catalogs_are_complete_and_within_the_shipped_font():
    assert i18n.untranslated("ko") == []
    from babel.messages.pofile import read_po

    outside = set()
    for po in (i18n.core_po("ko"), i18n.web_po("ko")):
        with po.open("rb") as fh:
            for message in read_po(fh, locale="ko"):
                for ch in message.string or "":
                    if "\uac00" <= ch <= "\ud7a3":
                        try:  # the font holds the syllables of KS X 1001 (EUC-KR)
                            ch.encode("euc_kr")
                        except UnicodeEncodeError:
                            outside.add(ch)
    assert not outside


def test_the_korean_font_is_linked_on_korean_pages_only(demo):
    client = demo["client"]
    english = client.get("/signin?lang=en").text
    korean = client.get("/signin?lang=ko").text
    assert "/static/web/ko.css" not in english and "/static/web/ko.css" in korean
    css = client.get("/static/web/ko.css").text
    assert "noto-sans-kr-ksx1001-400.woff2" in css and "noto-sans-kr-ksx1001-700.woff2" in css
    for font in ("noto-sans-kr-ksx1001-400", "noto-sans-kr-ksx1001-700"):
        assert client.get(f"/static/web/fonts/{font}.woff2").status_code == 200
    # English pages name Korean once (the language switch), from a font of three glyphs
    app_css = client.get("/static/web/app.css").text
    assert "noto-sans-kr-language-name.woff2" in app_css and "ksx1001" not in app_css
    size = Path(i18n.HERE / "static/fonts/noto-sans-kr-language-name.woff2").stat().st_size
    assert size < 2000


def test_the_asset_csv_is_korean_with_a_byte_order_mark(demo):
    client = demo["client"]
    officer = next(v for k, v in demo["keys"].items() if k.endswith(":officer"))
    _sign_in(client, officer)
    got = client.get("/assets?format=csv&lang=ko&cols=name&cols=exposure")
    assert got.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert rows[0] == ["이름", "노출 범위"]
    assert {r[1] for r in rows[1:]} <= {"인터넷 노출", "내부", "격리"}


def _identifiers(demo: dict) -> set[str]:
    """Names and identifiers a Korean export keeps as written: assets, algorithms, plans,
    task keys, the profiles' rule and source ids, sector target keys."""
    names = set()
    with demo["app"].state.sessionmaker() as s:
        for column in (
            Asset.name, CryptoUsage.algorithm, Plan.name, PlanTask.key, PlanTask.deadline_rule,
            PlanTask.deadline_source, PlanTask.target,
        ):  # fmt: skip
            names |= _words(s.scalars(select(column).distinct()))
    names |= _words(get_catalog().names()) | _words(builtin_profiles())
    for catalog in builtin_catalogs().values():
        names |= _words(catalog.key(t) for t in catalog.targets)
    return names


def _script_json(html: str, element_id: str) -> list:
    found = re.search(f'<script type="application/json" id="{element_id}">(.*?)</script>', html)
    return json.loads(found.group(1))


def test_exports_downloaded_from_a_korean_page_are_korean(demo):
    """Every word of the plan's exports in Korean: the HTML page and the reasons its rows
    show on hover, the Markdown, the CSV (with a byte-order mark) and the JSON's sentences
    (reasons and the risk parts' reasons), and the task list's own CSV."""
    client = demo["client"]
    officer = next(v for k, v in demo["keys"].items() if k.endswith(":officer"))
    csrf = _sign_in(client, officer)
    plan = client.post("/plans", data={"csrf": csrf, "profile": "kr-2035"}, follow_redirects=False)
    page = _wait_job(client, plan.headers["location"])
    version = re.search(r'href="(/plans/\d+/versions/\d+)"', page).group(1)
    names = _identifiers(demo)
    english: dict[str, set[str]] = {}
    html = client.get(f"{version}/export?format=html&lang=ko")
    assert html.status_code == 200 and "<html lang=ko>" in html.text
    english["html"] = english_words(html.text, names)
    reasons = _script_json(html.text, "plan-reasons")  # each row's tooltip
    assert len(reasons) > 20
    english["html reasons"] = english_in(reasons, names)
    markdown = client.get(f"{version}/export?format=md&lang=ko").text
    assert markdown.startswith("# 전환 계획: kr-2035") and "## 단계별 진행률" in markdown
    english["md"] = english_in([markdown.replace("\\", "")], names)
    data = client.get(f"{version}/export?format=csv&lang=ko").content
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["웨이브", "단계", "자산", "부문"]
    english["csv"] = english_in([cell for row in rows for cell in row], names)
    doc = client.get(f"{version}/export?format=json&lang=ko").json()
    assert doc["tasks"][0]["phase"] in {p.id for p in builtin_profiles()["kr-2035"].phases}
    english["json reasons"] = english_in(doc["reasons"], names)
    english["json risk parts"] = english_in([p["reason"] for p in doc["risk_parts"]], names)
    tasks = client.get(f"{version}?format=csv&lang=ko").content
    assert tasks.startswith("\ufeff".encode())
    cells = [c for row in csv.reader(io.StringIO(tasks.decode("utf-8-sig"))) for c in row]
    english["task list csv"] = english_in(cells, names)
    english = {k: v for k, v in english.items() if v}
    assert not english, "\n".join(f"{k}: {sorted(v)}" for k, v in english.items())
    machine = client.get(f"{version}/export?format=csv&lang=en").content
    assert machine.startswith(b"wave_label,phase,asset_name,sector")  # machine names, no BOM
    english_json = client.get(f"{version}/export?format=json").json()
    assert english_json["reasons"][0].startswith("target ")  # English by default


def test_every_import_warning_reads_back_in_korean():
    """Each warning template of the CBOM import, written as the import writes it (with a
    repeat count or not), is read back by the same templates and shown in Korean: only the
    JSON path and the values quoted from the file stay as written."""
    import string

    from inventory.exchange.cbom_import import notes

    for template in notes.MESSAGES:
        fields = {f: "7" for _, f, _, _ in string.Formatter().parse(template) if f}
        fields |= {"what": "algorithm"} if "what" in fields else {}
        message = template.format(**fields)
        for more in (0, 2):
            line = (notes.LINE_MORE if more else notes.LINE).format(
                path="$.components[3].cryptoProperties", message=message, more=more
            )
            found = notes.read_warning(line)
            assert found is not None and found.template == template, line
            korean = notes.warning_in(line, "ko")
            words = english_in([korean.replace("$.components[3].cryptoProperties", "")], set())
            # identifiers of CycloneDX kept as written: fields (bom-ref), a path, a relation
            allowed = {"CycloneDX", "cryptoProperties", "bom", "ref", "metadata", "component"}
            assert words <= allowed | {"provides'"}
            assert ("같은 경고 2건 더" in korean) == bool(more)
    assert notes.warning_in("$.x: something new", "ko") == "$.x: something new"  # as written
    csv_line = notes.CSV_UNKNOWN.format(line=12, algorithm="FOO-9")  # the CSV import's one
    assert notes.warning_in(csv_line, "ko") == (
        "12행: 카탈로그에 없는 알고리즘 'FOO-9', 그대로 저장하고 '알 수 없음'으로 표시함"
    )


# --- refusals: what the service says when a form's input is wrong --------------------------

SHOWN_ERROR = re.compile(
    r'<(p|span) [^>]*id="(?:[\w-]+-problem|error-message|job-error|[\w-]+-error)"[^>]*>(.*?)</\1>',
    re.S,
)
HANGUL = re.compile("[\uac00-\ud7a3]")


def _shown_errors(html: str) -> list[str]:
    """The text of every problem a page shows (a form's, an error page's, a failed job's)."""
    return [re.sub(r"<[^>]+>", "", inner) for _, inner in SHOWN_ERROR.findall(html)]


def _refused_forms(demo: dict) -> list[tuple[str, int, str, str]]:
    """(what, status, page, a value the problem quotes) for each form sent with bad input in
    Korean: imports (CSV and CBOM, failing in their job with a located problem), asset edit,
    scope add (bad and twice), scan outside the scopes and with a bad port, plan generation,
    key issue, and a vendor's answer file with a malformed member."""
    client, keys, app = demo["client"], demo["keys"], demo["app"]
    officer = next(v for k, v in keys.items() if k.endswith(":officer"))
    out: list[tuple[str, int, str, str]] = []

    def korean(secret: str) -> str:
        csrf = _sign_in(client, secret)
        client.cookies.set(i18n.COOKIE, "ko")
        return csrf

    def post(what: str, path: str, expect: str, files=None, **data: str) -> None:
        got = client.post(path, data={"csrf": csrf, **data}, files=files, follow_redirects=False)
        out.append((what, got.status_code, got.text, expect))

    def imported(what: str, kind: str, name: str, body: bytes, expect: str) -> None:
        sent = client.post(
            "/imports", data={"csrf": csrf, "kind": kind}, files={"file": (name, body)},
            follow_redirects=False,
        )  # fmt: skip
        assert sent.status_code == 303, (what, sent.text[:300])
        _wait_job(client, sent.headers["location"])
        page = client.get(sent.headers["location"])
        out.append((what, 422 if 'id="job-error"' in page.text else 200, page.text, expect))

    csrf = korean(officer)
    imported("CSV, a cell outside its choices", "csv", "a.csv",
             b"asset_name,asset_type,exposure\nbox,service,orbit\n", "isolated")  # fmt: skip
    imported("CSV, an unknown dependency", "csv", "b.csv",
             b"asset_name,asset_type,asset_ref,depends_on\nbox,service,box-1,ghost-9\n",
             "ghost-9")  # fmt: skip
    two_lines = b'asset_name,asset_type,exposure\n"two\nlines",service,orbit\n'
    imported("CSV, a row over two lines", "csv", "c.csv", two_lines, "isolated")
    imported("CSV, unknown columns", "csv", "d.csv", b"asset_name,asset_type,colour\nx,host,red\n",
             "colour")  # fmt: skip
    cbom = {"bomFormat": "CycloneDX", "specVersion": "9.9", "components": []}
    imported("CBOM, an unknown specVersion", "cbom", "e.json", json.dumps(cbom).encode(), "9.9")
    twice = {"type": "library", "name": "lib", "bom-ref": "dup-ref"}
    cbom = {"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [twice, twice]}
    imported("CBOM, a bom-ref twice", "cbom", "f.json", json.dumps(cbom).encode(), "dup-ref")
    cbom["components"] = [{"type": "library", "name": 7}]
    imported("CBOM, a name not text", "cbom", "g.json", json.dumps(cbom).encode(), "int")

    with app.state.sessionmaker() as s:
        asset = s.scalars(select(Asset).where(Asset.name.like("%"))).first()
        facts = {
            "name": asset.name, "asset_type": asset.asset_type.value,
            "exposure": asset.exposure.value, "criticality": asset.criticality.value,
            "environment": asset.environment.value,
            "data_sensitivity": asset.data_sensitivity.value,
        }  # fmt: skip
        org_id = asset.organization_id
    post("asset edit, secrecy years not a number", f"/assets/{asset.id}", "",
         **facts, secrecy_years="abc")  # fmt: skip
    post("asset edit, a criticality not offered", f"/assets/{asset.id}", "critical",
         **{**facts, "criticality": "extreme"}, secrecy_years="5")  # fmt: skip
    post("scope add, not a range", "/scans/scopes", "not a host!", value="not a host!")
    post("scope add, bad ports", "/scans/scopes", "99999", value="10.9.0.0/24", ports="99999")
    client.post("/scans/scopes", data={"csrf": csrf, "value": "10.9.0.0/24"})
    post("scope add, twice", "/scans/scopes", "10.9.0.0/24", value="10.9.0.0/24")
    post("scan outside the scopes", "/scans", "192.0.2.7:443", kind="tls",
         targets="192.0.2.7:443")  # fmt: skip
    post("scan, a port out of range", "/scans", "70000", kind="tls", targets="10.9.0.1:70000")
    post("plan, an unknown profile", "/plans", "no-such-profile", profile="no-such-profile")
    post("plan, capacity zero", "/plans", "", profile="kr-2035", capacity="0")

    csrf = korean(keys["admin"])
    post("key issue, no name", "/admin/keys", "", organization_id=str(org_id), role="auditor",
         name=" ")  # fmt: skip
    post("key issue, organization not a number", "/admin/keys", "", organization_id="first",
         role="auditor", name="k")  # fmt: skip

    csrf = korean(keys["vendor"])
    client.post(
        "/testbed/products",
        data={"csrf": csrf, "name": "Refusal box", "version": "1", "algorithms": "ML-KEM-768"},
    )
    with app.state.sessionmaker() as s:
        product = s.scalar(select(Product.id).where(Product.name == "Refusal box"))
    opened = client.post(
        f"/testbed/products/{product}/sessions",
        data={"csrf": csrf, "algorithm": "ML-KEM-768", "check": "kem_sender"},
        follow_redirects=False,
    ).headers["location"]
    challenge = client.get(f"{opened}/challenge.json").json()["challenge"]
    answer = product_answer(challenge)
    sent = next(i for i, a in answer["items"].items() if "ciphertext" in a)
    answer["items"][sent]["ciphertext"] = "!!not base64!!"
    post("vendor answer, a ciphertext not base64", f"{opened}/answer", sent,
         files={"file": ("a.json", json.dumps(answer).encode(), "application/json")})  # fmt: skip
    answer["items"][sent] = {"ciphertext": "AA==", "shared_secret": "AA==", "colour": "red"}
    post("vendor answer, an unknown member", f"{opened}/answer", "colour",
         files={"file": ("a.json", json.dumps(answer).encode(), "application/json")})  # fmt: skip
    client.cookies.clear()
    return out


def test_refused_forms_say_why_in_korean(demo):
    """Each refusal is shown (the form again with its input, or the failed job), says what
    was wrong in Korean around the values it quotes, and shows no English sentence: neither
    English words outside names, nor a sentence kept as written (`lang="en"`)."""
    refused = _refused_forms(demo)
    names = _names(demo["app"])
    problems = {}
    for what, status, html, quoted in refused:
        shown = _shown_errors(html)
        found = []
        if status < 400 or not shown:
            found.append(f"not refused ({status}) or no problem shown")
        if not any(HANGUL.search(text) and quoted in text for text in shown):
            found.append(f"no Korean problem quoting {quoted!r}: {shown}")
        if words := english_words(html, names):
            found.append(f"English words {sorted(words)}")
        if kept := declared_english(html, kept=True):
            found.append(f"kept as written {kept}")
        if found:
            problems[what] = found
    assert not problems, "\n".join(f"{w}: {p}" for w, p in problems.items())


def test_every_error_message_is_marked_and_said_in_korean():
    """Every error a page can show is made from a marked template (no f-string message left
    in the code), each template has its Korean with the same fields, and the English it
    makes reads back to the same Korean (a failed job's stored error)."""
    import string

    from app.web import errortext
    from core.i18n import Said, gettext_for

    sites = errortext.error_sites()
    assert not sites.unmarked, "errors with unmarked messages:\n" + "\n".join(sites.unmarked)
    # what pages read stored errors back by, written by `scripts/i18n.py update`
    assert errortext.known_templates() == sites.templates, "run scripts/i18n.py update"
    assert len(sites.templates) > 150
    korean = i18n.translations("ko").gettext
    untranslated, unread = [], []
    for template in sorted(sites.templates):
        fields = {f for _, f, _, _ in string.Formatter().parse(template) if f}
        said = korean(template)
        if said == template and HANGUL.search(said) is None and template not in {"KEM"}:
            untranslated.append(template)
            continue
        if {f for _, f, _, _ in string.Formatter().parse(said) if f} != fields:
            untranslated.append(f"{template} (fields differ)")
        made = Said(template, {f: f"Q{i}" for i, f in enumerate(sorted(fields))})
        back = errortext.read_back(str(made))
        if back is None or errortext.said_html(back, "ko") != errortext.said_html(made, "ko"):
            unread.append(f"{template} -> {back and back.template}")
    assert not untranslated, untranslated
    assert not unread, unread
    assert gettext_for("ko")("line {line}") == "{line}행"


def test_a_sentence_no_template_made_is_shown_as_written():
    """Words no template made are said in Korean as what they are (an error), the words
    themselves quoted as a value: never an English sentence standing as the message."""
    from app.web.errortext import stored_error_html

    shown = stored_error_html("$.x: the engine said: boom", "ko")
    assert shown == '오류(원문 그대로): <span translate="no">$.x: the engine said: boom</span>'
    assert declared_english(str(shown), kept=True) == []
    assert english_words(str(shown), set()) == set()


def test_the_answers_the_api_words_itself_read_korean_on_a_page():
    """429s, an expired session and the database's refusals are worded by the API's answer
    table, not by a raise site: on a Korean page they are Korean too (names and numbers
    aside), and the API keeps the English it always had."""
    from app.web.core import _as_web_error
    from core.i18n import N_, say
    from core.jobs import JobLimitReached
    from testbed.conformance.quotas import REQUEST_RATE, RateLimited, limit_reached
    from testbed.conformance.service import SessionExpired

    cases = {
        RateLimited(limit_reached(REQUEST_RATE), 7): "request rate limit reached for "
        "your organization; retry in 7 s",
        JobLimitReached("benchmark", 2): "your organization already runs 2 benchmark jobs; "
        "wait for one to finish",
        SessionExpired(say(N_("session {id} expired at {when}; open a new one"), id=5,
                           when="2026-12-07T10:00:00+00:00")):
        "session 5 expired at 2026-12-07T10:00:00+00:00; open a new one",
        OverflowError("int too big"): "a number in the request is too large to store",
    }  # fmt: skip
    for exc, english in cases.items():
        error = _as_web_error(exc)
        assert error is not None and str(error.message) == english
        shown = str(error.html("ko"))
        assert re.search("[가-힣]", shown), shown
        assert english_words(shown, set()) == set(), shown
        assert declared_english(shown, kept=True) == [], shown
