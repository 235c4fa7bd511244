"""The primitive hint table (inventory/catalog/data/primitive_hints.yaml): the packaged one
loads and guesses as the importer always did; a malformed one is refused, naming the entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from inventory.catalog import CatalogError
from inventory.catalog.primitive_hints import (
    HINTS_FILE,
    guess_primitive,
    load_primitive_hints,
    primitive_hints,
)
from inventory.choices import Primitive


def test_packaged_table_loads_once_in_file_order() -> None:
    table = primitive_hints()
    assert table is primitive_hints()
    assert table == load_primitive_hints(HINTS_FILE)
    assert [p for _, p in table][:2] == [Primitive.KEY_EXCHANGE, Primitive.SIGNATURE]
    assert "WITHRSA" in dict((p, h) for h, p in table)[Primitive.SIGNATURE]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ML-DSA-65", Primitive.SIGNATURE),  # the catalog answers first
        ("HomegrownKyber-2", Primitive.KEY_EXCHANGE),
        ("acme-sha256withrsa", Primitive.SIGNATURE),  # before "RSA" -> encryption
        ("acme-rsa-oaep-x", Primitive.SIGNATURE),  # "-RSA" is a signature hint
        ("acmersa", Primitive.ENCRYPTION),
        ("vendor-hmac-sha256-x", Primitive.MAC),  # before "SHA" -> hash
        ("vendor-hkdf-x", Primitive.KDF),
        ("vendor-blake9", Primitive.HASH),
        ("vendor-aes-xts-x", Primitive.SYMMETRIC),
        ("HomegrownCipher-3", Primitive.OTHER),
    ],
)
def test_guess(name: str, expected: Primitive) -> None:
    assert guess_primitive(name) is expected


GOOD_ENTRY = "  - primitive: mac\n    hints: [HMAC]\n"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("version: 1\nprimitives: [\n", "not valid YAML"),
        ("- just a list\n", "top level"),
        ("version: 1\n", "primitives: Field required"),
        ("version: 1\nprimitives: []\n", "primitives: Tuple should have at least 1 item"),
        (
            "version: 1\nprimitives:\n  - primitive: quantum\n    hints: [QX]\n",
            "primitives.0.primitive: Input should be",
        ),
        ("version: 1\nprimitives:\n  - primitive: mac\n    hints: []\n", "primitives.0.hints"),
        (
            "version: 1\nprimitives:\n" + GOOD_ENTRY + "  - primitive: hash\n    hints: [sha]\n",
            "primitives.1.hints: Value error, hint 'sha' must be non-empty upper-case text",
        ),
        (
            "version: 1\nprimitives:\n"
            + GOOD_ENTRY
            + "  - primitive: hash\n    hints: [SHA, HMAC]\n",
            "hint 'HMAC' of primitives[1] is already in primitives[0]",
        ),
        (
            "version: 1\nprimitives:\n  - primitive: mac\n    hints: [HMAC]\n    note: x\n",
            "primitives.0.note: Extra inputs are not permitted",
        ),
        ("version: 0\nprimitives:\n" + GOOD_ENTRY, "version: Input should be greater than"),
    ],
)
def test_malformed_table_is_refused(tmp_path: Path, text: str, problem: str) -> None:
    bad = tmp_path / "hints.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError) as err:
        load_primitive_hints(bad)
    assert str(bad) in str(err.value)
    assert problem in str(err.value)


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="cannot read the primitive hints"):
        load_primitive_hints(tmp_path / "absent.yaml")
