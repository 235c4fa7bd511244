"""Choices every layer shares: who a caller is (roles) and what an organization is (sector, tier).

Values are stable strings stored in the database and accepted by the API; renaming one needs
a migration. The inventory's own choices live in `inventory/choices.py`.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"  # every organization
    OFFICER = "officer"  # read/write own organization
    AUDITOR = "auditor"  # read-only own organization
    VENDOR = "vendor"  # testbed only


class Sector(StrEnum):
    GOVERNMENT = "government"
    PUBLIC_INSTITUTION = "public_institution"
    FINANCE = "finance"
    TELECOM = "telecom"
    ENERGY = "energy"
    HEALTHCARE = "healthcare"
    TRANSPORT = "transport"
    DEFENSE = "defense"
    MANUFACTURING = "manufacturing"
    SPACE = "space"
    IOT = "iot"
    OTHER = "other"


class Tier(StrEnum):
    CENTRAL_GOVERNMENT = "central_government"
    PUBLIC_INSTITUTION = "public_institution"
    CRITICAL_PRIVATE_INFRASTRUCTURE = "critical_private_infrastructure"
    PRIVATE = "private"
