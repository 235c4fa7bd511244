"""The vendor API as a newcomer reads it: every body typed per check kind in /openapi.json.

The second test is a client that knows only the OpenAPI document: it finds the check kinds in
the request's discriminator, builds each request from its schema, checks every challenge
against the schema its ``check`` selects, and validates its answer against the answer schema
of the same kind before sending it. The crypto comes from the honest PQClean product.
"""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from tests.testbed.conformance.test_vendor_acvp import _answer, mldsa_good, mlkem_encap_decap_good

API = "/api/v1/testbed"
KINDS = {"kem_receiver", "kem_sender", "sig_vendor_signs", "sig_vendor_verifies"}
KINDS |= {"acvp_mlkem", "acvp_mldsa"}


def _schemas(doc: dict) -> dict[str, Any]:
    return doc["components"]["schemas"]


def _ref_name(node: dict) -> str:
    return node["$ref"].rsplit("/", 1)[1]


def _walk(node: Any, schemas: dict, seen: set[str]) -> list[dict]:
    """Every schema node reachable from ``node``, following $refs once."""
    out = []
    if isinstance(node, dict):
        if "$ref" in node:
            name = _ref_name(node)
            if name not in seen:
                seen.add(name)
                out += _walk(schemas[name], schemas, seen)
            return out
        out.append(node)
        for value in node.values():
            out += _walk(value, schemas, seen)
    elif isinstance(node, list):
        for value in node:
            out += _walk(value, schemas, seen)
    return out


def _validate(doc: dict, name: str, value: Any) -> None:
    schema = {"$ref": f"#/components/schemas/{name}", "components": doc["components"]}
    jsonschema.Draft202012Validator(schema).validate(value)


@pytest.fixture
def doc(sqlite_vendors) -> dict:
    v = sqlite_vendors()
    return v.client.get("/openapi.json").json()


