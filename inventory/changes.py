"""Which organizations' inventories a transaction wrote, and what must follow before it
commits.

Every writer of assets or usages takes its organizations' counter locks first
(`inventory.models.counters.lock_counters`: ORM flushes by themselves, bulk writers by a
call), and that call also notes the organizations here. Just before the outermost
transaction commits, each hook registered with `after_inventory_write` runs in it with
those organizations, so what a hook writes lands in the same commit as the rows that moved
it, or not at all. Higher layers register hooks (the sector guidelines rewrite the coverage
an organization shares with its supervisors); this package imports none of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

Hook = Callable[[Session, frozenset[int]], None]

_WRITTEN = "pqcplan_inventory_written"
_HOOKS: list[Hook] = []


def note_written(session: Session, organization_ids: Iterable[int | None]) -> None:
    """The transaction writes these organizations' assets or usages (or something their
    inventories are read against, such as an own sector catalog)."""
    ids = {int(i) for i in organization_ids if i is not None}
    if ids:
        session.info.setdefault(_WRITTEN, set()).update(ids)


def after_inventory_write(hook: Hook) -> Hook:
    """Register `hook(session, organization_ids)` to run before a commit that wrote those
    organizations' inventories (once per hook, however often its module is imported)."""
    if hook not in _HOOKS:
        _HOOKS.append(hook)
    return hook


@event.listens_for(Session, "before_commit")
def _run_hooks(session: Session) -> None:
    if not _HOOKS:
        session.info.pop(_WRITTEN, None)
        return
    session.flush()  # rows a flush would still write (and note) are counted too
    written = session.info.pop(_WRITTEN, None)
    if written:
        for hook in _HOOKS:
            hook(session, frozenset(written))


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # committed or rolled back: nothing is pending any more
        session.info.pop(_WRITTEN, None)
