"""The stack catalog (`data/pqc_support.yaml`): from which version a library or runtime
speaks ML-KEM, the ML-KEM hybrids, ML-DSA and SLH-DSA, with a source for every row.

>>> cat = stack_catalog()
>>> cat.readiness("openssl", "3.0.13", "tls_hybrid").ready
False
>>> cat.readiness("openssl", "3.5.1", "tls_hybrid").ready
True
>>> cat.readiness("openssh", "1:9.2p1-2+deb12u3", "ml_kem").needed
'9.9'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from core.i18n import N_
from core.yaml_safe import load_packaged, safe_load

DATA = Path(__file__).parent / "data" / "pqc_support.yaml"
CAPABILITIES = ("ml_kem", "tls_hybrid", "ml_dsa", "slh_dsa")
LABELS = {
    "ml_kem": "ML-KEM",
    "tls_hybrid": N_("the ML-KEM hybrid key exchange"),
    "ml_dsa": "ML-DSA",
    "slh_dsa": "SLH-DSA",
}


class StackCatalogError(ValueError):
    pass


def version_key(raw: str, scheme: str = "") -> tuple[int, ...]:
    """Numbers of a version as packagers write it: Debian epochs and revisions, 'go1.24',
    'v0.35.0', '9.2p1', '1.1.1w', '300.5.0+3.5.0' (the part after + when it is a version)."""
    t = raw.strip()
    if "+" in t and re.fullmatch(r"\d+(\.\d+)+", t.split("+", 1)[1] or ""):
        t = t.split("+", 1)[1]
    t = re.sub(r"^\d+:", "", t)  # Debian epoch
    t = t.split("-", 1)[0] if re.match(r"^[v\d]", t.lstrip("go")) else t
    t = t.removeprefix("go").removeprefix("v").removeprefix("jdk")
    numbers = [int(n) for n in re.findall(r"\d+", t.split("~", 1)[0])[:4]]
    if scheme == "java" and numbers[:1] == [1] and len(numbers) > 1:
        numbers = numbers[1:]  # 1.8.0_372 is Java 8
    return tuple(numbers)


@dataclass(frozen=True)
class Readiness:
    product: str
    name: str
    version: str | None
    capability: str
    ready: bool | None  # None: cannot be told (no version, no release known, unversioned)
    needed: str | None
    source: str
    confirmed: bool = True

    def sentence(self) -> str:
        what = LABELS.get(self.capability, self.capability)
        if self.ready:
            return SPEAKS.format(name=self.name, version=self.version, what=what)
        if self.ready is False:
            template = CANNOT_SPEAK if self.confirmed else CANNOT_SPEAK_UNCONFIRMED
            return template.format(
                name=self.name,
                version=self.version,
                what=what,
                needed=self.needed,
                source=self.source,
            )
        if not self.version:
            return NO_VERSION.format(name=self.name, what=what, source=self.source)
        return SUPPORT_UNKNOWN.format(
            name=self.name, version=self.version, what=what, source=self.source
        )


# A readiness in words (a reason of the plan's upgrade tasks); `migration.reasons` reads
# them back to show them in another language.
SPEAKS = N_("{name} {version} speaks {what}")
CANNOT_SPEAK = N_("{name} {version} cannot speak {what}: upgrade to {needed} or later ({source})")
CANNOT_SPEAK_UNCONFIRMED = N_(
    "{name} {version} cannot speak {what}: upgrade to {needed} or later ({source}; unconfirmed)"
)
SUPPORT_UNKNOWN = N_("{name} {version}: {what} support unknown ({source})")
NO_VERSION = N_("{name} (version unknown): {what} support unknown ({source})")
SENTENCES = (SPEAKS, CANNOT_SPEAK, CANNOT_SPEAK_UNCONFIRMED, SUPPORT_UNKNOWN, NO_VERSION)


class StackCatalog:
    def __init__(self, data: dict[str, Any]) -> None:
        self.version = str(data.get("version", ""))
        self.products: dict[str, dict[str, Any]] = data.get("products") or {}
        self.by_package: dict[tuple[str, str], str] = {}
        problems = []
        for key, product in self.products.items():
            for ecosystem, names in (product.get("packages") or {}).items():
                for name in names:
                    self.by_package[(ecosystem, name.lower())] = key
            for cap, row in (product.get("capabilities") or {}).items():
                if cap not in CAPABILITIES:
                    problems.append(f"{key}.{cap}: unknown capability")
                if not isinstance(row, dict) or not row.get("source"):
                    problems.append(f"{key}.{cap}: every row needs a source")
        if problems:
            raise StackCatalogError("; ".join(problems))

    def product_of(self, ecosystem: str, name: str) -> str | None:
        return self.by_package.get((ecosystem, name.lower()))

    def name(self, product: str) -> str:
        return str(self.products.get(product, {}).get("name", product))

    def via(self, product: str) -> str | None:
        return self.products.get(product, {}).get("via")

    def readiness(self, product: str, version: str | None, capability: str) -> Readiness:
        entry = self.products.get(product)
        name = self.name(product)
        if entry is None:
            return Readiness(
                product, name, version, capability, None, None, "not in the stack catalog"
            )
        if entry.get("unversioned"):
            return Readiness(product, name, version, capability, None, None, entry["unversioned"])
        if entry.get("via"):
            via = self.name(entry["via"])
            return Readiness(
                product,
                name,
                version,
                capability,
                None,
                None,
                f"{name} speaks what its TLS library ({via}) speaks",
            )
        row = (entry.get("capabilities") or {}).get(capability)
        if row is None:
            return Readiness(
                product, name, version, capability, None, None, "not in the stack catalog"
            )
        since, source = row.get("since"), row["source"]
        confirmed = bool(row.get("confirmed", True))
        scheme = entry.get("scheme", "")
        if not version or not version_key(version, scheme):
            return Readiness(product, name, version, capability, None, since, source, confirmed)
        have = version_key(version, scheme)
        if since is None:
            good = row.get("known_good")
            if good and have >= version_key(good, scheme):
                return Readiness(product, name, version, capability, True, good, source, confirmed)
            return Readiness(product, name, version, capability, None, None, source, confirmed)
        return Readiness(
            product,
            name,
            version,
            capability,
            have >= version_key(str(since), scheme),
            str(since),
            source,
            confirmed,
        )


@cache
def stack_catalog(path: str | None = None) -> StackCatalog:
    """The packaged catalog (through the parse cache, `core.yaml_safe`), or one at `path`."""
    text = Path(path or DATA).read_text(encoding="utf-8")
    return StackCatalog(safe_load(text) if path else load_packaged(text))
