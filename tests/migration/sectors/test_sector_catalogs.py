"""The built-in sector catalogs: every sector the issue names has one, every target cites
sources, and a user's catalog is refused with the field named, like a profile."""

from __future__ import annotations

import copy
import json

import pytest

from migration.profiles import builtin_profiles
from migration.profiles.loader import validate_document
from migration.sectors import loader
from migration.sectors.loader import (
    CatalogError,
    builtin_catalogs,
    catalog_to_dict,
    load_catalog_text,
    parse_catalog,
    procedures,
)
from migration.sectors.schema import Procedure

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
        (  # English copied into the Korean field is not a translation
            lambda d: d["targets"][0]["look"][0].update(how_ko="Ask the vendor."),
            "targets.0.look.0.how_ko",
            "written in Korean",
        ),
        (lambda d: d["targets"][1]["why"].update(text_ko=""), "targets.1.why.text_ko", "least 1"),
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


def _korean_texts(catalog) -> list[str]:
    out = [catalog.description_ko, *(s.note_ko for s in catalog.sources if s.note)]
    for target in catalog.targets:
        out += [target.name_ko, target.why.text_ko, *(h.how_ko for h in target.look)]
    return out


def test_every_text_a_person_reads_has_korean_within_the_shipped_font() -> None:
    """The console shows these on Korean pages; the Korean font holds the syllables of
    KS X 1001 only (app/web/static/fonts/README.md)."""
    texts = [t for c in builtin_catalogs().values() for t in _korean_texts(c)]
    for procedure in procedures().values():
        texts += [s.description_ko for s in procedure.steps] + procedure.notes_ko
        assert len(procedure.notes_ko) == len(procedure.notes)
    texts += [p.description_ko for p in builtin_profiles().values()]  # shown on /plans
    assert texts and all(texts)
    outside = {ch for t in texts for ch in t if "\uac00" <= ch <= "\ud7a3" and not _euc_kr(ch)}
    assert not outside


def _euc_kr(ch: str) -> bool:
    try:
        ch.encode("euc_kr")
    except UnicodeEncodeError:
        return False
    return True


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["targets"][2]["look"][0].pop("how_ko"), "targets.2.look.0.how_ko"),
        (lambda d: d["targets"][1]["why"].pop("text_ko"), "targets.1.why.text_ko"),
        (lambda d: d["targets"][3].pop("name_ko"), "targets.3.name_ko"),
    ],
)
def test_a_builtin_catalog_without_korean_beside_its_english_does_not_load(
    change, field, tmp_path, monkeypatch
) -> None:
    """A new built-in entry cannot forget its Korean: the data directory refuses to load.
    An organization's own catalog may leave the Korean out (it is then shown in English)."""
    data = _telecom()
    change(data)
    assert parse_catalog(copy.deepcopy(data)).missing_korean() == [field]
    (tmp_path / "catalogs").mkdir()
    (tmp_path / "catalogs" / "telecom.yaml").write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setattr(loader, "DATA_DIR", tmp_path)
    builtin_catalogs.cache_clear()
    try:
        with pytest.raises(CatalogError) as caught:
            builtin_catalogs()
    finally:
        builtin_catalogs.cache_clear()
    assert caught.value.field == field
    assert "no Korean text beside it" in str(caught.value) and "telecom.yaml" in str(caught.value)


def _kr_pilot() -> dict:
    return procedures()["kr-pilot"].model_dump(mode="json")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: d["steps"][0].pop("description_ko"), "steps.0.description_ko"),
        (lambda d: d["notes_ko"].clear(), "notes_ko: 0 Korean notes for 1"),
        (lambda d: d["steps"][1].update(description_ko="Find them."), "written in Korean"),
    ],
)
def test_a_procedure_without_korean_beside_its_english_is_refused(change, words) -> None:
    data = _kr_pilot()
    change(data)
    with pytest.raises(CatalogError) as caught:
        validate_document(Procedure, data, "procedures.0", CatalogError, "a procedure")
    assert words in str(caught.value)
