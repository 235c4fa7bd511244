"""The enumerated choices of sector guidelines (values are stored and shown: stable)."""

from __future__ import annotations

from enum import StrEnum


class StepStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    NOT_APPLICABLE = "not_applicable"


class EvidenceKind(StrEnum):
    FILE = "file"  # stored with its SHA-256; downloadable by the organization only
    LINK = "link"
    PLAN_VERSION = "plan_version"  # the plan version that serves the step


class TargetState(StrEnum):
    FOUND = "found"
    NOT_FOUND = "not_found"
    DECLARED_ABSENT = "declared_absent"


class TieWay(StrEnum):
    """How an asset came to stand for a target."""

    RULE = "rule"  # the catalog's match rules (type, tags, usages, discovery evidence)
    HAND = "hand"  # tied by a person
