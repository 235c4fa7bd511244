"""What earlier sessions still showed as written on a Korean page, now said in Korean: an
engine's reason for being unavailable, a report check's problem, a running job's progress,
a code scan's notes on files it could not parse, a profile's or a sector catalog's
validator refusing a document, the choices pydantic quotes by their stored values, and an
empty value that once translated to the catalog's header. Each is produced for real; the
API, the CLI and stored rows keep their English."""

from __future__ import annotations

import ast
import copy
import json
import os
import re
import subprocess
import sys

from pydantic import BaseModel, ValidationError

from app.web import i18n
from app.web.core import _as_web_error
from app.web.errortext import ROOT, UNFORESEEN, said_html, stored_error_html
from core.choices import Role, Tier
from core.errors import pydantic_said
from core.i18n import gettext_for, label
from inventory.discovery.source import scan_source
from migration.profiles import builtin_profiles
from migration.profiles.loader import ProfileError, parse_profile
from migration.sectors.loader import CatalogError, builtin_catalogs, parse_catalog
from tests.app.web.test_console_vendor import product_answer
from tests.app.web.test_i18n import (
    HANGUL,
    _names,
    _sign_in,
    declared_english,
    demo,  # noqa: F401 - the module's demo inventory, shared
    english_words,
)
from tests.app.web.test_i18n_their_words import _scan_page

HEADER = "Project-Id-Version"
UNFORESEEN_KO = i18n.translations("ko").gettext(UNFORESEEN).split("{")[0].strip()


def _problems(html: str, names: set[str], must_be_korean: bool = True) -> list[str]:
    found = []
    if must_be_korean and not HANGUL.search(re.sub(r"<[^>]+>", "", html)):
        found.append("no Korean")
    if words := english_words(html, names):
        found.append(f"English words {sorted(words)}")
    if kept := declared_english(html, kept=True):
        found.append(f"kept as written {kept}")
    if UNFORESEEN_KO in html:  # a sentence no template made, quoted whole after a lead
        found.append("quoted whole as an unforeseen sentence")
    return found


def test_an_empty_value_translates_to_empty(demo):  # noqa: F811
    """gettext's "" is the catalog's header: every catalog says nothing for nothing, and a
    scan result with an empty status shows no header."""
    assert gettext_for("ko")("") == ""
    assert i18n.translations("ko").gettext("") == ""
    assert i18n.translations("ko").ngettext("", "", 2) == ""
    assert label("", lang="ko") == ""
    client = demo["client"]
    _sign_in(client, next(v for k, v in demo["keys"].items() if k.endswith(":officer")))
    client.cookies.set(i18n.COOKIE, "ko")
    results = [{"target": "127.0.0.1:1", "status": ""}]
    assert HEADER not in _scan_page(demo, "tls", results, status="")
    assert HEADER not in client.get("/scans").text
    client.cookies.clear()


ENGINE_PAGE = """
import shutil, sys
from fastapi.testclient import TestClient
from app.api.main import create_app
from app.settings import Settings
from core.apikeys import issue_key
from core.choices import Role
from core.models import Organization
shutil.copy(sys.argv[1], sys.argv[2])
app = create_app(Settings(database_url=f"sqlite:///{sys.argv[2]}"))
with app.state.sessionmaker.begin() as s:
    org = Organization(name="Vendor", slug="vendor", sector="other", tier="private")
    s.add(org)
    s.flush()
    secret = issue_key(s, org.id, Role.VENDOR, "v")[1]
with TestClient(app) as client:
    import re
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/signin").text).group(1)
    client.post("/signin", data={"api_key": secret, "csrf": token})
    print(client.get("/testbed", params={"lang": "ko"}).text)
    print("=====")
    print(client.get("/api/v1/testbed/engines", headers={"X-API-Key": secret}).text)
"""


