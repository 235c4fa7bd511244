"""Signing in to the web console through its form, as a browser does."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from core.choices import Role

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def sign_in(api: Any) -> Callable[[Any, Role], str]:
    """Sign in with a new key of `role`; returns the session's CSRF token for forms."""

    def signed_in(org: Any, role: Role) -> str:
        api.client.cookies.clear()
        key = api.headers(org, role)["Authorization"].removeprefix("Bearer ")
        csrf = CSRF.search(api.client.get("/signin").text).group(1)
        form = {"api_key": key, "csrf": csrf}
        done = api.client.post("/signin", data=form, follow_redirects=False)
        assert done.status_code == 303, done.text
        return CSRF.search(api.client.get(done.headers["location"]).text).group(1)

    return signed_in
