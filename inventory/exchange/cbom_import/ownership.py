"""Which asset owns each usage: the asset that `dependsOn` it (or nests it); else the
library/HSM that `provides` it; else the asset owning a crypto component that refers to it;
else `metadata.component`, or a synthetic asset named after the file, with a warning. A
crypto component used by several assets gives one usage per asset (`<ref>@<asset-ref>` for
the second and later). `attach_originals` then stores every crypto component of another tool
verbatim in `cbom_extra` of the nearest usage (see cbom_fidelity).
"""

from __future__ import annotations

from collections import defaultdict

import inventory.exchange.cbom_import.notes as N
from inventory.exchange.cbom_fidelity import mentioned_refs, original_entry
from inventory.exchange.cbom_import.assets import synthetic_asset
from inventory.exchange.cbom_import.parser import Parser
from inventory.exchange.cbom_import.state import BuildState, Usage
from inventory.service.refs import fit_ref

Owned = list[tuple[Usage, str]]  # (usage, ref of the asset that owns it)


def _owner(state: BuildState, anchor: str) -> str | None:
    """Breadth-first from the usage's component over crypto references to the first asset."""
    seen = {anchor}
    queue = [anchor]
    while queue:
        ref = queue.pop(0)
        if state.owner_depends.get(ref):
            return state.owner_depends[ref][0]
        if state.owner_provides.get(ref):
            return state.owner_provides[ref][0]
        for r in state.crypto_referrers.get(ref, ()):
            if r not in seen:
                seen.add(r)
                queue.append(r)
    return None


def assign_owners(state: BuildState) -> Owned:
    comps = state.p.comps
    out: Owned = []
    orphans: list[Usage] = []
    for usage in list(state.usages.values()):
        if not usage.ours:
            lib = state.library_of.get(usage.anchor)
            if lib is not None and usage.row["library"] is None:
                usage.row["library"] = comps[lib].name
                usage.row["library_version"] = comps[lib].data.get("version")
            proto = state.protocol_of.get(usage.anchor)
            if proto is not None and usage.row["protocol"] is None:
                usage.row["protocol"] = proto
        owner = _owner(state, usage.anchor)
        if owner is None:
            orphans.append(usage)
            continue
        out.append((usage, owner))
        # more assets depend on the same crypto component: one usage for each
        for extra in dict.fromkeys(state.owner_depends.get(usage.anchor, [])[1:]):
            if extra == owner:
                continue
            ref = fit_ref(usage.ref, f"@{extra}")
            copy = Usage(
                ref=ref,
                anchor=usage.anchor,
                path=usage.path,
                row={**usage.row, "ref": ref},
                curve=usage.curve,
                oid=usage.oid,
                ours=usage.ours,
                protocol_only=usage.protocol_only,
            )
            state.notes.add(
                usage.path,
                N.SHARED.format(ref=ref),
                group="shared",
            )
            out.append((copy, extra))
    if orphans:
        owner = _orphan_owner(state, orphans)
        out.extend((u, owner) for u in orphans)
    return out


def _orphan_owner(state: BuildState, orphans: list[Usage]) -> str:
    """`metadata.component`, else a synthetic asset named after the file (made here)."""
    owner = state.p.metadata_ref
    if owner is None:
        ident = state.p.serial or state.p.digest
        owner = f"cbom:{ident}"[:190]
        if owner in state.p.comps:
            owner += "#synthetic"
        state.assets[owner] = synthetic_asset(owner, *_scanned_what(state.p, ident))
    said = N.ORPHANS_METADATA if state.p.metadata_ref else N.ORPHANS_SYNTHETIC
    state.notes.add(orphans[0].path, said.format(count=len(orphans), owner=owner))
    return owner


def _scanned_what(p: Parser, ident: str) -> tuple[str, str | None, str | None]:
    """(name, location, description) of the asset that stands for the whole CBOM: what
    was scanned as the metadata says it (a repository and its revision), else the file's
    name, else the tool and the date, else the serial number."""
    props = p.source_props
    url = props.get("url")
    revision = props.get("revision") or (props.get("commit") or "")[:12] or None
    if url:
        at = f" at commit {props['commit']}" if "commit" in props else ""
        described = f"CBOM of {url}{at}"
        name = repository_name(url)
        return (f"{name} ({revision})" if revision else name), url, described
    if p.source_name:
        return p.source_name, None, None
    if p.tool_names:
        return f"{p.tool_names[0]} scan {p.seen_at.date().isoformat()}", None, None
    return f"CBOM {ident}", None, None


def repository_name(url: str) -> str:
    """`owner/name` of a repository URL, else the URL itself.

    >>> repository_name("https://github.com/keycloak/keycloak.git")
    'keycloak/keycloak'
    >>> repository_name("git@gitlab.example:group/sub/app")
    'group/sub/app'
    """
    text = url.strip().removesuffix("/").removesuffix(".git")
    if "://" in text:
        text = text.split("://", 1)[1]
        text = text.split("/", 1)[1] if "/" in text else text
    elif "@" in text and ":" in text:
        text = text.split(":", 1)[1]
    return text or url


def attach_originals(state: BuildState, owned: Owned) -> None:
    """Store every kept crypto component verbatim in `cbom_extra` of the nearest usage:
    its own, else one that refers to it (a certificate's signature algorithm and key, a
    suite's algorithms), else, for what nothing reaches (a lone token), the first usage.
    Each usage also records the bom-ref of the component it came from."""
    comps = state.p.comps
    kept = [c for c in state.p.order if c.kept]
    if not kept or not owned:
        return
    holder: dict[str, Usage] = {}
    for usage, _owner_ref in owned:
        anchor = comps.get(usage.anchor)
        if anchor is not None and anchor.kept:
            usage.row["cbom_extra"] = {"bom-ref": anchor.ref}
            holder.setdefault(anchor.ref, usage)
    # nearest holder: breadth-first over references and crypto links, both directions
    near: dict[str, list[str]] = defaultdict(list)
    for comp in kept:
        cp = comp.data.get("cryptoProperties")
        # algorithms name no other component; certificates, keys and protocols do
        refers = cp and comp.asset_type != "algorithm"
        linked = mentioned_refs(cp, comps, comp.ref) if refers else []
        for refs in state.crypto_links.get(comp.ref, {}).values():
            linked.extend(refs)
        for other in linked:
            near[comp.ref].append(other)
            near[other].append(comp.ref)
    queue = list(holder)
    for ref in queue:  # grows while it is walked
        for other in near.get(ref, ()):
            if other not in holder:
                holder[other] = holder[ref]
                queue.append(other)
    first = owned[0][0]
    for comp in kept:
        entry, dropped = original_entry(
            comp.ref, comp.name, comp.data, state.crypto_links.get(comp.ref, {})
        )
        for d in dropped:
            state.notes.add(f"{comp.path}.{d}", N.SECRET_MATERIAL, group=d)
        usage = holder.get(comp.ref, first)
        extra = usage.row["cbom_extra"]
        if extra is None:
            extra = usage.row["cbom_extra"] = {}
        extra.setdefault("components", []).append(entry)
    for usage in holder.values():  # document order differs between tools: sort by ref
        held = (usage.row["cbom_extra"] or {}).get("components")
        if held:
            held.sort(key=lambda e: e["bom-ref"])
    if first.row["cbom_extra"] and first.row["cbom_extra"].get("components"):
        first.row["cbom_extra"]["components"].sort(key=lambda e: e["bom-ref"])
