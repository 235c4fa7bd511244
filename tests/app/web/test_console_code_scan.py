"""Issue 21's source scan in the console: an administrator opens a directory to scans, the
scan form takes it with the asset's name, and the scan's page shows every finding with its
file and line and its quantum status, the libraries with their readiness, in the reader's
language (Korean: only names, paths and identifiers stay as written)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.choices import Role
from tests.app.web.test_i18n import english_words
from tests.app.web.test_web_flows import _wait_job

SOURCE = """from cryptography.hazmat.primitives.asymmetric import rsa


def make_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)
"""
GO_MOD = "module example.org/billing\n\ngo 1.21\n"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # pages, not SQL: one database
def test_a_source_tree_is_scanned_in_the_console_with_file_and_line(api, sign_in, tmp_path: Path):
    tree = tmp_path / "billing"
    tree.mkdir()
    (tree / "keys.py").write_text(SOURCE)
    (tree / "go.mod").write_text(GO_MOD)
    org = api.make_org()
    csrf = sign_in(org, Role.ADMIN)
    post = {"follow_redirects": False}
    scope = api.client.post(
        "/scans/scopes", data={"csrf": csrf, "kind": "path", "value": str(tree)}, **post
    )
    assert scope.status_code == 303, scope.text[:400]
    outside = api.client.post(
        "/scans", data={"csrf": csrf, "kind": "code", "targets": str(tmp_path)}, **post
    )
    assert outside.status_code == 403 and str(tmp_path) in outside.text  # the form again
    started = api.client.post(
        "/scans",
        data={"csrf": csrf, "kind": "code", "targets": str(tree), "name": "billing service"},
        **post,
    )
    assert started.status_code == 303, started.text[:400]
    job_page = _wait_job(api.client, started.headers["location"])
    scan = re.search(r'href="(/scans/\d+)"', job_page).group(1)
    page = api.client.get(scan).text
    row = re.search(r"<tr><td[^>]*><code>keys.py:5</code></td>.*?</tr>", page)
    assert row and "RSA-2048" in row.group(0) and "Broken" in row.group(0), page[-3000:]
    assert "go.mod:3" in page, page[-2500:]
    assert "Cannot speak ML-KEM: upgrade to 1.24 or later" in page
    assert 'href="/search?q=billing%20service"' in page
    korean = api.client.get(scan, params={"lang": "ko"}).text
    assert "keys.py:5" in korean and "양자" in korean
    names = {"billing", "service", "keys", "py", "mod", "go", "Go", "rsa", "admin", "test"}
    assert english_words(korean, names) == set()
