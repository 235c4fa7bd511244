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
from core.labels import label as english_label
from core.their_words import their_words

# Where a problem is, when it is not a JSON path or a field name (read back on pages)
LINE = N_("line {line}")
LINE_COLUMN = N_("line {line}, column '{column}'")
QUERY_PARAMETER = N_("query parameter {name}")
# said by many checks
ONE_OF = N_("must be one of {choices}")
NOT_ONE_OF = N_("{what} {value} is not one of: {allowed}")
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
    # the rest pydantic_core can say of data (`ErrorType`); NOT_DATA lists what it says only of
    # function calls and Python objects, never of a form, a CSV cell or a JSON body
    "no_such_attribute": N_("This field is not expected."),
    "json_invalid": N_("This is not valid JSON."),
    "json_type": N_("This is not valid JSON."),
    "recursion_loop": N_("This value refers to itself."),
    "recursion_depth_exceeded": N_("This value is nested too deeply."),
    "frozen_field": N_("This field cannot be changed."),
    "frozen_instance": N_("This value cannot be changed."),
    "invalid_key": N_("Names of fields must be text."),
    "get_attribute_error": N_("This value cannot be read."),
    "model_type": N_("Enter an object with the expected fields."),
    "model_attributes_type": N_("Enter an object with the expected fields."),
    "dataclass_type": N_("Enter an object with the expected fields."),
    "dataclass_exact_type": N_("Enter an object with the expected fields."),
    "named_tuple_type": N_("Enter a list or an object with the expected fields."),
    "default_factory_not_called": N_("This value depends on another field that is not valid."),
    "none_required": N_("Leave this field empty."),
    "multiple_of": N_("Enter a multiple of {multiple_of}."),
    "finite_number": N_("Enter a finite number."),
    "iterable_type": N_("Enter a list."),
    "iteration_error": N_("Enter a list."),
    "string_type": N_("Enter text."),
    "string_unicode": N_("Enter text in valid Unicode."),
    "string_not_ascii": N_("Use only ASCII characters."),
    "dict_type": N_("Enter an object (names and their values)."),
    "frozen_dict_type": N_("Enter an object (names and their values)."),
    "ordered_dict_type": N_("Enter an object (names and their values)."),
    "counter_type": N_("Enter an object (names and their values)."),
    "mapping_type": N_("Enter an object (names and their values)."),
    "list_type": N_("Enter a list."),
    "deque_type": N_("Enter a list."),
    "tuple_type": N_("Enter a list."),
    "set_type": N_("Enter a list."),
    "frozen_set_type": N_("Enter a list."),
    "set_item_not_hashable": N_("A list of distinct values cannot hold this value."),
    "bool_type": N_("Choose yes or no."),
    "int_parsing_size": N_("Enter a smaller whole number."),
    "bytes_type": N_("Enter bytes."),
    "bytes_too_short": N_("Enter at least {min_length} bytes."),
    "bytes_too_long": N_("Enter at most {max_length} bytes."),
    "bytes_invalid_encoding": N_("These bytes are not in the expected encoding."),
    "assertion_error": N_("This value is not accepted."),
    "missing_sentinel_error": N_("Leave this field out."),
    "ellipsis_error": N_("Leave this field out."),
    "date_from_datetime_inexact": N_("Enter a date without a time of day."),
    "date_past": N_("Enter a date in the past."),
    "date_future": N_("Enter a date in the future."),
    "time_type": N_("Enter a time as HH:MM."),
    "time_parsing": N_("Enter a time as HH:MM."),
    "datetime_type": N_("Enter a date and time as YYYY-MM-DDTHH:MM."),
    "datetime_parsing": N_("Enter a date and time as YYYY-MM-DDTHH:MM."),
    "datetime_object_invalid": N_("Enter a date and time as YYYY-MM-DDTHH:MM."),
    "datetime_from_date_parsing": N_("Enter a date and time as YYYY-MM-DDTHH:MM."),
    "datetime_past": N_("Enter a date and time in the past."),
    "datetime_future": N_("Enter a date and time in the future."),
    "timezone_naive": N_("Enter a date and time without a time zone."),
    "timezone_aware": N_("Enter a date and time with its time zone."),
    "timezone_offset": N_("Enter a date and time in the expected time zone."),
    "time_delta_type": N_("Enter a duration."),
    "time_delta_parsing": N_("Enter a duration."),
    "is_instance_of": N_("This value is not of the expected kind."),
    "is_subclass_of": N_("This value is not of the expected kind."),
    "union_tag_invalid": N_("Choose one of: {expected_tags}."),
    "union_tag_not_found": N_("This object does not say which kind it is ({discriminator})."),
    "url_type": N_("Enter a URL."),
    "url_parsing": N_("Enter a URL."),
    "url_syntax_violation": N_("Enter a URL."),
    "url_too_long": N_("Enter a URL of at most {max_length} characters."),
    "url_scheme": N_("Enter a URL starting with {expected_schemes}."),
    "uuid_type": N_("Enter a UUID."),
    "uuid_parsing": N_("Enter a UUID."),
    "uuid_version": N_("Enter a UUID of version {expected_version}."),
    "decimal_type": N_("Enter a number."),
    "decimal_parsing": N_("Enter a number."),
    "decimal_max_digits": N_("Enter a number of at most {max_digits} digits."),
    "decimal_max_places": N_("Enter a number with at most {decimal_places} decimal places."),
    "decimal_whole_digits": N_(
        "Enter a number with at most {whole_digits} digits before the point."
    ),
    "fraction_type": N_("Enter a number."),
    "fraction_parsing": N_("Enter a number."),
    "complex_type": N_("Enter a number."),
    "complex_str_parsing": N_("Enter a number."),
}
#: what pydantic_core says only of function calls and Python objects (never of data)
NOT_DATA = frozenset({
    "needs_python_object", "callable_type", "arguments_type", "missing_argument",
    "unexpected_keyword_argument", "missing_keyword_only_argument",
    "unexpected_positional_argument", "missing_positional_only_argument",
    "multiple_argument_values",
})  # fmt: skip
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
        return Said(OTHER, {"detail": english}, english)  # quoted as a value
    ctx: dict[str, object] = {k: str(v) for k, v in (err.get("ctx") or {}).items()}
    ctx.setdefault("expected", "")
    ctx["expected"] = choices_said(str(ctx["expected"]))
    return Said(message, ctx, english)


