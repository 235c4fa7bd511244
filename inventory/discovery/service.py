"""Discovery as the faces use it: scopes, running a scan, and filing its results.

Filing: one asset per endpoint or store (ref ``scan:KIND:TARGET``), one crypto usage per
thing seen (group, suite, signature scheme, certificate, host key, SSH algorithm, stored
key), keyed by a stable ref so a re-scan updates ``last_seen`` instead of adding rows.
What a re-scan no longer sees is removed from the inventory and listed, with its first and
last sighting, as ``disappeared`` in the scan's record. A target that could not be scanned
changes nothing in the inventory. The scan record and every inventory change commit in the
caller's one transaction.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from core.bulk import insert_rows
from core.errors import NO_TARGETS, Conflict, InputError
from core.i18n import N_, say
from core.jobs import done_of
from core.tenancy import NotFound
from inventory.choices import AssetType, Source
from inventory.classification import classify_usage
from inventory.discovery.endpoint_scan import run_loop
from inventory.discovery.facts import Fact, facts_of
from inventory.discovery.parallel import scan_spread, worker_count
from inventory.discovery.ssh import SshResult, scan_ssh_many
from inventory.discovery.stores import StoreResult, scan_store
from inventory.discovery.targets import (
    Endpoint,
    Scope,
    check_in_scope,
    check_paths_in_scope,
    parse_targets,
    validate_scope,
)
from inventory.discovery.tls import ScanOptions, TlsResult, scan_many
from inventory.exchange.columns import CERT_COLUMNS
from inventory.models import Asset, CryptoUsage, ScanRun, ScanScope
from inventory.models.counters import lock_counters

KINDS = ("tls", "ssh", "certs", "code")
PATH_KINDS = ("certs", "code")  # targets are directories or files on this server
Progress = Callable[[float, str], None]


# ---------------------------------------------------------------------- scopes
def add_scope(
    session: Session, org_id: int, kind: str, value: str, ports: str | None, note: str | None
) -> ScanScope:
    scope = validate_scope(kind, value, ports)
    same_ports = (
        ScanScope.ports.is_(None) if scope.ports is None else ScanScope.ports == scope.ports
    )
    exists = session.scalar(
        select(ScanScope.id).where(
            ScanScope.organization_id == org_id,
            ScanScope.kind == scope.kind,
            ScanScope.value == scope.value,
            same_ports,
        )
    )
    if exists:
        if scope.ports:
            raise Conflict(
                say(
                    N_("scope {kind} {value} ports {ports} is already registered"),
                    kind=scope.kind,
                    value=scope.value,
                    ports=scope.ports,
                )
            )
        raise Conflict(
            say(
                N_("scope {kind} {value} (any port) is already registered"),
                kind=scope.kind,
                value=scope.value,
            )
        )
    row = ScanScope(
        organization_id=org_id, kind=scope.kind, value=scope.value, ports=scope.ports, note=note
    )
    session.add(row)
    session.flush()
    return row


def list_scopes(session: Session, org_id: int) -> list[ScanScope]:
    stmt = select(ScanScope).where(ScanScope.organization_id == org_id).order_by(ScanScope.id)
    return list(session.scalars(stmt))


def delete_scope(session: Session, org_id: int, scope_id: int) -> None:
    row = session.get(ScanScope, scope_id)
    if row is None or row.organization_id != org_id:
        raise NotFound(f"scan scope {scope_id} not found")
    session.delete(row)


def _scopes(session: Session, org_id: int) -> list[Scope]:
    return [Scope(s.kind, s.value, s.ports) for s in list_scopes(session, org_id)]


# ---------------------------------------------------------------------- planning a scan
@dataclass
class ScanRequest:
    kind: str
    endpoints: list[Endpoint] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    timeout: float = 10.0
    concurrency: int = 64
    password: str | None = field(default=None, repr=False)  # stores only; never recorded
    name: str | None = None  # code: the asset's name (default: the directory's)
    workers: int | None = None  # code: parsing processes (default: one per core)

    @property
    def labels(self) -> list[str]:
        return [str(e) for e in self.endpoints] or [str(p) for p in self.paths]


def prepare(
    session: Session,
    org_id: int,
    kind: str,
    targets: list[str],
    *,
    timeout: float = 10.0,
    concurrency: int = 64,
    password: str | None = None,
    password_env: str | None = None,
) -> ScanRequest:
    """Parse the targets and check each against the org's scopes; no packet is sent here."""
    if kind not in KINDS:
        raise InputError(
            N_("unknown scan kind {kind}; use tls, ssh, certs or code"), "kind", kind=repr(kind)
        )
    if not 0.1 <= timeout <= 300:
        raise InputError(N_("timeout must be between 0.1 and 300 seconds"), "timeout")
    if not 1 <= concurrency <= 1024:
        raise InputError(N_("concurrency must be between 1 and 1024"), "concurrency")
    if password_env is not None:
        if password_env not in os.environ:
            raise InputError(
                N_("{name} is not set on the server"), "password_env", name=password_env
            )
        password = os.environ[password_env]
    scopes = _scopes(session, org_id)
    req = ScanRequest(kind, timeout=timeout, concurrency=concurrency, password=password)
    if kind in PATH_KINDS:
        if not targets:
            raise InputError(NO_TARGETS, "targets")
        req.paths = [Path(t) for t in targets]
        for i, p in enumerate(req.paths):
            if not p.is_absolute():
                raise InputError(N_("a store target must be an absolute path"), f"targets[{i}]")
        check_paths_in_scope(req.paths, scopes)
    else:
        req.endpoints = parse_targets(targets, kind)
        check_in_scope(req.endpoints, scopes)
    return req


