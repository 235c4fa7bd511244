"""Other programs' words on a Korean page: the operating system's and the network's (a
refused connection, a port that never answers, a name that does not resolve), a key store's
library on a wrong password, Python's JSON and CSV readers, ipaddress, an engine rejecting a
malformed key, the database refusing a write, the API's own HTTP refusals and pydantic's
problems of every type. Each is produced for real and shown in Korean: no English word
outside names and identifiers, no element declared English, and the foreign sentence itself
not on the page (not even quoted), while the API and stored rows keep their English."""

from __future__ import annotations

import asyncio
import datetime as dt
import decimal
import re
import typing
import uuid
from pathlib import Path
from typing import Literal

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pydantic import AnyUrl, BaseModel, ConfigDict, Field, ValidationError
from pydantic_core.core_schema import ErrorType

from app.web import i18n
from core.apikeys import authenticate
from core.choices import Role
from inventory.discovery.stores import scan_store
from inventory.discovery.tls import ScanOptions, scan_endpoint
from inventory.models import ScanRun
from tests.app.web.test_i18n import (
    HANGUL,
    _names,
    _shown_errors,
    _sign_in,
    declared_english,
    demo,  # noqa: F401 - the module's demo inventory, shared
    english_words,
)
from tests.app.web.test_web_flows import _wait_job
from tests.inventory.discovery.conftest import Misbehaving


def _scan_page(
    world: dict, kind: str, results: list[dict], *, status: str = "done", target: str = "x"
) -> str:
    """The console's page of a scan whose results the real scanners produced, as the
    organization's officer (signed in by the caller) sees it."""
    app, client = world["app"], world["client"]
    officer = next(v for k, v in world["keys"].items() if k.endswith(":officer"))
    with app.state.sessionmaker.begin() as s:
        org_id = authenticate(s, officer).organization_id
        row = ScanRun(organization_id=org_id, kind=kind, targets=[target], status=status,
                      created_by="김철수", results=results)  # fmt: skip
        s.add(row)
        s.flush()
        scan_id = row.id
    return client.get(f"/scans/{scan_id}").text


def _cases(world: dict, tmp_path: Path) -> list[tuple[str, str, str]]:
    """(what, the Korean page's HTML, the foreign English that must not be on it)."""
    client, keys = world["client"], world["keys"]
    officer = next(v for k, v in keys.items() if k.endswith(":officer"))
    csrf = _sign_in(client, officer)
    client.cookies.set(i18n.COOKIE, "ko")
    out = []

    peers = Misbehaving()  # loopback: a port nothing listens on, one that never answers
    refused = asyncio.run(scan_endpoint("127.0.0.1", peers.ports["refuse"]))
    assert refused.status == "refused" and refused.error.startswith("connection refused: ")
    page = _scan_page(world, "tls", [refused.to_dict()])
    out.append(("a refused connection", page, "Connect call"))
    hanging = asyncio.run(scan_endpoint("127.0.0.1", peers.ports["hang"], ScanOptions(timeout=0.3)))
    peers.close()
    assert hanging.status == "timeout", hanging
    out.append(("a port that never answers", _scan_page(world, "tls", [hanging.to_dict()]),
                "answer within"))  # fmt: skip
    unresolved = asyncio.run(scan_endpoint("no-such-host.invalid", 443, ScanOptions(timeout=5)))
    assert unresolved.error.startswith("cannot resolve no-such-host.invalid: "), unresolved
    out.append(("a name that does not resolve", _scan_page(world, "tls", [unresolved.to_dict()]),
                unresolved.error.split(": ")[1]))  # fmt: skip

    key = ec.generate_private_key(ec.SECP256R1())
    (tmp_path / "k.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                          serialization.BestAvailableEncryption(b"right"))
    )  # fmt: skip
    store = scan_store(tmp_path, "wrong")
    assert store.status == "partial" and "(wrong password (" in store.error, store
    foreign = store.items[0].error.removeprefix("wrong password (").removesuffix(")")
    page = _scan_page(world, "certs", [store.to_dict()])
    out.append(("a key store with a wrong password", page, foreign))
    missing = scan_store(tmp_path / "gone")
    assert missing.error.endswith(": no such file or directory"), missing
    page = _scan_page(world, "certs", [missing.to_dict()])
    out.append(("a key store that is not there", page, "no such file"))

    def imported(what: str, kind: str, body: bytes, foreign: str) -> None:
        sent = client.post("/imports", data={"csrf": csrf, "kind": kind},
                           files={"file": ("f", body)}, follow_redirects=False)  # fmt: skip
        assert sent.status_code == 303, sent.text[:300]
        _wait_job(client, sent.headers["location"])
        page = client.get(sent.headers["location"]).text
        assert 'id="job-error"' in page, what
        out.append((what, page, foreign))

    imported("JSON, a stray comma", "cbom", b'{"bomFormat": "CycloneDX",, "x": 1}', "Expecting")
    imported("JSON, an unterminated string", "cbom", b'{"bomFormat": "Cyclo', "Unterminated")
    imported("JSON, data after the end", "cbom", b"{} []", "Extra data")
    imported("CSV, a carriage return inside a cell", "csv",
             b"asset_name,asset_type\nbox\rx,host\n", "new-line character")  # fmt: skip

    client.post("/scans/scopes", data={"csrf": csrf, "value": "10.0.0.0/8"})
    got = client.post("/scans", data={"csrf": csrf, "kind": "tls", "targets": "10.0.0.0/33"},
                      follow_redirects=False)  # fmt: skip
    assert got.status_code == 422, got.status_code
    out.append(("a CIDR range ipaddress refuses", got.text, "does not appear"))
    client.cookies.clear()
    return out


