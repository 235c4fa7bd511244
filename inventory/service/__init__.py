"""Inventory use cases: each write checks tenancy, classifies and is audited in one transaction."""
