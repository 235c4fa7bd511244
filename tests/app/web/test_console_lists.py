"""Lists behave like the tools their users know: filters that combine, partial and
case-insensitive search, sortable columns, counts, a CSV of exactly the list, chart bars that
open the list they count, and "see all" on what breaks first. Every expectation is a plain
reading of the rows, made here."""

from __future__ import annotations

import csv
import io
import random
import re
from html import unescape
from urllib.parse import parse_qsl, urlsplit

from sqlalchemy import select

from core.choices import Role
from inventory.choices import Criticality, Exposure
from inventory.models import Asset, CryptoUsage
from inventory.service.overview import CRITICALITY_ORDER, EXPOSURE_ORDER

ALGS = ["RSA-2048", "RSA-4096", "ECDSA-P256", "AES-128", "ML-KEM-768"]


def _inventory(api, org, n: int = 23) -> None:
    rng = random.Random(7)
    headers = api.headers(org)
    for i in range(n):
        made = api.client.post(
            "/api/v1/assets",
            json={
                "name": f"{rng.choice(['Billing', 'billing', 'Portal', 'VPN'])} node {i:02d}",
                "ref": f"ref-{i:02d}",
                "asset_type": "service",
                "exposure": rng.choice(list(Exposure)).value,
                "criticality": rng.choice(list(Criticality)).value,
                "secrecy_years": rng.randint(0, 20),
                "owner": rng.choice(["Ops", "ops team", None]),
            },
            headers=headers,
        )
        assert made.status_code == 201, made.text
        for alg in rng.sample(ALGS, 2):
            api.client.post(
                "/api/v1/usages",
                json={"asset_id": made.json()["id"], "algorithm": alg, "primitive": "signature"},
                headers=headers,
            )


def _rows(html: str) -> list[list[str]]:
    body = html.split('<table id="assets"')[1].split("</tbody>")[0].split("<tbody>")[1]
    out = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        if "colspan" in row:  # "No asset matches."
            continue
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        out.append([unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
    return out


def _all_pages(api, url: str) -> tuple[list[list[str]], int]:
    rows: list[list[str]] = []
    total = None
    while url:
        html = api.client.get(url).text
        total = int(re.search(r'class="count">(\d+)<', html).group(1))
        rows += _rows(html)
        nxt = re.search(r'rel="next" href="([^"]+)"', html)
        url = unescape(nxt.group(1)) if nxt else None
    return rows, total


def test_the_asset_list_filters_sorts_counts_and_downloads_what_it_shows(api, sign_in, monkeypatch):
    from app.web import pages_officer

    monkeypatch.setattr(pages_officer, "PAGE_SIZE", 4)
    org = api.make_org()
    _inventory(api, org)
    sign_in(org, Role.AUDITOR)  # reading needs no write right
    with api.sessions() as s:
        assets = list(s.scalars(select(Asset).where(Asset.organization_id == org.id)))
        algs: dict[int, set[str]] = {a.id: set() for a in assets}
        for u in s.scalars(select(CryptoUsage).where(CryptoUsage.organization_id == org.id)):
            algs[u.asset_id].add(u.algorithm)
    # "billing" in any case, "rsa" in any RSA size, and critical: combined, sorted by name down
    url = (
        "/assets?q=BILLING&algorithm=rsa&criticality=critical&sort=name&dir=desc"
        "&cols=name&cols=owner&cols=criticality"
    )
    rows, total = _all_pages(api, url)
    expected = sorted(
        (
            a
            for a in assets
            if "billing" in a.name.lower()
            and any(x.startswith("RSA") for x in algs[a.id])
            and a.criticality is Criticality.CRITICAL
        ),
        key=lambda a: (a.name, -a.id),
        reverse=True,
    )
    assert total == len(expected) > 0
    assert rows == [[a.name, "Critical", a.owner or ""] for a in expected]
    # the CSV is exactly that list: same rows, order and columns, labelled, with a BOM
    page = api.client.get(url).text
    href = unescape(re.search(r'href="([^"]+)" download id="csv-download"', page).group(1))
    got = api.client.get(href)
    assert got.headers["content-type"].startswith("text/csv")
    assert got.content.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert table[0] == ["Name", "Criticality", "Owner"]
    assert table[1:] == [[a.name, "Critical", a.owner or ""] for a in expected]
    # sorting by criticality orders by meaning (critical first), not by spelling
    rows, _ = _all_pages(api, "/assets?sort=criticality&dir=desc&cols=id&cols=criticality")
    ranks = [CRITICALITY_ORDER.index(Criticality(r[1].lower())) for r in rows]
    assert ranks == sorted(ranks) and len(rows) == len(assets)
    bad = api.client.get("/assets", params={"sort": "password"})
    assert bad.status_code == 422 and "query.sort" in bad.text


def test_chart_bars_open_the_list_they_count_and_see_all_pages_through_every_broken_usage(
    api, sign_in, monkeypatch
):
    from app.web import pages_officer

    monkeypatch.setattr(pages_officer, "PAGE_SIZE", 5)
    org = api.make_org()
    _inventory(api, org, n=14)
    sign_in(org, Role.OFFICER)
    overview = api.client.get("/overview").text
    with api.sessions() as s:
        assets = {a.id: a for a in s.scalars(select(Asset).where(Asset.organization_id == org.id))}
        usages = list(s.scalars(select(CryptoUsage).where(CryptoUsage.organization_id == org.id)))
    bars = re.findall(r'<a href="([^"]+)"><title>[^<]+</title><rect', overview)
    links = {unescape(h) for h in bars}
    assert "/assets?quantum_status=broken" in links and "/assets?exposure=internet_facing" in links
    assert "/assets?algorithm=RSA-2048&exact=1" in links
    for href in links:
        params = dict(parse_qsl(urlsplit(href).query))
        rows, total = _all_pages(api, href + "&cols=id")
        ids = {int(r[0]) for r in rows}
        if "algorithm" in params:
            want = {u.asset_id for u in usages if u.algorithm == params["algorithm"]}
        elif "quantum_status" in params:
            status = params["quantum_status"]
            want = {u.asset_id for u in usages if u.quantum_status.value == status}
        elif "exposure" in params:
            want = {a.id for a in assets.values() if a.exposure.value == params["exposure"]}
        else:
            want = {a.id for a in assets.values()}  # sector: the one organization
        assert ids == want and total == len(want), href
    # "see all" on what breaks first: every broken usage, in the order its reason gives
    broken = [u for u in usages if u.quantum_status.value == "broken"]
    broken.sort(
        key=lambda u: (
            EXPOSURE_ORDER.index(assets[u.asset_id].exposure),
            CRITICALITY_ORDER.index(assets[u.asset_id].criticality),
            -assets[u.asset_id].secrecy_years,
            u.id,
        )
    )
    assert 'id="see-all-broken"' in overview
    seen, url = [], "/overview/breaks-first"
    while url:
        page = api.client.get(url).text
        body = page.split('id="breaks-first"')[1].split("</tbody>")[0]
        seen += [
            (int(a), alg)
            for a, alg in re.findall(r'href="/assets/(\d+)">[^<]*</a></td><td[^>]*>([^<]+)<', body)
        ]
        nxt = re.search(r'rel="next" href="([^"]+)"', page)
        url = unescape(nxt.group(1)) if nxt else None
    assert seen == [(u.asset_id, u.algorithm) for u in broken]
