"""The asset pages check the reader's role themselves: the inventory services hold no role
checks (the API's are dependencies, `app.api.deps`), so a page that forgot would leak rows."""

from __future__ import annotations

from core.choices import Role


def test_a_vendor_gets_403_on_the_asset_list_and_an_asset_page(api, sign_in):
    org = api.make_org()
    body = {"name": "Secret portal", "asset_type": "service", "exposure": "internet_facing"}
    made = api.client.post("/api/v1/assets", json=body, headers=api.headers(org))
    assert made.status_code == 201, made.text
    sign_in(org, Role.VENDOR)
    for path in ("/assets", f"/assets/{made.json()['id']}"):
        page = api.client.get(path)
        assert page.status_code == 403, (path, page.text)
        assert "The role &#39;Vendor&#39; cannot read" in page.text
        assert "Secret portal" not in page.text
    sign_in(org, Role.AUDITOR)
    assert "Secret portal" in api.client.get("/assets").text
