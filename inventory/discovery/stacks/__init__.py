"""Software stacks: the crypto libraries and runtimes a tree is built on, from manifests,
lock files, SBOMs (CycloneDX, SPDX) and Debian package lists, named by the stack catalog
(`catalog.py`), which says from which version each speaks the post-quantum algorithms.

`scan.scan_stacks` reads a tree. This package's own module imports nothing, so what reads
only the catalog (`migration.reasons`: its sentences) does not load the code scanner.
"""
