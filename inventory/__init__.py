"""The core: database base and models, algorithm catalog, exchange formats and scanners.

`inventory` imports nothing from `app`, `migration` or `testbed`.
"""