# ---------------------------------------------------------------------- running it
Result = TlsResult | SshResult | StoreResult


def run(req: ScanRequest, progress: Progress | None = None) -> list[Result]:
    """Scan every target; each target's failure is its own result."""
    total = len(req.labels)
    done = 0

    def tick(result: Result) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            target = getattr(result, "target", "")
            progress(done / total, done_of(done, total, target))

    if req.kind == "code":
        from inventory.discovery.source import scan_source

        out: list[Result] = []
        for path in req.paths:
            name = req.name if req.name and len(req.paths) == 1 else None
            result = scan_source(path, name, workers=req.workers)
            out.append(result)  # type: ignore[arg-type]
            tick(result)  # type: ignore[arg-type]
        return out
    if req.kind == "certs":
        results: list[Result] = []
        for path in req.paths:
            result = scan_store(path, req.password, req.timeout)
            results.append(result)
            tick(result)
        return results
    pairs = [(e.host, e.port) for e in req.endpoints]
    workers = worker_count(len(pairs))
    if workers > 1:  # one event loop per core (see parallel)
        done_targets = 0

        def tick_target(target: str) -> None:
            nonlocal done_targets
            done_targets += 1
            if progress is not None:
                progress(done_targets / total, done_of(done_targets, total, target))

        return scan_spread(req.kind, pairs, req.timeout, req.concurrency, workers, tick_target)
    if req.kind == "tls":
        options = ScanOptions(timeout=req.timeout)
        return list(
            run_loop(scan_many(pairs, options, concurrency=req.concurrency, on_result=tick))
        )
    return list(
        run_loop(scan_ssh_many(pairs, req.timeout, concurrency=req.concurrency, on_result=tick))
    )


# ---------------------------------------------------------------------- filing
def asset_ref(kind: str, target: str) -> str:
    ref = f"scan:{kind}:{target}"
    return (
        ref
        if len(ref) <= 120
        else f"scan:{kind}:sha256:{hashlib.sha256(target.encode()).hexdigest()}"
    )


def usage_ref(asset_ref: str, suffix: str) -> str:
    """``ASSET|SUFFIX``; a long one keeps the fact's part readable and hashes the rest."""
    ref = f"{asset_ref}|{suffix}"
    if len(ref) <= 200:
        return ref
    part = suffix.split(":", 1)[0][:40]
    return f"{asset_ref[:120]}|{part}:#{hashlib.sha256(ref.encode()).hexdigest()[:32]}"


def _in_parts(asset_ref: str, ref: str, parts: set[str]) -> bool:
    """Whether a usage's ref belongs to one of ``parts`` (see ``usage_ref``)."""
    return any(ref.startswith((f"{asset_ref}|{p}:", f"{asset_ref[:120]}|{p}:#")) for p in parts)


