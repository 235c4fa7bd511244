"""Names discovery sees on real servers that the catalog once called unknown: OpenSSH's UMAC
MACs (RFC 4418) and the TLS Camellia suites (RFC 5932, RFC 6367)."""

from __future__ import annotations

import pytest
import yaml

from inventory.catalog import get_catalog
from inventory.catalog.catalog import DATA_FILE
from inventory.choices import Primitive, QuantumStatus
from inventory.discovery.ssh import classify_names
from inventory.discovery.tlswire import SUITES
from inventory.exchange.cbom_common import cipher_suite_algorithms

UMAC = {
    "umac-64-etm@openssh.com": "UMAC-64",
    "umac-64@openssh.com": "UMAC-64",
    "umac-128-etm@openssh.com": "UMAC-128",
    "umac-128@openssh.com": "UMAC-128",
}


def test_ssh_umac_macs_are_known_and_weakened():
    got = {n.name: n for n in classify_names(list(UMAC))}
    for name, canonical in UMAC.items():
        assert got[name].canonical == canonical, name
        assert got[name].quantum_status == "weakened", name
    info = get_catalog().get("UMAC-64")
    assert info is not None and info.primitive == Primitive.MAC and info.classical_bits == 64


@pytest.mark.parametrize(
    ("suite", "cipher", "status"),
    [
        ("TLS_ECDHE_RSA_WITH_CAMELLIA_128_GCM_SHA256", "CAMELLIA-128", QuantumStatus.WEAKENED),
        ("TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_GCM_SHA384", "CAMELLIA-256", QuantumStatus.RESISTANT),
        ("TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256", "CAMELLIA-128", QuantumStatus.WEAKENED),
        ("TLS_RSA_WITH_CAMELLIA_256_CBC_SHA", "CAMELLIA-256", QuantumStatus.RESISTANT),
    ],
)
def test_camellia_suites_from_a_cbom_are_classified(suite, cipher, status):
    [symmetric] = [n for n, p in cipher_suite_algorithms(suite) if p == Primitive.SYMMETRIC]
    c = get_catalog().classify(symmetric, primitive=Primitive.SYMMETRIC)
    assert c.known and c.canonical == cipher and c.status == status, c


def test_every_camellia_suite_the_tls_scanner_offers_is_known():
    suites = [s for s in SUITES.values() if "CAMELLIA" in s.name]
    assert len(suites) == 66  # every IANA-registered Camellia suite (RFC 5932, RFC 6367)
    for suite in suites:
        c = get_catalog().classify(suite.cipher, primitive=Primitive.SYMMETRIC)
        assert c.known and c.canonical.startswith("CAMELLIA-"), (suite.name, c)


def test_camellia_by_key_size_and_new_entries_cite_defined_sources():
    cat = get_catalog()
    assert cat.resolve("Camellia", key_size=256).name == "CAMELLIA-256"
    assert cat.classify("Camellia").status == QuantumStatus.WEAKENED  # size unknown
    raw = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    entries = {e["name"]: e for e in raw["algorithms"]}
    for name in ("UMAC-64", "UMAC-128", "CAMELLIA-128", "CAMELLIA-192", "CAMELLIA-256"):
        assert entries[name]["sources"], name
        assert set(entries[name]["sources"]) <= set(raw["sources"]), name
    assert "rfc4418" in entries["UMAC-64"]["sources"]
    assert {"rfc5932", "rfc6367"} <= set(entries["CAMELLIA-128"]["sources"])
