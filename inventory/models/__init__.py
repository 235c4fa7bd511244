"""Inventory models. Import this package to register every inventory table on `Base`."""

from inventory.models.asset import Asset, CryptoUsage, Dependency
from inventory.models.base import Base
from inventory.models.discovery import ScanRun, ScanScope
from inventory.models.job import Job, JobStatus, RateLimitBucket
from inventory.models.organization import ApiKey, AuditEntry, Organization
from inventory.models.web_session import WebSession

__all__ = [
    "ApiKey",
    "Asset",
    "AuditEntry",
    "Base",
    "CryptoUsage",
    "Dependency",
    "Job",
    "JobStatus",
    "Organization",
    "RateLimitBucket",
    "ScanRun",
    "ScanScope",
    "WebSession",
]
