"""Wrapper functions across files: a finding is located at the caller's line, and the cache
of an unchanged caller is dropped when the file defining its wrapper changes, appears or
stops wrapping cryptography."""

from __future__ import annotations

from pathlib import Path

import pytest

from inventory.discovery.code import scan
from inventory.discovery.code.scan import scan_code

WRAPPER_RSA = (
    "from cryptography.hazmat.primitives.asymmetric import rsa\n\n\n"
    "def make_key(bits=2048):\n"
    "    return rsa.generate_private_key(65537, bits)\n"
)
WRAPPER_DSA = (
    "from cryptography.hazmat.primitives.asymmetric import dsa\n\n\n"
    "def make_key(bits=2048):\n"
    "    return dsa.generate_private_key(bits)\n"
)
NOT_A_WRAPPER = "def make_key(bits=2048):\n    return bits\n"
CALLER = "from .keys import make_key\n\n\ndef run():\n    return make_key(1024)\n"
LATE_CALLER = "from .late import seal\n\nDIGEST = seal('md5')\n"
LATE = "import hashlib\n\n\ndef seal(name):\n    return hashlib.new(name)\n"


def _found(root: Path, **kw) -> set[tuple[str, int, str, int | None]]:
    result = scan_code(root, workers=1, **kw)
    return {(f.path, f.line, f.algorithm, f.key_size) for f in result.findings}


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PQCPLAN_CACHE", str(tmp_path / "cache"))
    root = tmp_path / "tree" / "app"
    root.mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "keys.py").write_text(WRAPPER_RSA)
    (root / "main.py").write_text(CALLER)
    (root / "other.py").write_text(LATE_CALLER)
    return tmp_path / "tree"


def test_a_changed_wrapper_changes_its_unchanged_callers_findings(tree: Path) -> None:
    assert _found(tree) == {("app/main.py", 5, "RSA", 1024)}
    again = scan_code(tree, workers=1)
    assert again.parsed == 0 and {(f.path, f.algorithm) for f in again.findings} == {
        ("app/main.py", "RSA")
    }
    (tree / "app" / "keys.py").write_text(WRAPPER_DSA)  # main.py itself is unchanged
    assert _found(tree) == {("app/main.py", 5, "DSA", 1024)}
    (tree / "app" / "keys.py").write_text(NOT_A_WRAPPER)
    assert _found(tree) == set()
    (tree / "app" / "keys.py").write_text(WRAPPER_RSA)
    assert _found(tree) == {("app/main.py", 5, "RSA", 1024)}
    # a wrapper file that appears after its caller was scanned (and cached as plain)
    (tree / "app" / "late.py").write_text(LATE)
    assert _found(tree) == {("app/main.py", 5, "RSA", 1024), ("app/other.py", 3, "MD5", None)}
    assert _found(tree) == _found(tree, use_cache=False)


def test_cross_file_findings_are_the_same_from_parallel_workers(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tree / "app" / "late.py").write_text(LATE)
    monkeypatch.setattr(scan, "PARALLEL_FROM", 1)
    parallel = scan_code(tree, workers=2, use_cache=False)
    assert {(f.path, f.line, f.algorithm, f.key_size) for f in parallel.findings} == {
        ("app/main.py", 5, "RSA", 1024),
        ("app/other.py", 3, "MD5", None),
    }
    caller = next(f for f in parallel.findings if f.path == "app/main.py")
    assert caller.wrapper.startswith("app/keys.py:5:")
    assert any("app/keys.py:5" in note for note in caller.notes)


def test_a_wrapper_of_a_wrapper_in_a_third_file(tree: Path) -> None:
    """outer() in mid.py calls keys.make_key(size): top.py's outer(512) is RSA-512 at its
    own line, and neither mid.py's nor keys.py's unknown finding stays; keys.py changing
    changes top.py's finding (two files away)."""
    (tree / "app" / "mid.py").write_text(
        "from .keys import make_key\n\n\ndef outer(size):\n    return make_key(size)\n"
    )
    (tree / "app" / "top.py").write_text("from .mid import outer\n\nK = outer(512)\n")
    assert _found(tree) == {("app/main.py", 5, "RSA", 1024), ("app/top.py", 3, "RSA", 512)}
    (tree / "app" / "keys.py").write_text(WRAPPER_DSA)
    assert _found(tree) == {("app/main.py", 5, "DSA", 1024), ("app/top.py", 3, "DSA", 512)}
    assert _found(tree) == _found(tree, use_cache=False)


def test_only_files_of_the_wrappers_language_family_go_to_the_second_pass(tree: Path) -> None:
    go = 'package app\n\n// make_key is Python\nvar s = "make_key"\n'
    (tree / "app" / "tool.go").write_text(go)
    (tree / "app" / "notes.py").write_text("# make_key is documented elsewhere\n")
    result = scan_code(tree, workers=1)
    # keys.py (first pass), main.py and notes.py (they name make_key), not tool.go
    assert result.parsed == 3
    assert {(f.path, f.algorithm) for f in result.findings} == {("app/main.py", "RSA")}


def test_every_caller_of_a_chain_depends_on_its_innermost_file(tree: Path) -> None:
    """Two callers of one wrapper-of-a-wrapper in one process (the second reuses the middle
    file's analysis): changing the innermost file changes both callers' findings."""
    (tree / "app" / "mid.py").write_text(
        "from .keys import make_key\n\n\ndef outer(size):\n    return make_key(size)\n"
    )
    for name in ("one", "two"):
        (tree / "app" / f"{name}.py").write_text("from .mid import outer\n\nK = outer(512)\n")
    first = _found(tree)
    assert {("app/one.py", 3, "RSA", 512), ("app/two.py", 3, "RSA", 512)} <= first
    (tree / "app" / "keys.py").write_text(WRAPPER_DSA)
    again = _found(tree)
    assert {("app/one.py", 3, "DSA", 512), ("app/two.py", 3, "DSA", 512)} <= again