def test_an_engine_that_cannot_run_says_why_in_korean(sqlite_template, tmp_path):
    """The testbed page in a process where liboqs is not where it is looked for: the reason
    is Korean (the path and the build script as written), the API keeps its English."""
    env = {**os.environ, "OQS_INSTALL_PATH": str(tmp_path / "no-liboqs")}
    done = subprocess.run(
        [sys.executable, "-c", ENGINE_PAGE, str(sqlite_template), str(tmp_path / "db.sqlite3")],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    page, api = done.stdout.split("=====")
    engines = {e["name"]: e for e in json.loads(api)["engines"]}
    assert engines["liboqs"]["available"] is False
    assert engines["liboqs"]["reason"].startswith("liboqs shared library not found at ")
    row = re.search(r"<tr><td[^>]*>liboqs</td>.*?</tr>", page, re.S)
    assert row is not None, page[-3000:]
    assert "shared library" not in row.group(0), row.group(0)
    assert _problems(row.group(0), {"liboqs"}) == [], row.group(0)


def _signed_report(client, vendor: str) -> bytes:
    csrf = _sign_in(client, vendor)
    client.post("/testbed/products", data={"csrf": csrf, "name": "Box", "version": "1",
                                           "algorithms": "ML-KEM-768"})  # fmt: skip
    product = re.search(r'href="/testbed/products/(\d+)"', client.get("/testbed").text).group(1)
    opened = client.post(
        f"/testbed/products/{product}/sessions",
        data={"csrf": csrf, "algorithm": "ML-KEM-768", "check": "kem_sender"},
        follow_redirects=False,
    ).headers["location"]
    challenge = client.get(f"{opened}/challenge.json").json()["challenge"]
    client.post(
        f"{opened}/answer", data={"csrf": csrf},
        files={"file": ("a.json", json.dumps(product_answer(challenge)).encode(), "text/json")},
    )  # fmt: skip
    got = client.get(f"{opened}/report.json")
    assert got.status_code == 200, got.text[:300]
    return got.content


def test_a_report_check_says_its_problem_in_korean(demo):  # noqa: F811
    """Every way a file can fail the report check, checked on the console: the problem is
    Korean, the API keeps its English."""
    client, vendor = demo["client"], demo["keys"]["vendor"]
    names = _names(demo["app"])

    def check(raw: bytes) -> tuple[str, str]:
        csrf = _sign_in(client, vendor)
        page = client.post("/testbed/report-key/verify", params={"lang": "ko"},
                           data={"csrf": csrf}, files={"file": ("r.json", raw)}).text  # fmt: skip
        headers = {"Content-Type": "application/json", "X-API-Key": vendor}
        api = client.post("/api/v1/testbed/reports/verify", content=raw, headers=headers)
        shown = re.search(r'<p id="verify-problem">(.*?)</p>', page, re.S)
        problem = api.json().get("problem") if api.status_code == 200 else None
        return (shown.group(1) if shown else page), str(problem)

    cases = []
    raw = _signed_report(client, vendor)
    doc = json.loads(raw)
    body = json.dumps

    def canonical(d: dict) -> bytes:
        return json.dumps(d, sort_keys=True, separators=(",", ":")).encode()

    cases.append(("an array", b"[]", "not a report: a JSON list"))
    cases.append(("a member more", canonical({**doc, "x": 1}), "member(s) ['x']"))
    cases.append(("no report", canonical({"signature": doc["signature"]}), "not a report"))
    cases.append(("no signature", canonical({"report": doc["report"]}), "not signed"))
    sig = doc["signature"]
    cases.append(("a member short", canonical({**doc, "signature": {"value": sig["value"]}}),
                  "$.signature must"))  # fmt: skip
    cases.append(("spaced", body(doc, indent=1).encode(), "not in canonical form"))
    changed = copy.deepcopy(doc)
    changed["report"]["verdict"] = "fail" if changed["report"].get("verdict") != "fail" else "ok"
    cases.append(("changed", canonical(changed), "signature does not verify"))
    other = {**doc, "signature": {**sig, "algorithm": "RSA"}}
    cases.append(("another algorithm", canonical(other), "unknown signature algorithm"))
    bad = {**doc, "signature": {**sig, "value": "***"}}
    cases.append(("not base64", canonical(bad), "not valid base64"))
    problems = {}
    for what, raw_case, english in cases:
        shown, problem = check(raw_case)
        found = _problems(shown, names)
        if english not in problem:
            found.append(f"the API said {problem!r}")
        if found:
            problems[what] = found
    assert not problems, "\n".join(f"{w}: {p}" for w, p in problems.items())


def test_every_progress_text_a_job_writes_is_a_template_said_in_korean(demo, tmp_path):  # noqa: F811
    """Each `progress(...)` call of the service writes a said template (no f-string), and the
    texts the real scanner and benchmark write read back and read Korean."""
    calls = []
    for path in [p for d in ("inventory", "app", "testbed", "migration", "core")
                 for p in (ROOT / d).rglob("*.py")]:  # fmt: skip
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "progress"
                and len(node.args) == 2
            ):
                second = node.args[1]
                made = isinstance(second, ast.Call) and getattr(second.func, "id", "") in (
                    "say", "done_of",
                )  # fmt: skip
                if not made and not isinstance(second, ast.Name):
                    calls.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    # the code scanner reports the file it is on to its own caller, never to a job
    assert calls == ["inventory/discovery/code/scan.py:376"], calls

    from app.web.jobtext import _progress, progress_html
    from inventory.discovery.service import ScanRequest, run
    from inventory.discovery.targets import Endpoint
    from testbed.benchmark_runs import BenchmarkRequest, execute, plan_runs

    said: list[str] = []
    request = ScanRequest("tls", [Endpoint("127.0.0.1", 1), Endpoint("127.0.0.1", 2)], timeout=2)
    run(request, lambda f, m: said.append(m))
    req = BenchmarkRequest(algorithms=["ML-KEM-768"], engines=["openssl"], time_budget_s=0.05,
                           warmup=1, include_baseline=False)  # fmt: skip
    execute(plan_runs(req), req, lambda f, m: said.append(m))
    said += ["importing cbom (12 bytes)", "planning under kr-2035", "scanning 2 tls target(s)",
             "done", "cancelled", "interrupted: the server process running it stopped",
             "3/4"]  # fmt: skip
    problems = {}
    for message in dict.fromkeys(said):
        found = []
        if _progress().parse(message) is None:
            found.append("no template reads it back")
        if found := found + _problems(str(progress_html(message, "ko")), set()):
            problems[message] = found
        assert not HANGUL.search(str(progress_html(message, "en"))), message
    assert not problems, "\n".join(f"{w}: {p}" for w, p in problems.items())
    assert len(said) > 3


