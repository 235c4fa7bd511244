"""The built-in sector catalogs: every sector the issue names has one, every target cites
sources, and a user's catalog is refused with the field named, like a profile."""

from __future__ import annotations

import copy

import pytest

from migration.sectors.loader import (
    CatalogError,
    builtin_catalogs,
    catalog_to_dict,
    load_catalog_text,
    parse_catalog,
    procedures,
)

SECTORS = {
    "government",
    "public_institution",
    "finance",
    "telecom",
    "energy",
    "healthcare",
    "transport",
    "defense",
    "space",
    "manufacturing",
    "iot",
}


def test_every_named_sector_has_a_catalog_and_every_target_cites_a_source() -> None:
    catalogs = builtin_catalogs()
    assert {str(c.sector) for c in catalogs.values()} == SECTORS
    for catalog in catalogs.values():
        for target in catalog.targets:
            assert target.sources, catalog.key(target)
            for ref in target.sources:
                source = catalog.source(ref)
                assert source.url or source.citation
                if not source.confirmed:  # a secondary reading says what was read
                    assert source.note, (catalog.id, ref)
            assert target.look and target.why.text


def test_the_targets_the_issue_names_are_there() -> None:
    keys = {c.key(t) for c in builtin_catalogs().values() for t in c.targets}
    for key in (
        "telecom/suci-concealment",
        "telecom/roaming-n32",
        "telecom/ipsec-backhaul",
        "telecom/esim-rsp-pki",
        "telecom/dnssec",
        "telecom/rpki",
        "telecom/network-management-ssh",
        "finance/card-payment",
        "finance/hsm-key-management",
        "finance/customer-certificate-pki",
        "finance/online-banking-tls",
        "finance/app-signing",
        "finance/interbank-links",
        "manufacturing/firmware-signing-secure-boot",
        "manufacturing/opc-ua",
        "manufacturing/device-identities",
        "manufacturing/remote-maintenance",
        "manufacturing/vehicle-ota-ecu",
    ):
        assert key in keys, key


def test_a_catalog_round_trips_through_its_dict() -> None:
    for catalog in builtin_catalogs().values():
        assert parse_catalog(catalog_to_dict(catalog)) == catalog


def _telecom() -> dict:
    return catalog_to_dict(builtin_catalogs()["telecom"])


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (
            lambda d: d["targets"][0].update(algorithms=["ECIES-X25519"]),
            "targets.0.algorithms",
            "not a canonical name",
        ),
        (
            lambda d: d["targets"][1].update(sources=["nowhere"]),
            "targets.1.sources.0",
            "unknown source id",
        ),
        (
            lambda d: d["targets"][2]["match"][0].update(functions=["telepathy"]),
            "targets.2.match.0.functions.0",
            "Input should be",
        ),
        (
            lambda d: d["targets"][3]["match"].append({}),
            "targets.3.match.2",
            "at least one condition",
        ),
        (
            lambda d: d["targets"][0]["look"][0].update(where="intuition"),
            "targets.0.look.0.where",
            "Input should be",
        ),
        (
            lambda d: d["targets"][4].update(id=d["targets"][0]["id"]),
            "targets.4.id",
            "share the id",
        ),
        (lambda d: d.update(sector="mining"), "sector", "Input should be"),
        (
            lambda d: d["targets"][0]["why"].update(device_lifetime_years=400),
            "targets.0.why.device_lifetime_years",
            "less than or equal",
        ),
        (lambda d: d["targets"][0].update(extra=1), "targets.0.extra", "Extra inputs"),
    ],
)
def test_a_bad_catalog_names_its_field(change, field, words) -> None:
    data = copy.deepcopy(_telecom())
    change(data)
    with pytest.raises(CatalogError) as caught:
        parse_catalog(data)
    assert caught.value.field == field, str(caught.value)
    assert words in str(caught.value)


def test_bad_yaml_names_its_line() -> None:
    with pytest.raises(CatalogError) as caught:
        load_catalog_text("id: x\nsector: [telecom\n", origin="mine.yaml")
    assert caught.value.field.startswith("line ")
    assert "mine.yaml" in str(caught.value)


def test_procedures_name_their_steps_in_both_languages() -> None:
    found = procedures()
    assert list(found) == ["kr-pilot", "gsma-pq03"]
    assert [s.id for s in found["gsma-pq03"].steps] == [
        "capability",
        "discovery",
        "risk-analysis",
        "prioritisation",
        "remediation",
        "operation",
    ]
    for procedure in found.values():
        assert all(step.name_ko for step in procedure.steps)
