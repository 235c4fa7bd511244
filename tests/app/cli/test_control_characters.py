"""No terminal control or bidi character from an input reaches what pqcplan prints.

An organization, an asset and an algorithm carry an escape sequence that would erase the
line and a right-to-left override; every CLI face that shows them (org list, inventory
summary, plan generate, show --why and judge, the Markdown and HTML exports)
shows the escapes, never the characters (`core.display.printable`).
"""

from __future__ import annotations

from typing import Any

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

EVIL = "\x1b[2K\r\u202e"
RAW = ("\x1b", "\r", "\u202e")


@pytest.fixture
def evil_db(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    with session_factory(sqlite_url).begin() as s:
        org = Organization(slug="evil", name=f"Evil{EVIL}", sector=Sector.OTHER, tier=Tier.PRIVATE)
        s.add(org)
        s.flush()
        asset = Asset(organization_id=org.id, ref="a1", name=f"portal{EVIL}", asset_type="service")
        s.add(asset)
        s.flush()
        for i, (algorithm, primitive, function, status) in enumerate(
            [
                (
                    f"FooCipher{EVIL}",
                    Primitive.SYMMETRIC,
                    CryptoFunction.OTHER,
                    QuantumStatus.UNKNOWN,
                ),
                (
                    "ML-KEM-768",
                    Primitive.KEY_EXCHANGE,
                    CryptoFunction.TLS_KEY_EXCHANGE,
                    QuantumStatus.RESISTANT,
                ),
                (
                    "RSA-2048",
                    Primitive.SIGNATURE,
                    CryptoFunction.CERTIFICATE_SIGNATURE,
                    QuantumStatus.BROKEN,
                ),
            ]
        ):
            s.add(stored_usage(org.id, asset.id, f"u{i}", algorithm, primitive, function, status))
    yield
    get_settings.cache_clear()


def test_no_control_character_reaches_the_terminal(evil_db: Any) -> None:
    runner = CliRunner()
    judge = ["plan", "judge", "--org", "evil", "--no-only-disagreements"]
    commands = [
        ["org", "list"],
        ["inventory", "summary"],
        ["plan", "generate", "--profile", "us-cnsa2", "--org", "evil", "--start", "2027-01-01"],
        ["plan", "show", "1", "--why"],
        [*judge, "--profile", "us-cnsa2", "--profile", "kr-2035"],
        ["plan", "export", "1", "--format", "md"],
        ["plan", "export", "1", "--format", "html"],
    ]
    for args in commands:
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args, result.output)
        for char in RAW:
            assert char not in result.output, (args, repr(char))
        if args[:2] != ["plan", "generate"]:  # the others show the names, escaped
            assert "x1b" in result.output and "u202e" in result.output, args
