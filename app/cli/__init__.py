"""The `pqcplan` command line."""
