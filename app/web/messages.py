"""A refused form field in words a person reads, in their language.

Pydantic names each problem by a type (`string_too_long`, `int_parsing`...) with its
limits in `ctx`; the console says it as a sentence of the catalog (`core.errors.BY_TYPE`,
shared with the CSV import and the vendor answers), so a Korean page shows Korean. A type
not listed there keeps pydantic's own words after a translated lead. Sentences the services
say in English by a known shape ("asset 7 not found", a refused role) are read here too;
everything else a service says is made from templates (`app.web.errortext`).
"""

from __future__ import annotations

import re
from typing import Any

from core.errors import pydantic_said
from core.i18n import N_


def field_problem(err: dict[str, Any]) -> tuple[str, dict[str, object]]:
    """(msgid, its arguments) for one pydantic error."""
    said = pydantic_said(err)
    return said.template, said.fields


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
