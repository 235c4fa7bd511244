"""Packaged data files read through the parse cache give what YAML gives, and a cache that
is wrong, unreadable or cannot hold a value is never believed."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from core.yaml_safe import cache_dir, load_packaged, safe_load
from inventory.catalog.catalog import DATA_FILE
from migration.profiles.loader import DATA_DIR

TEXT = "version: '3'\nwhen: 2035-12-31\nat: 2026-11-27 10:00:00+09:00\nuses: {kem: [ML-KEM-768]}\n"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PQCPLAN_CACHE", str(tmp_path))
    return tmp_path / "data"


def test_the_cache_gives_what_yaml_gives(cache: Path) -> None:
    first = load_packaged(TEXT)
    assert first == safe_load(TEXT)
    assert first["at"] == datetime(2026, 11, 27, 10, tzinfo=timezone(timedelta(hours=9)))
    [entry] = cache.iterdir()
    again = load_packaged(TEXT)  # from the entry now
    assert again == first and isinstance(again["when"], date)
    assert '"$date": "2035-12-31"' in entry.read_text()


def test_every_packaged_file_reads_back_equal(cache: Path) -> None:
    for path in [DATA_FILE, *sorted(DATA_DIR.glob("*.yaml"))]:
        text = path.read_text(encoding="utf-8")
        load_packaged(text)  # writes the entry
        assert load_packaged(text) == safe_load(text), path.name
    assert len(list(cache.iterdir())) == 1 + len(list(DATA_DIR.glob("*.yaml")))


def test_a_broken_entry_is_passed_by_and_rewritten(cache: Path) -> None:
    load_packaged(TEXT)
    [entry] = cache.iterdir()
    entry.write_text('{"version": "3", "when"')  # half an entry
    assert load_packaged(TEXT) == safe_load(TEXT)
    assert entry.read_text().endswith("}")


def test_what_json_cannot_hold_exactly_is_not_cached(cache: Path) -> None:
    # a number key, a date key, a mapping that looks like our date tag
    for text in ("1: one\n", "2030-01-01: x\n", "'$date': '2030-01-01'\n"):
        assert load_packaged(text) == safe_load(text), text
    assert load_packaged("x: .nan\n")["x"] != load_packaged("x: .nan\n")["x"]  # still NaN
    assert not cache.exists() or list(cache.iterdir()) == []


def test_a_syntax_error_is_yamls_and_caches_nothing(cache: Path) -> None:
    with pytest.raises(yaml.YAMLError):
        load_packaged("a: [1, 2\n")
    assert not cache.exists()


def test_an_unwritable_cache_is_passed_by(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("PQCPLAN_CACHE", str(blocker))
    assert cache_dir().parent == blocker
    assert load_packaged(TEXT) == safe_load(TEXT)
