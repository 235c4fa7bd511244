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

import asyncio
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import Conflict, InputError
from core.tenancy import NotFound
from inventory.choices import AssetType, Source
from inventory.classification import classify_usage
from inventory.discovery.facts import Fact, facts_of
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
from inventory.models import Asset, CryptoUsage, ScanRun, ScanScope

KINDS = ("tls", "ssh", "certs")
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
        ports_text = f" ports {scope.ports}" if scope.ports else " (any port)"
        raise Conflict(f"scope {scope.kind} {scope.value}{ports_text} is already registered")
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
        raise InputError(f"unknown scan kind {kind!r}; use tls, ssh or certs", "kind")
    if not 0.1 <= timeout <= 300:
        raise InputError("timeout must be between 0.1 and 300 seconds", "timeout")
    if not 1 <= concurrency <= 1024:
        raise InputError("concurrency must be between 1 and 1024", "concurrency")
    if password_env is not None:
        if password_env not in os.environ:
            raise InputError(f"{password_env} is not set on the server", "password_env")
        password = os.environ[password_env]
    scopes = _scopes(session, org_id)
    req = ScanRequest(kind, timeout=timeout, concurrency=concurrency, password=password)
    if kind == "certs":
        if not targets:
            raise InputError("no targets given", "targets")
        req.paths = [Path(t) for t in targets]
        for i, p in enumerate(req.paths):
            if not p.is_absolute():
                raise InputError("a store target must be an absolute path", f"targets[{i}]")
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
            progress(done / total, f"{done}/{total} {target}")

    if req.kind == "certs":
        results: list[Result] = []
        for path in req.paths:
            result = scan_store(path, req.password, req.timeout)
            results.append(result)
            tick(result)
        return results
    pairs = [(e.host, e.port) for e in req.endpoints]
    if req.kind == "tls":
        options = ScanOptions(timeout=req.timeout)
        return list(
            asyncio.run(scan_many(pairs, options, concurrency=req.concurrency, on_result=tick))
        )
    return list(
        asyncio.run(scan_ssh_many(pairs, req.timeout, concurrency=req.concurrency, on_result=tick))
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
    return result.target


def _chunks(items: list, size: int = 500):
    for i in range(0, len(items), size):
        yield items[i : i + size]


FILED = ("ok", "partial")  # a partial result files what it learned and keeps the rest


def file_results(
    session: Session, org_id: int, kind: str, results: list[Result], run_id: int
) -> dict[str, Any]:
    """Write the results into the inventory; returns the summary for the scan record.

    Set-based: existing assets and usages are read in a few queries and the new rows are
    flushed once, so filing stays linear in the number of targets.
    """
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
    with session.no_autoflush:
        assets: dict[str, Asset] = {}
        for refs in _chunks(list(filed)):
            stmt = select(Asset).where(Asset.organization_id == org_id, Asset.ref.in_(refs))
            assets.update({a.ref: a for a in session.scalars(stmt)})
        for ref, result in filed.items():
            if ref in assets:
                assets[ref].description = _describe(kind, result)
            else:
                assets[ref] = new_asset(org_id, kind, ref, result)
                session.add(assets[ref])
                summary["assets_created"] += 1
        session.flush()  # ids for the new assets
        existing: dict[int, dict[str, CryptoUsage]] = {a.id: {} for a in assets.values()}
        for ids in _chunks(list(existing)):
            stmt = select(CryptoUsage).where(
                CryptoUsage.asset_id.in_(ids), CryptoUsage.source == Source.SCAN
            )
            for u in session.scalars(stmt):
                existing[u.asset_id][u.ref] = u
        classified: dict[tuple, CryptoUsage] = {}
        for ref, result in filed.items():
            asset = assets[ref]
            filing = _Filing(session, org_id, kind, asset, run_id, now, summary, classified)
            filing.file(facts_of(kind, result), existing[asset.id], result)
    session.flush()
    return summary


@dataclass
class _Filing:
    """One asset's facts against its existing scan usages."""

    session: Session
    org_id: int
    kind: str
    asset: Asset
    run_id: int
    now: datetime
    summary: dict[str, Any]
    classified: dict[tuple, CryptoUsage]

    def file(self, facts: list[Fact], existing: dict[str, CryptoUsage], result: Result) -> None:
        wanted: set[str] = set()
        for fact in facts:
            ref = usage_ref(self.asset.ref, fact.suffix)
            if ref in wanted:
                continue
            wanted.add(ref)
            evidence = f"{self.kind} scan #{self.run_id}: {fact.evidence}"
            usage = existing.get(ref)
            if usage is not None:
                usage.last_seen, usage.evidence = self.now, evidence
                self.summary["usages_kept"] += 1
                continue
            usage = new_usage(
                self.org_id, self.asset, ref, fact, evidence, self.now, self.classified
            )
            self.session.add(usage)
            self.summary["usages_appeared"].append({"ref": ref, "algorithm": usage.algorithm})
        unread = set(getattr(result, "incomplete", ()))
        for ref, usage in existing.items():
            if ref in wanted:
                continue
            entry = {
                "ref": ref,
                "algorithm": usage.algorithm,
                "first_seen": usage.first_seen.isoformat(),
                "last_seen": usage.last_seen.isoformat(),
            }
            if _in_parts(self.asset.ref, ref, unread):
                entry["why"] = result.error or "this part could not be read"
                self.summary["usages_not_rechecked"].append(entry)
                continue
            self.summary["usages_disappeared"].append(entry)
            self.session.delete(usage)


def new_asset(org_id: int, kind: str, ref: str, result: Result) -> Asset:
    target = _target(result)
    label = {"tls": "TLS endpoint", "ssh": "SSH endpoint", "certs": "key store"}[kind]
    return Asset(
        organization_id=org_id,
        ref=ref,
        name=f"{label} {target}"[:200],
        asset_type=AssetType.HOST if kind == "certs" else AssetType.SERVICE,
        location=target[:300],
        description=_describe(kind, result),
    )


def _describe(kind: str, result: Result) -> str:
    if isinstance(result, TlsResult):
        hybrids = ", ".join(result.hybrid_groups) or "none"
        return (
            f"Discovered by TLS scan: {', '.join(result.versions)}; groups "
            f"{', '.join(result.groups) or 'none'}; hybrid post-quantum groups: {hybrids}."
        )
    if isinstance(result, SshResult):
        return (
            f"Discovered by SSH scan: {result.banner}; hybrid key exchanges: "
            f"{', '.join(result.hybrid_kex) or 'none'}."
        )
    return f"Discovered by store scan: {result.files} file(s), {len(result.items)} item(s)."


def new_usage(
    org_id: int,
    asset: Asset,
    ref: str,
    fact: Fact,
    evidence: str,
    now: datetime,
    classified: dict[tuple, CryptoUsage],
) -> CryptoUsage:
    usage = CryptoUsage(
        organization_id=org_id,
        asset_id=asset.id,
        ref=ref,
        algorithm_raw=fact.algorithm_raw[:200],
        primitive=fact.primitive,
        function=fact.function,
        protocol=fact.protocol,
        key_size=fact.key_size,
        source=Source.SCAN,
        evidence=evidence,
        first_seen=now,
        last_seen=now,
        notes=fact.notes,
    )
    if fact.cert is not None:
        c = fact.cert
        usage.cert_subject, usage.cert_issuer = c.subject[:500], c.issuer[:500]
        usage.cert_serial = c.serial[:100]
        usage.cert_not_before = c.not_before.replace(tzinfo=UTC)
        usage.cert_not_after = c.not_after.replace(tzinfo=UTC)
        usage.cert_fingerprint_sha256 = c.sha256
        usage.cert_public_key_algorithm = c.public_key_algorithm
    key = (fact.algorithm_raw, fact.key_size, fact.curve, fact.primitive)
    if key not in classified:  # the catalog's verdict, computed once per distinct spelling
        classified[key] = classify_usage(usage, curve=fact.curve)
    else:
        done = classified[key]
        usage.algorithm, usage.quantum_status = done.algorithm, done.quantum_status
        usage.status_reason, usage.catalog_version = done.status_reason, done.catalog_version
    return usage


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
