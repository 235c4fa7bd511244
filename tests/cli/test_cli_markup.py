"""User text is printed as text: rich markup in names or errors neither styles nor crashes."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_cli import run


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
