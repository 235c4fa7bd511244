"""Malformed CBOMs raise InputError naming the JSON path; the database is unchanged after."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from core.db import transaction
from core.errors import InputError, TooLarge
from inventory.exchange.cbom_import import import_cbom


def _alg(ref: str, name: str = "AES-256-GCM") -> dict[str, Any]:
    return {
        "type": "cryptographic-asset",
        "bom-ref": ref,
        "name": name,
        "cryptoProperties": {"assetType": "algorithm", "algorithmProperties": {"primitive": "ae"}},
    }


GOOD: dict[str, Any] = {
    "bomFormat": "CycloneDX",
    "specVersion": "1.6",
    "metadata": {"timestamp": "2025-01-02T03:04:05Z"},
    "components": [
        {"type": "application", "bom-ref": "app", "name": "App"},
        _alg("alg-1"),
    ],
    "dependencies": [{"ref": "app", "dependsOn": ["alg-1"]}],
}


def _doc(mutate) -> bytes:
    doc = copy.deepcopy(GOOD)
    mutate(doc)
    return json.dumps(doc).encode()


def _set(path: list[Any], value: Any):
    def mutate(doc: dict[str, Any]) -> None:
        target = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def _delete(path: list[Any]):
    def mutate(doc: dict[str, Any]) -> None:
        target = doc
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


def _thirteen_components_last_bad(doc: dict[str, Any]) -> None:
    doc["components"] = [_alg(f"a{i}") for i in range(12)]
    bad = _alg("a12")
    bad["cryptoProperties"]["assetType"] = "spell"
    doc["components"].append(bad)
    doc["dependencies"] = []


def _cert(field: str, value: Any):
    def mutate(doc: dict[str, Any]) -> None:
        doc["components"][1]["cryptoProperties"] = {
            "assetType": "certificate",
            "certificateProperties": {"subjectName": "CN=x", field: value},
        }

    return mutate


def _key_size(value: Any):
    def mutate(doc: dict[str, Any]) -> None:
        doc["components"][1]["cryptoProperties"] = {
            "assetType": "related-crypto-material",
            "relatedCryptoMaterialProperties": {"type": "public-key", "size": value},
        }

    return mutate


CASES: list[tuple[str, bytes, str, str]] = [
    ("not-json", b"this is not json", "$", "not valid JSON at line 1 column 1"),
    (
        "truncated",
        b'{"bomFormat": "CycloneDX",\n "specVersion": "1.6",\n "components": [}',
        "$",
        "not valid JSON at line 3 column",
    ),
    ("not-utf8", b"\xff\xfe\x00{", "$", "not valid UTF-8"),
    ("array", b"[]", "$", "JSON object"),
    ("no-bomformat", _doc(_delete(["bomFormat"])), "$.bomFormat", "bomFormat is missing"),
    ("spdx", _doc(_set(["bomFormat"], "SPDX")), "$.bomFormat", "CycloneDX"),
    ("no-spec", _doc(_delete(["specVersion"])), "$.specVersion", "missing"),
    ("old-spec", _doc(_set(["specVersion"], "1.2")), "$.specVersion", "not supported"),
    ("components-object", _doc(_set(["components"], {"a": 1})), "$.components", "must be a list"),
    ("component-string", _doc(_set(["components", 0], "app")), "$.components[0]", "JSON object"),
    (
        "no-name",
        _doc(_delete(["components", 1, "name"])),
        "$.components[1].name",
        "component name is missing",
    ),
    ("empty-name", _doc(_set(["components", 0, "name"], " ")), "$.components[0].name", "empty"),
    (
        "no-type",
        _doc(_delete(["components", 0, "type"])),
        "$.components[0].type",
        "component type is missing",
    ),
    (
        "bad-asset-type",
        _doc(_thirteen_components_last_bad),
        "$.components[12].cryptoProperties.assetType",
        "'spell' is not one of",
    ),
    (
        "no-asset-type",
        _doc(_delete(["components", 1, "cryptoProperties", "assetType"])),
        "$.components[1].cryptoProperties.assetType",
        "missing",
    ),
    (
        "crypto-props-list",
        _doc(_set(["components", 1, "cryptoProperties"], [])),
        "$.components[1].cryptoProperties",
        "must be an object",
    ),
    (
        "bad-date",
        _doc(_cert("notValidAfter", "next tuesday")),
        "$.components[1].cryptoProperties.certificateProperties.notValidAfter",
        "ISO 8601",
    ),
    (
        "date-number",
        _doc(_cert("notValidBefore", 20240101)),
        "$.components[1].cryptoProperties.certificateProperties.notValidBefore",
        "ISO 8601",
    ),
    (
        "bad-timestamp",
        _doc(_set(["metadata", "timestamp"], "2025-13-45")),
        "$.metadata.timestamp",
        "ISO 8601",
    ),
    (
        "bad-key-size",
        _doc(_key_size("big")),
        "$.components[1].cryptoProperties.relatedCryptoMaterialProperties.size",
        "integer",
    ),
    (
        "duplicate-ref",
        _doc(_set(["components", 1, "bom-ref"], "app")),
        "$.components[1]['bom-ref']",
        "used twice",
    ),
    (
        "ref-not-string",
        _doc(_set(["components", 0, "bom-ref"], 7)),
        "$.components[0]['bom-ref']",
        "must be a string",
    ),
    ("deps-object", _doc(_set(["dependencies"], {})), "$.dependencies", "must be a list"),
    (
        "dep-no-ref",
        _doc(_set(["dependencies", 0], {"dependsOn": ["alg-1"]})),
        "$.dependencies[0].ref",
        "ref is missing",
    ),
    (
        "dependson-string",
        _doc(_set(["dependencies", 0, "dependsOn"], "alg-1")),
        "$.dependencies[0].dependsOn",
        "must be a list",
    ),
    (
        "dependson-number",
        _doc(_set(["dependencies", 0, "dependsOn"], [1])),
        "$.dependencies[0].dependsOn[0]",
        "bom-ref strings",
    ),
    (
        "bad-enum-property",
        _doc(
            _set(
                ["components", 0, "properties"],
                [{"name": "pqcplan:asset:exposure", "value": "everywhere"}],
            )
        ),
        "$.components[0].properties[0].value",
        "'everywhere' is not one of",
    ),
    (
        "bad-int-property",
        _doc(
            _set(
                ["components", 0, "properties"],
                [{"name": "pqcplan:asset:secrecy_years", "value": "ten"}],
            )
        ),
        "$.components[0].properties[0].value",
        "integer",
    ),
    (
        "property-without-name",
        _doc(_set(["components", 0, "properties"], [{"value": "x"}])),
        "$.components[0].properties[0].name",
        "missing",
    ),
    (
        "name-too-long",
        _doc(_set(["components", 0, "name"], "n" * 201)),
        "$.components[0]",
        "longer than 200",
    ),
    (
        "nested-no-name",
        _doc(_set(["components", 0, "components"], [{"type": "library"}])),
        "$.components[0].components[0].name",
        "missing",
    ),
    ("services-object", _doc(_set(["services"], {})), "$.services", "must be a list"),
]


@pytest.mark.parametrize(
    ("data", "location", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_malformed_input_names_the_path(
    sqlite_url: str, make_org, row_counts, data: bytes, location: str, message: str
) -> None:
    with transaction(sqlite_url) as s:
        org = make_org(s, "org")
        import_cbom(s, org, json.dumps(GOOD))  # something to keep
        before = row_counts(s)
    with pytest.raises(InputError) as err, transaction(sqlite_url) as s:
        import_cbom(s, org, data)
    assert err.value.location == location, str(err.value)
    assert message in err.value.message, str(err.value)
    assert str(err.value).startswith(location + ": ")
    with transaction(sqlite_url) as s:
        assert row_counts(s) == before


def test_failure_while_writing_leaves_nothing(db_url: str, make_org, row_counts) -> None:
    """Assets are written before usages: a usage too long for its column (found only then)
    must take the assets with it, on SQLite and PostgreSQL alike."""
    doc = copy.deepcopy(GOOD)
    doc["components"].append({"type": "application", "bom-ref": "app-2", "name": "App 2"})
    doc["components"][1]["properties"] = [{"name": "pqcplan:usage:protocol", "value": "T" * 61}]
    with transaction(db_url) as s:
        org = make_org(s, "org")
        before = row_counts(s)
    with pytest.raises(InputError) as err, transaction(db_url) as s:
        import_cbom(s, org, json.dumps(doc).encode())
    assert err.value.location == "$.components[1]"
    assert "protocol is longer than 60" in err.value.message
    with transaction(db_url) as s:
        assert row_counts(s) == before


def test_too_many_components(sqlite_url: str, make_org) -> None:
    with pytest.raises(TooLarge) as err, transaction(sqlite_url) as s:
        import_cbom(s, make_org(s, "org"), json.dumps(GOOD), max_components=1)
    assert err.value.location == "$.components[1]"


def test_dangling_refs_are_warnings(sqlite_url: str, make_org) -> None:
    """Real tools emit refs to components they left out: reported and skipped, not fatal."""
    doc = copy.deepcopy(GOOD)
    doc["dependencies"] = [
        {"ref": "app", "dependsOn": ["alg-1", "ghost"]},
        {"ref": "nobody", "dependsOn": ["app"]},
    ]
    doc["components"].append(
        {
            "type": "cryptographic-asset",
            "bom-ref": "cert",
            "name": "c",
            "cryptoProperties": {
                "assetType": "certificate",
                "certificateProperties": {"signatureAlgorithmRef": "missing-alg"},
            },
        }
    )
    with transaction(sqlite_url) as s:
        report = import_cbom(s, make_org(s, "org"), json.dumps(doc))
    text = "\n".join(report.warnings)
    assert "$.dependencies[0].dependsOn[1]: dependsOn names 'ghost'" in text
    assert "$.dependencies[1].ref: ref 'nobody' names no component" in text
    assert (
        "$.components[2].cryptoProperties.certificateProperties.signatureAlgorithmRef: "
        "signatureAlgorithmRef 'missing-alg'"
    ) in text
    assert report.usages_created == 2 and report.unknown_algorithms == ["unknown"]
