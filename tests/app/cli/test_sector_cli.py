"""`pqcplan sector list|show` read the built-in catalogs without a database (in-process)."""

from __future__ import annotations

from typer.testing import CliRunner

from app.cli.main import app


def test_list_counts_targets_and_secondary_sources() -> None:
    out = CliRunner().invoke(app, ["sector", "list"], env={"COLUMNS": "160"})
    assert out.exit_code == 0, out.output
    assert "60 targets in 11 sectors" in out.output


def test_show_a_sector_with_sources_in_markdown_and_a_bad_one_is_one_line() -> None:
    out = CliRunner().invoke(app, ["sector", "show", "telecom", "--format", "md"])
    assert out.exit_code == 0, out.output
    assert "## 5G SUCI concealment" in out.output and "(secondary)" in out.output
    bad = CliRunner().invoke(app, ["sector", "show", "mining"])
    assert bad.exit_code == 2 and "no built-in catalog for 'mining'" in bad.output
    wrong = CliRunner().invoke(app, ["sector", "show", "telecom", "--format", "yaml"])
    assert wrong.exit_code == 2