def test_other_programs_words_read_korean_on_a_page(demo, tmp_path):  # noqa: F811
    names = _names(demo["app"])
    problems = {}
    for what, html, foreign in _cases(demo, tmp_path):
        found = []
        shown = _shown_errors(html) or [html]
        if not any(HANGUL.search(t) for t in shown):
            found.append("no Korean problem shown")
        read = re.sub(r"<(pre|code)\b.*?</\1>", "", html, flags=re.S)  # data shown as data
        if foreign in read:
            found.append(f"the foreign words {foreign!r} are on the page")
        if words := english_words(html, names):
            found.append(f"English words {sorted(words)}")
        if kept := declared_english(html, kept=True):
            found.append(f"kept as written {kept}")
        if found:
            problems[what] = found
    assert not problems, "\n".join(f"{w}: {p}" for w, p in problems.items())


def _korean_only(shown: str) -> set[str]:
    """English words of a message shown alone, values kept as written included, except the
    identifiers quoted between apostrophes (an enum's stored values: 'officer')."""
    import html as html_lib
    import re

    plain = re.sub(r"'[^']*'", "", html_lib.unescape(re.sub(r"<[^>]+>", "", shown)))
    return {w for w in re.findall(r"[A-Za-z][A-Za-z']+", plain) if not w.isupper()}


def test_an_engine_a_database_and_the_api_refusing_read_korean():
    """An engine rejecting a malformed key, the database refusing a duplicate row, and the
    API's own HTTP refusal (no key): English for the API unchanged, Korean on a page."""
    from fastapi import HTTPException
    from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, insert
    from sqlalchemy.exc import IntegrityError

    from app.api.deps import get_principal
    from app.web.core import _as_web_error
    from core.errors import InputError, said_of
    from core.i18n import N_
    from testbed.engines.registry import engines_for

    shown = {}
    engine = engines_for("ML-KEM-768")[0]
    key = b"\xff" * 1184  # every coefficient 4095: past the modulus
    with pytest.raises(ValueError) as rejected:
        engine.encapsulate("ML-KEM-768", key)
    error = InputError(N_("engine {engine} rejects the key: {reason}"), "$.input",
                       engine=engine.name, reason=said_of(rejected.value))  # fmt: skip
    shown["engine"] = (_as_web_error(error), str(rejected.value))

    db = create_engine("sqlite://")
    table = Table("t", MetaData(), Column("id", Integer, primary_key=True), Column("v", String))
    table.metadata.create_all(db)
    with db.begin() as c, pytest.raises(IntegrityError) as refused:
        c.execute(insert(table), [{"id": 1, "v": "a"}, {"id": 1, "v": "b"}])
    shown["database"] = (_as_web_error(refused.value), "UNIQUE")
    assert str(shown["database"][0].message) == (
        "the write conflicts with existing data: a row with the same key (a ref, a name, a "
        "pair) already exists"
    )

    with pytest.raises(HTTPException) as no_key:
        get_principal(None, None, None)  # type: ignore[arg-type]
    assert no_key.value.detail == (
        "missing API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'"
    )
    shown["no key"] = (_as_web_error(no_key.value), "missing API key")
    problems = {}
    for what, (web, foreign) in shown.items():
        html = str(web.html("ko"))
        found = []
        if not HANGUL.search(html):
            found.append("no Korean")
        if foreign in html:
            found.append(f"foreign words {foreign!r}")
        if words := english_words(html, set()):
            found.append(f"English words {sorted(words)}")
        if kept := declared_english(html, kept=True):
            found.append(f"kept as written {kept}")
        if found:
            problems[what] = (found, html)
    assert not problems, problems