def test_files_a_code_scan_cannot_parse_are_named_in_korean(demo, tmp_path):  # noqa: F811
    """A code scan of a tree with a broken docker daemon.json: the page lists the file with
    why, in Korean (the parser's sentence said by its template)."""
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "daemon.json").write_text('{"tls": true,, }')
    (tmp_path / "app.py").write_text("import hashlib\nhashlib.md5(b'x')\n")
    result = scan_source(tmp_path, "tree", workers=1)
    assert "unparsable docker-daemon" in result.skipped, result.skipped
    note = result.skipped_examples["unparsable docker-daemon"][0]
    assert note.startswith("etc/daemon.json: Expecting property name"), note
    client = demo["client"]
    _sign_in(client, next(v for k, v in demo["keys"].items() if k.endswith(":officer")))
    client.cookies.set(i18n.COOKIE, "ko")
    page = _scan_page(demo, "code", [result.to_dict()], target=str(tmp_path))
    client.cookies.clear()
    listed = re.search(r'<details id="skipped-files">.*?</details>', page, re.S)
    assert listed is not None, page[-3000:]
    assert "etc/daemon.json" in listed.group(0)
    assert "Expecting" not in listed.group(0)
    assert _problems(listed.group(0), {"tree"}) == [], listed.group(0)


