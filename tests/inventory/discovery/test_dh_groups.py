"""The finite-field groups computed from their RFC formulas equal OpenSSL's built-in copies
(an independent implementation), and the two groups OpenSSL does not name are safe primes."""

from __future__ import annotations

import random
import subprocess

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_parameters

from inventory.discovery.dh_groups import ffdhe, modp


def openssl_group(name: str) -> int:
    pem = subprocess.run(
        ["openssl", "genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt", f"group:{name}"],
        capture_output=True,
        check=True,
    ).stdout
    return load_pem_parameters(pem).parameter_numbers().p


@pytest.mark.parametrize("bits", [2048, 3072, 4096, 6144, 8192])
def test_ffdhe_primes_equal_openssl(bits: int) -> None:
    assert ffdhe(bits) == openssl_group(f"ffdhe{bits}")


@pytest.mark.parametrize("bits", [1536, 2048, 3072, 4096, 6144, 8192])
def test_modp_primes_equal_openssl(bits: int) -> None:
    assert modp(bits) == openssl_group(f"modp_{bits}")


def _probably_prime(n: int, rounds: int = 16) -> bool:
    """Miller-Rabin with fixed-seed bases (enough to tell a wrong offset from a right one)."""
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    rng = random.Random(7)
    for _ in range(rounds):
        x = pow(rng.randrange(2, n - 2), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


@pytest.mark.parametrize("bits", [768, 1024])
def test_oakley_groups_are_safe_primes(bits: int) -> None:
    """RFC 2409 groups 1 and 2 (SSH's diffie-hellman-group1-sha1 uses group 2): OpenSSL has
    no name for them, so check what the RFC promises: p and (p-1)/2 are prime."""
    p = modp(bits)
    assert p.bit_length() == bits
    assert _probably_prime(p) and _probably_prime((p - 1) // 2)
    assert not _probably_prime(modp(bits) + 2)  # the check can fail
