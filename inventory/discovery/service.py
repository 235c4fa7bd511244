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
from inventory.choices import AssetType, CryptoFunction, Primitive, Source
from inventory.classification import classify_usage
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
from inventory.discovery.tlswire import SUITE_CIPHER, bulk_cipher
from inventory.models import Asset, CryptoUsage, ScanRun, ScanScope

KINDS = ("tls", "ssh", "certs", "code")
PATH_KINDS = ("certs", "code")  # targets are directories or files on this server
Progress = Callable[[float, str], None]


# ---------------------------------------------------------------------- scopes
def add_scope(
    session: Session, org_id: int, kind: str, value: str, ports: str | None, note: str | None
) -> ScanScope:
    scope = validate_scope(kind, value, ports)
    exists = session.scalar(
        select(ScanScope.id).where(
            ScanScope.organization_id == org_id,
            ScanScope.kind == scope.kind,
            ScanScope.value == scope.value,
        )
    )
    if exists:
        raise Conflict(f"scope {scope.kind} {scope.value} is already registered")
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
        raise InputError(f"unknown scan kind {kind!r}; use tls, ssh, certs or code", "kind")
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
    if kind in PATH_KINDS:
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
            result = scan_store(path, req.password)
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
@dataclass
class Seen:
    """One usage a scan saw, before it becomes a row."""

    suffix: str
    algorithm_raw: str
    primitive: Primitive
    function: CryptoFunction
    evidence: str
    protocol: str | None = None
    key_size: int | None = None
    curve: str | None = None
    cert: Any = None  # CertFacts
    mode: str | None = None
    padding: str | None = None
    library: str | None = None
    notes: str | None = None
    extra: dict[str, Any] | None = None  # kept as cbom_extra (source occurrences)


def _tls_seen(r: TlsResult) -> list[Seen]:
    proto = "TLS " + (r.versions[0].removeprefix("TLSv") if r.versions else "")
    out: list[Seen] = []
    group_proto = "TLS 1.3" if "TLSv1.3" in r.versions else "TLS 1.2"
    for name, code in zip(r.groups, r.group_codepoints, strict=True):
        how = "HelloRetryRequest" if group_proto == "TLS 1.3" else "ServerKeyExchange"
        out.append(
            Seen(
                f"group:{name}",
                name,
                Primitive.KEY_EXCHANGE,
                CryptoFunction.TLS_KEY_EXCHANGE,
                f"group {name} (0x{code:04x}) accepted when offered ({how}) on port {r.port}",
                group_proto,
            )
        )
    for suite in r.tls13_suites + r.tls12_suites:
        m = SUITE_CIPHER.search(suite.removeprefix("TLS_"))
        raw = bulk_cipher(m.group(1)) if m else suite
        ver = "TLS 1.3" if suite in r.tls13_suites else "TLS 1.2"
        out.append(
            Seen(
                f"suite:{suite}",
                raw,
                Primitive.SYMMETRIC,
                CryptoFunction.DATA_IN_TRANSIT,
                f"cipher suite {suite} accepted on port {r.port}",
                ver,
            )
        )
    for scheme in r.signature_schemes:
        out.append(
            Seen(
                f"sigscheme:{scheme}",
                scheme,
                Primitive.SIGNATURE,
                CryptoFunction.TLS_AUTHENTICATION,
                f"signature scheme {scheme} accepted for the handshake on port {r.port}",
                proto,
            )
        )
    for i, cert in enumerate(r.certificates):
        function = (
            CryptoFunction.TLS_AUTHENTICATION if i == 0 else (CryptoFunction.CERTIFICATE_SIGNATURE)
        )
        role = "leaf" if i == 0 else f"chain[{i}]"
        out.append(
            Seen(
                f"cert:{cert.sha256}",
                cert.public_key_algorithm,
                Primitive.SIGNATURE,
                function,
                f"{role} certificate {cert.subject} presented on port {r.port}",
                proto,
                cert.key_size,
                cert.curve,
                cert,
            )
        )
    return out


