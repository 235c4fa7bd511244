"""Load and validate profiles: the built-in data files and user-defined ones.

Invalid input raises `ProfileError`, whose `field` names the offending place as a dotted
path (`deadlines.2.date`), so the API and the CLI can tell the user exactly what is wrong.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from core.errors import LINE, InputError, pydantic_said
from core.i18n import AT, N_, Said, as_written, say
from core.their_words import their_words
from core.yaml_safe import load_packaged, safe_load, yaml_error
from migration.profiles.schema import Profile

DATA_DIR = Path(__file__).resolve().parent / "data"
M = TypeVar("M", bound=BaseModel)


class ProfileError(InputError):
    """A profile is invalid; `field` is the dotted path of the first problem.

    An InputError, so the API answers 422 with the field as its location and the CLI prints
    one line, like any other bad input.
    """

    def __init__(self, message: str, field: str = "", origin: str = "") -> None:
        said = message if isinstance(message, Said) else as_written(message)
        super().__init__(said, field or None)
        self.field = field
        self.origin = origin
        where = f"{origin}: " if origin else ""
        at = f"{field}: " if field else ""
        self.args = (f"{where}{at}{message}",)


UNKNOWN_PROFILE = N_("unknown profile '{profile}'; built-in: {known}")


class UnknownProfile(LookupError):
    """No profile with that id."""


def _field_of(error: dict[str, Any]) -> str:
    return ".".join(str(part) for part in error.get("loc", ()))


def validate_document(
    model: type[M], data: Any, origin: str, error: type[ProfileError], what: str
) -> M:
    """Validate a mapping as `model`, or raise `error` (message, field, origin) naming the
    first problem's place as a dotted path. Shared by profiles and sector catalogs."""
    if not isinstance(data, dict):
        raise error(say(N_("{what} must be a mapping"), what=what), origin=origin)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = str(first.get("msg", "invalid"))
        message = message.removeprefix("Value error, ")
        said: Said | str = pydantic_said(first)
        field = _field_of(first)
        given = first.get("input")
        if isinstance(given, str | int | float) and str(given) not in message:
            message = f"{message} (got {given!r})"
            said = say(N_("{problem} (got {value})"), problem=said, value=repr(given))
        # Model-level errors carry their own path as "where: message".
        if (
            not field
            and ": " in message
            and message.split(": ", 1)[0].replace(".", "").replace("_", "").isalnum()
        ):
            field, message = message.split(": ", 1)
            if isinstance(said, Said) and said.template == AT:  # a validator's problem, placed
                said = said.fields["problem"]  # type: ignore[assignment]
            else:
                said = their_words(message)  # words not ours: quoted as written
        said = Said(said.template, said.fields, message) if isinstance(said, Said) else said
        raise error(said, field=field, origin=origin) from exc


def read_yaml(text: str, origin: str, error: type[ProfileError], *, packaged: bool = False) -> Any:
    """YAML or JSON text (JSON is YAML) as data; `error` names the line of a syntax error.
    A file shipped with pqcplan (``packaged``) is read through the parse cache."""
    try:
        return load_packaged(text) if packaged else safe_load(text)
    except yaml_error() as exc:
        mark = getattr(exc, "problem_mark", None)
        line = LINE.format(line=mark.line + 1) if mark is not None else ""
        raise error(
            say(N_("not valid YAML/JSON: {reason}"), reason=their_words(str(exc))),
            field=line,
            origin=origin,
        ) from exc


def parse_profile(data: Any, origin: str = "") -> Profile:
    """Validate a mapping as a profile, or raise ProfileError naming the field."""
    return validate_document(Profile, data, origin, ProfileError, "a profile")


def load_profile_text(text: str, origin: str = "") -> Profile:
    """Parse YAML or JSON text (JSON is YAML) into a validated profile."""
    # YAML dates come back as `date`; JSON strings are parsed by pydantic.
    return parse_profile(read_yaml(text, origin, ProfileError), origin=origin)


def load_profile_file(path: str | Path) -> Profile:
    path = Path(path)
    return load_profile_text(path.read_text(encoding="utf-8"), origin=str(path))


def _load_builtin(path: Path) -> Profile:
    """A profile shipped in `DATA_DIR`, its YAML read through the parse cache
    (`core.yaml_safe.load_packaged`) and validated as every profile is."""
    origin = str(path)
    data = read_yaml(path.read_text(encoding="utf-8"), origin, ProfileError, packaged=True)
    return parse_profile(data, origin=origin)


@lru_cache(maxsize=1)
def builtin_profiles() -> dict[str, Profile]:
    """Every profile shipped in `migration/profiles/data`, validated, keyed by id."""
    profiles: dict[str, Profile] = {}
    for path in sorted(DATA_DIR.glob("*.yaml")):
        profile = _load_builtin(path)
        if profile.id in profiles:
            raise ProfileError(
                say(N_("duplicate profile id '{id}'"), id=profile.id), "id", str(path)
            )
        if profile.description and not profile.description_ko:
            # the console shows a built-in profile's description to Korean readers too
            raise ProfileError(
                say(N_("a built-in profile's description needs its description_ko")),
                "description_ko",
                str(path),
            )
        profiles[profile.id] = profile
    return profiles


@lru_cache(maxsize=32)
def _builtin_file(profile_id: str) -> Profile | None:
    """The built-in profile in `<id>.yaml`, read alone: a command that judges under three
    profiles need not parse and validate all eleven (a test keeps file names equal to ids)."""
    if not profile_id.replace("-", "").isalnum() or not profile_id.isascii():
        return None
    path = DATA_DIR / f"{profile_id}.yaml"
    if not path.is_file():
        return None
    profile = _load_builtin(path)
    return profile if profile.id == profile_id else None


def get_profile(profile_id: str) -> Profile:
    alone = _builtin_file(profile_id)
    if alone is not None:
        return alone
    try:
        return builtin_profiles()[profile_id]
    except KeyError:
        known = ", ".join(sorted(builtin_profiles()))
        raise UnknownProfile(say(UNKNOWN_PROFILE, profile=profile_id, known=known)) from None


def profile_to_dict(profile: Profile) -> dict[str, Any]:
    """A JSON-ready dict (dates as ISO strings) that `parse_profile` reads back."""
    return json.loads(profile.model_dump_json())