def _profile_cases() -> list[tuple[str, dict]]:
    base = builtin_profiles()["kr-2035"].model_dump(mode="json")
    first = base["sources"][0]

    def changed(what, change) -> tuple[str, dict]:
        doc = copy.deepcopy(base)
        change(doc)
        return what, doc

    return [
        changed("two sources, one id", lambda d: d["sources"].append(dict(first))),
        changed("an unknown source", lambda d: d["phases"][0].__setitem__("source", "nope")),
        changed("a deadline before the plan",
                lambda d: d.__setitem__("final_deadline", "2020-01-01")),
        changed("a deadline before the first phase",
                lambda d: d["deadlines"][0].__setitem__("date", "2020-01-01")),
        changed("an ftp url", lambda d: d["sources"][0].__setitem__("url", "ftp://x")),
        changed("no url nor citation",
                lambda d: d["sources"].__setitem__(0, {**{k: v for k, v in first.items()
                                                          if k not in ("url", "citation")}})),
        changed("a published date out of range",
                lambda d: d["sources"][0].__setitem__("published", "1899-12-31")),
        changed("a tier twice", lambda d: d.__setitem__("tier_order", ["private", "private"])),
        changed("a tier unknown", lambda d: d.__setitem__("tier_order", ["nobody"])),
        changed("a phase ending before it starts",
                lambda d: d["phases"][0].__setitem__("end", "2000-01-01")),
        changed("phases out of order", lambda d: d["phases"].reverse()),
        changed("phases overlapping",
                lambda d: d["phases"][1].__setitem__("start", d["phases"][0]["end"])),
        changed("an unknown use",
                lambda d: d["targets"].__setitem__("teleport", ["ML-KEM-768"])),
        changed("a use with no target",
                lambda d: d["targets"].__setitem__("key_exchange", [])),
        changed("an unknown policy use", lambda d: d.__setitem__("uses", {"teleport": {}})),
        changed("an English Korean text", lambda d: d.__setitem__("description_ko", "English")),
    ]  # fmt: skip


def test_a_refused_profile_or_catalog_reads_korean():
    """A profile and a sector catalog refused by their validators, as a page shows the API's
    refusal: Korean, the field as code, the stored values as written; the English the API
    and the CLI say unchanged (`field: message`)."""
    problems = {}
    seen = 0
    for what, doc in _profile_cases():
        try:
            parse_profile(doc)
        except ProfileError as exc:
            seen += 1
            shown = str(_as_web_error(exc).html("ko"))
            if found := _problems(shown, set()):
                problems[what] = [*found, str(exc)]
            assert str(_as_web_error(exc).message) == exc.message
        else:
            problems[what] = ["accepted"]
    catalog = next(iter(builtin_catalogs().values())).model_dump(mode="json")
    for what, change in {
        "two targets, one id": lambda d: d["targets"].append(dict(d["targets"][0])),
        "a target's unknown source": lambda d: d["targets"][0].__setitem__("sources", ["nope"]),
        "two catalog sources, one id": lambda d: d["sources"].append(dict(d["sources"][0])),
        "a keyword too short": lambda d: d["targets"][0]["match"][0].__setitem__("keywords", ["x"]),
        "an algorithm not canonical":
            lambda d: d["targets"][0].__setitem__("algorithms", ["rsa2048"]),
    }.items():  # fmt: skip
        doc = copy.deepcopy(catalog)
        try:
            change(doc)
            parse_catalog(doc)
        except CatalogError as exc:
            seen += 1
            shown = str(_as_web_error(exc).html("ko"))
            if found := _problems(shown, set()):
                problems[what] = [*found, str(exc)]
        except (KeyError, IndexError, TypeError) as exc:
            problems[what] = [f"the case does not fit the catalog: {exc!r}"]
        else:
            problems[what] = ["accepted"]
    assert not problems, "\n".join(f"{w}: {p}" for w, p in problems.items())
    assert seen >= 20


def test_choices_are_said_by_their_labels_with_the_value_to_type():
    """pydantic's "Input should be 'admin', 'officer' ..." on a Korean page: each choice by its
    Korean label with the stored value beside it; English unchanged."""

    class Form(BaseModel):
        role: Role
        tier: Tier

    try:
        Form(role="boss", tier="x")
    except ValidationError as exc:
        errors = exc.errors()
    for err in errors:
        said = pydantic_said(err)
        assert str(said) == err["msg"]
        shown = str(said_html(said, "ko"))
        assert "보안 담당자" in shown or "중앙행정기관" in shown or "민간" in shown, shown
        assert _problems(shown, set()) == [], shown
        values = re.findall(r"'(\w+)'", err["msg"])
        kept = re.findall(r'<span translate="no">&#39;(\w+)&#39;</span>', shown)
        assert kept == values, shown
        back = stored_error_html(err["msg"], "ko")
        assert back == said_html(said, "ko"), back
