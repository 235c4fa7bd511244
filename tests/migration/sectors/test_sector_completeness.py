"""The completeness check on real databases: rules tie assets by type, keywords, tags,
usages and discovery evidence; hand ties and absences change the answer; every write is
audited; another organization's assets never count."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.choices import Role, Sector, Tier
from core.errors import Conflict, InputError
from core.models import AuditEntry, Organization
from core.tenancy import NotFound, Principal
from inventory.choices import AssetType, CryptoFunction, Primitive, QuantumStatus, Source
from inventory.models import Asset, CryptoUsage
from migration.sectors import completeness
from migration.sectors.choices import TargetState


def _org(s, slug: str, sector: Sector, tier: Tier = Tier.CRITICAL_PRIVATE_INFRASTRUCTURE) -> int:
    org = Organization(slug=slug, name=slug, sector=sector, tier=tier)
    s.add(org)
    s.flush()
    return org.id


def _asset(s, org_id: int, name: str, kind: AssetType, *usages: tuple, **kw) -> int:
    asset = Asset(organization_id=org_id, ref=f"{name}", name=name, asset_type=kind, **kw)
    s.add(asset)
    s.flush()
    for i, (alg, function, status, extra) in enumerate(usages):
        s.add(
            CryptoUsage(
                organization_id=org_id,
                asset_id=asset.id,
                ref=f"{name}:{i}",
                algorithm=alg,
                algorithm_raw=alg,
                primitive=Primitive.SIGNATURE,
                function=function,
                quantum_status=status,
                status_reason="test",
                catalog_version="t",
                **extra,
            )
        )
    s.flush()
    return asset.id


def _states(result) -> dict[str, str]:
    return {t.key: t.state.value for t in result.targets}


def test_rules_hand_ties_and_absences(session_factory) -> None:
    with session_factory.begin() as s:
        bank = _org(s, "bank", Sector.FINANCE)
        other = _org(s, "other-bank", Sector.FINANCE)
        who = Principal(bank, Role.OFFICER, "officer of bank")
        hsm = _asset(
            s,
            bank,
            "vault",
            AssetType.HSM,
            ("RSA-2048", CryptoFunction.KEY_WRAPPING, QuantumStatus.BROKEN, {}),
        )
        _asset(
            s,
            bank,
            "Card authorization 1",
            AssetType.SERVICE,
            ("AES-128", CryptoFunction.DATA_IN_TRANSIT, QuantumStatus.WEAKENED, {}),
        )
        # discovery evidence and a function tie a signing service to app signing
        _asset(
            s,
            bank,
            "release pipeline",
            AssetType.SERVICE,
            (
                "ECDSA-P256",
                CryptoFunction.CODE_SIGNING,
                QuantumStatus.BROKEN,
                {"source": Source.SCAN, "evidence": "scan 7: certificate on 10.0.0.5:443"},
            ),
        )
        ca = _asset(s, bank, "Issuing CA", AssetType.CA_PKI)
        # another tenant's customer CA must not count for the bank
        _asset(s, other, "Customer certificate CA", AssetType.CA_PKI)

        first = completeness.check(s, bank)
        states = _states(first)
        assert states["finance/hsm-key-management"] == "found"
        assert states["finance/card-payment"] == "found"
        assert states["finance/app-signing"] == "found"
        assert states["finance/customer-certificate-pki"] == "not_found"
        card = next(t for t in first.targets if t.key == "finance/card-payment")
        assert (card.assets, card.vulnerable) == (1, 1)  # AES-128 is weakened
        hsm_check = next(t for t in first.targets if t.key == "finance/hsm-key-management")
        assert hsm_check.sample == [{"id": hsm, "name": "vault"}]
        missing = next(t for t in first.targets if t.key == "finance/customer-certificate-pki")
        assert missing.look and missing.look[0]["where"] in ("key_store", "vendor_questionnaire")

        # a tag the catalog asks for ties the CA
        assert completeness.tag_asset(s, who, bank, ca, ["customer-pki"]) == ["customer-pki"]
        assert _states(completeness.check(s, bank))["finance/customer-certificate-pki"] == "found"
        completeness.untag_asset(s, who, bank, ca, "customer-pki")

        # a hand tie does the same, and only once
        completeness.tie(s, who, bank, ca, "finance/customer-certificate-pki")
        again = completeness.check(s, bank)
        tied = next(t for t in again.targets if t.key == "finance/customer-certificate-pki")
        assert (tied.state, tied.by_hand, tied.assets) == (TargetState.FOUND, 1, 1)
        with pytest.raises(Conflict):
            completeness.tie(s, who, bank, ca, "finance/customer-certificate-pki")
        completeness.untie(s, who, bank, ca, "finance/customer-certificate-pki")

        # declared absent, with the reason and who said so
        completeness.declare_absent(
            s,
            who,
            bank,
            "finance/customer-certificate-pki",
            "customers sign with the national certificate service",
        )
        absent = next(
            t
            for t in completeness.check(s, bank).targets
            if t.key == "finance/customer-certificate-pki"
        )
        assert absent.state is TargetState.DECLARED_ABSENT
        assert absent.absence["by"] == "officer of bank"
        assert "national certificate" in absent.absence["reason"]

        # a target the sector does not expect, another tenant's asset: refused
        with pytest.raises(InputError) as caught:
            completeness.tie(s, who, bank, ca, "telecom/suci-concealment")
        assert caught.value.location == "target"
        other_ca = s.scalar(select(Asset.id).where(Asset.organization_id == other))
        with pytest.raises(NotFound):
            completeness.tie(s, who, bank, other_ca, "finance/customer-certificate-pki")

        actions = s.scalars(
            select(AuditEntry.entity).where(AuditEntry.organization_id == bank)
        ).all()
        assert {"asset_tags", "target_tie", "target_absence"} <= set(actions)
        assert all(
            e.actor == "officer of bank"
            for e in s.scalars(select(AuditEntry).where(AuditEntry.organization_id == bank))
        )


def test_tier_filters_targets_and_a_sector_without_catalog_expects_nothing(session_factory) -> None:
    with session_factory.begin() as s:
        fintech = _org(s, "fintech", Sector.FINANCE, Tier.PRIVATE)
        keys = {t.key for t in completeness.check(s, fintech).targets}
        assert "finance/interbank-links" not in keys  # only for the tiers in the network
        assert "finance/card-payment" in keys
        shop = _org(s, "shop", Sector.OTHER, Tier.PRIVATE)
        result = completeness.check(s, shop)
        assert result.targets == [] and result.accounted_percent == 100.0


def test_keywords_are_literal_text_not_patterns(session_factory) -> None:
    """A keyword with LIKE's wildcards matches only itself."""
    from migration.sectors.matching import _like

    assert _like("50%_off") == "50\\%\\_off"
    with session_factory.begin() as s:
        telco = _org(s, "telco", Sector.TELECOM)
        _asset(s, telco, "SEPP-x gateway", AssetType.SERVICE)  # "SEPP" is a keyword: found
        states = _states(completeness.check(s, telco))
        assert states["telecom/roaming-n32"] == "found"
        assert states["telecom/dnssec"] == "not_found"


