"""Each built-in profile's verdicts, written from the policy texts, not from pqcplan's output.

A row is (profile, algorithm, use) -> (verdict, deadline, target), and names the sentence of
the source it encodes (`why`). The usage sits on a medium-criticality internal application
of a private company in the "other" sector, judged as of 2026-11-27, so only the general
dates apply. `None` for a target means "any target": the row is about the verdict and date.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

import pytest

from inventory.catalog import get_catalog
from inventory.choices import QuantumStatus
from migration.compare import judge
from migration.inputs import AssetFacts, PlanInput, UsageFacts
from migration.profiles import builtin_profiles, get_profile
from migration.targets import choose_target
from migration.uses import use_of

TODAY = date(2026, 11, 27)
FUNCTIONS = ("tls_key_exchange", "certificate_signature", "firmware_signing", "password_hashing")
D2030, D2031, D2033, D2035 = (date(y, 12, 31) for y in (2030, 2031, 2033, 2035))
ANY = None


class Row(NamedTuple):
    algorithm: str
    primitive: str
    function: str
    verdict: str
    deadline: date | None
    target: str | None
    why: str


KE = ("key_exchange", "tls_key_exchange")
SIG = ("signature", "certificate_signature")
FW = ("signature", "firmware_signing")
HASH = ("hash", "integrity")
SYM = ("symmetric", "data_at_rest")
PWD = ("kdf", "password_hashing")

TABLES: dict[str, list[Row]] = {
    "us-cnsa2": [
        Row(
            "ML-KEM-1024",
            *KE,
            "acceptable",
            None,
            None,
            "ML-KEM ... Use Category 5 parameter, ML-KEM-1024, for all classification levels.",
        ),
        Row(
            "ML-KEM-768",
            *KE,
            "migrate",
            D2033,
            "ML-KEM-1024",
            "CNSA 2.0 lists only ML-KEM-1024; CNSA 2.0 algorithms become mandatory at the "
            "category's date (web/cloud 2033).",
        ),
        Row(
            "X25519MLKEM768",
            *KE,
            "migrate",
            D2033,
            "ML-KEM-1024",
            "Hybrid solutions may be allowed ... CNSA 2.0 algorithms will become mandatory: "
            "the post-quantum part ML-KEM-768 is not CNSA 2.0.",
        ),
        Row(
            "SecP384r1MLKEM1024",
            *KE,
            "acceptable",
            None,
            None,
            "A hybrid whose post-quantum part is ML-KEM-1024: allowed, not required.",
        ),
        Row(
            "Kyber768",
            *KE,
            "migrate",
            D2033,
            "ML-KEM-1024",
            "Pre-standard Kyber is not FIPS 203 ML-KEM-1024.",
        ),
        Row(
            "ML-DSA-65",
            *SIG,
            "migrate",
            D2033,
            "ML-DSA-87",
            "ML-DSA ... Use Category 5 parameter, ML-DSA-87, for all classification levels.",
        ),
        Row(
            "ML-DSA-87", *SIG, "acceptable", None, None, "ML-DSA-87 for all classification levels."
        ),
        Row(
            "LMS",
            *FW,
            "acceptable",
            None,
            None,
            "LMS: Asymmetric algorithm for digitally signing firmware and software ... All "
            "parameters approved.",
        ),
        Row("SHA-256", *HASH, "migrate", D2033, "SHA-384", "Use SHA-384 or SHA-512."),
        Row("SHA-384", *HASH, "acceptable", None, None, "Use SHA-384 or SHA-512."),
        Row("AES-128", *SYM, "migrate", D2033, "AES-256", "Use 256-bit keys."),
        Row(
            "ChaCha20-Poly1305",
            *SYM,
            "migrate",
            D2033,
            "AES-256",
            "AES is the only symmetric algorithm CNSA 2.0 lists.",
        ),
        Row(
            "MD5",
            *HASH,
            "migrate-now",
            date(2011, 3, 31),
            "SHA-384",
            "RFC 6151: MD5 is no longer acceptable where collision resistance is required.",
        ),
    ],
    "us-nist-ir8547": [
        Row("ML-KEM-512", *KE, "acceptable", None, None, "FIPS 203 ML-KEM (every parameter set)."),
        Row("ML-KEM", *KE, "acceptable", None, None, "FIPS 203 ML-KEM (every parameter set)."),
        Row(
            "Kyber768",
            *KE,
            "review",
            None,
            "ML-KEM-768",
            "Only FIPS 203 ML-KEM is approved; round-3 Kyber is not ML-KEM.",
        ),
        Row(
            "X25519Kyber768Draft00",
            *KE,
            "review",
            None,
            "ML-KEM-768",
            "Its post-quantum part is pre-standard Kyber.",
        ),
        Row("HQC-128", *KE, "review", None, "ML-KEM-768", "HQC was selected, not yet a FIPS."),
        Row(
            "RSA-2048",
            *SIG,
            "migrate",
            D2030,
            "ML-DSA-65",
            "112 bits of security strength: deprecated after 2030, disallowed after 2035.",
        ),
        Row(
            "ECDSA-P224",
            *SIG,
            "migrate",
            D2030,
            "ML-DSA-65",
            "112 bits (P-224): deprecated after 2030.",
        ),
        Row(
            "ECDSA-P256", *SIG, "migrate", D2035, "ML-DSA-65", ">= 128 bits: disallowed after 2035."
        ),
        Row(
            "ECDSA-P192",
            *SIG,
            "migrate-now",
            date(2014, 1, 1),
            "ML-DSA-65",
            "SP 800-131A: below 112 bits disallowed.",
        ),
        Row("SLH-DSA-SHA2-128s", *SIG, "acceptable", None, None, "FIPS 205 SLH-DSA."),
        Row(
            "SHA-224",
            *HASH,
            "migrate",
            D2030,
            "SHA-384",
            "SP 800-131A r3 draft: 112-bit hash protection disallowed after 2030.",
        ),
        Row("ChaCha20-Poly1305", *SYM, "review", None, "AES-256", "Not a NIST-approved cipher."),
        Row(
            "Argon2id",
            *PWD,
            "review",
            None,
            "PBKDF2-SHA256",
            "SP 800-132 approves PBKDF2; Argon2 is not NIST-approved.",
        ),
        Row("PBKDF2-SHA256", *PWD, "acceptable", None, None, "SP 800-132: PBKDF2."),
    ],
    "au-asd-2030": [
        Row(
            "ML-KEM-1024",
            *KE,
            "acceptable",
            None,
            None,
            "ML-KEM-768 or ML-KEM-1024 is used, preferably ML-KEM-1024 (ISM-1995).",
        ),
        Row("ML-KEM-768", *KE, "migrate", D2030, "ML-KEM-1024", "After 2030 only ML-KEM-1024."),
        Row(
            "ML-KEM-512",
            *KE,
            "migrate-now",
            date(2024, 12, 12),
            "ML-KEM-1024",
            "ML-KEM-768 or ML-KEM-1024 is used (ISM-1995, December 2024): 512 is not.",
        ),
        Row(
            "ML-DSA-44",
            *SIG,
            "migrate-now",
            date(2024, 12, 12),
            "ML-DSA-87",
            "ML-DSA-65 or ML-DSA-87 is used (ISM-1991).",
        ),
        Row("ML-DSA-65", *SIG, "migrate", D2030, "ML-DSA-87", "ML-DSA-65 not beyond 2030."),
        Row("RSA-3072", *SIG, "migrate", D2030, "ML-DSA-87", "RSA not approved beyond 2030."),
        Row("SHA-256", *HASH, "migrate", D2030, "SHA-384", "SHA-224/256 not beyond 2030."),
        Row("AES-128", *SYM, "migrate", D2030, "AES-256", "AES-128/192 not beyond 2030."),
        Row("AES-256", *SYM, "acceptable", None, None, "AES-256 stays approved."),
        Row(
            "HQC-128",
            *KE,
            "migrate",
            D2030,
            "ML-KEM-1024",
            "After 2030 only ML-KEM-1024 is approved for key establishment.",
        ),
    ],
    "fr-anssi": [
        Row(
            "ML-KEM-768",
            *KE,
            "migrate",
            D2035,
            "SecP384r1MLKEM1024",
            "ANSSI strongly recommends hybrid post-quantum mechanisms (read: required).",
        ),
        Row("X25519MLKEM768", *KE, "acceptable", None, None, "ML-KEM in a hybrid."),
        Row(
            "SLH-DSA-SHA2-128s",
            *SIG,
            "acceptable",
            None,
            None,
            "Hybridization for SPHINCS+ may also be optional.",
        ),
        Row(
            "ML-DSA-65",
            *SIG,
            "migrate",
            D2035,
            "MLDSA87-ECDSA-P384-SHA512",
            "Hybrid mechanisms for signatures too.",
        ),
        Row(
            "HQC-128",
            *KE,
            "review",
            None,
            "SecP384r1MLKEM1024",
            "ANSSI endorses ML-KEM and FrodoKEM; HQC is not named.",
        ),
    ],
    "de-bsi-tr02102": [
        Row(
            "ML-KEM-768",
            *KE,
            "migrate",
            D2031,
            "X25519MLKEM768",
            "Non-hash-based PQC only in a hybrid form.",
        ),
        Row("X25519MLKEM768", *KE, "acceptable", None, None, "ML-KEM-768 in a hybrid."),
        Row(
            "ECDH-P256",
            *KE,
            "migrate",
            D2031,
            "X25519MLKEM768",
            "Sole use of classic key agreement only until December 31, 2031.",
        ),
        Row(
            "ML-KEM-512",
            *KE,
            "review",
            None,
            "X25519MLKEM768",
            "Minimum ML-KEM-768 for most applications.",
        ),
        Row(
            "RSA-3072",
            *SIG,
            "migrate",
            D2035,
            ANY,
            "Migration to quantum-safe signatures by the end of 2035.",
        ),
        Row(
            "LMS",
            *FW,
            "acceptable",
            None,
            None,
            "Hash-based signatures such as SLH-DSA, as well as LMS and XMSS, can be used "
            "independently.",
        ),
    ],
    "kr-2035": [
        Row("SMAUG-T-128", *KE, "acceptable", None, None, "SMAUG-T: KpqC public-key winner."),
        Row("SMAUG-T", *KE, "acceptable", None, None, "The SMAUG-T family, any parameter set."),
        Row("HAETAE-3", *SIG, "acceptable", None, None, "HAETAE: KpqC signature winner."),
        Row("AIMer-128f", *SIG, "acceptable", None, None, "AIMer: KpqC signature winner."),
        Row(
            "AIMer-AIM3-128f",
            *SIG,
            "review",
            None,
            "HAETAE-3",
            "The AIM3 variant is not the KpqC final-round AIMer.",
        ),
        # kr-nist-algorithms (PostQuantum.com, 2025-01-30; secondary, open question): "The
        # government has indicated it will adopt NIST's algorithms as well, with the KpqC
        # selections serving as additional domestic options providing algorithm diversity."
        Row("ML-KEM-768", *KE, "acceptable", None, None, "NIST's algorithms as well: FIPS 203."),
        Row("ML-KEM-512", *KE, "acceptable", None, None, "FIPS 203: no set is excluded."),
        Row(
            "X25519MLKEM768",
            *KE,
            "acceptable",
            None,
            None,
            "A TLS hybrid on FIPS 203 ML-KEM-768: NIST's algorithms as well.",
        ),
        Row("ML-DSA-65", *SIG, "acceptable", None, None, "NIST's algorithms as well: FIPS 204."),
        Row(
            "SLH-DSA-SHA2-128s",
            *SIG,
            "acceptable",
            None,
            None,
            "NIST's algorithms as well: FIPS 205.",
        ),
        Row(
            "Kyber768",
            *KE,
            "review",
            None,
            "X25519MLKEM768",  # a TLS key exchange moves to a registered TLS group
            "Pre-standard Kyber is neither a KpqC winner nor a NIST standard.",
        ),
        Row(
            "X25519Kyber768Draft00",
            *KE,
            "review",
            None,
            "X25519MLKEM768",
            "A draft hybrid on pre-standard Kyber: not FIPS 203.",
        ),
        Row(
            "RSA-2048",
            *SIG,
            "migrate",
            D2035,
            "HAETAE-3",
            "National cryptographic systems move to PQC by 2035.",
        ),
    ],
    "us-eo14412": [
        Row("ML-KEM-768", *KE, "acceptable", None, None, "NIST PQC FIPS."),
        Row("Kyber768", *KE, "review", None, "ML-KEM-768", "Not a NIST PQC FIPS."),
        Row(
            "RSA-2048",
            *SIG,
            "migrate",
            D2035,
            "ML-DSA-65",
            "Remaining federal systems by 2035 (not a high-value asset here).",
        ),
    ],
    "eu-2030-2035": [
        Row(
            "ML-KEM-512",
            *KE,
            "acceptable",
            None,
            None,
            "The roadmap sets milestones, not algorithms (no table: judged by quantum status).",
        ),
        Row(
            "ECDH-P256",
            *KE,
            "migrate",
            D2035,
            "ML-KEM-768",
            "Medium-risk use cases migrated by the end of 2035.",
        ),
    ],
    "uk-ncsc-2035": [
        Row("RSA-2048", *SIG, "migrate", D2035, "ML-DSA-65", "Complete migration by 2035."),
    ],
    "ca-cccs-2035": [
        Row(
            "ECDH-P256",
            *KE,
            "migrate",
            D2035,
            "ML-KEM-768",
            "End of 2035: completion of PQC migration of remaining systems.",
        ),
    ],
}


def _cases() -> list[tuple[str, Row]]:
    return [(pid, row) for pid, rows in TABLES.items() for row in rows]


def test_every_built_in_profile_has_a_table() -> None:
    assert set(TABLES) == set(builtin_profiles())


@pytest.mark.parametrize(
    ("profile_id", "row"), _cases(), ids=[f"{p}:{r.algorithm}" for p, r in _cases()]
)
def test_verdict_from_the_policy_text(profile_id: str, row: Row) -> None:
    info = get_catalog().get(row.algorithm)
    assert info is not None, row.algorithm
    asset = AssetFacts(id=1, name="app", org_id=1, sector="other", tier="private")
    usage = UsageFacts(1, 1, row.algorithm, row.primitive, row.function, info.quantum_status)
    [j] = judge(PlanInput([asset], [], [usage]), [get_profile(profile_id)], TODAY)
    [v] = j.verdicts
    assert (v.verdict, v.deadline) == (row.verdict, row.deadline), (row.why, v.reason)
    if row.target is not None:
        assert v.target == row.target, (row.why, v.target)
    if v.basis == "table":  # a row of the profile's table decided: it carries its sentence
        assert v.quote and v.source


@pytest.mark.parametrize("profile_id", sorted(builtin_profiles()))
def test_every_target_is_accepted_by_its_own_profile(profile_id: str) -> None:
    """A profile never proposes what its own table would not accept for that use."""
    profile = get_profile(profile_id)
    for use in (
        "tls_key_exchange",
        "certificate_signature",
        "firmware_signing",
        "hash",
        "symmetric",
        "mac",
        "kdf",
        "password_hashing",
    ):
        target = choose_target(profile, use, None, TODAY)
        assert target.algorithm is not None, (profile_id, use, target.reason)
        info = get_catalog().get(target.algorithm)
        assert info is not None
        asset = AssetFacts(id=1, name="app", org_id=1, sector="other", tier="private")
        function = use if use in FUNCTIONS else "other"
        usage = UsageFacts(1, 1, target.algorithm, info.primitive, function, info.quantum_status)
        [j] = judge(PlanInput([asset], [], [usage]), [profile], TODAY)
        assert j.verdicts[0].verdict == "acceptable", (profile_id, use, j.verdicts[0].reason)


def test_password_hashes_move_to_password_hashes() -> None:
    """Argon2id, bcrypt, scrypt, PBKDF2 are password hashing: never HKDF as a target."""
    for name in ("Argon2id", "bcrypt", "scrypt", "PBKDF2-SHA256"):
        assert use_of("kdf", "other", name) == "password_hashing"
    nist = choose_target(get_profile("us-nist-ir8547"), "password_hashing", "bcrypt", TODAY)
    assert nist.algorithm == "PBKDF2-SHA256" and "SP 800-132" in nist.reason
    eu = choose_target(get_profile("eu-2030-2035"), "password_hashing", "bcrypt", TODAY)
    assert eu.algorithm == "Argon2id"
    assert choose_target(get_profile("kr-2035"), "mac", "HMAC-SHA1", TODAY).algorithm.startswith(
        ("HMAC", "KMAC")
    )
    assert choose_target(get_profile("kr-2035"), "kdf", None, TODAY).algorithm.startswith("HKDF")


KPQC = [("SMAUG-T-128", *KE), ("NTRU+KEM-864", *KE), ("HAETAE-3", *SIG), ("AIMer-192f", *SIG)]


@pytest.mark.parametrize(("algorithm", "primitive", "function"), KPQC)
def test_kpqc_winners_are_judged_by_their_own_rows(
    algorithm: str, primitive: str, function: str
) -> None:
    """kr-2035 allows the KpqC winners by the row that names them (not by a NIST row);
    CNSA 2.0, the ISM and NIST IR 8547 do not list them, so none of those accepts them."""
    info = get_catalog().get(algorithm)
    assert info is not None
    asset = AssetFacts(id=1, name="app", org_id=1, sector="other", tier="private")
    usage = UsageFacts(1, 1, algorithm, primitive, function, info.quantum_status)
    ids = ["kr-2035", "us-cnsa2", "au-asd-2030", "us-nist-ir8547"]
    [j] = judge(PlanInput([asset], [], [usage]), [get_profile(p) for p in ids], TODAY)
    kr, *others = j.verdicts
    assert (kr.verdict, kr.basis, kr.source) == ("acceptable", "table", "kr-kpqc-winners")
    for v in others:
        assert v.verdict != "acceptable" and v.basis == "unlisted", (v.profile_id, v.reason)


def test_nist_algorithms_under_kr_2035_rest_on_one_unconfirmed_sentence() -> None:
    """The NIST rows of kr-2035 cite the one secondary sentence they encode, unconfirmed."""
    profile = get_profile("kr-2035")
    assert profile.source("kr-nist-algorithms").confirmed is False
    asset = AssetFacts(id=1, name="app", org_id=1, sector="other", tier="private")
    usage = UsageFacts(1, 1, "ML-KEM-1024", *KE, QuantumStatus.RESISTANT)
    [j] = judge(PlanInput([asset], [], [usage]), [profile], TODAY)
    [v] = j.verdicts
    assert (v.verdict, v.source, v.confirmed) == ("acceptable", "kr-nist-algorithms", False)
    assert "adopt NIST's algorithms as well" in (v.quote or "")