def _ssh_seen(r: SshResult) -> list[Seen]:
    out: list[Seen] = []
    groups = (
        ("kex", Primitive.KEY_EXCHANGE, CryptoFunction.SSH_KEY_EXCHANGE, "key exchange"),
        ("cipher", Primitive.SYMMETRIC, CryptoFunction.DATA_IN_TRANSIT, "cipher"),
        ("mac", Primitive.MAC, CryptoFunction.INTEGRITY, "MAC"),
    )
    for key, primitive, function, label in groups:
        for alg in r.classified.get(key, []):
            out.append(
                Seen(
                    f"{key}:{alg.name}",
                    alg.name,
                    primitive,
                    function,
                    f"{label} {alg.name} offered in KEXINIT on port {r.port} ({r.banner})",
                    "SSH-2",
                )
            )
    for hk in r.host_keys:
        out.append(
            Seen(
                f"hostkey:{hk.algorithm}:{hk.sha256}",
                hk.key_type,
                Primitive.SIGNATURE,
                CryptoFunction.SSH_HOST_KEY,
                f"host key {hk.algorithm} {hk.sha256} on port {r.port}",
                "SSH-2",
                hk.bits,
            )
        )
    return out


def _store_seen(r: StoreResult) -> list[Seen]:
    out: list[Seen] = []
    for item in r.items:
        if item.kind == "unreadable" or not item.algorithm:
            continue
        function = (
            CryptoFunction.CERTIFICATE_SIGNATURE
            if item.kind == "certificate"
            else CryptoFunction.OTHER
        )
        ident = hashlib.sha256(f"{item.path}|{item.where}".encode()).hexdigest()[:16]
        out.append(
            Seen(
                f"{item.kind}:{item.fingerprint or ident}:{ident}",
                item.algorithm,
                Primitive.SIGNATURE,
                function,
                f"{item.kind} ({item.format}) in {item.path}, {item.where}",
                None,
                item.key_size,
                item.curve,
                item.certificate,
            )
        )
    return out


def _source_seen(r: Any) -> list[Seen]:
    from inventory.discovery import source_filing as sf

    out: list[Seen] = []
    for key, group in sf.grouped(r.findings).items():
        first = group[0]
        unknown = sf.unknown_note(group)
        out.append(
            Seen(
                sf.usage_suffix(key),
                sf.catalog_name(first),
                sf.primitive_of(first),
                sf.function_of(first),
                sf.evidence(group),
                first.protocol,
                first.key_size,
                first.curve,
                mode=first.mode,
                padding=first.padding,
                library=first.library or None,
                notes=unknown or None,
                extra={"occurrences": sf.occurrences(group)[:200], "api": first.api},
            )
        )
    return out


def _asset_ref(kind: str, target: str) -> str:
    ref = f"scan:{kind}:{target}"
    return (
        ref
        if len(ref) <= 120
        else f"scan:{kind}:sha256:{hashlib.sha256(target.encode()).hexdigest()}"
    )


def _usage_ref(asset_ref: str, suffix: str) -> str:
    ref = f"{asset_ref}|{suffix}"
    return (
        ref if len(ref) <= 200 else f"{asset_ref[:120]}|{hashlib.sha256(ref.encode()).hexdigest()}"
    )


def _target(result: Result) -> str:
    """What names the asset: the endpoint or store, or a source tree's name (so that a
    repository checked out in another place is the same asset)."""
    return result.name if hasattr(result, "components") else result.target  # type: ignore[union-attr]


def _chunks(items: list, size: int = 500):
    for i in range(0, len(items), size):
        yield items[i : i + size]


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
        "failed": 0,
        "assets_created": 0,
        "usages_appeared": [],
        "usages_disappeared": [],
        "usages_kept": 0,
    }
    ok: dict[str, Result] = {}
    for result in results:
        if result.status == "ok":
            ok[_asset_ref(kind, _target(result))] = result
    summary["ok"], summary["failed"] = len(ok), len(results) - len(ok)
    with session.no_autoflush:
        assets: dict[str, Asset] = {}
        for refs in _chunks(list(ok)):
            stmt = select(Asset).where(Asset.organization_id == org_id, Asset.ref.in_(refs))
            assets.update({a.ref: a for a in session.scalars(stmt)})
        for ref, result in ok.items():
            if ref in assets:
                assets[ref].description = _describe(kind, result)
            else:
                assets[ref] = _new_asset(org_id, kind, ref, result)
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
        for ref, result in ok.items():
            asset = assets[ref]
            seen = {"tls": _tls_seen, "ssh": _ssh_seen, "certs": _store_seen, "code": _source_seen}[
                kind
            ](result)
            _file_usages(
                session,
                org_id,
                kind,
                asset,
                seen,
                existing[asset.id],
                run_id,
                now,
                summary,
                classified,
            )
            if kind == "code":
                from inventory.discovery.stacks.filing import file_components

                file_components(session, org_id, asset, result, now, summary)
    session.flush()
    return summary


