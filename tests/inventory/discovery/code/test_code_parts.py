"""Pieces of the code scanner against their sources: library notations (JCA standard names,
RFC 7518 JOSE "alg" values, OpenSSL names), the rules files and the stack catalog."""

from __future__ import annotations

import pytest

from inventory.discovery.code import rules as rules_module
from inventory.discovery.code.spec import curve_name, jca, jwt, openssl, tls_protocol
from inventory.discovery.stacks.catalog import StackCatalog, StackCatalogError, version_key


def test_jca_standard_names() -> None:
    # Java Security Standard Algorithm Names: "algorithm/mode/padding" transformations,
    # "<digest>with<encryption>" signatures, "PBKDF2With<prf>".
    assert jca("AES/GCM/NoPadding") == {"algorithm": "AES", "mode": "GCM", "padding": "NoPadding"}
    assert jca("RSA/ECB/OAEPWithSHA-256AndMGF1Padding")["padding"] == "OAEP"
    assert jca("SHA1withRSA") == {"algorithm": "RSA", "digest": "SHA-1"}
    assert jca("SHA256withRSA/PSS")["padding"] == "PSS"
    assert jca("PBKDF2WithHmacSHA256") == {"algorithm": "PBKDF2", "digest": "SHA-256"}


def test_jose_alg_values() -> None:
    # RFC 7518 3.1: RS256 = RSASSA-PKCS1-v1_5 using SHA-256, PS384 = RSASSA-PSS using SHA-384,
    # ES256 = ECDSA using P-256 and SHA-256, ES512 = ECDSA using P-521 and SHA-512.
    assert jwt("RS256") == {"algorithm": "RSA", "padding": "PKCS1-v1_5", "digest": "SHA-256"}
    assert jwt("PS384")["padding"] == "PSS"
    assert jwt("ES512")["curve"] == "P-521"
    assert jwt("HS256")["algorithm"] == "HMAC-SHA256"


def test_openssl_names_curves_and_protocols() -> None:
    assert openssl("aes-256-gcm") == {"algorithm": "AES", "key_size": 256, "mode": "GCM"}
    assert openssl("des-ede3-cbc")["algorithm"] == "3DES"
    assert openssl("RSA-SHA1") == {"algorithm": "RSA", "digest": "SHA-1"}
    spellings = [
        "NID_X9_62_prime256v1",
        "MBEDTLS_ECP_DP_SECP256R1",
        "crypto/elliptic.P256",
        "secp256r1",
        "P-256",
        "crypto/tls.CurveP256",
    ]
    assert {curve_name(s) for s in spellings} == {"P-256"}
    assert curve_name("totally-not-a-curve") is None
    assert tls_protocol("ssl.PROTOCOL_TLSv1") == "TLS 1.0"
    assert tls_protocol("crypto/tls.VersionTLS12") == "TLS 1.2"
    assert tls_protocol("TLSv1.3") == "TLS 1.3"


def test_a_rule_file_with_a_mistake_is_refused_with_its_place() -> None:
    with pytest.raises(rules_module.RulesError, match=r"x:lib\[0\].*not a source"):
        rules_module.build(
            "x", [{"library": "lib", "rules": [{"call": "a.b", "key_size": ["argument 1"]}]}]
        )
    with pytest.raises(rules_module.RulesError, match="default_source"):
        rules_module.build("x", [{"rules": [{"call": "a.b", "default": {"digest": "MD5"}}]}])
    for family in rules_module.FAMILIES:  # the shipped files load
        assert rules_module.ruleset(family).calls or rules_module.ruleset(family).patterns


def test_stack_catalog_rows_need_sources_and_versions_compare_as_packagers_write_them() -> None:
    with pytest.raises(StackCatalogError, match="needs a source"):
        StackCatalog({"products": {"x": {"capabilities": {"ml_kem": {"since": "1"}}}}})
    assert version_key("1:9.2p1-2+deb12u5") < version_key("9.9")
    assert version_key("3.0.15-1~deb12u1") < version_key("3.5.0") <= version_key("3.5.0-1")
    assert version_key("go1.24.1") >= version_key("1.24")
    assert version_key("1.8.0_372", "java") == (8, 0, 372)
    assert version_key("300.5.0+3.5.0") == (3, 5, 0)  # openssl-src crate: the OpenSSL after +
