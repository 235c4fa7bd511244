"""Which assets stand for a target: the catalog's match rules as SQL conditions on
`assets`, plus the assets tied by hand. The database does the matching, so a check over
10,000 assets is a few statements, not 10,000 rows sent to Python.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, literal, or_, select

from inventory.models import Asset, CryptoUsage
from migration.sectors.models import AssetTag, TargetTie
from migration.sectors.schema import MatchRule

VULNERABLE = ("broken", "weakened")  # as `asset_counts` counts them (QuantumStatus values)


def _like(word: str) -> str:
    """A LIKE pattern for text containing `word` literally (its % and _ escaped)."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


WORD_SEPARATORS = "-_/().,:;@"
WHOLE_WORD_MAX = 4  # an ASCII keyword this short (ROA, HIS, OTA, ATM) is matched as a word


def _whole_word(word: str) -> bool:
    """Short ASCII keywords are acronyms: "ROA" must not match "roaming", nor "HIS" "this".

    >>> _whole_word("ROA"), _whole_word("roaming"), _whole_word("환자")
    (True, False, False)
    """
    return len(word) <= WHOLE_WORD_MAX and word.isascii()


def _words_of(column: Any) -> Any:
    """The column's text with separators as spaces and a space at each end."""
    text = func.coalesce(column, "")
    for separator in WORD_SEPARATORS:
        text = func.replace(text, separator, " ")
    return literal(" ") + text + literal(" ")


def _contains(column: Any, words: list[str]) -> ColumnElement[bool]:
    """The column holds one of the words: a short ASCII keyword as a whole word, any other
    as text anywhere (any case; LIKE's wildcards in a keyword match only themselves)."""
    conditions = []
    for word in words:
        if _whole_word(word):
            conditions.append(_words_of(column).ilike(_like(f" {word} "), escape="\\"))
        else:
            conditions.append(column.ilike(_like(word), escape="\\"))
    return or_(*conditions)


def rule_condition(rule: MatchRule, org_id: int) -> ColumnElement[bool]:
    """The rule as a condition on `Asset` (every given field must hold)."""
    parts: list[ColumnElement[bool]] = []
    if rule.asset_types:
        parts.append(Asset.asset_type.in_(rule.asset_types))
    if rule.keywords:
        parts.append(
            or_(
                *(
                    _contains(column, rule.keywords)
                    for column in (Asset.name, Asset.product, Asset.vendor, Asset.description)
                )
            )
        )
    if rule.tags:
        parts.append(
            Asset.id.in_(
                select(AssetTag.asset_id).where(
                    AssetTag.organization_id == org_id, AssetTag.tag.in_(rule.tags)
                )
            )
        )
    usage: list[ColumnElement[bool]] = []
    if rule.functions:
        usage.append(CryptoUsage.function.in_(rule.functions))
    if rule.algorithms:
        usage.append(CryptoUsage.algorithm.in_(rule.algorithms))
    if rule.protocols:
        usage.append(or_(*(CryptoUsage.protocol.ilike(f"{p}%") for p in rule.protocols)))
    if rule.evidence:
        usage.append(_contains(CryptoUsage.evidence, rule.evidence))
    if rule.sources:
        usage.append(CryptoUsage.source.in_(rule.sources))
    if usage:
        parts.append(exists().where(CryptoUsage.asset_id == Asset.id, *usage))
    return and_(*parts)


def hand_tied(org_id: int, key: str) -> ColumnElement[bool]:
    return Asset.id.in_(
        select(TargetTie.asset_id).where(
            TargetTie.organization_id == org_id, TargetTie.target_key == key
        )
    )


def target_condition(rules: list[MatchRule], org_id: int, key: str) -> ColumnElement[bool]:
    """Assets of the organization a target's rules match, or tied to it by hand."""
    matched = [rule_condition(rule, org_id) for rule in rules]
    return and_(
        Asset.organization_id == org_id,
        or_(*matched, hand_tied(org_id, key)) if matched else hand_tied(org_id, key),
    )


def vulnerable_asset() -> ColumnElement[bool]:
    """The asset holds a usage a quantum computer breaks or weakens."""
    return exists().where(
        CryptoUsage.asset_id == Asset.id, CryptoUsage.quantum_status.in_(VULNERABLE)
    )
