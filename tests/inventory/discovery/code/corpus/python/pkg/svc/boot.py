# ruff: noqa
# fmt: off
"""A wrapper of a wrapper, two files away from the API call."""
from .handlers import service_key

BOOT_KEY = service_key(1536)  # expect: RSA-1536 key_size=1536
