"""`pqcplan plan judge` reads on an 80-column terminal (it used to cut every cell with '…')."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from app.cli import common
from app.cli.plan import plan_app
from tests.migration.test_plan_cli import org_db  # noqa: F401  (fixture)


def test_plan_judge_fits_80_columns(org_db: Any, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setattr(common.console, "width", 80)
    args = ["judge", "--org", "ministry", "--no-only-disagreements"]
    for profile in ("kr-2035", "us-cnsa2", "au-asd-2030", "fr-anssi"):
        args += ["--profile", profile]
    result = CliRunner().invoke(plan_app, args)
    assert result.exit_code == 0, result.output
    assert "…" not in result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80
    assert "satisfies all" in result.output and "ML-KEM-1024" in result.output
