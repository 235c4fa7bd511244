"""Tables every layer shares: organizations, API keys, the audit log, jobs, web sessions.

Importing any `core.models` module registers all of them on `Base`, so a tenant table's
foreign key to `organizations` always resolves.
"""

from core.models.base import Base
from core.models.job import Job, JobPayload, JobStatus, RateLimitBucket
from core.models.organization import ApiKey, AuditEntry, Organization
from core.models.web_session import WebSession

__all__ = [
    "ApiKey",
    "AuditEntry",
    "Base",
    "Job",
    "JobPayload",
    "JobStatus",
    "Organization",
    "RateLimitBucket",
    "WebSession",
]