def _target(result: Result) -> str:
    """What names the asset: the endpoint or store, or a source tree's name (so that a
    repository checked out in another place is the same asset)."""
    return result.name if hasattr(result, "components") else result.target  # type: ignore[union-attr]


def _chunks(items: list, size: int = 500):
    for i in range(0, len(items), size):
        yield items[i : i + size]


FILED = ("ok", "partial")  # a partial result files what it learned and keeps the rest


def file_results(
    session: Session, org_id: int, kind: str, results: list[Result], run_id: int
) -> dict[str, Any]:
    """Write the results into the inventory; returns the summary for the scan record.

    Set-based: existing assets and usages are read in a few queries, new rows go in with one
    bulk insert per table (COPY on PostgreSQL), kept ones get one executemany update and gone
    ones one delete, so filing stays linear in the number of facts. The organization's
    counter lock comes first, before the first asset row is touched (Core writes: no
    flush takes it for us; see `lock_counters`).
    """
    lock_counters(session, [org_id])
    now = datetime.now(UTC)
    summary: dict[str, Any] = {
        "targets": len(results),
        "ok": 0,
        "partial": 0,
        "failed": 0,
        "assets_created": 0,
        "usages_appeared": [],
        "usages_disappeared": [],
        "usages_kept": 0,
        "usages_not_rechecked": [],
    }
    filed: dict[str, Result] = {}
    for result in results:
        if result.status in FILED:
            filed[asset_ref(kind, _target(result))] = result
    summary["partial"] = sum(1 for r in filed.values() if r.status == "partial")
    summary["ok"] = len(filed) - summary["partial"]
    summary["failed"] = len(results) - len(filed)
    assets = _file_assets(session, org_id, kind, filed, summary)
    existing: dict[int, dict[str, Any]] = {asset_id: {} for asset_id in assets.values()}
    usage = CryptoUsage.__table__
    columns = (usage.c.id, usage.c.asset_id, usage.c.ref, usage.c.algorithm)
    for ids in _chunks(list(existing)):
        stmt = select(*columns, usage.c.first_seen, usage.c.last_seen).where(
            usage.c.asset_id.in_(ids), usage.c.source == Source.SCAN
        )
        for row in session.execute(stmt):
            existing[row.asset_id][row.ref] = row
    filing = _Filing(org_id, kind, run_id, now, summary)
    for ref, result in filed.items():
        filing.file(ref, assets[ref], facts_of(kind, result), existing[assets[ref]], result)
    insert_rows(session.connection(), usage, filing.new_rows)
    if filing.kept:
        stmt = (
            usage.update()
            .where(usage.c.id == bindparam("_id"))
            .values(last_seen=bindparam("last_seen"), evidence=bindparam("evidence"))
        )
        session.execute(stmt, filing.kept)
    if filing.kept_extra:
        stmt = (
            usage.update()
            .where(usage.c.id == bindparam("_id"))
            .values(cbom_extra=bindparam("cbom_extra"), notes=bindparam("notes"))
        )
        session.execute(stmt, filing.kept_extra)
    for ids in _chunks(filing.gone):
        session.execute(usage.delete().where(usage.c.id.in_(ids)))
    if kind == "code":  # the libraries a source tree is built on, as provider assets
        from inventory.discovery.stacks.filing import file_components

        for ref, result in filed.items():
            asset = session.get(Asset, assets[ref])
            file_components(session, org_id, asset, result, now, summary)
    session.flush()
    return summary


