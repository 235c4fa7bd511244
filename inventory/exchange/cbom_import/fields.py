"""Field coercion: read one JSON value as the type the model needs, or raise `InputError`
naming its JSON path. `None` (an absent field) passes through as None, or [] and {} for lists
and objects. `child_path` writes the path of a key the way JSONPath does.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from core.errors import NOT_ONE_OF, InputError
from core.field_limits import check_observed
from core.i18n import N_
from core.their_words import their_words
from inventory.choices import (
    AssetType,
    Criticality,
    CryptoFunction,
    DataSensitivity,
    Environment,
    Exposure,
    QuantumStatus,
    Source,
)
from inventory.exchange.cbom_common import parse_datetime

# Columns our own `pqcplan:*` properties carry that are not plain text.
ENUM_COLUMNS: dict[str, type[StrEnum]] = {
    "asset_type": AssetType,
    "environment": Environment,
    "criticality": Criticality,
    "exposure": Exposure,
    "data_sensitivity": DataSensitivity,
    "function": CryptoFunction,
    "quantum_status": QuantumStatus,
    "source": Source,
}
INT_COLUMNS = frozenset({"secrecy_years", "key_size"})
DATETIME_COLUMNS = frozenset({"first_seen", "last_seen"})


def child_path(path: str, key: str) -> str:
    """The JSON path of `key` inside the object at `path`.

    >>> child_path("$.components[0]", "name"), child_path("$", "bom-ref")
    ('$.components[0].name', "$['bom-ref']")
    """
    if key.isidentifier() and key.isascii():
        return f"{path}.{key}"
    return f"{path}['{key}']"


def opt_str(value: Any, path: str, what: str, *, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise InputError(N_("{what} is missing"), path, what=what)
        return None
    if not isinstance(value, str):
        raise InputError(
            N_("{what} must be a string, not {type}"), path, what=what, type=type(value).__name__
        )
    if required and not value.strip():
        raise InputError(N_("{what} is empty"), path, what=what)
    return value


def opt_int(value: Any, path: str, what: str) -> int | None:
    """An integer, or a string of digits (some tools quote key sizes)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        raise InputError(N_("{what} must be an integer"), path, what=what)
    return value


def opt_list(value: Any, path: str, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(N_("{what} must be a list"), path, what=what)
    return value


def opt_obj(value: Any, path: str, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError(N_("{what} must be an object"), path, what=what)
    return value


def opt_date(value: Any, path: str, what: str) -> datetime | None:
    if value is None:
        return None
    try:  # the same window as the API and the CSV import (core.field_limits)
        return check_observed(parse_datetime(value))
    except (ValueError, TypeError, OverflowError) as exc:
        raise InputError(
            N_("{what} is not an ISO 8601 date-time: {value} ({reason})"),
            path,
            what=what,
            value=repr(value),
            reason=their_words(str(exc)),
        ) from exc


def enum_value(enum_cls: type[StrEnum], value: str, path: str, what: str) -> StrEnum:
    try:
        return enum_cls(value)
    except ValueError as exc:
        allowed = ", ".join(m.value for m in enum_cls)
        raise InputError(
            NOT_ONE_OF,
            path,
            what=what,
            value=repr(value),
            allowed=allowed,
        ) from exc


#: the key sizes a usage may record, in bits (the API's bounds): anything outside is not a key
KEY_SIZE_MIN, KEY_SIZE_MAX = 1, 1_000_000


def key_size(value: int | None, path: str) -> int | None:
    """A key size within what any real key has, or an error naming the place.

    >>> key_size(2048, "$.x"), key_size(None, "$.x")
    (2048, None)
    """
    if value is not None and not KEY_SIZE_MIN <= value <= KEY_SIZE_MAX:
        raise InputError(
            N_("key size {value} bits is impossible (a key has {least} to {most} bits)"),
            path,
            value=value,
            least=KEY_SIZE_MIN,
            most=f"{KEY_SIZE_MAX:,}",
        )
    return value


def column_value(col: str, value: str | None, path: str) -> Any:
    """The value of a `pqcplan:asset:<col>` / `pqcplan:usage:<col>` property, typed."""
    if value is None:
        return None
    if col in ENUM_COLUMNS:
        return enum_value(ENUM_COLUMNS[col], value, path, col)
    if col in INT_COLUMNS:
        try:
            number = int(value)
        except ValueError as exc:
            raise InputError(
                N_("{what} must be an integer, not {value}"), path, what=col, value=repr(value)
            ) from exc
        return key_size(number, path) if col == "key_size" else number
    if col in DATETIME_COLUMNS:
        return opt_date(value, path, col)
    return value
