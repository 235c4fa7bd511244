"""The officer's job in the console without the API: import a code scanner's CBOM, find it
by the repository's name, read its usages once each with their file:line, fix its facts,
and see it reach "what breaks first"; add a scan scope; search the inventory."""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from core.choices import Role
from core.models import AuditEntry
from inventory.models import Asset
from tests.app.web.test_web_flows import _wait_job

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
FLASH = re.compile(r'id="flash"[^>]*>([^<]+)<')


def _occurrence(path: str, line: int) -> dict:
    return {"location": path, "line": line, "offset": 9, "additionalContext": "getInstance"}


def cbomkit_scan(commit: str = "9f3c2a17d0e4") -> dict:
    """A CBOMkit-style scan of a repository: no metadata.component, the repository in the
    metadata's properties, one component per call site (the same algorithm three times)."""
    rsa = {"primitive": "signature", "parameterSetIdentifier": "2048"}
    components = [
        {
            "type": "cryptographic-asset",
            "bom-ref": f"c-{i}",
            "name": name,
            "cryptoProperties": {"assetType": "algorithm", "algorithmProperties": props},
            "evidence": {"occurrences": [_occurrence(path, line)]},
        }
        for i, (name, props, path, line) in enumerate(
            [
                ("RSA", rsa, "services/src/main/java/org/keycloak/Jwks.java", 88),
                ("RSA", rsa, "services/src/main/java/org/keycloak/Jwks.java", 120),
                ("RSA", rsa, "core/src/main/java/org/keycloak/RSAProvider.java", 41),
                ("SHA-256", {"primitive": "hash"}, "core/src/main/java/org/keycloak/Hash.java", 17),
                ("AES", {"primitive": "ae", "parameterSetIdentifier": "256", "mode": "gcm"},
                 "core/src/main/java/org/keycloak/Vault.java", 230),
            ]
        )
    ]  # fmt: skip
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
        "version": 1,
        "metadata": {
            "timestamp": "2026-10-02T08:15:00Z",
            "properties": [
                {"name": "gitUrl", "value": "https://github.com/keycloak/keycloak"},
                {"name": "revision", "value": "main"},
                {"name": "commit", "value": commit},
            ],
        },
        "components": components,
    }


def _upload(api, csrf: str, doc: dict, name: str = "keycloak.cdx.json") -> str:
    resp = api.client.post(
        "/imports",
        data={"csrf": csrf, "kind": "cbom"},
        files={"file": (name, json.dumps(doc).encode(), "application/json")},
        follow_redirects=False,
    )
    assert resp.status_code == 303, resp.text[:500]
    page = _wait_job(api.client, resp.headers["location"])
    assert "Succeeded" in page, page[-2000:]
    return page


