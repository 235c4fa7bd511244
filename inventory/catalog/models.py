"""The shape of the catalog: the pydantic schema of the data file and its frozen records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

from inventory.choices import CryptoFunction, Primitive, QuantumStatus

# Uses a replacement list may be keyed by (the data file may use only these).
Use = Literal[
    "key_exchange",
    "signature",
    "certificate_signature",
    "code_signing",
    "firmware_signing",
    "encryption",
    "tls_key_exchange",
    "hash",
    "mac",
    "kdf",
]
USES: tuple[str, ...] = get_args(Use)

SIZE_FIELDS: tuple[str, ...] = (
    "public_key",
    "secret_key",
    "ciphertext",
    "signature",
    "shared_secret",
)

# When an entry has no list for the use asked, the nearest use that it may have.
# Keys include every CryptoFunction value, so callers can pass a usage's function directly.
_USE_FALLBACK: dict[str, tuple[str, ...]] = {
    "certificate_signature": ("signature",),
    "code_signing": ("signature",),
    "firmware_signing": ("code_signing", "signature"),
    "tls_key_exchange": ("key_exchange",),
    "encryption": ("key_exchange",),
    CryptoFunction.TLS_AUTHENTICATION: ("certificate_signature", "signature"),
    CryptoFunction.DOCUMENT_SIGNING: ("signature",),
    CryptoFunction.TOKEN_SIGNING: ("signature",),
    CryptoFunction.SSH_HOST_KEY: ("signature",),
    CryptoFunction.SSH_USER_AUTH: ("signature",),
    CryptoFunction.SSH_KEY_EXCHANGE: ("key_exchange",),
    CryptoFunction.VPN: ("key_exchange", "encryption"),
    CryptoFunction.KEY_WRAPPING: ("encryption", "key_exchange"),
    CryptoFunction.DATA_AT_REST: ("encryption",),
    CryptoFunction.DATA_IN_TRANSIT: ("encryption", "key_exchange"),
    CryptoFunction.EMAIL_PROTECTION: ("signature", "encryption"),
    CryptoFunction.PASSWORD_HASHING: ("kdf", "hash"),
    CryptoFunction.INTEGRITY: ("mac", "hash", "signature"),
}


class CatalogError(ValueError):
    """The algorithm data file is malformed. The message names the entry and the field."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


# --------------------------------------------------------------------------- file schema
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceModel(_Strict):
    title: str = Field(min_length=1)
    url: str = Field(min_length=1)
    accessed: dt.date


class SizesModel(_Strict):
    public_key: int | None = Field(default=None, gt=0)
    secret_key: int | None = Field(default=None, gt=0)
    ciphertext: int | None = Field(default=None, gt=0)
    signature: int | None = Field(default=None, gt=0)
    shared_secret: int | None = Field(default=None, gt=0)
    source: str | list[str] | None = None


class VariantsModel(_Strict):
    by: Literal["key_size", "curve"]
    members: dict[str, str] = Field(min_length=1)


class CurveModel(_Strict):
    aliases: list[str] = []
    oids: list[str] = []


class EntryModel(_Strict):
    name: str = Field(min_length=1)
    family: str = Field(min_length=1)
    primitive: Primitive
    quantum_status: QuantumStatus
    classically_broken: bool = False
    classical_bits: int | None = Field(default=None, gt=0)
    nist_category: int | None = Field(default=None, ge=1, le=5)
    standard: str = Field(min_length=1)
    curve: str | None = None
    sizes: SizesModel | None = None
    components: list[str] = []
    aliases: list[str] = []
    oids: list[str] = []
    variants: VariantsModel | None = None
    alternates: dict[Primitive, str] = {}
    replacements: dict[Use, list[str]] = {}
    reason: str | None = None
    sources: list[str] = Field(min_length=1)
    notes: str | None = None
    notes_ko: str | None = Field(default=None, min_length=1)  # the notes in Korean

    @field_validator("notes_ko")
    @classmethod
    def _korean(cls, value: str | None) -> str | None:
        if value is not None and not any("\uac00" <= ch <= "\ud7a3" for ch in value):
            raise ValueError("a Korean text (*_ko) must be written in Korean")
        return value

    @field_validator("quantum_status")
    @classmethod
    def _known_status(cls, value: QuantumStatus) -> QuantumStatus:
        if value is QuantumStatus.UNKNOWN:
            raise ValueError(
                "'unknown' is for names outside the catalog; give the entry a real status"
            )
        return value

    @field_validator("oids")
    @classmethod
    def _dotted(cls, value: list[str]) -> list[str]:
        for oid in value:
            parts = oid.split(".")
            if len(parts) < 2 or not all(p.isdigit() for p in parts):
                raise ValueError(f"{oid!r} is not a dotted OID")
        return value

    @field_validator("replacements")
    @classmethod
    def _non_empty(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for use, names in value.items():
            if not names:
                raise ValueError(f"replacement list for {use!r} is empty")
        return value


class CatalogFile(_Strict):
    version: str = Field(min_length=1)
    sources: dict[str, SourceModel] = Field(min_length=1)
    curves: dict[str, CurveModel] = {}
    algorithms: list[EntryModel] = Field(min_length=1)


# --------------------------------------------------------------------------- public records
class ReadOnlyDict(dict):
    """A dict that refuses changes: catalog records are shared by every caller.

    A dict subclass (not a mappingproxy) so ``dataclasses.asdict`` and JSON encoders work.
    """

    def _refuse(self, *args: object, **kwargs: object) -> None:
        raise TypeError("catalog records are read-only")

    __setitem__ = __delitem__ = __ior__ = _refuse  # type: ignore[assignment]
    clear = pop = popitem = setdefault = update = _refuse  # type: ignore[assignment]


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    url: str
    accessed: dt.date


@dataclass(frozen=True)
class Sizes:
    """Sizes in bytes; None where the size does not apply or is not recorded."""

    public_key: int | None = None
    secret_key: int | None = None
    ciphertext: int | None = None
    signature: int | None = None
    shared_secret: int | None = None
    sources: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, int]:
        """Only the sizes that are recorded, e.g. ``{"public_key": 1184, ...}``."""
        return {k: v for k in SIZE_FIELDS if (v := getattr(self, k)) is not None}

    def __bool__(self) -> bool:
        return bool(self.as_dict())


