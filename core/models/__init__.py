"""Tables every layer shares: organizations, API keys, the audit log, jobs, web sessions.

Importing any `core.models` module registers the organizations, API keys and audit log on
`Base`, so a tenant table's foreign key to `organizations` always resolves. Jobs and web
sessions are registered when first named (`from core.models import Job`, or their own
modules): a command that only reads organizations (`pqcplan org list`) does not build them
(a twentieth of its start). A table with a foreign key to `jobs` imports `core.models.job`
itself; alembic/env.py imports every module, so `Base.metadata` is whole there.
"""

from typing import TYPE_CHECKING, Any

from core.models.base import Base
from core.models.organization import ApiKey, AuditEntry, Organization

if TYPE_CHECKING:
    from core.models.job import Job, JobPayload, JobStatus, RateLimitBucket
    from core.models.web_session import WebSession

_ON_FIRST_USE = {
    "Job": "core.models.job",
    "JobPayload": "core.models.job",
    "JobStatus": "core.models.job",
    "RateLimitBucket": "core.models.job",
    "WebSession": "core.models.web_session",
}


def __getattr__(name: str) -> Any:
    module = _ON_FIRST_USE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


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
