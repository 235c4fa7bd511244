"""The algorithm catalog: loading and checking the data file, name normalization, classification."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypedDict, Unpack

from pydantic import ValidationError

from core.i18n import N_, gettext_for, label
from core.yaml_safe import load_packaged, safe_load, yaml_error
from inventory.catalog.models import (
    AlgorithmInfo,
    CatalogError,
    CatalogFile,
    Source,
    info_from_model,
)
from inventory.catalog.normalize import (
    as_oid,
    descriptive_core,
    lookup_key,
    names_hash_of_size,
    split_mode,
    weak_signature_hash,
)
from inventory.choices import Primitive, QuantumStatus

DATA_FILE = Path(__file__).parent / "data" / "algorithms.yaml"


class AlgorithmContext(TypedDict, total=False):
    """What a source says beside an algorithm's name; see ``Catalog.resolve``."""

    key_size: int | str | None
    parameter_set: str | None
    curve: str | None
    primitive: Primitive | str | None


@dataclass(frozen=True)
class Classification:
    """The catalog's verdict on one algorithm name.

    ``canonical`` is the catalog name, or the raw text (stripped) when the name is unknown:
    unknown names are kept and flagged as ``QuantumStatus.UNKNOWN``, never dropped or guessed.
    """

    canonical: str
    known: bool
    status: QuantumStatus
    reason: str
    info: AlgorithmInfo | None = None

    @property
    def classically_broken(self) -> bool:
        return bool(self.info and self.info.classically_broken)