@dataclass(frozen=True)
class AlgorithmInfo:
    """Everything the catalog knows about one canonical algorithm (read-only)."""

    name: str
    family: str
    primitive: Primitive
    quantum_status: QuantumStatus
    classically_broken: bool
    classical_bits: int | None
    nist_category: int | None
    standard: str
    sizes: Sizes
    aliases: tuple[str, ...]
    oids: tuple[str, ...]
    sources: tuple[str, ...]
    notes: str | None = None
    notes_ko: str | None = None
    curve: str | None = None
    components: tuple[str, ...] = ()
    reason_text: str | None = None
    variants_by: str | None = None
    variants: Mapping[str, str] = field(default_factory=ReadOnlyDict, hash=False)
    alternates: Mapping[Primitive, str] = field(default_factory=ReadOnlyDict, hash=False)
    replacements: Mapping[str, tuple[str, ...]] = field(default_factory=ReadOnlyDict, hash=False)

    @property
    def is_generic(self) -> bool:
        """True for a family entry whose size or curve is unknown (``RSA``, ``ECDSA``, ``AES``)."""
        return self.variants_by is not None and self.name not in self.variants.values()

    def replacement_for(self, use: str) -> list[str]:
        """Canonical names to migrate to for ``use``, first preferred; ``[]`` when none apply.

        ``use`` is a replacement use (``signature``, ``tls_key_exchange``...) or a
        ``CryptoFunction`` value (``ssh_host_key``, ``data_at_rest``...); a use the entry
        does not list falls back to the nearest one it does (code_signing -> signature).

        >>> from inventory.catalog import get_catalog
        >>> get_catalog().get("RSA-2048").replacement_for("signature")[0]
        'ML-DSA-65'
        """
        key = str(use)
        if key in self.replacements:
            return list(self.replacements[key])
        for fallback in _USE_FALLBACK.get(key, ()):
            if fallback in self.replacements:
                return list(self.replacements[fallback])
        return []


# what an entry of the data file gives as it is, and what it gives as a list
_AS_WRITTEN = (
    "name",
    "family",
    "primitive",
    "quantum_status",
    "classically_broken",
    "classical_bits",
    "nist_category",
    "standard",
    "notes",
    "notes_ko",
    "curve",
)
_AS_TUPLES = ("aliases", "oids", "sources", "components")


def info_from_model(entry: EntryModel) -> AlgorithmInfo:
    sizes = entry.sizes
    if sizes is None:
        size_rec = Sizes()
    else:
        src = sizes.source
        size_rec = Sizes(
            **{k: getattr(sizes, k) for k in SIZE_FIELDS},
            sources=tuple([src] if isinstance(src, str) else (src or [])),
        )
    return AlgorithmInfo(
        **{k: getattr(entry, k) for k in _AS_WRITTEN},
        **{k: tuple(getattr(entry, k)) for k in _AS_TUPLES},
        sizes=size_rec,
        reason_text=entry.reason,
        variants_by=entry.variants.by if entry.variants else None,
        variants=ReadOnlyDict(entry.variants.members if entry.variants else {}),
        alternates=ReadOnlyDict(entry.alternates),
        replacements=ReadOnlyDict({k: tuple(v) for k, v in entry.replacements.items()}),
    )
