"""What the console's lists share: enumerated filters read from the query, the sort, the
columns shown, and a CSV of exactly what the list shows (its filters, order and columns,
every page), with a byte-order mark so spreadsheet programs read it as UTF-8."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from enum import StrEnum
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from app.web.core import WebError
from core.db import READ_ONLY
from core.i18n import N_
from inventory.exchange.spreadsheet import guard_cell

BOM = "\ufeff"
NOT_ONE_OF = N_("'{value}' is not one of: {allowed}")


def enum_filters(
    request: Request, filters: Mapping[str, type[StrEnum]]
) -> tuple[dict[str, StrEnum], dict[str, str]]:
    """The enumerated filters the query sets: (parsed values, raw values to keep in links);
    a value outside its enumeration is a 422 naming the parameter."""
    values: dict[str, StrEnum] = {}
    chosen: dict[str, str] = {}
    for name, enum in filters.items():
        raw = request.query_params.get(name) or None
        if raw is None:
            continue
        try:
            values[name] = enum(raw)
        except ValueError:
            allowed = ", ".join(e.value for e in enum)
            raise WebError(
                422, NOT_ONE_OF, f"query.{name}", args={"value": raw, "allowed": allowed}
            ) from None
        chosen[name] = raw
    return values, chosen


def chosen_columns(request: Request, available: Sequence[str], default: Sequence[str]) -> list[str]:
    """The columns the reader ticked (`cols`), in the table's order; the default if none."""
    asked = [c for c in request.query_params.getlist("cols") if c in available]
    return [c for c in available if c in asked] or list(default)


def url_with(path: str, params: Mapping[str, Any], **changes: Any) -> str:
    """`path?params` with some parameters changed (None drops one); lists repeat a key."""
    merged = {**params, **changes}
    pairs: list[tuple[str, str]] = []
    for key, value in merged.items():
        if value is None or value == "" or value == []:
            continue
        if isinstance(value, list | tuple):
            pairs += [(key, str(v)) for v in value]
        else:
            pairs.append((key, str(value)))
    return path + ("?" + urlencode(pairs) if pairs else "")


def csv_response(
    request: Request,
    filename: str,
    header: Sequence[str],
    produce: Callable[[Session], Iterable[Sequence[object]]],
) -> StreamingResponse:
    """A CSV download written as it is read (a 100,000-row list never sits in memory), from
    a read-only transaction of its own: the request's has ended when the body is sent."""

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        buffer.write(BOM)
        writer.writerow([guard_cell(str(h)) for h in header])
        session = request.app.state.sessionmaker(execution_options=READ_ONLY)
        try:
            for n, row in enumerate(produce(session), 1):
                writer.writerow([guard_cell("" if v is None else str(v)) for v in row])
                if n % 500 == 0:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
        finally:
            session.close()
        yield buffer.getvalue()

    disposition = f"attachment; filename*=UTF-8''{quote(filename)}"
    return StreamingResponse(
        lines(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
    )
