# ruff: noqa
# fmt: off
"""Constants the scanned code imports: the scanner must follow them across files."""

RSA_BITS = 1024
EC_CURVE = "P-256"
TOKEN_ALG = "RS256"
HASH_NAME = "sha1"
