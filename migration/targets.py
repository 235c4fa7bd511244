"""Which algorithm a usage moves to: the profile's accepted targets, checked in the catalog.

The catalog (`inventory.catalog`) is the one authority on names. If it does not know a
name, the planner still answers and says so in the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from inventory.catalog import get_catalog
from inventory.choices import QuantumStatus
from migration.profiles.schema import Profile

HYBRID_MARKERS = ("MLKEM", "+ML-")  # X25519MLKEM768, SecP384r1MLKEM1024, "ECDSA+ML-DSA"

# Used only when neither the profile nor the catalog names a target.
FALLBACK_TARGETS: dict[str, str] = {
    "tls_key_exchange": "X25519MLKEM768",
    "key_exchange": "ML-KEM-768",
    "encryption": "ML-KEM-768",
    "signature": "ML-DSA-65",
    "certificate_signature": "ML-DSA-65",
    "code_signing": "ML-DSA-65",
    "firmware_signing": "LMS",
    "symmetric": "AES-256",
    "hash": "SHA-384",
    "mac": "HMAC-SHA384",
    "kdf": "HKDF-SHA256",
}


@dataclass(frozen=True, slots=True)
class Target:
    algorithm: str
    alternatives: tuple[str, ...]
    reason: str


def known(name: str) -> bool:
    """Whether the algorithm catalog knows the canonical name."""
    return get_catalog().get(name) is not None


def is_hybrid(name: str) -> bool:
    info = get_catalog().get(name)
    if info is not None:
        return info.quantum_status is QuantumStatus.HYBRID
    return any(marker in name for marker in HYBRID_MARKERS)


def catalog_replacements(algorithm: str | None, use: str) -> list[str]:
    """What the catalog proposes for replacing `algorithm` in `use` ([] if nothing)."""
    info = get_catalog().get(algorithm) if algorithm else None
    return list(info.replacement_for(use)) if info is not None else []


def choose_target(profile: Profile, use: str, algorithm: str | None = None) -> Target:
    """The first accepted target the catalog knows; the rest are the alternatives.

    Without a usable profile target, the catalog's replacements for the algorithm (or for
    the use) are taken; without those, a planner default, and the reason says which.
    """
    accepted = list(profile.targets.get(use, []))
    if profile.hybrid in ("forbidden", "discouraged"):
        pure = [n for n in accepted if not is_hybrid(n)]
        accepted = pure or accepted
    if accepted:
        usable = [name for name in accepted if known(name)]
        missing = [name for name in accepted if name not in usable]
        if usable:
            note = f"; not in the catalog, so skipped: {', '.join(missing)}" if missing else ""
            return Target(
                usable[0],
                tuple(usable[1:]),
                f"{profile.id} accepts {', '.join(usable)} for {use.replace('_', ' ')}{note}",
            )
    proposed = catalog_replacements(algorithm, use)
    if proposed:
        return Target(
            proposed[0],
            tuple(proposed[1:]),
            f"{profile.id} names no usable target for {use}; the catalog proposes "
            f"{', '.join(proposed)}",
        )
    fallback = FALLBACK_TARGETS.get(use, "ML-KEM-768")
    return Target(
        fallback,
        (),
        f"no profile or catalog target for {use}; planner default {fallback}",
    )
