"""`$.dependencies` and nesting: `dependsOn` / `provides` between components become the links
that decide which asset owns a usage, the library and protocol a usage names, and the
dependency rows between assets (kind from our `pqcplan:dependency:<provider-ref>` property,
else guessed from the provider's asset type). References to unknown refs are warnings, not
errors: real tools emit dangling refs.
"""

from __future__ import annotations

from collections import defaultdict

import inventory.exchange.cbom_import.notes as N
from core.errors import InputError
from core.i18n import N_, say
from inventory.choices import DependencyKind
from inventory.exchange.cbom_common import KIND_BY_PROVIDER_TYPE
from inventory.exchange.cbom_import.fields import opt_list, opt_obj, opt_str
from inventory.exchange.cbom_import.parser import Component
from inventory.exchange.cbom_import.state import BuildState

_LINK_KINDS = ("dependsOn", "provides")


def read_dependencies(state: BuildState) -> None:
    comps = state.p.comps
    deps = state.p.doc.get("dependencies")
    if deps is not None and not isinstance(deps, list):
        raise InputError(N_("{what} must be a list"), "$.dependencies", what="dependencies")
    for i, entry in enumerate(deps or []):
        path = f"$.dependencies[{i}]"
        entry = opt_obj(entry, path, say(N_("a dependency")))
        ref = opt_str(entry.get("ref"), path + ".ref", "ref", required=True)
        state.notes.unread(entry, path, ("ref", *_LINK_KINDS))
        lists = {k: opt_list(entry.get(k), f"{path}.{k}", k) for k in _LINK_KINDS}
        for k, items in lists.items():
            for j, t in enumerate(items):
                if not isinstance(t, str):
                    raise InputError(
                        N_("{what} entries must be bom-ref strings"), f"{path}.{k}[{j}]", what=k
                    )
        src = comps.get(ref)
        if src is None:
            state.notes.add(path + ".ref", N.REF_SKIPPED.format(ref=ref))
            continue
        if src.skip and src.crypto:
            continue
        for kind, items in lists.items():
            for j, t in enumerate(items):
                tpath = f"{path}.{kind}[{j}]"
                target = comps.get(t)
                if target is None:
                    state.notes.add(
                        tpath,
                        N.TARGET_SKIPPED.format(kind=kind, target=t),
                    )
                    continue
                if target.skip or t == ref:
                    continue
                _link(state, src, target, kind, tpath)
    # nesting: a component inside another is used by it
    for comp in state.p.order:
        if comp.parent is not None:
            parent = comps[comp.parent]
            if comp.crypto:
                _link(state, parent, comp, "dependsOn", comp.path)
            else:
                state.notes.add(
                    comp.path,
                    N.NESTING,
                )


def _link(state: BuildState, src: Component, target: Component, kind: str, path: str) -> None:
    if not src.crypto and target.crypto:
        owners = state.owner_depends if kind == "dependsOn" else state.owner_provides
        owners[target.ref].append(src.ref)
        if kind == "provides" and src.ctype in ("library", "framework"):
            state.library_of.setdefault(target.ref, src.ref)
    elif not src.crypto and not target.crypto:
        if kind == "dependsOn":
            state.edges.append((src.ref, target.ref, path))
        else:
            state.notes.add(path, N.PROVIDES)
    elif src.crypto and not target.crypto:
        if target.ctype in ("library", "framework") and kind == "dependsOn":
            state.library_of.setdefault(src.ref, target.ref)
        else:
            state.notes.add(path, N.CRYPTO_TO_PLAIN.format(kind=kind))
    else:
        state.crypto_referrers[target.ref].append(src.ref)
        state.crypto_links[src.ref][kind].append(target.ref)  # kept in cbom_extra
        if src.asset_type == "related-crypto-material" and target.asset_type == "algorithm":
            state.key_algorithm.setdefault(src.ref, target.ref)


def build_dependencies(state: BuildState) -> None:
    """Dependency rows between assets: declared kinds (our property) win over guessed ones."""
    comps = state.p.comps
    declared: dict[tuple[str, str], list[tuple[DependencyKind, str | None, str]]] = defaultdict(
        list
    )
    for comp in state.p.order:
        for provider, kind, desc, path in comp.props.get("dependencies", []):
            target = comps.get(provider)
            if target is None or target.crypto:
                state.notes.add(
                    path,
                    N.NO_PROVIDER.format(provider=provider),
                )
                continue
            declared[(comp.ref, provider)].append((kind, desc, path))
    for dependent, provider, path in state.edges:
        if (dependent, provider) in declared:
            continue
        ptype = state.assets[provider]["asset_type"]
        kind = KIND_BY_PROVIDER_TYPE.get(ptype, DependencyKind.OTHER)
        state.dependencies.setdefault((dependent, provider, kind), (None, path))
    for (dependent, provider), kinds in declared.items():
        for kind, desc, path in kinds:
            state.dependencies[(dependent, provider, kind)] = (desc, path)
