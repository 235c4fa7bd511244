"""Files that are not source to parse are skipped with a count and a reason; nothing crashes
or hangs; a directory outside the organization's scopes is refused before it is read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from inventory.discovery.source import scan_source
from inventory.discovery.targets import OutOfScope, Scope, check_paths_in_scope


def _tree(root: Path, outside: Path) -> None:
    (root / "src").mkdir(parents=True)
    (root / "src" / "ok.py").write_text("import hashlib\nhashlib.md5(b'x')\n")
    (root / "src" / "blob.py").write_bytes(b"import hashlib\0\x01\x02" * 50)
    (root / "src" / "huge.py").write_text("import hashlib\n" + "x = 1\n" * 200_000)
    (root / "src" / "app.min.js").write_text(
        "const crypto=require('crypto');" + "var a=1;" * 3000 + "crypto.createHash('md5');"
    )
    (root / "src" / "latin1.py").write_bytes(
        "# caf\xe9\nimport hashlib\nhashlib.sha1()\n".encode("latin-1")
    )
    (root / "src" / "broken.py").write_text("import hashlib\nhashlib.sha1(b'x')\ndef f(:\n  pass\n")
    nested = "(\n" * 3000 + "1" + "\n)" * 3000  # deep, on short lines (not minified)
    deep = f"import hashlib\nKEY = {nested}\nhashlib.sha256(b'x')\nhashlib.new(KEY)\n"
    (root / "src" / "deep.py").write_text(deep)
    os.symlink(root / "src", root / "src" / "loop")
    (outside / "secret.py").write_text("import hashlib\nhashlib.md5()\n")
    os.symlink(outside, root / "escape")
    os.symlink(root / "missing", root / "dangling")
    (root / "node_modules" / "dep").mkdir(parents=True)
    (root / "node_modules" / "dep" / "x.js").write_text("require('crypto').createHash('md5')\n")


def test_bad_input_is_skipped_with_reasons(tmp_path: Path) -> None:
    root, outside = tmp_path / "repo", tmp_path / "outside"
    outside.mkdir()
    _tree(root, outside)
    result = scan_source(root, workers=1, use_cache=False)
    assert result.status == "ok"
    skipped = result.skipped
    assert skipped["binary"] == 1 and skipped["huge"] == 1 and skipped["minified"] == 1
    assert skipped["unknown encoding"] == 1
    assert skipped["symlink loop"] == 1 and skipped["outside the scope"] == 1
    assert skipped["broken symlink"] == 1 and skipped["excluded directory"] == 1
    assert "src/blob.py" in result.skipped_examples["binary"]
    where = {(f.path, f.algorithm) for f in result.findings}
    # the good file, the syntax error's own file (tree-sitter recovers) and the deep one
    assert ("src/ok.py", "MD5") in where
    assert ("src/broken.py", "SHA-1") in where
    assert ("src/deep.py", "SHA-256") in where
    assert not any(
        f.path.startswith(("escape", "node_modules", "src/loop")) for f in result.findings
    )


def test_a_path_outside_every_scope_is_refused(tmp_path: Path) -> None:
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    scopes = [Scope("path", str(allowed))]
    check_paths_in_scope([allowed / "repo"], scopes)
    with pytest.raises(OutOfScope):
        check_paths_in_scope([tmp_path / "other"], scopes)
    with pytest.raises(OutOfScope):  # ".." does not climb out of a scope
        check_paths_in_scope([allowed / ".." / "other"], scopes)


def test_a_missing_path_is_its_own_result(tmp_path: Path) -> None:
    result = scan_source(tmp_path / "nope")
    assert result.status == "error" and "no such" in (result.error or "")
