"""Plumbing every layer stands on: database and sessions, the declarative base, tenancy,
errors, API keys, the audit log, jobs, shared limits and the Alembic runner.

`core` imports nothing from `app`, `inventory`, `migration` or `testbed`.
"""
