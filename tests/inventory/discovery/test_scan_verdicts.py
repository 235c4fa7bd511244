"""Same fact, same verdict on every path, from a real TLS scan (SQLite and PostgreSQL).

A Go TLS server on loopback offers X25519MLKEM768, X25519 and P-256. What the scan files,
the scan's own CBOM re-imported and judged without a database (`pqcplan judge`), the stored
inventory exported and re-imported, and `plan judge` (the stored inventory judged) give the
same verdicts under every built-in profile; a stored plan has a task for a quantum-safe usage
exactly when its profile's verdict is not `acceptable`, by the verdict's date.
"""

from __future__ import annotations

from datetime import date

from cryptography.hazmat.primitives.asymmetric import ec

from app.cli.judge import load_file
from core.choices import Sector, Tier
from core.models import Organization
from inventory.choices import QuantumStatus
from inventory.discovery import service
from inventory.discovery.cbom import scan_cbom
from inventory.exchange.cbom_export import export_cbom
from inventory.exchange.cbom_import import import_cbom
from migration import service as plans
from migration.compare import Judgement, judge
from migration.inputs import PlanParams
from migration.profiles import builtin_profiles
from tests.inventory.discovery import pki

TODAY = date(2027, 1, 1)  # the plans' start: the day both judge and plans read the tables
SAFE = {QuantumStatus.RESISTANT.value, QuantumStatus.HYBRID.value}


def _org(sessions, slug: str) -> int:  # type: ignore[no-untyped-def]
    with sessions.begin() as s:
        org = Organization(slug=slug, name=slug, sector=Sector.FINANCE, tier=Tier.PRIVATE)
        s.add(org)
        s.flush()
        return org.id


def _shape(judgements: list[Judgement]) -> list[tuple[object, ...]]:
    """Each usage's verdicts, without the names each path gives its assets and rows."""
    return sorted(
        (
            j.algorithm,
            j.use,
            tuple((v.profile_id, v.verdict, v.deadline, v.target) for v in j.verdicts),
        )
        for j in judgements
    )


def _by_algorithm(judgements: list[Judgement]) -> set[tuple[object, ...]]:
    """Each algorithm's verdicts. The scan's CBOM holds one component per algorithm and no
    TLS function (a TLS key exchange reads back as a key exchange), so the paths through it
    are compared per algorithm: the verdicts, deadlines and targets must still be the same."""
    return {
        (j.algorithm, tuple((v.profile_id, v.verdict, v.deadline, v.target) for v in j.verdicts))
        for j in judgements
    }


def test_scan_cbom_reimport_plan_judge_and_plans_agree(session_factory, go_tls) -> None:  # type: ignore[no-untyped-def]
    key = pki.ecdsa_key(ec.SECP256R1())
    peer = go_tls("X25519MLKEM768,X25519,P256", [pki.make_cert(key, "v.test")], key)
    scanned, reimported, exported = (_org(session_factory, s) for s in ("scan", "reimp", "exp"))
    with session_factory.begin() as s:
        service.add_scope(s, scanned, "network", "127.0.0.1", None, None)
        req = service.prepare(s, scanned, "tls", [f"127.0.0.1:{peer.port}"], timeout=5)
    results = service.run(req)
    with session_factory() as s:
        scanned_org = s.get(Organization, scanned)
    cbom = scan_cbom("tls", results, scanned_org).encode()
    with session_factory.begin() as s:
        service.record_scan(s, scanned, req, results, "test")
    with session_factory.begin() as s:
        import_cbom(s, reimported, cbom, source_name="scan.cdx.json")
        import_cbom(s, exported, export_cbom(s, scanned).encode(), source_name="export.cdx.json")

    profiles = list(builtin_profiles().values())
    with session_factory() as s:
        facts = {org: plans.load_inventory(s, org) for org in (scanned, reimported, exported)}
    stored = {org: judge(inventory, profiles, TODAY) for org, inventory in facts.items()}
    file = load_file(cbom, name="scan.cdx.json", sector=Sector.FINANCE, tier=Tier.PRIVATE)
    stateless = judge(file.inventory, profiles, TODAY)
    assert any(j.algorithm == "X25519MLKEM768" for j in stored[scanned])
    assert _shape(stored[exported]) == _shape(stored[scanned])  # the inventory's own CBOM
    expected = _by_algorithm(stored[scanned])
    assert len(expected) == len({j.algorithm for j in stored[scanned]})  # one verdict each
    assert _by_algorithm(stored[reimported]) == expected
    assert _by_algorithm(stateless) == expected
    assert _shape(stateless) == _shape(stored[reimported])  # `pqcplan judge` = import + judge

    # the hybrid the server negotiates: CNSA 2.0 wants a hybrid on ML-KEM-1024, Korea accepts it
    hybrid = next(j for j in stored[scanned] if j.algorithm == "X25519MLKEM768")
    by_profile = {v.profile_id: v for v in hybrid.verdicts}
    assert by_profile["kr-2035"].verdict == "acceptable"
    assert by_profile["us-cnsa2"].verdict == "migrate"

    usages = {u.id: u for u in facts[scanned].usages}
    for profile in ("us-cnsa2", "kr-2035", "au-asd-2030", "fr-anssi"):
        with session_factory.begin() as s:
            version = plans.generate(s, scanned, profile, PlanParams(start=TODAY))
            tasks = {t.usage_id: t for t in plans.tasks_of(s, version.id)}
        for j in stored[scanned]:
            if usages[j.usage_id].quantum_status not in SAFE:
                continue
            [v] = [v for v in j.verdicts if v.profile_id == profile]
            task = tasks.get(j.usage_id)
            assert (task is not None) == (v.verdict != "acceptable"), (profile, j.algorithm)
            if task is not None:
                assert task.deadline == v.deadline and task.target == v.target, profile
