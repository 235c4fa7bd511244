"""Sector guideline data for the demo organizations (`pqcplan demo`): a supervising desk
that every demo organization reports to, adoption procedures part way through, a few
declared absences and tags. The completeness checks show the gaps the demo inventories
really have (a bank without its customer certificate PKI, a telecom operator without
SUCI, backhaul IPsec, DNSSEC or RPKI in its inventory). Idempotent: an organization that
already reports to the desk is left alone."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.apikeys import issue_key
from core.choices import Role, Sector, Tier
from core.models import Organization
from core.tenancy import Principal
from inventory.models import Asset
from migration.sectors import completeness, procedure, supervision
from migration.sectors.choices import StepStatus

SUPERVISOR = ("pqc-supervisor", "PQC Transition Supervisory Desk (demo)")

# slug -> [(procedure, step, status, owner, due, done)]
STEPS: dict[str, list[tuple[str, str, StepStatus, str | None, date | None, date | None]]] = {
    "mois": [
        (
            "kr-pilot",
            "select-system",
            StepStatus.DONE,
            "Digital Government Bureau",
            None,
            date(2025, 3, 10),
        ),
        (
            "kr-pilot",
            "identify-assets",
            StepStatus.IN_PROGRESS,
            "PQC task force",
            date(2026, 12, 31),
            None,
        ),
    ],
    "hanul-hospital": [
        ("kr-pilot", "select-system", StepStatus.DONE, "Medical IT office", None, date(2025, 4, 1)),
        (
            "kr-pilot",
            "identify-assets",
            StepStatus.DONE,
            "Medical IT office",
            None,
            date(2025, 9, 30),
        ),
        (
            "kr-pilot",
            "develop-modules",
            StepStatus.IN_PROGRESS,
            "EMR vendor",
            date(2026, 6, 30),
            None,
        ),
    ],
    "daehan-bank": [
        ("gsma-pq03", "capability", StepStatus.DONE, "CISO office", None, date(2025, 11, 14)),
        (
            "gsma-pq03",
            "discovery",
            StepStatus.IN_PROGRESS,
            "Crypto inventory team",
            date(2026, 9, 30),
            None,
        ),
    ],
    "koreanet-telecom": [
        ("gsma-pq03", "capability", StepStatus.DONE, "Network security", None, date(2025, 6, 2)),
        ("gsma-pq03", "discovery", StepStatus.DONE, "Network security", None, date(2026, 2, 27)),
        (
            "gsma-pq03",
            "risk-analysis",
            StepStatus.IN_PROGRESS,
            "Risk office",
            date(2026, 12, 15),
            None,
        ),
    ],
}
ABSENCES = {
    "mois": (
        "government/email-protection",
        "Official mail is signed and encrypted by the central government mail service, "
        "not by this ministry's systems.",
    ),
    "koreanet-telecom": (
        "telecom/dnssec",
        "Subscriber DNS is run by a contracted provider; its signing keys are in the vendor "
        "register, not in this inventory.",
    ),
}
TAGS = {"koreanet-telecom": ("SIM provisioning API", "esim-rsp")}


@dataclass
class SectorDemo:
    keys: dict[str, str] = field(default_factory=dict)
    organizations: int = 0  # organizations created here (the supervising desk)
    reporting: list[str] = field(default_factory=list)


def load_sector_demo(session: Session, acting: Callable[[int], Principal]) -> SectorDemo:
    """The supervising desk, the demo organizations' procedure steps, absences and tags,
    and their reporting; every write through the services, audited as ``acting(org_id)``
    (the face that loads the demo: the CLI's operator)."""
    out = SectorDemo()
    desk = session.scalar(select(Organization).where(Organization.slug == SUPERVISOR[0]))
    if desk is None:
        desk = Organization(
            slug=SUPERVISOR[0],
            name=SUPERVISOR[1],
            sector=Sector.GOVERNMENT,
            tier=Tier.CENTRAL_GOVERNMENT,
            country="KR",
        )
        session.add(desk)
        session.flush()
        out.organizations = 1
    for role in (Role.OFFICER, Role.AUDITOR):
        out.keys[f"{desk.slug}:{role.value}"] = issue_key(
            session, desk.id, role, f"demo {role.value}"
        )[1]
    for slug in STEPS:
        org = session.scalar(select(Organization).where(Organization.slug == slug))
        if org is None or supervision.active_relations(session, org_id=org.id):
            continue
        who = acting(org.id)
        for proc, step, status, owner, due, done in STEPS[slug]:
            procedure.update_step(
                session,
                who,
                org.id,
                proc,
                step,
                status=status,
                owner=owner,
                due_on=due,
                done_on=done,
            )
        if slug in ABSENCES:
            completeness.declare_absent(session, who, org.id, *ABSENCES[slug])
        if slug in TAGS:
            name, tag = TAGS[slug]
            asset = session.scalar(
                select(Asset.id)
                .where(Asset.organization_id == org.id, Asset.name.like(f"%{name}%"))
                .order_by(Asset.id)
                .limit(1)
            )
            if asset is not None:
                completeness.tag_asset(session, who, org.id, asset, [tag])
        supervision.start_reporting(session, who, org.id, desk.slug)
        out.reporting.append(slug)
    session.flush()
    return out
