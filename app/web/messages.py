"""A refused form field in words a person reads, in their language.

Pydantic names each problem by a type (`string_too_long`, `int_parsing`...) with its
limits in `ctx`; the console says it as a sentence of its catalog, so a Korean page shows
Korean. A type not listed here keeps pydantic's own words after a translated lead.
"""

from __future__ import annotations

import re
from typing import Any

from core.i18n import N_

_BY_TYPE: dict[str, str] = {
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


def field_problem(err: dict[str, Any]) -> tuple[str, dict[str, object]]:
    """(msgid, its arguments) for one pydantic error."""
    kind = str(err.get("type", ""))
    ctx = {k: str(v) for k, v in (err.get("ctx") or {}).items()}
    message = _BY_TYPE.get(kind)
    if message is None:
        return OTHER, {"detail": str(err.get("msg", ""))}
    ctx.setdefault("expected", "")
    return message, ctx


# What services say in English for errors a page shows, as sentences of the catalog. A
# message not listed keeps the service's words (the error page marks them as such).
Known = list[tuple[re.Pattern[str], str]]  # an English shape -> the catalog's sentence


def known_sentence(table: Known, text: str) -> tuple[str, dict[str, str]] | None:
    """(msgid, the parts it names) of the first shape in `table` that `text` has."""
    for pattern, msgid in table:
        found = pattern.match(text)
        if found:
            return msgid, found.groupdict()
    return None


_SERVICE: Known = [
    (re.compile(r"^role '(?P<role>\w+)' cannot read inventory or plans$"),
     N_("The role '{role}' cannot read the inventory or plans.")),
    (re.compile(r"^role '(?P<role>\w+)' cannot change inventory or plans$"),
     N_("The role '{role}' cannot change the inventory or plans.")),
    (re.compile(r"^role '(?P<role>\w+)' cannot run testbed work$"),
     N_("The role '{role}' cannot run testbed work.")),
    (re.compile(r"^role '(?P<role>\w+)' cannot read testbed results$"),
     N_("The role '{role}' cannot read testbed results.")),
    (re.compile(r"^(?P<what>[A-Za-z ]+?) (?P<id>\d+) not found$"),
     N_("There is no {what} {id} here (or it belongs to another organization).")),
    (re.compile(r"^organization not found$"), N_("There is no such organization here.")),
    (re.compile(r"^plan (?P<plan>\d+) has no version (?P<number>\d+)$"),
     N_("Plan {plan} has no version {number}.")),
    (re.compile(r"^only an administrator may register a directory of this server$"),
     N_("Only an administrator may open a directory of this server to scans.")),
]  # fmt: skip


def service_message(text: str) -> tuple[str, dict[str, str]] | None:
    """(msgid, arguments) for a service's message the catalog knows, else None."""
    return known_sentence(_SERVICE, text)
