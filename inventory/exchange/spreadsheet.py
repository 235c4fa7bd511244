"""CSV cells that a spreadsheet will not run as formulas, and read back losslessly.

OWASP's CSV injection advice: a cell starting with `=`, `+`, `-`, `@`, tab or carriage
return is a formula to Excel, LibreOffice and Google Sheets, so exports prefix it with a
single quote, which spreadsheets show as text. The full-width forms are included because
some spreadsheets fold them to ASCII. The guard is applied to any run of leading quotes
followed by such a character, so `unguard_cell(guard_cell(v)) == v` for every text, and our
own importer reads back exactly what was exported.
"""

from __future__ import annotations

import re

_FORMULA = re.compile("'*[=+\\-@\t\r\uff1d\uff0b\uff0d\uff20]")


def guard_cell(value: str) -> str:
    """Prefix a quote to text a spreadsheet would evaluate.

    >>> guard_cell("=cmd|' /C calc'!A0")
    "'=cmd|' /C calc'!A0"
    >>> guard_cell("ML-KEM-768"), guard_cell("-1"), guard_cell("'=x")
    ('ML-KEM-768', "'-1", "''=x")
    """
    return "'" + value if _FORMULA.match(value) else value


def unguard_cell(value: str) -> str:
    """Undo `guard_cell`; text it would not have guarded is returned as it is.

    >>> unguard_cell("'=SUM(A1)"), unguard_cell("''=x"), unguard_cell("'quoted'")
    ('=SUM(A1)', "'=x", "'quoted'")
    """
    if value.startswith("'") and _FORMULA.match(value, 1):
        return value[1:]
    return value