def test_every_vendor_body_is_typed(doc):
    schemas = _schemas(doc)
    create = doc["paths"][f"{API}/sessions"]["post"]["requestBody"]["content"]
    union = create["application/json"]["schema"]
    mapping = union["discriminator"]["mapping"]
    assert union["discriminator"]["propertyName"] == "check" and set(mapping) == KINDS
    by_kind = {k: schemas[v.rsplit("/", 1)[1]] for k, v in mapping.items()}

    # ACVP modes are enums and tests_per_group has documented bounds
    for kind, modes, top in (
        ("acvp_mlkem", {"keyGen", "encapDecap"}, 5),
        ("acvp_mldsa", {"keyGen", "sigGen", "sigVer"}, 3),
    ):
        props = by_kind[kind]["properties"]
        assert set(props["mode"]["enum"]) == modes and "mode" in by_kind[kind]["required"]
        assert by_kind[kind]["description"]  # the modes in words
        inp = schemas[_ref_name(props["input"])]["properties"]["tests_per_group"]
        bounded = next(n for n in inp["anyOf"] if n.get("type") == "integer")
        assert (bounded["minimum"], bounded["maximum"]) == (1, top) and inp["description"]
    receiver_in = schemas[_ref_name(by_kind["kem_receiver"]["properties"]["input"])]
    assert receiver_in["required"] == ["encapsulation_key"]

    # the challenge is a discriminated union too, and every kind has its answer_with hint
    out = schemas["SessionOut"]["properties"]["challenge"]
    assert set(out["discriminator"]["mapping"]) == KINDS
    for ref in out["discriminator"]["mapping"].values():
        assert "answer_with" in schemas[ref.rsplit("/", 1)[1]]["properties"], ref
    hint = schemas["KemReceiverHint"]["properties"]["confirmation"]["description"]
    assert "nonce" in hint and "hex-decoded" in hint

    # answers: a union discriminated by the check kind, each with a typed answer schema
    answer = doc["paths"][f"{API}/sessions/{{session_id}}/answer"]["post"]["requestBody"]
    union = answer["content"]["application/json"]["schema"]
    assert union["discriminator"]["propertyName"] == "check"
    assert set(union["discriminator"]["mapping"]) == KINDS
    names = set()
    for kind, ref in union["discriminator"]["mapping"].items():
        envelope = schemas[ref.rsplit("/", 1)[1]]
        assert envelope["properties"]["check"]["const"] == kind and set(envelope["required"]) == {
            "check",
            "answer",
        }
        shape = envelope["properties"]["answer"]  # a $ref, or the schema inline with its title
        names.add(_ref_name(shape) if "$ref" in shape else shape["title"])
    assert names == {
        "KemReceiverAnswer",
        "KemSenderAnswer",
        "SigVendorSignsAnswer",
        "SigVendorVerifiesAnswer",
        "AcvpMlkemAnswer",
        "AcvpMldsaAnswer",
    }
    assert "nonce" in schemas["Confirmation"]["properties"]["confirmation"]["description"]
    for node in _walk(union, schemas, set()):
        if node.get("type") == "object":
            typed = node.get("properties") or isinstance(node.get("additionalProperties"), dict)
            assert typed, node
        assert node != {}, "an untyped (any) node under an answer body"

    # every ACVP result has its required fields
    for name, fields in {
        "AcvpMlkemKeyGenResult": {"tcId", "ek", "dk"},
        "AcvpMlkemEncapsulationResult": {"tcId", "c", "k"},
        "AcvpMlkemDecapsulationResult": {"tcId", "k"},
        "AcvpKeyCheckResult": {"tcId", "testPassed"},
        "AcvpMldsaKeyGenResult": {"tcId", "pk", "sk"},
        "AcvpMldsaSigGenResult": {"tcId", "signature"},
    }.items():
        assert set(schemas[name]["required"]) == fields, name
        assert schemas[name]["additionalProperties"] is False, name

    # reports have a schema; enums are enums
    body = schemas["ReportBody"]
    assert {"cases", "summary", "timings", "session_id", "format"} <= set(body["required"])
    assert "canonical JSON" in body["description"]
    assert schemas["ReportSummary"]["properties"]["verdict"]["enum"] == ["pass", "fail"]
    assert set(schemas["ReportSignature"]["required"]) >= {"key_id", "value", "public_key"}
    assert set(schemas["SessionOut"]["properties"]["state"]["enum"]) == {
        "open",
        "finished",
        "expired",
    }
    verdict = schemas["SessionOut"]["properties"]["verdict"]
    assert {"enum": ["pass", "fail"], "type": "string"} in verdict["anyOf"]

    # every status a vendor route gives is declared, with ErrorBody
    for path, item in doc["paths"].items():
        if not (path.startswith(f"{API}/sessions") or path.startswith(f"{API}/reports")):
            continue
        for method, op in item.items():
            codes = set(op["responses"])
            assert {"401", "403", "422"} <= codes, (method, path)
            if method == "post":
                assert {"413", "415"} <= codes, path
            for code, answer_doc in op["responses"].items():
                if code.startswith("4") or code.startswith("5"):
                    schema = answer_doc["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (path, code)
                    assert answer_doc["description"], (path, code)

    # sessions and reports page by cursor, as assets do
    for path in ("/sessions", "/reports"):
        op = doc["paths"][API + path]["get"]
        assert {p["name"] for p in op["parameters"]} >= {"limit", "cursor", "product_id"}
        page = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        assert set(schemas[page.rsplit("/", 1)[1]]["properties"]) == {"items", "next_cursor"}


def _solve(kind: str, challenge: dict, nonce: str, product) -> dict:
    if kind == "kem_receiver":
        return product.receive(challenge, nonce, confirm=True)
    if kind == "kem_sender":
        return product.send(challenge)
    if kind == "sig_vendor_signs":
        return product.sign(challenge)
    if kind == "sig_vendor_verifies":
        return product.verify_items(challenge)
    solve = mlkem_encap_decap_good if kind == "acvp_mlkem" else mldsa_good
    return _answer(challenge["vector_set"], solve)


def test_a_client_written_from_the_openapi_document_answers_every_kind(
    sqlite_vendors, product_cls, helpers
):
    v = sqlite_vendors()
    doc = v.client.get("/openapi.json").json()
    schemas = _schemas(doc)
    pid = v.product()
    product = product_cls()
    create = doc["paths"][f"{API}/sessions"]["post"]["requestBody"]["content"]["application/json"]
    challenge_of = schemas["SessionOut"]["properties"]["challenge"]["discriminator"]["mapping"]
    answer_op = doc["paths"][f"{API}/sessions/{{session_id}}/answer"]["post"]
    envelope_of = answer_op["requestBody"]["content"]["application/json"]["schema"]
    envelope_of = envelope_of["discriminator"]["mapping"]
    for kind, ref in sorted(create["schema"]["discriminator"]["mapping"].items()):
        request_schema = schemas[ref.rsplit("/", 1)[1]]
        props = request_schema["properties"]
        algorithm = "ML-KEM-768" if "kem" in kind else "ML-DSA-65"
        body: dict[str, Any] = {"product_id": pid, "algorithm": algorithm, "check": kind}
        if "enum" in props.get("mode", {}):
            body["mode"] = props["mode"]["enum"][-1]  # encapDecap / sigVer
            body["input"] = {"tests_per_group": 1}
        input_schema = schemas[_ref_name(props["input"])] if "input" in props else {}
        if "encapsulation_key" in input_schema.get("required", []):
            body["input"] = {"encapsulation_key": helpers["b64"](product.ek)}
        _validate(doc, ref.rsplit("/", 1)[1], body)
        resp = v.client.post(f"{API}/sessions", headers=v.headers, json=body)
        assert resp.status_code == 201, resp.text
        session = resp.json()
        challenge = session["challenge"]
        assert challenge["check"] == kind
        _validate(doc, challenge_of[kind].rsplit("/", 1)[1], challenge)
        assert challenge["answer_with"]

        answer = _solve(kind, challenge, session["nonce"], product)
        envelope = {"check": kind, "answer": answer}
        _validate(doc, envelope_of[kind].rsplit("/", 1)[1], envelope)
        resp = v.client.post(
            f"{API}/sessions/{session['id']}/answer", headers=v.headers, json=envelope
        )
        assert resp.status_code == 200, resp.text
        report = resp.json()
        _validate(doc, "SignedReport", report)
        assert report["report"]["summary"]["verdict"] == "pass", (kind, report["report"]["cases"])


def test_sigver_honours_tests_per_group_and_bad_requests_name_the_field(sqlite_vendors):
    v = sqlite_vendors()
    pid = v.product()
    one = v.open(pid, "ML-DSA-65", "acvp_mldsa", mode="sigVer")
    three = v.open(pid, "ML-DSA-65", "acvp_mldsa", mode="sigVer", tests_per_group=3)
    count = [len(s["challenge"]["vector_set"]["testGroups"][0]["tests"]) for s in (one, three)]
    assert count[0] >= 5 and count[0] % 5 == 0 and count[1] == 3 * count[0]  # 5 per signature

    for body, location in (
        (
            {"check": "acvp_mldsa", "mode": "sigVer", "input": {"tests_per_group": 4}},
            "$.input.tests_per_group",
        ),
        (
            {"check": "acvp_mlkem", "mode": "encapDecap", "input": {"tests_per_group": True}},
            "$.input.tests_per_group",
        ),
        ({"check": "acvp_mlkem", "mode": "sigVer"}, "$.mode"),
        ({"check": "acvp_mlkem"}, "$.mode"),
        ({"check": "kem_sender", "mode": "keyGen"}, "$.mode"),
        ({"check": "kem_receiver", "input": {}}, "$.input.encapsulation_key"),
        (
            {"check": "sig_vendor_signs", "input": {"tests_per_groups": 2}},
            "$.input.tests_per_groups",
        ),
        ({"check": "bogus"}, "$.check"),
        ({}, "$.check"),
    ):
        full = {"product_id": pid, "algorithm": "ML-DSA-65", **body}
        resp = v.client.post(f"{API}/sessions", headers=v.headers, json=full)
        assert resp.status_code == 422, (body, resp.text)
        assert resp.json()["location"] == location, (body, resp.json())
    resp = v.client.post(f"{API}/sessions", headers=v.headers, json=[1])
    assert resp.status_code == 422 and resp.json()["location"] == "$"
    listed = v.client.get(f"{API}/sessions", headers=v.headers).json()["items"]
    assert [s["id"] for s in listed] == [one["id"], three["id"]]  # nothing else was opened
    first = v.client.get(f"{API}/sessions?limit=1", headers=v.headers).json()
    assert [s["id"] for s in first["items"]] == [one["id"]] and first["next_cursor"] == one["id"]
    rest = v.client.get(f"{API}/sessions?limit=1&cursor={one['id']}", headers=v.headers).json()
    assert [s["id"] for s in rest["items"]] == [three["id"]]


def test_a_body_that_is_not_json_gets_415(sqlite_vendors):
    v = sqlite_vendors()
    pid = v.product()
    body = f'{{"product_id": {pid}, "algorithm": "ML-DSA-65", "check": "sig_vendor_signs"}}'
    for headers in ({"Content-Type": "text/plain"}, {}, {"Content-Type": "application/xml"}):
        resp = v.client.post(
            f"{API}/sessions", headers={**v.headers, **headers}, content=body.encode()
        )
        assert resp.status_code == 415, (headers, resp.text)
        assert "Content-Type: application/json" in resp.json()["detail"]
    s = v.open(pid, "ML-DSA-65", "sig_vendor_signs")
    resp = v.client.post(
        f"{API}/sessions/{s['id']}/answer",
        headers={**v.headers, "Content-Type": "application/x-www-form-urlencoded"},
        content=b"check=sig_vendor_signs",
    )
    assert resp.status_code == 415
    # the check kind in the answer must be the session's
    resp = v.client.post(
        f"{API}/sessions/{s['id']}/answer",
        headers=v.headers,
        json={"check": "kem_sender", "answer": {"items": {}}},
    )
    assert resp.status_code == 422 and resp.json()["location"] == "$.check"