def test_short_keywords_are_whole_words(session_factory) -> None:
    """ "ROA" (RPKI) is not in "roaming", "HIS" not in "this"; "ROA" is in "ROA-signer"."""
    with session_factory.begin() as s:
        telco = _org(s, "telco2", Sector.TELECOM)
        _asset(s, telco, "SEPP roaming gateway", AssetType.SERVICE)
        assert _states(completeness.check(s, telco))["telecom/rpki"] == "not_found"
        _asset(s, telco, "edge ROA-signer", AssetType.SERVICE)
        assert _states(completeness.check(s, telco))["telecom/rpki"] == "found"
        clinic = _org(s, "clinic", Sector.HEALTHCARE)
        _asset(s, clinic, "this and that", AssetType.SERVICE)
        assert _states(completeness.check(s, clinic))["healthcare/emr-his"] == "not_found"
        _asset(s, clinic, "HIS (main)", AssetType.SERVICE)
        assert _states(completeness.check(s, clinic))["healthcare/emr-his"] == "found"


def test_statistics_older_than_an_import_do_not_make_the_check_loop(pg_url: str) -> None:
    """Right after an import, before autovacuum has analyzed it, PostgreSQL expects one
    row per side of the join of the assets with their usage flags and plans a nested loop
    over the CTEs (10,000 assets took 60 s). The check and the planner's input run with
    nested loops off: the plan they get joins by hash or merge whatever the estimate."""
    from sqlalchemy import text
    from sqlalchemy.dialects import postgresql
    from sqlalchemy.orm import Session

    from core.bulk import insert_rows
    from core.db import engine_for
    from migration.sectors.catalogs import expected_targets
    from migration.sectors.matching import Matcher, run_wide

    engine = engine_for(pg_url)
    with Session(engine) as s, s.begin():
        org_id = _org(s, "fresh-bank", Sector.FINANCE)
        s.execute(text("ANALYZE assets; ANALYZE crypto_usages"))  # statistics of no rows
        assets = [
            {"organization_id": org_id, "ref": f"a{i}", "name": f"card switch {i}",
             "asset_type": AssetType.SERVICE}
            for i in range(2000)
        ]  # fmt: skip
        insert_rows(s.connection(), Asset.__table__, assets)
        ids = s.scalars(select(Asset.id).where(Asset.organization_id == org_id)).all()
        usages = [
            {"organization_id": org_id, "asset_id": a, "ref": f"u{a}", "algorithm": "RSA-2048",
             "algorithm_raw": "RSA-2048", "primitive": Primitive.SIGNATURE,
             "quantum_status": QuantumStatus.BROKEN, "status_reason": "t",
             "catalog_version": "t"}
            for a in ids
        ]  # fmt: skip
        insert_rows(s.connection(), CryptoUsage.__table__, usages)
        org = s.get_one(Organization, org_id)
        targets = [(e.key, e.target.match) for e in expected_targets(s, org)]
        for statement in (
            Matcher(org_id, targets).counts_and_samples(5),
            Matcher(org_id, targets).assets_of_each(),
        ):
            sql = statement.compile(
                dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
            )
            explain = text(f"EXPLAIN {sql}".replace("%%", "%"))
            as_planned = "\n".join(r[0] for r in s.execute(explain))
            assert "Nested Loop" in as_planned  # the trap is real with these statistics
            as_run = "\n".join(r[0] for r in run_wide(s, explain))  # type: ignore[arg-type]
            assert "Nested Loop" not in as_run, as_run
        found = completeness.check(s, org_id)
        assert _states(found)["finance/card-payment"] == "found"
        assert s.execute(text("SHOW enable_nestloop")).scalar() == "on"  # restored
    engine.dispose()