def _file_usages(
    session, org_id, kind, asset, seen, existing, run_id, now, summary, classified
) -> None:
    wanted: set[str] = set()
    for s in seen:
        ref = _usage_ref(asset.ref, s.suffix)
        if ref in wanted:
            continue
        wanted.add(ref)
        evidence = f"{kind} scan #{run_id}: {s.evidence}"
        usage = existing.get(ref)
        if usage is not None:
            usage.last_seen, usage.evidence = now, evidence
            if s.extra is not None:
                usage.cbom_extra, usage.notes = s.extra, s.notes
            summary["usages_kept"] += 1
            continue
        usage = _new_usage(org_id, asset, ref, s, evidence, now, classified)
        session.add(usage)
        summary["usages_appeared"].append({"ref": ref, "algorithm": usage.algorithm})
    for ref, usage in existing.items():
        if ref not in wanted:
            summary["usages_disappeared"].append(
                {
                    "ref": ref,
                    "algorithm": usage.algorithm,
                    "first_seen": usage.first_seen.isoformat(),
                    "last_seen": usage.last_seen.isoformat(),
                }
            )
            session.delete(usage)


def _new_asset(org_id: int, kind: str, ref: str, result: Result) -> Asset:
    target = _target(result)
    label = {"tls": "TLS endpoint", "ssh": "SSH endpoint", "certs": "key store", "code": ""}[kind]
    return Asset(
        organization_id=org_id,
        ref=ref,
        name=(f"{label} {target}" if label else getattr(result, "name", target))[:200],
        asset_type={"certs": AssetType.HOST, "code": AssetType.APPLICATION}.get(
            kind, AssetType.SERVICE
        ),
        location=result.target[:300],
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
    if kind == "code":
        return (
            f"Discovered by source scan of {result.target}: {result.files} source file(s), "
            f"{len(result.findings)} crypto finding(s), {len(result.components)} component(s)."
        )
    return f"Discovered by store scan: {result.files} file(s), {len(result.items)} item(s)."


def _new_usage(
    org_id: int,
    asset: Asset,
    ref: str,
    s: Seen,
    evidence: str,
    now: datetime,
    classified: dict[tuple, CryptoUsage],
) -> CryptoUsage:
    usage = CryptoUsage(
        organization_id=org_id,
        asset_id=asset.id,
        ref=ref,
        algorithm_raw=s.algorithm_raw[:200],
        primitive=s.primitive,
        function=s.function,
        protocol=s.protocol,
        key_size=s.key_size,
        source=Source.SCAN,
        evidence=evidence,
        first_seen=now,
        last_seen=now,
    )
    if s.cert is not None:
        c = s.cert
        usage.cert_subject, usage.cert_issuer = c.subject[:500], c.issuer[:500]
        usage.cert_serial = c.serial[:100]
        usage.cert_not_before = c.not_before.replace(tzinfo=UTC)
        usage.cert_not_after = c.not_after.replace(tzinfo=UTC)
        usage.cert_fingerprint_sha256 = c.sha256
        usage.cert_public_key_algorithm = c.public_key_algorithm
    key = (s.algorithm_raw, s.key_size, s.curve, s.primitive)
    if key not in classified:  # the catalog's verdict, computed once per distinct spelling
        classified[key] = classify_usage(usage, curve=s.curve)
    else:
        done = classified[key]
        usage.algorithm, usage.quantum_status = done.algorithm, done.quantum_status
        usage.status_reason, usage.catalog_version = done.status_reason, done.catalog_version
    if s.cert is not None and s.cert.problems:
        usage.notes = "; ".join(s.cert.problems)
    if s.extra is not None:
        usage.mode, usage.padding = s.mode, s.padding
        usage.library, usage.notes, usage.cbom_extra = s.library, s.notes, s.extra
    return usage


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
