"""Errors a user can cause, each naming what was wrong and where."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input: `location` is a JSON path ($.components[3].name), a CSV line, or a field."""

    def __init__(self, message: str, location: str | None = None) -> None:
        self.message = message
        self.location = location
        super().__init__(f"{location}: {message}" if location else message)


class TooLarge(InputError):
    """An upload or a document exceeds a configured size limit."""


class NotJson(InputError):
    """A body that must be JSON was sent as something else (or with no Content-Type): 415."""


class Conflict(ValueError):
    """The write would break a uniqueness rule (same ref, same dependency twice)."""
