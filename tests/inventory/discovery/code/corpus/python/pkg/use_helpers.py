# ruff: noqa
# fmt: off
from . import helpers
from .helpers import Digests, Plain

A = Digests.named("md5")  # expect: MD5
B = helpers.Digests.named("sha256")  # expect: SHA-256
C = Plain().named("md5")  # an instance method named like the wrapper
