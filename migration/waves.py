"""Quarterly waves counted from a plan's start: their dates, labels and deadline waves.

Wave 0 runs from the start date to the end of its quarter; every later wave is a whole
quarter. All functions are pure and cached on (start, index).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

NEVER = 10**9  # "no deadline" as a wave index
# Past this horizon a plan means nothing, and the cap keeps every wave date far below
# year 9999 for any start in the plan window.
MAX_WAVES = 4 * 1000


def quarter_start(day: date) -> date:
    """The first day of the day's quarter.

    >>> quarter_start(date(2026, 11, 24))
    datetime.date(2026, 10, 1)
    """
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


@lru_cache(maxsize=4096)
def wave_bounds(start: date, index: int) -> tuple[date, date]:
    """Wave 0 runs from the start date to the end of its quarter; then whole quarters.

    >>> wave_bounds(date(2026, 11, 24), 0)
    (datetime.date(2026, 11, 24), datetime.date(2026, 12, 31))
    >>> wave_bounds(date(2026, 11, 24), 1)
    (datetime.date(2027, 1, 1), datetime.date(2027, 3, 31))
    """
    first = quarter_start(start)
    months = first.month - 1 + 3 * index
    begin = date(first.year + months // 12, months % 12 + 1, 1)
    months_end = months + 3
    end = date(first.year + months_end // 12, months_end % 12 + 1, 1) - timedelta(days=1)
    return (max(begin, start) if index == 0 else begin), end


@lru_cache(maxsize=4096)
def wave_label(start: date, index: int) -> str:
    """The wave's quarter as users read it.

    >>> wave_label(date(2026, 11, 24), 1)
    '2027-Q1'
    """
    begin, _ = wave_bounds(start, index)
    return f"{begin.year}-Q{(begin.month - 1) // 3 + 1}"


def deadline_wave(start: date, deadline: date) -> int:
    """The last wave that ends on or before the deadline (-1: before the plan starts).

    >>> deadline_wave(date(2026, 11, 24), date(2027, 3, 31))
    1
    >>> deadline_wave(date(2026, 11, 24), date(2025, 12, 31))
    -1
    """
    first = quarter_start(start)
    months = (deadline.year - first.year) * 12 + deadline.month - first.month
    index = months // 3
    _, end = wave_bounds(start, index)
    if end > deadline:
        index -= 1
    return max(index, -1)
