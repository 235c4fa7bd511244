"""The crypto inventory: assets and usages, the algorithm catalog, exchange formats, scanners.

`inventory` imports only `core`; never `app`, `migration` or `testbed`.
"""
