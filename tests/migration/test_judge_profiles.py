"""The added jurisdictions (Germany, France, Canada): dates, sources and honesty flags."""

from __future__ import annotations

from datetime import date

from migration.profiles import get_profile


def test_germany_bsi_dates_and_hybrid() -> None:
    de = get_profile("de-bsi-tr02102")
    assert de.jurisdiction == "DE" and de.uses["key_establishment"].hybrid == "required"
    dates = {d.id: d.date for d in de.deadlines}
    assert dates == {
        "very-high-2030": date(2030, 12, 31),
        "key-agreement-2031": date(2031, 12, 31),
        "signatures-2035": date(2035, 12, 31),
    }
    # read through secondary summaries only: nothing claims to be confirmed
    assert not de.source("bsi-tr02102-1-2026").confirmed
    assert all(not d.confirmed for d in de.deadlines)


def test_france_requires_hybrids_and_dates_classified_systems_2030() -> None:
    fr = get_profile("fr-anssi")
    assert fr.uses["key_establishment"].hybrid == "required"
    assert fr.uses["signature"].hybrid == "required"
    assert not fr.source("anssi-views-2023").confirmed
    assert not fr.source("fr-state-roadmap-2026").confirmed
    classified = next(d for d in fr.deadlines if d.id == "classified-2030")
    assert classified.date == date(2030, 12, 31) and not classified.confirmed
    assert fr.final_deadline == date(2035, 12, 31)


def test_canada_roadmap_milestones() -> None:
    ca = get_profile("ca-cccs-2035")
    assert [str(p.end) for p in ca.phases] == ["2026-04-30", "2031-12-31", "2035-12-31"]
    assert not ca.source("cccs-itsm-40-001").confirmed
    assert ca.source("tbs-spin-pqc").confirmed  # read on canada.ca itself
