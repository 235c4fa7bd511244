"""User text is printed as text: rich markup in names or errors neither styles nor crashes."""

from __future__ import annotations

from pathlib import Path

from tests.app.cli.test_cli import run


def test_markup_in_names_and_errors_is_printed_literally(tmp_path: Path):
    db = tmp_path / "markup.sqlite3"
    run(["db", "upgrade"], db)
    run(
        ["org", "create", "mk", "[/x] [red]Org[/red]", "--sector", "energy", "--tier", "private"],
        db,
    )
    listed = run(["org", "list"], db)
    assert "[/x] [red]Org[/red]" in listed.stdout

    csv_file = tmp_path / "bad.csv"
    csv_file.write_text(
        "asset_ref,asset_name,asset_type,depends_on\nweb,web,application,[/bold]\n",
        encoding="utf-8",
    )
    proc = run(["import", "csv", str(csv_file), "--org", "mk"], db, check=False)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "MarkupError" not in proc.stderr
    assert "unknown asset ref '[/bold]'" in proc.stderr


def test_judge_markdown_escapes_names_from_the_judged_file(tmp_path: Path):
    rows = tmp_path / "names.csv"
    rows.write_text(
        "asset_ref,asset_name,asset_type,algorithm,primitive,function\n"
        "web,<script>alert(1)</script> *x*,application,RSA-2048,signature,"
        "certificate_signature\n",
        encoding="utf-8",
    )
    proc = run(["judge", str(rows), "--format", "md", "--as-of", "2026-11-27"], tmp_path / "x.db")
    assert "<script>" not in proc.stdout
    assert "&lt;script&gt;alert(1)&lt;/script&gt; \\*x\\*" in proc.stdout


def test_an_argument_a_request_model_refuses_is_one_line_and_exit_2(tmp_path: Path):
    db = tmp_path / "args.sqlite3"
    run(["db", "upgrade"], db)
    proc = run(
        ["org", "create", "xy", "a" * 300, "--sector", "energy", "--tier", "private"],
        db,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().startswith("error: name: String should have at most 200")
