"""Which assets stand for a target: the catalog's match rules as SQL conditions, plus the
assets tied by hand. The database does the matching, so a check over 10,000 assets is a
few statements, not 10,000 rows sent to Python.

Conditions are written against `assets_of(org_id)`: the organization's assets with their
words (name, product, vendor and description, separators turned into spaces) worked out
once per asset in a materialized CTE, so each keyword costs one LIKE per asset.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import CTE, ColumnElement, and_, exists, func, literal, or_, select

from inventory.models import Asset, CryptoUsage
from migration.sectors.models import AssetTag, TargetTie
from migration.sectors.schema import MatchRule

VULNERABLE = ("broken", "weakened")  # as `asset_counts` counts them (QuantumStatus values)
WORD_SEPARATORS = "-_/().,:;@"
WHOLE_WORD_MAX = 4  # an ASCII keyword this short (ROA, HIS, OTA, ATM) is matched as a word


def _like(text: str) -> str:
    """LIKE's wildcards in `text` escaped, so they match only themselves.

    >>> _like("50%_off")
    '50\\\\%\\\\_off'
    """
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _spaced(text: str) -> str:
    """Separators as spaces, as `assets_of` writes an asset's words.

    >>> _spaced("SM-DP+")
    'SM DP+'
    """
    for separator in WORD_SEPARATORS:
        text = text.replace(separator, " ")
    return text


def whole_word(word: str) -> bool:
    """Short ASCII keywords are acronyms: "ROA" must not match "roaming", nor "HIS" "this".

    >>> whole_word("ROA"), whole_word("roaming"), whole_word("환자")
    (True, False, False)
    """
    return len(word) <= WHOLE_WORD_MAX and word.isascii()


def _keyword(words: Any, keyword: str) -> ColumnElement[bool]:
    spaced = _like(_spaced(keyword))
    pattern = f"% {spaced} %" if whole_word(keyword) else f"%{spaced}%"
    return words.ilike(pattern, escape="\\")


def assets_of(org_id: int) -> CTE:
    """The organization's assets (id, asset_type, name, words) as a materialized CTE."""
    words: Any = literal(" ")
    for column in (Asset.name, Asset.product, Asset.vendor, Asset.description):
        words = words + func.coalesce(column, "") + literal(" ")
    for separator in WORD_SEPARATORS:
        words = func.replace(words, separator, " ")
    return (
        select(
            Asset.id.label("id"),
            Asset.asset_type.label("asset_type"),
            Asset.name.label("name"),
            words.label("words"),
        )
        .where(Asset.organization_id == org_id)
        .cte("org_assets")
        .prefix_with("MATERIALIZED")
    )


def rule_condition(rule: MatchRule, org_id: int, assets: CTE) -> ColumnElement[bool]:
    """The rule as a condition on a row of `assets` (every given field must hold)."""
    c = assets.c
    parts: list[ColumnElement[bool]] = []
    if rule.asset_types:
        parts.append(c.asset_type.in_([str(t) for t in rule.asset_types]))
    if rule.keywords:
        parts.append(or_(*(_keyword(c.words, k) for k in rule.keywords)))
    if rule.tags:
        parts.append(
            c.id.in_(
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
        usage.append(
            or_(*(CryptoUsage.protocol.ilike(f"{_like(p)}%", escape="\\") for p in rule.protocols))
        )
    if rule.evidence:
        usage.append(
            or_(*(CryptoUsage.evidence.ilike(f"%{_like(w)}%", escape="\\") for w in rule.evidence))
        )
    if rule.sources:
        usage.append(CryptoUsage.source.in_(rule.sources))
    if usage:
        parts.append(exists().where(CryptoUsage.asset_id == c.id, *usage))
    return and_(*parts)


def hand_tied(org_id: int, key: str, assets: CTE) -> ColumnElement[bool]:
    return assets.c.id.in_(
        select(TargetTie.asset_id).where(
            TargetTie.organization_id == org_id, TargetTie.target_key == key
        )
    )


def target_condition(
    rules: list[MatchRule], org_id: int, key: str, assets: CTE
) -> ColumnElement[bool]:
    """Rows of `assets` a target's rules match, or that are tied to it by hand."""
    matched = [rule_condition(rule, org_id, assets) for rule in rules]
    return or_(*matched, hand_tied(org_id, key, assets))