class Catalog:
    """Read-only view over the validated data file, with alias and OID indexes."""

    def __init__(self, data: CatalogFile, *, origin: str = "<memory>") -> None:
        self.version: str = data.version
        self.origin = origin
        self.sources = MappingProxyType(
            {k: Source(k, s.title, s.url, s.accessed) for k, s in data.sources.items()}
        )
        self._entries: dict[str, AlgorithmInfo] = {}
        self._by_key: dict[str, str] = {}
        self._by_oid: dict[str, str] = {}
        self._curves: dict[str, str] = {}
        problems: list[str] = []
        self._index(data, problems)
        if problems:
            raise CatalogError(
                f"{origin}: {len(problems)} problem(s) in the algorithm catalog:\n  "
                + "\n  ".join(problems),
                problems,
            )

    # ------------------------------------------------------------------ building
    def _index(self, data: CatalogFile, problems: list[str]) -> None:
        for curve_id, curve in data.curves.items():
            for text in (curve_id, *curve.aliases):
                self._claim(
                    self._curves, lookup_key(text), curve_id, f"curves.{curve_id}", problems
                )
            for oid in curve.oids:
                self._claim(self._curves, oid, curve_id, f"curves.{curve_id}", problems)

        for i, entry in enumerate(data.algorithms):
            where = f"algorithms[{i}] ({entry.name!r})"
            if entry.name in self._entries:
                problems.append(f"{where}, field name: duplicate canonical name")
                continue
            self._entries[entry.name] = info_from_model(entry)

        for i, entry in enumerate(data.algorithms):
            where = f"algorithms[{i}] ({entry.name!r})"
            self._check_entry(where, entry, data, problems)
            for text in (entry.name, *entry.aliases):
                self._claim(
                    self._by_key,
                    lookup_key(text),
                    entry.name,
                    f"{where}, field aliases",
                    problems,
                    shown=text,
                )
            for oid in entry.oids:
                self._claim(self._by_oid, oid, entry.name, f"{where}, field oids", problems)

    @staticmethod
    def _claim(
        index: dict[str, str],
        key: str,
        owner: str,
        where: str,
        problems: list[str],
        shown: str | None = None,
    ) -> None:
        if not key:
            problems.append(f"{where}: empty name")
            return
        previous = index.setdefault(key, owner)
        if previous != owner:
            problems.append(
                f"{where}: {shown or key!r} also names {previous!r} (matching ignores case, "
                "spaces, '-', '_', '/')"
            )

    def _check_entry(self, where: str, entry: Any, data: CatalogFile, problems: list[str]) -> None:
        for src in entry.sources:
            if src not in data.sources:
                problems.append(f"{where}, field sources: unknown source id {src!r}")
        if entry.sizes is not None:
            given = [
                k for k, v in entry.sizes.model_dump(exclude={"source"}).items() if v is not None
            ]
            size_src = entry.sizes.source
            size_srcs = [size_src] if isinstance(size_src, str) else list(size_src or [])
            if given and not size_srcs:
                problems.append(
                    f"{where}, field sizes.source: sizes {', '.join(given)} have no source"
                )
            for src in size_srcs:
                if src not in data.sources:
                    problems.append(f"{where}, field sizes.source: unknown source id {src!r}")
        for use, names in entry.replacements.items():
            for name in names:
                if name not in self._entries:
                    problems.append(
                        f"{where}, field replacements.{use}: unknown algorithm {name!r}"
                    )
        for name in entry.components:
            if name not in self._entries:
                problems.append(f"{where}, field components: unknown algorithm {name!r}")
        if entry.quantum_status is QuantumStatus.HYBRID and len(entry.components) < 2:
            problems.append(f"{where}, field components: a hybrid needs its two components")
        if entry.variants is not None:
            for key, name in entry.variants.members.items():
                if name not in self._entries:
                    problems.append(
                        f"{where}, field variants.members.{key}: unknown algorithm {name!r}"
                    )
                if entry.variants.by == "curve" and key not in data.curves:
                    problems.append(f"{where}, field variants.members.{key}: unknown curve {key!r}")
                if entry.variants.by == "key_size" and not key.isdigit():
                    problems.append(
                        f"{where}, field variants.members.{key}: key size must be digits"
                    )
        if entry.curve is not None and entry.curve not in data.curves:
            problems.append(f"{where}, field curve: unknown curve {entry.curve!r}")
        for prim, name in entry.alternates.items():
            if name not in self._entries:
                problems.append(f"{where}, field alternates.{prim}: unknown algorithm {name!r}")

    # ------------------------------------------------------------------ lookups
    def get(self, canonical: str) -> AlgorithmInfo | None:
        """The entry with exactly this canonical name, or None (no normalization)."""
        return self._entries.get(canonical)

    def names(self) -> list[str]:
        """Every canonical name, in data-file order."""
        return list(self._entries)

    def __iter__(self) -> Iterator[AlgorithmInfo]:
        return iter(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, canonical: object) -> bool:
        return canonical in self._entries

    def curve(self, raw: str | None) -> str | None:
        """Canonical curve id ("P-256", "Curve25519"...) for a curve name or OID, or None."""
        if not raw or not raw.strip():
            return None
        oid = as_oid(raw)
        return self._curves.get(oid) if oid else self._curves.get(lookup_key(raw))

    def _lookup(self, text: str) -> AlgorithmInfo | None:
        oid = as_oid(text)
        name = self._by_oid.get(oid) if oid else self._by_key.get(lookup_key(text))
        return self._entries[name] if name else None

    def resolve(
        self,
        raw: str | None,
        *,
        key_size: int | str | None = None,
        parameter_set: str | None = None,
        curve: str | None = None,
        primitive: Primitive | str | None = None,
    ) -> AlgorithmInfo | None:
        """The catalog entry for an algorithm as spelled by a tool, protocol or file; None if
        unknown.

        Context decides what the name alone cannot: ``key_size`` (bits) for RSA, DH, DSA and
        AES; ``curve`` (name or OID) for ECDSA, ECDH and EdDSA; ``parameter_set`` as CycloneDX
        writes it ("768", "SHA2-128s", "P-256"); ``primitive`` to pick ECDSA over ECDH for a bare
        curve or ``id-ecPublicKey``.
        """
        if raw is None or not str(raw).strip():
            return None
        text = str(raw).strip()
        ps = str(parameter_set).strip() if parameter_set is not None else ""
        entry = self._find(text, ps)
        if entry is None:
            return None

        size = _as_int(key_size)
        if size is None and ps.isdigit() and not names_hash_of_size(text, ps):
            size = int(ps)
        curve_id = self.curve(curve) or (self.curve(ps) if ps else None)
        prim = _as_primitive(primitive)

        for _ in range(4):  # alternates and variants may chain: ECDH -> ECDSA -> ECDSA-P256
            nxt = entry
            if prim is not None and nxt.primitive != prim and prim in nxt.alternates:
                nxt = self._entries[nxt.alternates[prim]]
            if nxt.variants_by == "key_size" and size is not None:
                nxt = self._entries.get(nxt.variants.get(str(size), nxt.name), nxt)
            elif nxt.variants_by == "curve" and curve_id is not None:
                nxt = self._entries.get(nxt.variants.get(curve_id, nxt.name), nxt)
            if nxt is entry:
                break
            entry = nxt
        return entry

    def _find(self, text: str, ps: str) -> AlgorithmInfo | None:
        # a family name with its parameter set ("ML-KEM" + "768") before the bare family
        # entry ("ML-KEM", parameter set unknown), which would drop the set
        candidates = [f"{text}-{ps}", f"{text}{ps}", text] if ps else [text]
        base, mode = split_mode(text)
        if mode:
            candidates.append(base)
            if ps:
                candidates.append(f"{base}-{ps}")
        if ps:
            candidates.append(ps)  # the parameter set alone may be the full name ("ML-KEM-768")
        for candidate in candidates:
            found = self._lookup(candidate)
            if found is not None:
                return found
        core = descriptive_core(text)  # "SHA256-RSA", "aes-128-cbc-pkcs5", "3DES-EDE-CBC"
        if core is not None:
            found = self._lookup(core) or self._lookup(core.split("-")[0])
            if found is not None:
                return self._with_weak_hash(found, text)
        return None

    def _with_weak_hash(self, found: AlgorithmInfo, text: str) -> AlgorithmInfo:
        """``RSA-SHA1`` for "SHA1-RSA" and the like: the hash the descriptive name dropped
        decides that the signature is broken today, so it must not resolve to plain RSA."""
        weak = weak_signature_hash(text)
        if weak is None or found.primitive is not Primitive.SIGNATURE:
            return found
        combined = self._entries.get(f"{found.family}-{weak}")
        return combined if combined is not None else found

    def normalize(self, raw: str | None, **context: Unpack[AlgorithmContext]) -> str | None:
        """Canonical name for an algorithm as spelled by a tool, protocol or file; None if unknown.

        ``context`` is what ``resolve`` takes: ``key_size``, ``curve``, ``parameter_set``,
        ``primitive``.

        >>> cat = get_catalog()
        >>> cat.normalize("sha256WithRSAEncryption", key_size=2048)
        'RSA-2048'
        >>> cat.normalize("id-ecPublicKey", curve="prime256v1")
        'ECDSA-P256'
        >>> cat.normalize("0x11ec")
        'X25519MLKEM768'
        """
        found = self.resolve(raw, **context)
        return found.name if found else None

    def classify(self, raw: str | None, **context: Unpack[AlgorithmContext]) -> Classification:
        """Quantum verdict with a reason in plain words; unknown names stay as written.

        >>> get_catalog().classify("RSA", key_size=2048).status
        <QuantumStatus.BROKEN: 'broken'>
        >>> get_catalog().classify("FooCipher-9").status
        <QuantumStatus.UNKNOWN: 'unknown'>
        """
        info = self.resolve(raw, **context)
        if info is None:
            text = "" if raw is None else str(raw).strip()
            return Classification(
                canonical=text,
                known=False,
                status=QuantumStatus.UNKNOWN,
                reason=self.explain_unknown(text),
                info=None,
            )
        return Classification(
            canonical=info.name,
            known=True,
            status=info.quantum_status,
            reason=self.explain(info),
            info=info,
        )

    # ------------------------------------------------------------------ reasons
    # Each sentence is one message of the shared catalog (core/locale), so a reason reads
    # in the reader's language; `lang=None` is English, the words stored with a usage.
    def explain_unknown(self, text: str, lang: str | None = None) -> str:
        _ = gettext_for(lang)
        return _(
            N_(
                "{name} is not in the algorithm catalog (version {version}); it is kept as "
                "written and flagged for review rather than guessed."
            )
        ).format(name=repr(text), version=self.version)

    def explain(self, info: AlgorithmInfo, lang: str | None = None) -> str:
        """The plain-words reason for an entry's status."""
        _ = gettext_for(lang)
        if info.reason_text:
            return _(info.reason_text)
        status = info.quantum_status
        if status is QuantumStatus.BROKEN:
            text = _(
                N_(
                    "{name} is broken by Shor's algorithm on a cryptographically relevant "
                    "quantum computer"
                )
            ).format(name=info.name)
            if info.is_generic:
                text += (
                    _(N_(" (the key size is not recorded, but every key size is affected)"))
                    if info.variants_by == "key_size"
                    else _(N_(" (the curve is not recorded, but every curve is affected)"))
                )
            text += _(N_("; replace with {replacement}.")).format(
                replacement=self._replacement_phrase(info, lang)
            )
            if info.classically_broken:  # RSA-1024, RSA-SHA1 ...: no need to wait for Shor
                text += self._classical(info, lang)
            return text
        if status is QuantumStatus.WEAKENED:
            return self._weakened_reason(info, lang)
        if status is QuantumStatus.HYBRID:
            parts = [self._entries[c] for c in info.components]
            pq = [p.name for p in parts if p.quantum_status is QuantumStatus.RESISTANT]
            classical = [p.name for p in parts if p.name not in pq]
            return _(
                N_(
                    "{name} is a hybrid of {classical} with {pq}: it stays secure while either "
                    "part holds, so the post-quantum part protects it against a quantum "
                    "attacker."
                )
            ).format(
                name=info.name,
                classical=_(N_(" and ")).join(classical) or _(N_("a classical scheme")),
                pq=_(N_(" and ")).join(pq) or _(N_("a post-quantum scheme")),
            )
        # resistant
        level = (
            _(N_("NIST category {n}, ")).format(n=info.nist_category) if info.nist_category else ""
        )
        text = _(
            N_("{name} is quantum-resistant at its stated strength ({level}{standard}).")
        ).format(name=info.name, level=level, standard=info.standard)
        if info.replacements:
            first = next(iter(info.replacements.values()))[0]
            text += (
                _(N_(" {notes} Planned replacement: {first}."))
                .format(notes=info.notes or "", first=first)
                .replace("  ", " ")
            )
        return text

    def _classical(self, info: AlgorithmInfo, lang: str | None) -> str:
        """Broken by classical attacks as well; the catalog's note says how (English only:
        a translation leaves the note out)."""
        detail = f": {info.notes.rstrip('.')}" if info.notes else ""
        return gettext_for(lang)(
            N_(
                " It is also broken by classical attacks today{detail}. Replace it now, "
                "whatever the quantum timeline."
            )
        ).format(detail=detail)

    def _weakened_reason(self, info: AlgorithmInfo, lang: str | None = None) -> str:
        _ = gettext_for(lang)
        targets = [names[0] for names in info.replacements.values()]
        move = (
            _(N_("; move to {targets}")).format(targets=_(N_(" or ")).join(targets))
            if targets
            else ""
        )
        if info.is_generic:
            text = _(
                N_(
                    "{name} with an unrecorded key size is treated as weakened: its smaller keys "
                    "fall below 128-bit security under Grover's algorithm{move}. Record the key "
                    "size."
                )
            ).format(name=info.name, move=move)
        elif info.primitive in (Primitive.SYMMETRIC, Primitive.MAC) and info.classical_bits:
            b = info.classical_bits
            text = _(
                N_(
                    "{name} is weakened by Grover's algorithm: its {bits}-bit key strength drops "
                    "to about {half} bits against a quantum attacker{move}."
                )
            ).format(name=info.name, bits=b, half=b // 2, move=move)
        else:
            text = _(
                N_(
                    "{name} is weakened by quantum search (Grover's algorithm), which leaves it "
                    "below 128 bits of security{move}."
                )
            ).format(name=info.name, move=move)
        if info.classically_broken:
            text += self._classical(info, lang)
        return text

    def _replacement_phrase(self, info: AlgorithmInfo, lang: str | None = None) -> str:
        _ = gettext_for(lang)
        labels = (("signature", N_("signatures")), ("key_exchange", N_("key exchange")))
        parts = [
            _(N_("{name} ({use})")).format(name=info.replacements[u][0], use=_(text))
            for u, text in labels
            if u in info.replacements
        ]
        if not parts and info.replacements:
            use, names = next(iter(info.replacements.items()))
            shown = use.replace("_", " ") if lang in (None, "en") else label(use, lang=lang)
            parts = [_(N_("{name} ({use})")).format(name=names[0], use=shown)]
        return _(N_(" or ")).join(parts) if parts else _(N_("a post-quantum algorithm"))


# ---------------------------------------------------------------------- loading
def _as_int(value: int | str | None) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    return int(text) if text.isdigit() else None


# CycloneDX 1.6 `algorithmProperties.primitive` values, for callers passing them through.
_CDX_PRIMITIVES = {
    "kem": Primitive.KEY_EXCHANGE,
    "key-agree": Primitive.KEY_EXCHANGE,
    "pke": Primitive.ENCRYPTION,
    "signature": Primitive.SIGNATURE,
    "block-cipher": Primitive.SYMMETRIC,
    "stream-cipher": Primitive.SYMMETRIC,
    "ae": Primitive.SYMMETRIC,
    "hash": Primitive.HASH,
    "xof": Primitive.HASH,
    "mac": Primitive.MAC,
    "kdf": Primitive.KDF,
}


def _as_primitive(value: Primitive | str | None) -> Primitive | None:
    if value is None or isinstance(value, Primitive):
        return value
    text = str(getattr(value, "value", value)).strip().lower()
    try:
        return Primitive(text)
    except ValueError:
        return _CDX_PRIMITIVES.get(text)


def _format_validation(err: ValidationError, raw: Any, origin: str) -> CatalogError:
    problems = []
    for e in err.errors():
        loc = list(e["loc"])
        where = ""
        if len(loc) >= 2 and loc[0] == "algorithms" and isinstance(loc[1], int):
            idx = loc[1]
            name = None
            items = raw.get("algorithms") if isinstance(raw, dict) else None
            if isinstance(items, list) and idx < len(items) and isinstance(items[idx], dict):
                name = items[idx].get("name")
            where = f"algorithms[{idx}]" + (f" ({name!r})" if name else "")
            loc = loc[2:]
        elif len(loc) >= 2 and loc[0] in ("sources", "curves"):
            where = f"{loc[0]}.{loc[1]}"
            loc = loc[2:]
        field_path = ".".join(str(part) for part in loc) or "(entry)"
        problems.append(f"{where or 'top level'}, field {field_path}: {e['msg']}")
    return CatalogError(
        f"{origin}: {len(problems)} problem(s) in the algorithm catalog:\n  "
        + "\n  ".join(problems),
        problems,
    )


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Load and validate a catalog data file (the packaged one by default). Not cached."""
    file = Path(path) if path is not None else DATA_FILE
    origin = str(file)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogError(f"{origin}: cannot read the algorithm catalog: {exc}") from exc
    try:  # the packaged file through the parse cache (core.yaml_safe)
        raw = load_packaged(text) if path is None else safe_load(text)
    except yaml_error() as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise CatalogError(f"{origin}{line}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise CatalogError(
            f"{origin}: the catalog must be a mapping with version, sources, algorithms"
        )
    try:
        data = CatalogFile.model_validate(raw)
    except ValidationError as exc:
        raise _format_validation(exc, raw, origin) from None
    return Catalog(data, origin=origin)


def canonical_name(raw: str) -> str:
    """The catalog's name for a spelling, or the spelling itself (stripped) when unknown.

    >>> canonical_name("smaug-t1"), canonical_name(" no-such-thing ")
    ('SMAUG-T-128', 'no-such-thing')
    """
    return get_catalog().normalize(raw) or raw.strip()


@functools.cache
def get_catalog() -> Catalog:
    """The packaged catalog, loaded and validated on first use, then shared."""
    return load_catalog()
