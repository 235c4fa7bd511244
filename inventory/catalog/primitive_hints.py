"""The primitive of an algorithm name the catalog does not know, guessed from hints in its name.

The hints are data (``data/primitive_hints.yaml``), loaded and checked once like the
catalog itself; a malformed table raises `CatalogError` naming the entry and the field.
The catalog's own answer comes first; the table speaks only for names it does not know::

    >>> from inventory.catalog.primitive_hints import guess_primitive
    >>> guess_primitive("ML-KEM-768"), guess_primitive("HomegrownKyber-2")
    (<Primitive.KEY_EXCHANGE: 'key_exchange'>, <Primitive.KEY_EXCHANGE: 'key_exchange'>)
    >>> guess_primitive("vendor-hmac-x"), guess_primitive("HomegrownCipher-3")
    (<Primitive.MAC: 'mac'>, <Primitive.OTHER: 'other'>)
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from core.yaml_safe import safe_load, yaml_error
from inventory.catalog.catalog import get_catalog
from inventory.catalog.models import CatalogError
from inventory.choices import Primitive

HINTS_FILE = Path(__file__).parent / "data" / "primitive_hints.yaml"

Hint = str
HintTable = tuple[tuple[tuple[Hint, ...], Primitive], ...]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Entry(_Strict):
    primitive: Primitive
    hints: tuple[Hint, ...] = Field(min_length=1)

    @field_validator("hints")
    @classmethod
    def _upper_case(cls, hints: tuple[Hint, ...]) -> tuple[Hint, ...]:
        for hint in hints:
            if not hint.strip() or hint != hint.upper():
                raise ValueError(f"hint {hint!r} must be non-empty upper-case text")
        return hints


class _HintsFile(_Strict):
    version: int = Field(ge=1)
    primitives: tuple[_Entry, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _each_hint_once(self) -> _HintsFile:
        first: dict[Hint, int] = {}
        for i, entry in enumerate(self.primitives):
            for hint in entry.hints:
                if hint in first:
                    raise ValueError(
                        f"hint {hint!r} of primitives[{i}] is already in primitives[{first[hint]}]"
                        " (the earlier one always wins)"
                    )
                first[hint] = i
        return self


def load_primitive_hints(path: str | Path | None = None) -> HintTable:
    """Load and check a hint table (the packaged one by default). Not cached."""
    file = Path(path) if path is not None else HINTS_FILE
    origin = str(file)
    try:
        raw: Any = safe_load(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogError(f"{origin}: cannot read the primitive hints: {exc}") from exc
    except yaml_error() as exc:
        raise CatalogError(f"{origin}: not valid YAML: {exc}") from exc
    try:
        data = _HintsFile.model_validate(raw)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(part) for part in e['loc']) or 'top level'}: {e['msg']}"
            for e in exc.errors()
        ]
        raise CatalogError(
            f"{origin}: {len(problems)} problem(s) in the primitive hints:\n  "
            + "\n  ".join(problems),
            problems,
        ) from None
    return tuple((entry.hints, entry.primitive) for entry in data.primitives)


@functools.cache
def primitive_hints() -> HintTable:
    """The packaged hint table, loaded and checked on first use, then shared."""
    return load_primitive_hints()


def guess_primitive(name: str) -> Primitive:
    """The catalog's primitive for `name`; else that of the first hint found in it; else other."""
    entry = get_catalog().resolve(name)
    if entry is not None:
        return entry.primitive
    upper = name.upper()
    for hints, primitive in primitive_hints():
        if any(hint in upper for hint in hints):
            return primitive
    return Primitive.OTHER
