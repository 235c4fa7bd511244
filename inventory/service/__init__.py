"""Inventory use cases: every write checks tenancy, classifies, and is audited in one transaction."""