class _Inner(BaseModel):
    a: int = 0


class _EveryKind(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=2, max_length=3, pattern="^[a-z]+$")
    ascii_only: str = ""
    whole: int = Field(default=0, gt=0, lt=10, multiple_of=2)
    number: float = Field(default=0.0, ge=0, le=1)
    exact: decimal.Decimal = Field(default=decimal.Decimal(0), max_digits=3, decimal_places=1)
    flag: bool = False
    day: dt.date = dt.date(2026, 1, 1)
    moment: dt.datetime = dt.datetime(2026, 1, 1)
    clock: dt.time = dt.time(0)
    span: dt.timedelta = dt.timedelta(0)
    items: list[int] = Field(default_factory=list, min_length=1, max_length=2)
    mapping: dict[str, int] = Field(default_factory=dict)
    choice: Literal["a", "b"] = "a"
    ident: uuid.UUID = uuid.UUID(int=0)
    link: AnyUrl = AnyUrl("https://x.example")
    raw: bytes = Field(default=b"", max_length=2)
    nothing: None = None
    inner: _Inner = _Inner()
    kind: Role = Role.AUDITOR


_BAD = {
    "text": ["a", "abcd", "AB1", 5], "whole": ["x", 1.5, 0, 11, 3, "9" * 5000],
    "number": ["x", -1, 2, "nan"], "exact": ["x", "12.34", "1234"], "flag": ["maybe", []],
    "day": ["2026-13-01", "x", 5.5], "moment": ["x", "2026-02-30T00:00"], "clock": ["25:00"],
    "span": ["x"], "items": [[], [1, 2, 3], "x", ["a"]], "mapping": ["x", {"a": "b"}],
    "choice": ["c"], "ident": ["x", 5], "link": ["x", 5], "raw": [b"abc", 5],
    "nothing": [1], "extra": ["x"], "inner": ["x"], "kind": ["emperor"],
}  # fmt: skip


def test_every_pydantic_problem_reads_korean():
    """Each type pydantic_core can say of data has a sentence of the catalog, and real
    problems of every kind of field our models have read Korean, without English."""
    from app.web.errortext import said_html
    from core.errors import BY_TYPE, NOT_DATA, pydantic_said

    assert set(typing.get_args(ErrorType)) - set(BY_TYPE) - NOT_DATA == {"value_error"}
    seen, problems = set(), {}
    for field, values in _BAD.items():
        for value in values:
            with pytest.raises(ValidationError) as bad:
                _EveryKind.model_validate({"text": "ab", field: value}, strict=False)
            for err in bad.value.errors():
                err = {**err, "ctx": {**(err.get("ctx") or {})}}
                seen.add(err["type"])
                html = str(said_html(pydantic_said(err), "ko"))
                words = _korean_only(html) - {"URL", "UUID", "JSON", "YYYY", "MM", "DD"}
                if not HANGUL.search(html) or words or 'lang="en"' in html:
                    problems[f"{field}={value!r:.20} ({err['type']})"] = html
    assert not problems, problems
    assert len(seen) >= 30, sorted(seen)


def test_words_not_ours_are_quoted_only_where_nothing_can_say_them():
    """Other programs' words go through `their_words` (a template by errno, gai code, TLS
    reason, or the fixed sentences of a parser), read back from stored rows by the same
    templates. `as_written` is left only where nothing can foresee the text, and there a
    page says it in Korean as what it is (an error) with the words as a value."""
    import ast

    from app.web.errortext import ROOT, UNFORESEEN, _files, error_sites, said_html
    from core import their_words
    from core.i18n import as_written

    sites = set()
    for path in _files():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for inner in ast.walk(node):
                func = getattr(inner, "func", None)
                if isinstance(func, ast.Name) and func.id == "as_written":
                    sites.add(f"{path.relative_to(ROOT)}:{node.name}")
    assert sites == {
        "core/errors.py:said_of",  # an exception no template made (after their_words)
        "migration/profiles/loader.py:__init__",  # a profile validator's own words
    }, sites
    assert set(their_words.TEMPLATES) <= error_sites().templates
    shown = str(said_html(as_written("frobnicator unhappy"), "ko"))
    korean = i18n.translations("ko").gettext(UNFORESEEN)
    assert HANGUL.search(korean) and shown.startswith(korean.split("{")[0]), shown
    assert 'lang="en"' not in shown and english_words(shown, set()) == set()
