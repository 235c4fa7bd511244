"""Which revision of each KpqC algorithm the testbed runs, and how it relates to the reference.

The kpqc engine runs the PyPI package ``kpqc`` 0.2.1, which vendors the upstream commits its
THIRD_PARTY_NOTICES name. The KpqC reference here is KpqClean_ver2 at commit c20b422 (the
final-round packaging); its known answers are in ``tests/testbed/data/kpqc-kat`` and
``tests/testbed/test_kpqc_kat.py`` checks every statement below against them.

>>> revision("NTRU+KEM-768").startswith("kpqc 0.2.1")
True
>>> revision("ML-KEM-768") is None
True
"""

from __future__ import annotations

REFERENCE = "KpqClean_ver2 c20b422"
_FAMILIES: dict[str, str] = {
    "SMAUG-T-": (
        "kpqc 0.2.1 vendoring SMAUG-T bbc463c with the dg.c sampler fix that KpqClean also "
        f"carries; equal byte for byte (pk, sk, ct, ss) to {REFERENCE}'s known answers (the "
        "SMAUG-T 1.1.1 release's own KAT files, made before that fix, match neither)"
    ),
    "NTRU+KEM-": (
        f"kpqc 0.2.1 vendoring NTRU+ 3991b2a; equal byte for byte (pk, sk, ct, ss) to "
        f"{REFERENCE}'s known answers"
    ),
    "HAETAE-": (
        f"kpqc 0.2.1 vendoring HAETAE 743c31d with a newer sampler than {REFERENCE}: key pairs "
        "equal byte for byte, signatures differ in their bytes, and each side verifies the "
        "other's (the reference signatures verify here under their contexts)"
    ),
    "AIMer-AIM3-": (
        "kpqc 0.2.1 vendoring AIMer 734cc76, whose one-way function is AIM3: not the KpqC "
        f"final-round AIM2 AIMer of {REFERENCE} (keys and signatures differ, and the two do not "
        "interoperate); the catalog's AIMer-128f ... (AIM2) runs on no engine here"
    ),
}


def revision(algorithm: str) -> str | None:
    """The revision statement for a KpqC algorithm the testbed runs, else None."""
    for prefix, text in _FAMILIES.items():
        if algorithm.startswith(prefix):
            return text
    return None


def revisions(algorithms: list[str]) -> dict[str, str]:
    """:func:`revision` of each of ``algorithms`` that has one."""
    return {a: text for a in algorithms if (text := revision(a)) is not None}
