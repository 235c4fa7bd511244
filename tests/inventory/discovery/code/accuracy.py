"""Precision and recall of the code scanner on the labelled corpus (`corpus/<language>`).

A label is a trailing comment on the line a finding must be located at:
``expect: RSA-1024 key_size=1024; SHA-256`` (the catalog's canonical name, then fields the
finding must state; ``unknown=key_size`` says the field must be reported unknown). Several
findings on one line are separated by ``;``. Every finding without a matching label counts
as a false positive: the corpus holds look-alikes (a variable named ``rsa``, comments,
strings in log lines, the project's own functions named like library ones) on purpose.

Run ``python tests/inventory/discovery/code/accuracy.py`` to print the README's table.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"
LABEL = re.compile(r"(?:#|//|/\*)\s*expect:\s*(.+?)\s*(?:\*/)?\s*$")
LANGUAGES = ("python", "java", "kotlin", "go", "c", "cpp", "javascript", "typescript")


@dataclass
class Label:
    path: str
    line: int
    name: str
    fields: dict[str, str]
    unknown: set[str]


@dataclass
class Score:
    language: str
    labels: int = 0
    findings: int = 0
    true_positives: int = 0
    false_positives: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.true_positives / self.findings if self.findings else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.labels if self.labels else 1.0


def labels(root: Path) -> list[Label]:
    from inventory.discovery.code.frontends import EXTENSIONS

    out = []
    for path in sorted(root.rglob("*")):
        if path.suffix not in EXTENSIONS:
            continue
        rel = path.relative_to(root).as_posix()
        for number, line in enumerate(path.read_text().splitlines(), 1):
            m = LABEL.search(line)
            if not m:
                continue
            for item in m.group(1).split(";"):
                parts = item.split()
                fields, unknown, name = {}, set(), []
                for p in parts:
                    if "=" in p:
                        k, v = p.split("=", 1)
                        if k == "unknown":
                            unknown.add(v)
                        else:
                            fields[k] = v
                    else:
                        name.append(p)
                out.append(Label(rel, number, " ".join(name), fields, unknown))
    return out


def _matches(label: Label, finding, canonical: str) -> bool:
    if (label.path, label.line) != (finding.path, finding.line) or label.name != canonical:
        return False
    for key, want in label.fields.items():
        if str(getattr(finding, key)) != want:
            return False
    return all(u in finding.unknown for u in label.unknown)


def score(language: str, workers: int = 1) -> Score:
    from inventory.catalog import get_catalog
    from inventory.discovery import source_filing as sf
    from inventory.discovery.source import scan_source

    root = CORPUS / language
    result = scan_source(root, workers=workers, use_cache=False, parts=("code",))
    cat = get_catalog()
    wanted = labels(root)
    s = Score(language, labels=len(wanted), findings=len(result.findings))
    unmatched = list(wanted)
    for f in result.findings:
        canonical = cat.classify(
            sf.catalog_name(f), key_size=f.key_size, curve=f.curve, primitive=sf.primitive_of(f)
        ).canonical
        hit = next((lab for lab in unmatched if _matches(lab, f, canonical)), None)
        if hit is None:
            s.false_positives.append(f"{f.path}:{f.line} {canonical} {sf.parameters(f)} ({f.api})")
        else:
            unmatched.remove(hit)
            s.true_positives += 1
    s.missed = [
        f"{lab.path}:{lab.line} {lab.name} {lab.fields} {lab.unknown or ''}" for lab in unmatched
    ]
    return s


def main() -> None:
    print("| language | labelled findings | found | true positives | precision | recall |")
    print("| --- | --- | --- | --- | --- | --- |")
    for language in LANGUAGES:
        s = score(language)
        print(
            f"| {language} | {s.labels} | {s.findings} | {s.true_positives} | "
            f"{s.precision:.2f} | {s.recall:.2f} |"
        )
        for line in s.false_positives:
            print(f"  false positive: {line}", file=sys.stderr)
        for line in s.missed:
            print(f"  missed: {line}", file=sys.stderr)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[4]))
    main()
