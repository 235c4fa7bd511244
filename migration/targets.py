"""Which algorithm a usage moves to: a target the profile's own table accepts for the use.

Targets come from the use: a password hash moves to a password hash (Argon2id, or PBKDF2
with SP 800-132 parameters where the profile requires FIPS-approved mechanisms), a MAC to
HMAC or KMAC, a KDF to HKDF, key establishment to a KEM; never one use's target for another.
The catalog (`inventory.catalog`) is the one authority on names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from inventory.catalog import get_catalog
from inventory.choices import QuantumStatus
from migration import reasons as R
from migration.policy import accepts, table_for
from migration.profiles.schema import Profile
from migration.reasons import PBKDF2_PARAMETERS
from migration.uses import policy_use

HYBRID_MARKERS = ("MLKEM", "+ML-")  # X25519MLKEM768, SecP384r1MLKEM1024, "ECDSA+ML-DSA"

#: the planner's default per policy use, taken only where a profile's table names none; each
#: is checked against the profile (`accepts`) before it is offered
DEFAULTS: dict[str, tuple[str, ...]] = {
    "key_establishment": ("ML-KEM-768", "ML-KEM-1024", "X25519MLKEM768", "SecP384r1MLKEM1024"),
    "signature": ("ML-DSA-65", "ML-DSA-87", "SLH-DSA-SHA2-128s"),
    "software_signing": ("ML-DSA-65", "ML-DSA-87", "LMS", "XMSS"),
    "symmetric": ("AES-256",),
    "hash": ("SHA-384", "SHA-512", "SHA-256"),
    "mac": ("HMAC-SHA256", "HMAC-SHA384", "KMAC256"),
    "kdf": ("HKDF-SHA256", "HKDF-SHA384"),
    "password_hashing": ("Argon2id", "PBKDF2-SHA256"),
}
#: what a TLS 1.3 handshake can agree on with a post-quantum part: the IANA TLS Supported
#: Groups registered by draft-ietf-tls-ecdhe-mlkem (hybrids) and draft-ietf-tls-mlkem
#: (ML-KEM alone). A TLS key exchange moves to one of these: a KEM with no codepoint (the KpqC
#: winners, HQC, FrodoKEM) cannot be negotiated, however well a policy regards it.
TLS_GROUPS = (
    "X25519MLKEM768",
    "SecP256r1MLKEM768",
    "SecP384r1MLKEM1024",
    "ML-KEM-768",
    "ML-KEM-1024",
    "ML-KEM-512",
)
FIPS_PASSWORD_HASH = "PBKDF2-SHA256"


@dataclass(frozen=True, slots=True)
class Target:
    algorithm: str | None
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


def candidates(profile: Profile, use: str) -> list[str]:
    """What the profile names for the use, else the planner's defaults for it; for a TLS key
    exchange only what TLS can negotiate (the profile's own TLS groups first, then
    `TLS_GROUPS`, each still checked against the profile by the caller)."""
    puse, policy = table_for(profile, use)
    named = list(policy.targets) if policy is not None else []
    if not named and not profile.uses:
        named = list(profile.targets.get(use, []))  # a custom profile of the older shape
    if puse == "password_hashing" and profile.fips_required:
        named = [FIPS_PASSWORD_HASH, *named]
    named = named or list(DEFAULTS.get(puse, ()))
    if use == "tls_key_exchange":
        named = [n for n in named if n in TLS_GROUPS] + list(TLS_GROUPS)
    return list(dict.fromkeys(named))


def choose_target(
    profile: Profile, use: str, algorithm: str | None = None, today: date | None = None
) -> Target:
    """The first candidate the profile accepts for the use; the rest are the alternatives.

    An algorithm the catalog does not know gets no target: nothing is known about what it
    does beyond the use the file claims.
    """
    today = today or date.today()
    if algorithm is not None and not known(algorithm):
        return Target(None, (), R.NO_TARGET.format(algorithm=algorithm))
    puse = policy_use(use)
    named = candidates(profile, use)
    usable = [n for n in named if known(n) and accepts(profile, use, n, today)]
    if not usable:
        word = puse.replace("_", " ")
        if not named:
            return Target(None, (), R.ACCEPTS_NO_DEFAULT.format(profile=profile.id, use=word))
        why = R.ACCEPTS_NONE.format(profile=profile.id, names=", ".join(named), use=word)
        return Target(None, (), why)
    shown = dict(profile=profile.id, names=", ".join(usable), use=puse.replace("_", " "))
    if usable[0] == FIPS_PASSWORD_HASH and puse == "password_hashing":
        reason = R.ACCEPTS_WITH.format(**shown, parameters=PBKDF2_PARAMETERS)
    else:
        reason = R.ACCEPTS.format(**shown)
    return Target(usable[0], tuple(usable[1:]), reason)
