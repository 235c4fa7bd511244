"""Errors a user can cause, each naming what was wrong and where.

A message is a template marked for the catalog (`N_`) with its fields, so a page says it in
the reader's language (`core.i18n.Said`); its English (`message`, `str`) is what the API
answers and what a job stores:

    raise InputError(N_("{what} must be a list"), path, what=what)

Words that are not the project's own (an engine's or the OS's error text) are quoted as a
field, `reason=as_written(str(exc))`, or whole, `InputError(as_written(text), where)`: shown
as written. A check shared with pydantic validators raises `ValueError(say(...))`; its
caller passes that on with `said_of(exc)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.i18n import N_, Said, as_written

# Where a problem is, when it is not a JSON path or a field name (read back on pages)
LINE = N_("line {line}")
LINE_COLUMN = N_("line {line}, column '{column}'")
QUERY_PARAMETER = N_("query parameter {name}")
# said by many checks
ONE_OF = N_("must be one of {choices}")
FIELD_ONE_OF = N_("{field} must be one of {choices}")
SELF_DEPENDENCY = N_("an asset cannot depend on itself")
NO_TARGETS = N_("no targets given")
NOT_A_SORT = N_("'{column}' is not a column to sort by; choose one of {choices}")
BAD_CURSOR = N_("the page cursor is not one this list gave out")
UNKNOWN_MEMBERS = N_("unknown member(s) {members}")
LONGER = N_("{what} is longer than {length} characters")


# A pydantic problem by its type, with its limits from `ctx` (forms, CSV cells, answers)
BY_TYPE: dict[str, str] = {
    "missing": N_("This field is required."),
    "string_too_short": N_("Enter at least {min_length} characters."),
    "string_too_long": N_("Enter at most {max_length} characters."),
    "too_short": N_("Choose at least {min_length}."),
    "too_long": N_("Choose at most {max_length}."),
    "int_parsing": N_("Enter a whole number."),
    "int_type": N_("Enter a whole number."),
    "int_from_float": N_("Enter a whole number."),
    "float_parsing": N_("Enter a number."),
    "float_type": N_("Enter a number."),
    "greater_than": N_("Enter a number greater than {gt}."),
    "greater_than_equal": N_("Enter a number of at least {ge}."),
    "less_than": N_("Enter a number less than {lt}."),
    "less_than_equal": N_("Enter a number of at most {le}."),
    "literal_error": N_("Choose one of: {expected}."),
    "enum": N_("Choose one of: {expected}."),
    "string_pattern_mismatch": N_("This value does not have the expected form."),
    "date_from_datetime_parsing": N_("Enter a date as YYYY-MM-DD."),
    "date_parsing": N_("Enter a date as YYYY-MM-DD."),
    "date_type": N_("Enter a date as YYYY-MM-DD."),
    "bool_parsing": N_("Choose yes or no."),
    "extra_forbidden": N_("This field is not expected."),
}
OTHER = N_("This value is not accepted: {detail}")


def pydantic_said(err: Mapping[str, Any]) -> Said:
    """One pydantic error said by its type and `ctx` (a sentence of the catalog per type);
    its English stays pydantic's own `msg`. A type not listed quotes pydantic's words after a
    translated lead."""
    english = str(err.get("msg", ""))
    kind = str(err.get("type", ""))
    inner = (err.get("ctx") or {}).get("error")
    if kind == "value_error" and isinstance(inner, Exception):  # a validator's own words
        said = said_of(inner)
        return Said(said.template, said.fields, english)
    message = BY_TYPE.get(kind)
    if message is None:
        return Said(OTHER, {"detail": as_written(english)}, english)
    ctx: dict[str, object] = {k: str(v) for k, v in (err.get("ctx") or {}).items()}
    ctx.setdefault("expected", "")
    return Said(message, ctx, english)


def said_of(exc: BaseException) -> Said:
    """What an exception says: its `Said` when it was raised with one (a ValueError of a
    check shared with pydantic validators), else its text quoted as written."""
    if isinstance(exc, InputError):
        return exc.said
    if exc.args and isinstance(exc.args[0], Said):
        return exc.args[0]
    return as_written(str(exc))


class InputError(ValueError):
    """Bad input: `location` is a JSON path ($.components[3].name), a CSV line, or a field.

    `message` is a marked template put together with `fields` (or a `Said` already made);
    `said` keeps the template and fields, `message` is the English."""

    def __init__(self, message: str, location: str | None = None, /, **fields: object) -> None:
        self.said = message if isinstance(message, Said) and not fields else Said(message, fields)
        self.message = str(self.said)
        self.location = location
        super().__init__(f"{location}: {self.message}" if location else self.message)


class TooLarge(InputError):
    """An upload or a document exceeds a configured size limit."""


class NotJson(InputError):
    """A body that must be JSON was sent as something else (or with no Content-Type): 415."""


class Conflict(ValueError):
    """The write would break a uniqueness rule (same ref, same dependency twice)."""
