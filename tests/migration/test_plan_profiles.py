"""Profile data files: valid, sourced, and invalid input refused with the field named."""

from __future__ import annotations

from typing import Any

import pytest

from migration.profiles import (
    ProfileError,
    builtin_profiles,
    get_profile,
    load_profile_text,
    parse_profile,
    profile_to_dict,
)
from migration.profiles.loader import DATA_DIR, UnknownProfile

EXPECTED = {
    "kr-2035",
    "us-nist-ir8547",
    "us-cnsa2",
    "us-eo14412",
    "eu-2030-2035",
    "uk-ncsc-2035",
    "au-asd-2030",
    "de-bsi-tr02102",
    "fr-anssi",
    "ca-cccs-2035",
}


def test_all_builtin_profiles_load() -> None:
    assert set(builtin_profiles()) == EXPECTED


def test_each_builtin_file_is_named_by_its_id() -> None:
    """`get_profile` reads `<id>.yaml` alone; the same profile as the full load gives."""
    for profile_id, profile in builtin_profiles().items():
        assert (DATA_DIR / f"{profile_id}.yaml").is_file()
        assert get_profile(profile_id) == profile
    with pytest.raises(UnknownProfile):
        get_profile("../kr-2035")


@pytest.mark.parametrize("profile_id", sorted(EXPECTED))
def test_every_date_names_a_source_with_an_address(profile_id: str) -> None:
    profile = get_profile(profile_id)
    for source in profile.sources:
        assert source.url or source.citation
    ids = {s.id for s in profile.sources}
    assert profile.final_deadline_source in ids
    assert all(d.source in ids for d in profile.deadlines)
    assert all(p.source in ids for p in profile.phases)


def test_unconfirmed_dates_are_marked() -> None:
    ir = get_profile("us-nist-ir8547")
    assert not ir.source("nist-ir8547-ipd").confirmed
    assert all(not d.confirmed for d in ir.deadlines)
    cnsa = get_profile("us-cnsa2")
    assert all(not d.confirmed for d in cnsa.deadlines)
    eo = get_profile("us-eo14412")
    omb = next(m for m in eo.milestones if m.id == "omb-agency-plans")
    assert omb.confirmed is False


def test_korean_profile_facts() -> None:
    kr = get_profile("kr-2035")
    assert str(kr.final_deadline) == "2035-12-31"
    assert [str(t) for t in kr.tier_order[:3]] == [
        "central_government",
        "public_institution",
        "critical_private_infrastructure",
    ]
    assert {p.year for p in kr.pilots} == {2025, 2026, 2027, 2028}
    assert "SMAUG-T-192" in kr.uses["key_establishment"].targets


def _uk() -> dict[str, Any]:
    return profile_to_dict(get_profile("uk-ncsc-2035"))


@pytest.mark.parametrize(
    ("mutate", "field", "words"),
    [
        (lambda d: d.pop("final_deadline"), "final_deadline", "required"),
        (lambda d: d["deadlines"][0].update(date="2031-13-40"), "deadlines.0.date", "date"),
        (lambda d: d["deadlines"][0].update(uses=["teleport"]), "deadlines.0.uses", "teleport"),
        (lambda d: d["deadlines"][0].update(source="nope"), "deadlines.0.source", "nope"),
        (lambda d: d.update(sector_order=["mars"]), "sector_order.0", "mars"),
        (lambda d: d["targets"].update(signature=[]), "targets", "no target"),
        (lambda d: d.update(id="Bad Id!"), "id", "pattern"),
        (lambda d: d["phases"][1].update(start="2027-01-01"), "phases", "overlap"),
        (lambda d: d.update(surprise=1), "surprise", "not permitted"),
        (lambda d: d["sources"][0].pop("url"), "sources.0", "url or a citation"),
    ],
)
def test_invalid_profiles_are_refused_with_the_field_named(
    mutate: Any, field: str, words: str
) -> None:
    data = _uk()
    mutate(data)
    with pytest.raises(ProfileError) as info:
        parse_profile(data)
    assert info.value.field == field
    assert words in info.value.message.lower()


def test_yaml_syntax_error_names_the_line() -> None:
    with pytest.raises(ProfileError) as info:
        load_profile_text("id: x\nname: [unclosed\n", origin="mine.yaml")
    assert info.value.field.startswith("line")
    assert "mine.yaml" in str(info.value)


def test_unknown_profile() -> None:
    with pytest.raises(UnknownProfile):
        get_profile("mars-2099")
