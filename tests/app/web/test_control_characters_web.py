"""No control or bidi character from an input reaches a page (SQLite and PostgreSQL).

An asset name and an algorithm name carry an escape sequence and a right-to-left override;
the overview (its charts), the asset list, the asset page, the plan version page (its SVG
timeline) and the judgement page show the escapes, never the characters.
"""

from __future__ import annotations

from typing import Any

from core.choices import Role
from inventory.choices import CryptoFunction, Primitive, QuantumStatus
from inventory.models import Asset
from tests.migration.planning_helpers import stored_usage

EVIL = "\x1b[2K\u202e"


def test_pages_show_escapes_not_control_characters(api: Any, sign_in: Any) -> None:
    org = api.make_org()
    with api.sessions.begin() as s:
        asset = Asset(organization_id=org.id, ref="a1", name=f"portal{EVIL}", asset_type="service")
        s.add(asset)
        s.flush()
        asset_id = asset.id
        for i, (algorithm, primitive, status) in enumerate(
            [
                (f"FooCipher{EVIL}", Primitive.SYMMETRIC, QuantumStatus.UNKNOWN),
                ("RSA-2048", Primitive.SIGNATURE, QuantumStatus.BROKEN),
            ]
        ):
            s.add(
                stored_usage(
                    org.id, asset_id, f"u{i}", algorithm, primitive, CryptoFunction.OTHER, status
                )
            )
    plan = api.client.post(
        "/api/v1/plans",
        json={"profile": "us-cnsa2", "start": "2027-01-01"},
        headers=api.headers(org),
    )
    assert plan.status_code == 201, plan.text
    sign_in(org, Role.OFFICER)
    pages = [
        "/overview",
        "/assets",
        f"/assets/{asset_id}",
        f"/plans/{plan.json()['id']}/versions/1",
        "/judge?profile=us-cnsa2&profile=kr-2035",
    ]
    for path in pages:
        page = api.client.get(path)
        assert page.status_code == 200, (path, page.text[:300])
        assert "\x1b" not in page.text and "\u202e" not in page.text, path
        assert "\\x1b[2K" in page.text, path