def test_a_scanned_repository_is_named_found_grouped_edited_and_kept(api, sign_in):
    org = api.make_org()
    csrf = sign_in(org, Role.OFFICER)
    _upload(api, csrf, cbomkit_scan())
    with api.sessions() as s:
        asset = s.scalar(select(Asset).where(Asset.organization_id == org.id))
    # named after the repository the metadata names, located at it
    assert asset.name == "keycloak/keycloak (main)"
    assert asset.location == "https://github.com/keycloak/keycloak"
    for query in ("keycloak", "KeyCloak", "Jwks.java", "rsa"):  # partial, any case, evidence
        found = api.client.get("/search", params={"q": query}).text
        assert f'href="/assets/{asset.id}"' in found, query
    page = api.client.get(f"/assets/{asset.id}").text
    rows = re.findall(r"<tr>\s*<td data-label=\"Algorithm\"><strong>([^<]+)</strong>", page)
    assert rows == ["RSA-2048", "AES-256", "SHA-256"]  # broken, then weakened, then the rest
    rsa_row = page.split("<strong>RSA-2048</strong>")[1].split("</tr>")[0]
    assert 'class="num">3<' in rsa_row  # three call sites, one row
    for where in ("Jwks.java:88:9", "Jwks.java:120:9", "RSAProvider.java:41:9"):
        assert where in rsa_row
    assert "broken by Shor" in rsa_row

    # its facts, fixed in the console: audited, and it reaches "what breaks first"
    edit = {
        "csrf": csrf, "name": "Keycloak (identity)", "asset_type": "service",
        "exposure": "internet_facing", "criticality": "critical", "environment": "production",
        "data_sensitivity": "confidential", "secrecy_years": "12", "owner": "IAM team",
        "location": asset.location,
    }  # fmt: skip
    saved = api.client.post(f"/assets/{asset.id}", data=edit, follow_redirects=False)
    assert saved.status_code == 303
    shown = api.client.get(saved.headers["location"]).text
    assert FLASH.search(shown).group(1) == "Saved the changes to Keycloak (identity)."
    overview = api.client.get("/overview").text
    first = overview.split('id="breaks-first"')[1].split("</table>")[0]
    assert "Keycloak (identity)" in first
    with api.sessions() as s:
        entry = s.scalars(
            select(AuditEntry).where(AuditEntry.entity == "asset").order_by(AuditEntry.id.desc())
        ).first()
    assert entry.action == "update" and entry.entity_id == str(asset.id)
    assert entry.actor == "test officer" and entry.detail["criticality"] == "critical"

    # a refused edit comes back with its input and the field marked; nothing is written
    bad = api.client.post(f"/assets/{asset.id}", data={**edit, "secrecy_years": "forever"})
    assert bad.status_code == 422
    assert 'id="asset-secrecy_years-error"' in bad.text and 'value="forever"' in bad.text
    assert 'value="IAM team"' in bad.text
    with api.sessions() as s:
        assert s.get(Asset, asset.id).secrecy_years == 12

    # the next scan of the repository updates its usages and keeps what a person decided
    _upload(api, csrf, cbomkit_scan(commit="a1b2c3d4e5f6"))
    with api.sessions() as s:
        again = s.get(Asset, asset.id)
        assert (again.name, again.criticality.value, again.exposure.value, again.owner) == (
            "Keycloak (identity)", "critical", "internet_facing", "IAM team",
        )  # fmt: skip
        assert again.secrecy_years == 12


def test_scopes_are_added_and_removed_in_the_console_and_audited(api, sign_in):
    org = api.make_org()
    csrf = sign_in(org, Role.OFFICER)
    bad = api.client.post("/scans/scopes", data={"csrf": csrf, "value": "not a range/99"})
    assert bad.status_code == 422 and 'value="not a range/99"' in bad.text
    assert 'id="scope-value-error"' in bad.text
    made = api.client.post(
        "/scans/scopes",
        data={"csrf": csrf, "value": "127.0.0.1/32", "ports": "1", "note": "loopback"},
        follow_redirects=False,
    )
    assert made.status_code == 303
    page = api.client.get("/scans").text
    assert FLASH.search(page).group(1) == "Added the scan scope 127.0.0.1/32 (1)."
    assert "Remove 127.0.0.1/32" in page  # the button names what it removes
    path = api.client.get("/scans").text  # no flash the second time
    assert 'id="flash"' not in path
    directory = api.client.post("/scans/scopes", data={"csrf": csrf, "kind": "path", "value": "/"})
    assert directory.status_code == 403  # directories of the server: administrators only
    scope_id = re.search(r'action="/scans/scopes/(\d+)/delete"', page).group(1)
    scan = api.client.post(
        "/scans", data={"csrf": csrf, "kind": "tls", "targets": "127.0.0.1:1"},
        follow_redirects=False,
    )  # fmt: skip
    assert scan.status_code == 303
    _wait_job(api.client, scan.headers["location"])
    gone = api.client.post(
        f"/scans/scopes/{scope_id}/delete", data={"csrf": csrf}, follow_redirects=False
    )
    assert gone.status_code == 303
    again = {"csrf": csrf, "kind": "tls", "targets": "127.0.0.1:1"}
    outside = api.client.post("/scans", data=again)
    assert outside.status_code == 403 and "127.0.0.1:1" in outside.text  # the form keeps them
    with api.sessions() as s:
        got = [
            (e.action, e.entity, e.actor)
            for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))
            if e.entity in ("scan_scope", "tls")
        ]
    assert got == [
        ("create", "scan_scope", "test officer"),
        ("scan", "tls", "test officer"),
        ("delete", "scan_scope", "test officer"),
    ]
