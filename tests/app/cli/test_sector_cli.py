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


def test_show_a_sector_in_korean_as_a_table_and_in_markdown() -> None:
    """`--lang ko`: the catalog's Korean beside every English text (name, description,
    why, where to look, the sources' notes); source titles and URLs stay as written."""
    md = CliRunner().invoke(app, ["sector", "show", "space", "--lang", "ko", "--format", "md"])
    assert md.exit_code == 0, md.output
    assert md.output.startswith("# 우주 (`space`")
    assert "- 이유: 위조된 원격명령" in md.output and "찾는 곳 (공급업체 질의서)" in md.output
    assert "  - 비고: CCSDS/SDLS는 현재 대칭키에 의존하며" in md.output  # a source's note
    assert "why:" not in md.output and "look (" not in md.output and "note:" not in md.output
    table = CliRunner().invoke(
        app, ["sector", "show", "telecom", "--lang", "ko"], env={"COLUMNS": "200"}
    )
    assert table.exit_code == 0, table.output
    assert "통신" in table.output and "[매우 높음]" in table.output and "알고리즘:" in table.output
    english = CliRunner().invoke(app, ["sector", "show", "space", "--format", "md"])
    assert "- why: A forged telecommand" in english.output  # English stays the default
    wrong = CliRunner().invoke(app, ["sector", "show", "space", "--lang", "fr"])
    assert wrong.exit_code == 2 and "--lang must be en or ko" in wrong.output