def _file_assets(
    session: Session, org_id: int, kind: str, filed: dict[str, Result], summary: dict[str, Any]
) -> dict[str, int]:
    """Asset ref -> id: existing assets get their new description, new ones one insert."""
    table = Asset.__table__
    ids: dict[str, int] = {}
    for refs in _chunks(list(filed)):
        stmt = select(table.c.id, table.c.ref).where(
            table.c.organization_id == org_id, table.c.ref.in_(refs)
        )
        ids.update({row.ref: row.id for row in session.execute(stmt)})
    if ids:
        stmt = (
            table.update()
            .where(table.c.id == bindparam("_id"))
            .values(description=bindparam("description"), updated_at=datetime.now(UTC))
        )
        rows = [{"_id": i, "description": _describe(kind, filed[r])} for r, i in ids.items()]
        session.execute(stmt, rows)
    new = [asset_row(org_id, kind, ref, filed[ref]) for ref in filed if ref not in ids]
    insert_rows(session.connection(), table, new)
    summary["assets_created"] = len(new)
    for refs in _chunks([row["ref"] for row in new]):
        stmt = select(table.c.id, table.c.ref).where(
            table.c.organization_id == org_id, table.c.ref.in_(refs)
        )
        ids.update({row.ref: row.id for row in session.execute(stmt)})
    return ids


@dataclass
class _Filing:
    """The facts of each asset against its existing scan usages: rows to insert, update and
    delete, and the summary's lists."""

    org_id: int
    kind: str
    run_id: int
    now: datetime
    summary: dict[str, Any]
    new_rows: list[dict[str, Any]] = field(default_factory=list)
    kept: list[dict[str, Any]] = field(default_factory=list)
    kept_extra: list[dict[str, Any]] = field(default_factory=list)
    gone: list[int] = field(default_factory=list)
    classified: dict[tuple, dict[str, Any]] = field(default_factory=dict)

    def file(
        self, aref: str, asset_id: int, facts: list[Fact], existing: dict[str, Any], result: Result
    ) -> None:
        wanted: set[str] = set()
        for fact in facts:
            ref = usage_ref(aref, fact.suffix)
            if ref in wanted:
                continue
            wanted.add(ref)
            evidence = f"{self.kind} scan #{self.run_id}: {fact.evidence}"
            old = existing.get(ref)
            if old is not None:
                self.kept.append({"_id": old.id, "last_seen": self.now, "evidence": evidence})
                if fact.extra is not None:  # source facts: occurrences move with the code
                    self.kept_extra.append(
                        {"_id": old.id, "cbom_extra": fact.extra, "notes": fact.notes}
                    )
                self.summary["usages_kept"] += 1
                continue
            row = usage_row(self.org_id, asset_id, ref, fact, evidence, self.now, self.classified)
            self.new_rows.append(row)
            self.summary["usages_appeared"].append({"ref": ref, "algorithm": row["algorithm"]})
        unread = set(getattr(result, "incomplete", ()))
        for ref, old in existing.items():
            if ref in wanted:
                continue
            entry = {
                "ref": ref,
                "algorithm": old.algorithm,
                "first_seen": old.first_seen.isoformat(),
                "last_seen": old.last_seen.isoformat(),
            }
            if _in_parts(aref, ref, unread):
                entry["why"] = result.error or "this part could not be read"
                self.summary["usages_not_rechecked"].append(entry)
                continue
            self.summary["usages_disappeared"].append(entry)
            self.gone.append(old.id)


def asset_row(org_id: int, kind: str, ref: str, result: Result) -> dict[str, Any]:
    target = _target(result)
    label = {"tls": "TLS endpoint", "ssh": "SSH endpoint", "certs": "key store", "code": ""}[kind]
    return {
        "organization_id": org_id,
        "ref": ref,
        "name": (f"{label} {target}" if label else target)[:200],
        "asset_type": {"certs": AssetType.HOST, "code": AssetType.APPLICATION}.get(
            kind, AssetType.SERVICE
        ),
        "location": result.target[:300],
        "description": _describe(kind, result),
    }


def new_asset(org_id: int, kind: str, ref: str, result: Result) -> Asset:
    return Asset(**asset_row(org_id, kind, ref, result))


def _describe(kind: str, result: Result) -> str:
    if isinstance(result, TlsResult):
        hybrids = ", ".join(result.hybrid_groups) or "none"
        text = (
            f"Discovered by TLS scan: {', '.join(result.versions)}; groups "
            f"{', '.join(result.groups) or 'none'}; hybrid post-quantum groups: {hybrids}."
        )
        if result.client_certificate is not None:
            cas = "; ".join(result.client_certificate_authorities) or "none"
            text += f" Client certificate: {result.client_certificate}; CAs named: {cas}."
        return text
    if isinstance(result, SshResult):
        return (
            f"Discovered by SSH scan: {result.banner}; hybrid key exchanges: "
            f"{', '.join(result.hybrid_kex) or 'none'}."
        )
    if kind == "code":
        return (
            f"Discovered by source scan of {result.target}: {result.files} source file(s), "
            f"{len(result.findings)} crypto finding(s), {len(result.components)} component(s)."
        )
    return f"Discovered by store scan: {result.files} file(s), {len(result.items)} item(s)."


