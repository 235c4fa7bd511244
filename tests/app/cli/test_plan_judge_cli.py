"""`pqcplan plan judge` counts and gates the organization's whole inventory, whatever it lists.

It used to gate only the usages it listed: with one profile (nothing can disagree) the list
was empty, and it printed "FAIL no cryptographic component in the file: nothing was judged;
0 usages" for an organization holding usages that fail the gate.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from app.cli.main import app
from app.settings import get_settings
from core.choices import Sector, Tier
from core.db import session_factory
from core.models import Organization
from inventory.choices import CryptoFunction, Primitive, QuantumStatus
from inventory.models import Asset
from tests.migration.planning_helpers import stored_usage

USAGES = [
    ("RSA-2048", Primitive.SIGNATURE, CryptoFunction.CERTIFICATE_SIGNATURE, QuantumStatus.BROKEN),
    ("RSA-1024", Primitive.ENCRYPTION, CryptoFunction.KEY_WRAPPING, QuantumStatus.BROKEN),
    (
        "ML-KEM-768",
        Primitive.KEY_EXCHANGE,
        CryptoFunction.TLS_KEY_EXCHANGE,
        QuantumStatus.RESISTANT,
    ),
]


@pytest.fixture
def bank(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    with session_factory(sqlite_url).begin() as s:
        org = Organization(slug="bank", name="Bank", sector=Sector.FINANCE, tier=Tier.PRIVATE)
        empty = Organization(slug="empty", name="Empty", sector=Sector.FINANCE, tier=Tier.PRIVATE)
        s.add_all([org, empty])
        s.flush()
        asset = Asset(organization_id=org.id, ref="a1", name="portal", asset_type="service")
        s.add(asset)
        s.flush()
        for i, (algorithm, primitive, function, status) in enumerate(USAGES):
            s.add(stored_usage(org.id, asset.id, f"u{i}", algorithm, primitive, function, status))
    return sqlite_url


def _run(*args: str) -> str:
    result = CliRunner().invoke(app, ["plan", "judge", *args], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def test_one_profile_lists_and_counts_every_usage(bank: str) -> None:
    out = _run("--org", "bank", "--profile", "kr-2035")
    assert "no cryptographic component" not in out
    assert "3 usages," in out
    assert "0 of 3 usages have disagreements" in out
    # RSA-1024 is broken by classical attacks today: it fails the gate, and is listed
    assert "FAIL RSA-1024 in portal" in out
    assert "ML-KEM-768 in portal" in out


def test_counts_are_of_the_inventory_when_the_list_is_cut(bank: str) -> None:
    out = _run("--org", "bank", "--profile", "kr-2035", "--profile", "us-cnsa2", "--limit", "1")
    assert "3 usages," in out
    assert "listed 1 of" in out
    failing = int(out.split(" failing the gate")[0].rsplit(", ", 1)[1])
    assert failing >= 1  # RSA-1024, whether listed or not


def test_an_empty_organization_says_so(bank: str) -> None:
    out = _run("--org", "empty", "--profile", "kr-2035")
    assert "organization empty has no cryptographic usage" in out
    assert "FAIL" not in out and "in the file" not in out
