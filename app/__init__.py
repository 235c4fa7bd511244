"""The faces of pqcplan: the FastAPI app, the `pqcplan` CLI and settings."""