def usage_row(
    org_id: int,
    asset_id: int,
    ref: str,
    fact: Fact,
    evidence: str,
    now: datetime,
    classified: dict[tuple, dict[str, Any]],
) -> dict[str, Any]:
    """The row of one fact, classified by the catalog (once per distinct spelling)."""
    row: dict[str, Any] = {
        "organization_id": org_id,
        "asset_id": asset_id,
        "ref": ref,
        "algorithm_raw": fact.algorithm_raw[:200],
        "primitive": fact.primitive,
        "function": fact.function,
        "protocol": fact.protocol,
        "key_size": fact.key_size,
        "source": Source.SCAN,
        "evidence": evidence,
        "first_seen": now,
        "last_seen": now,
        "notes": fact.notes,
        **dict.fromkeys(CERT_COLUMNS),
    }
    if fact.extra is not None:  # source facts (every fact of a code scan has them)
        row |= {
            "mode": fact.mode,
            "padding": fact.padding,
            "library": fact.library,
            "cbom_extra": fact.extra,
        }
    if fact.cert is not None:
        c = fact.cert
        row |= {
            "cert_subject": c.subject[:500],
            "cert_issuer": c.issuer[:500],
            "cert_serial": c.serial[:100],
            "cert_not_before": c.not_before.replace(tzinfo=UTC),
            "cert_not_after": c.not_after.replace(tzinfo=UTC),
            "cert_fingerprint_sha256": c.sha256,
            "cert_public_key_algorithm": c.public_key_algorithm,
        }
    key = (fact.algorithm_raw, fact.key_size, fact.curve, fact.primitive)
    if key not in classified:
        probe = CryptoUsage(
            algorithm_raw=row["algorithm_raw"], key_size=fact.key_size, primitive=fact.primitive
        )
        classify_usage(probe, curve=fact.curve)
        classified[key] = {
            "algorithm": probe.algorithm,
            "quantum_status": probe.quantum_status,
            "status_reason": probe.status_reason,
            "catalog_version": probe.catalog_version,
        }
    return row | classified[key]


def new_usage(
    org_id: int,
    asset: Asset,
    ref: str,
    fact: Fact,
    evidence: str,
    now: datetime,
    classified: dict[tuple, dict[str, Any]],
) -> CryptoUsage:
    """The same row as an (unstored) ORM object, for the scan's CBOM."""
    return CryptoUsage(**usage_row(org_id, asset.id, ref, fact, evidence, now, classified))


def counts(summary: dict[str, Any]) -> dict[str, int]:
    """The scan's outcome in numbers, for its audit entry and the job's result."""
    return {
        "ok": summary.get("ok", 0),
        "partial": summary.get("partial", 0),
        "failed": summary.get("failed", 0),
        "appeared": len(summary.get("usages_appeared", [])),
        "disappeared": len(summary.get("usages_disappeared", [])),
        "not_rechecked": len(summary.get("usages_not_rechecked", [])),
    }


def record_scan(
    session: Session,
    org_id: int,
    req: ScanRequest,
    results: list[Result],
    created_by: str,
    job_id: int | None = None,
    started_at: datetime | None = None,
) -> ScanRun:
    """File the results and write the scan's record, both in the caller's transaction."""
    scan = ScanRun(
        organization_id=org_id,
        kind=req.kind,
        targets=req.labels[:10000],
        status="running",
        job_id=job_id,
        created_by=created_by,
        started_at=started_at or datetime.now(UTC),
    )
    session.add(scan)
    session.flush()
    scan.summary = file_results(session, org_id, req.kind, results, scan.id)
    scan.results = [r.to_dict() for r in results]
    scan.status = "done"
    scan.finished_at = datetime.now(UTC)
    session.flush()
    return scan
