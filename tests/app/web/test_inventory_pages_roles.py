"""The asset pages check the reader's role themselves: the inventory services hold no role
checks (the API's are dependencies, `app.api.deps`), so a page that forgot would leak rows."""

from __future__ import annotations

import re

from core.choices import Role


def _signed_in(api, org, role: Role) -> None:
    key = api.headers(org, role)["Authorization"].removeprefix("Bearer ")
    form = api.client.get("/signin").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    done = api.client.post("/signin", data={"api_key": key, "csrf": csrf}, follow_redirects=False)
    assert done.status_code == 303, done.text


def test_a_vendor_gets_403_on_the_asset_list_and_an_asset_page(api):
    org = api.make_org()
    body = {"name": "Secret portal", "asset_type": "service", "exposure": "internet_facing"}
    made = api.client.post("/api/v1/assets", json=body, headers=api.headers(org))
    assert made.status_code == 201, made.text
    _signed_in(api, org, Role.VENDOR)
    for path in ("/assets", f"/assets/{made.json()['id']}"):
        page = api.client.get(path)
        assert page.status_code == 403, (path, page.text)
        assert "role &#39;vendor&#39;" in page.text or "role 'vendor'" in page.text
        assert "Secret portal" not in page.text
    api.client.cookies.clear()
    _signed_in(api, org, Role.AUDITOR)
    assert "Secret portal" in api.client.get("/assets").text
