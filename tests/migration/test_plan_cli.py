"""`pqcplan plan` and `pqcplan profiles` on a real SQLite database."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from app.cli.plan import plan_app
from app.cli.profiles import profiles_app
from app.settings import get_settings
from core.choices import Sector, Tier
from core.db import session_factory
from core.models import Organization
from migration.profiles import get_profile, profile_to_dict
from tests.migration.test_plan_api import seed

runner = CliRunner()


@pytest.fixture
def org_db(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    sessions = session_factory(sqlite_url)
    with sessions.begin() as s:
        org = Organization(
            slug="ministry",
            name="Ministry",
            sector=Sector.GOVERNMENT,
            tier=Tier.CENTRAL_GOVERNMENT,
        )
        s.add(org)
    seed(SimpleNamespace(sessions=sessions), org)
    yield org
    get_settings.cache_clear()


def _ok(app: Any, args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.output


def test_generate_show_export_compare(org_db: Any, tmp_path: Path) -> None:
    out = _ok(
        plan_app,
        ["generate", "--profile", "kr-2035", "--org", "ministry", "--start", "2026-11-24"],
    )
    assert "plan 1 version 1" in out and "progress by phase" in out
    out = _ok(plan_app, ["show", "1", "--why", "--limit", "5"])
    assert "root-ca" in out and "waits for provider" in out
    for fmt in ("csv", "json", "md", "html"):
        target = tmp_path / f"plan.{fmt}"
        _ok(plan_app, ["export", "1", "--format", fmt, "--output", str(target)])
        assert target.stat().st_size > 100
    assert json.loads((tmp_path / "plan.json").read_text())["summary"]["tasks"] == 5
    assert "<svg" in (tmp_path / "plan.html").read_text()
    _ok(plan_app, ["status", "1", "--set", "done"])
    _ok(
        plan_app,
        [
            "generate",
            "--profile",
            "kr-2035",
            "--org",
            "ministry",
            "--plan",
            "1",
            "--capacity",
            "1",
            "--start",
            "2026-11-24",
        ],
    )
    out = _ok(plan_app, ["compare", "1", "--from", "1", "--to", "2"])
    assert "added 0, removed 0" in out
    out = _ok(plan_app, ["list", "--org", "ministry"])
    assert "v2" in out


def test_user_errors_are_one_line(org_db: Any) -> None:
    result = runner.invoke(plan_app, ["generate", "--profile", "mars", "--org", "ministry"])
    assert result.exit_code == 2 and "unknown profile 'mars'" in result.output
    result = runner.invoke(plan_app, ["show", "99"])
    assert result.exit_code == 2 and "no plan 99" in result.output
    result = runner.invoke(plan_app, ["export", "1", "--format", "pdf"])
    assert result.exit_code == 2


def test_judge_and_profiles(org_db: Any, tmp_path: Path) -> None:
    out = _ok(
        plan_app,
        ["judge", "--org", "ministry", "--profile", "kr-2035", "--profile", "us-cnsa2"],
    )
    assert "disagreements" in out
    out = _ok(profiles_app, ["list"])
    assert "kr-2035" in out and "us-cnsa2" in out
    data = profile_to_dict(get_profile("uk-ncsc-2035"))
    data["id"] = "ministry-2030"
    good = tmp_path / "mine.yaml"
    good.write_text(yaml.safe_dump(data))
    _ok(profiles_app, ["validate", str(good)])
    _ok(profiles_app, ["add", str(good), "--org", "ministry"])
    out = _ok(plan_app, ["generate", "--profile", "ministry-2030", "--org", "ministry"])
    assert "ministry-2030" in out
    data["phases"][0]["end"] = "not a date"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    result = runner.invoke(profiles_app, ["validate", str(bad)])
    assert result.exit_code == 2 and "phases.0.end" in result.output
