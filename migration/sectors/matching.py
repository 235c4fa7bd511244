"""Which assets stand for a target: the catalog's match rules as SQL, plus the assets tied
by hand, for every target of an organization in one statement.

`Matcher(org_id, targets)` builds three materialized CTEs: the organization's assets with
their words (name, product, vendor and description, lower case, separators as spaces), one
row per asset with a flag for each distinct usage condition the rules ask for (one pass
over its usages, which also flags quantum-vulnerable assets), and one row per asset with a
0/1 mark per target. Counts, samples and the assets of each target are read from the
marks, so 10,000 assets cost one pass over them and one over their usages.
`counts_and_samples` and `assets_of_each` build each statement once per set of rules,
with the organization as a parameter.

PostgreSQL would JIT-compile these wide expressions (its cost estimate for the CTE joins
is far above `jit_above_cost`), which takes seconds and saves nothing on 10,000 rows, and
with stale statistics it would join the CTEs by nested loops: `run_wide` runs the
statements with neither.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    CTE,
    BindParameter,
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    case,
    func,
    literal,
    null,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import GenericFunction

from inventory.models import Asset, CryptoUsage
from migration.sectors.models import AssetTag, TargetTie
from migration.sectors.schema import MatchRule

VULNERABLE = ("broken", "weakened")  # as `asset_counts` counts them (QuantumStatus values)
WORD_SEPARATORS = "-_/().,:;@"
WHOLE_WORD_MAX = 4  # an ASCII keyword this short (ROA, HIS, OTA, ATM) is matched as a word


def _like(text_: str) -> str:
    """LIKE's wildcards in the text escaped, so they match only themselves.

    >>> _like("50%_off")
    '50\\\\%\\\\_off'
    """
    return text_.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _spaced(text_: str) -> str:
    """Separators as spaces, as the assets' words are written.

    >>> _spaced("SM-DP+")
    'SM DP+'
    """
    for separator in WORD_SEPARATORS:
        text_ = text_.replace(separator, " ")
    return text_


def whole_word(word: str) -> bool:
    """Short ASCII keywords are acronyms: "ROA" must not match "roaming", nor "HIS" "this".

    >>> whole_word("ROA"), whole_word("roaming"), whole_word("환자")
    (True, False, False)
    """
    return len(word) <= WHOLE_WORD_MAX and word.isascii()


class position(GenericFunction[int]):
    """Where `needle` first occurs in `text` (1-based, 0 when it does not): a plain
    substring search, no pattern. PostgreSQL's `strpos`, SQLite's `instr`."""

    name = "strpos"
    inherit_cache = True


@compiles(position, "sqlite")
def _instr(element: position, compiler: Any, **kw: Any) -> str:
    return f"instr({compiler.process(element.clauses, **kw)})"


def _keyword(words: Any, keyword: str) -> ColumnElement[bool]:
    """The words (lower-cased once per asset) hold the keyword, as a substring: cheaper per
    row than LIKE (a fifth of the check's database time at 10,000 assets of a telecom
    operator) and with no wildcard to escape."""
    spaced = _spaced(keyword).lower()
    return position(words, f" {spaced} " if whole_word(keyword) else spaced) > 0


def _usage_condition(rule: MatchRule) -> ColumnElement[bool] | None:
    """What one usage must satisfy for the rule (None: the rule asks nothing of usages)."""
    parts: list[ColumnElement[bool]] = []
    if rule.functions:
        parts.append(CryptoUsage.function.in_(rule.functions))
    if rule.algorithms:
        parts.append(CryptoUsage.algorithm.in_(rule.algorithms))
    if rule.protocols:
        parts.append(
            or_(*(CryptoUsage.protocol.ilike(f"{_like(p)}%", escape="\\") for p in rule.protocols))
        )
    if rule.evidence:
        parts.append(
            or_(*(CryptoUsage.evidence.ilike(f"%{_like(w)}%", escape="\\") for w in rule.evidence))
        )
    if rule.sources:
        parts.append(CryptoUsage.source.in_(rule.sources))
    return and_(*parts) if parts else None


def _usage_key(rule: MatchRule) -> tuple[Any, ...]:
    return (
        tuple(rule.functions),
        tuple(rule.algorithms),
        tuple(rule.protocols),
        tuple(rule.evidence),
        tuple(rule.sources),
    )


@dataclass
class Matcher:
    """Every target's matching assets for one organization (targets: (key, rules)); the
    organization is a number, or `ORG`, a parameter given when the statement runs."""

    org_id: int | BindParameter[int]
    targets: list[tuple[str, list[MatchRule]]]
    _usage: dict[tuple[Any, ...], int] = field(default_factory=dict)

    def assets(self) -> CTE:
        words: Any = literal(" ")
        for column in (Asset.name, Asset.product, Asset.vendor, Asset.description):
            words = words + func.coalesce(column, "") + literal(" ")
        for separator in WORD_SEPARATORS:
            words = func.replace(words, separator, " ")
        words = func.lower(words)
        return (
            select(
                Asset.id.label("id"),
                Asset.asset_type.label("asset_type"),
                Asset.name.label("name"),
                words.label("words"),
            )
            .where(Asset.organization_id == self.org_id)
            .cte("org_assets")
            .prefix_with("MATERIALIZED")
        )

    def usage_flags(self) -> CTE:
        """Per asset: whether some usage meets each distinct usage condition, and whether
        some usage is quantum-vulnerable."""
        conditions: list[ColumnElement[bool]] = []
        for _, rules in self.targets:
            for rule in rules:
                condition = _usage_condition(rule)
                if condition is not None and _usage_key(rule) not in self._usage:
                    self._usage[_usage_key(rule)] = len(conditions)
                    conditions.append(condition)
        vulnerable = CryptoUsage.quantum_status.in_(VULNERABLE)
        return (
            select(
                CryptoUsage.asset_id.label("asset_id"),
                func.max(case((vulnerable, 1), else_=0)).label("v"),
                *(func.max(case((c, 1), else_=0)).label(f"u{k}") for k, c in enumerate(conditions)),
            )
            .where(CryptoUsage.organization_id == self.org_id)
            .group_by(CryptoUsage.asset_id)
            .cte("org_usage_flags")
            .prefix_with("MATERIALIZED")
        )

    def _rule(self, rule: MatchRule, a: CTE, u: CTE) -> ColumnElement[bool]:
        parts: list[ColumnElement[bool]] = []
        if rule.asset_types:
            parts.append(a.c.asset_type.in_([str(t) for t in rule.asset_types]))
        if rule.keywords:
            parts.append(or_(*(_keyword(a.c.words, k) for k in rule.keywords)))
        if rule.tags:
            parts.append(
                a.c.id.in_(
                    select(AssetTag.asset_id).where(
                        AssetTag.organization_id == self.org_id, AssetTag.tag.in_(rule.tags)
                    )
                )
            )
        if _usage_condition(rule) is not None:
            parts.append(u.c[f"u{self._usage[_usage_key(rule)]}"] == 1)
        return and_(*parts)

    def marks(self) -> CTE:
        """One row per asset: id, name, v (vulnerable) and m0..mN (stands for target i)."""
        a, u = self.assets(), self.usage_flags()
        columns = []
        for i, (key, rules) in enumerate(self.targets):
            tied = a.c.id.in_(
                select(TargetTie.asset_id).where(
                    TargetTie.organization_id == self.org_id, TargetTie.target_key == key
                )
            )
            condition = or_(*(self._rule(r, a, u) for r in rules), tied)
            columns.append(case((condition, 1), else_=0).label(f"m{i}"))
        return (
            select(a.c.id, a.c.name, func.coalesce(u.c.v, 0).label("v"), *columns)
            .select_from(a)
            .outerjoin(u, u.c.asset_id == a.c.id)
            .cte("org_marks")
            .prefix_with("MATERIALIZED")
        )

    def counts_and_samples(self, sample: int) -> Select[Any]:
        """Rows (target, asset id, name, assets, vulnerable): per target one row of counts
        (id and name null), then up to `sample` of its assets by id."""
        m = self.marks()
        parts: list[Select[Any]] = []
        for i in range(len(self.targets)):
            mark = m.c[f"m{i}"]
            parts.append(
                select(
                    literal(i).label("target"),
                    null().label("id"),
                    null().label("name"),
                    func.coalesce(func.sum(mark), 0).label("assets"),
                    func.coalesce(func.sum(mark * m.c.v), 0).label("vulnerable"),
                )
            )
            if sample > 0:
                first = (
                    select(m.c.id, m.c.name).where(mark == 1).order_by(m.c.id).limit(sample)
                ).subquery()
                parts.append(
                    select(literal(i), first.c.id, first.c.name, literal(None), literal(None))
                )
        return union_all(*parts)  # type: ignore[return-value]

    def assets_of_each(self) -> Select[Any]:
        """(id, m0..mN) of every asset that stands for some target."""
        m = self.marks()
        marks = [m.c[f"m{i}"] for i in range(len(self.targets))]
        return select(m.c.id, *marks).where(or_(*(c == 1 for c in marks)))


ORG: BindParameter[int] = bindparam("org_id", type_=Integer)
_STATEMENTS: dict[tuple[Any, ...], Select[Any]] = {}  # built once per catalog's rules


def _cached(kind: str, targets: list[tuple[str, list[MatchRule]]], *args: Any) -> Select[Any]:
    """The statement for these targets with the organization as `ORG`: built once per
    distinct set of rules (a built-in catalog's, or an organization's own, by content),
    since building one is a quarter of a check's server time."""
    key = (
        kind,
        args,
        tuple((k, tuple(r.model_dump_json() for r in rules)) for k, rules in targets),
    )
    statement = _STATEMENTS.get(key)
    if statement is None:
        statement = getattr(Matcher(ORG, targets), kind)(*args)
        if len(_STATEMENTS) > 256:  # own catalogs that keep changing: start over
            _STATEMENTS.clear()
        _STATEMENTS[key] = statement
    return statement


def counts_and_samples(targets: list[tuple[str, list[MatchRule]]], sample: int) -> Select[Any]:
    return _cached("counts_and_samples", targets, sample)


def assets_of_each(targets: list[tuple[str, list[MatchRule]]]) -> Select[Any]:
    return _cached("assets_of_each", targets)


def run_wide(
    session: Session, statement: Select[Any], params: dict[str, Any] | None = None
) -> list[Any]:
    """Every row of one of these statements, planned as the scans they are (see above).

    On PostgreSQL, JIT is off for the rest of the caller's transaction, and nested loops
    are off for this statement alone: the materialized CTEs are joined on asset id, and
    with statistics older than an organization's import (autovacuum has not analyzed the
    new rows yet) the planner expects one row each side and loops over one CTE for every
    row of the other. At 10,000 assets that was 60 s instead of a fraction of one; a hash
    or merge join costs the same whatever the estimate."""
    if session.get_bind().dialect.name != "postgresql":
        return list(session.execute(statement, params))
    session.execute(text("SET LOCAL jit = off"))
    session.execute(text("SET LOCAL enable_nestloop = off"))
    rows = list(session.execute(statement, params))
    session.execute(text("SET LOCAL enable_nestloop = on"))
    return rows