def test_a_changed_own_catalog_is_matched_by_its_new_rules(session_factory) -> None:
    """Statements are built once per set of rules and shared between organizations: an
    organization's own catalog, replaced with other keywords, is matched by the new ones,
    and two organizations of one sector each count only their own assets."""
    from migration.sectors.catalogs import save_own_catalog
    from migration.sectors.loader import catalog_to_dict, get_catalog_by_sector_or_id

    def own(keyword: str) -> dict:
        doc = catalog_to_dict(get_catalog_by_sector_or_id("iot")) | {"id": "own-iot"}
        doc["targets"] = [doc["targets"][0] | {"id": "gadget", "match": [{"keywords": [keyword]}]}]
        return doc

    with session_factory.begin() as s:
        one = _org(s, "maker-one", Sector.IOT)
        two = _org(s, "maker-two", Sector.IOT)
        _asset(s, one, "Kettle firmware", AssetType.APPLICATION)
        _asset(s, two, "Toaster firmware", AssetType.APPLICATION)
        who = Principal(one, Role.OFFICER, "t")
        save_own_catalog(s, who, one, own("kettle"))
        assert _states(completeness.check(s, one))["own-iot/gadget"] == "found"
        save_own_catalog(s, who, one, own("toaster"))  # the toaster is the other tenant's
        assert _states(completeness.check(s, one))["own-iot/gadget"] == "not_found"
        save_own_catalog(s, Principal(two, Role.OFFICER, "t"), two, own("toaster"))
        assert _states(completeness.check(s, two))["own-iot/gadget"] == "found"
        counts = {
            org: {t.key: t.assets for t in completeness.check(s, org).targets} for org in (one, two)
        }
        assert counts[one]["own-iot/gadget"] == 0 and counts[two]["own-iot/gadget"] == 1