#: pydantic's list of choices ("'a', 'b' or 'c'"): its "or" is said in the reader's language
CHOICES_OR = N_("{choices} or {last}")  # not read back (errortext): any " or " would match
#: a choice pydantic quotes by its stored value, said by its label with the value to type
CHOICE_LABELLED = N_("{label} ({value})")  # not read back either: any "a (b)" would match


def choices_said(expected: str) -> Said | str:
    """pydantic's "'a', 'b' or 'c'" with its "or" translatable and each stored value that has
    a label (`core.labels`) said by its label, the value kept beside it; the English as
    pydantic wrote it.

    >>> said = choices_said("'a', 'b' or 'c'")
    >>> said.fields
    {'choices': "'a', 'b'", 'last': "'c'"}
    >>> officer = choices_said("'officer' or 'auditor'").fields["last"]
    >>> officer, officer.template, officer.fields["label"]
    ("'auditor'", '{label} ({value})', 'Auditor')
    """
    choices, sep, last = expected.rpartition(" or ")
    if not sep:
        return _choice(expected)
    parts = choices.split(", ")
    listed = Said(
        ", ".join(f"{{c{i}}}" for i in range(len(parts))),
        {f"c{i}": _choice(part) for i, part in enumerate(parts)},
        choices,
    )
    return Said(CHOICES_OR, {"choices": listed, "last": _choice(last)})


def _choice(quoted: str) -> Said | str:
    """A choice as pydantic quotes it ('officer'): by its label when it has one."""
    value = quoted[1:-1] if len(quoted) > 1 and quoted[0] == quoted[-1] == "'" else None
    if value is None or english_label(value) == value:
        return quoted
    return Said(CHOICE_LABELLED, {"label": Said(english_label(value)), "value": quoted}, quoted)


def said_of(exc: BaseException) -> Said:
    """What an exception says: its `Said` when it was raised with one (a ValueError of a
    check shared with pydantic validators), else its text said by what it means when another
    program's words made it (`core.their_words`), else quoted as written."""
    if isinstance(exc, InputError):
        return exc.said
    if exc.args and isinstance(exc.args[0], Said):
        return exc.args[0]
    said = their_words(exc)
    return said if isinstance(said, Said) else as_written(said)


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
