"""Vendor conformance sessions: typed request, challenge, answer and report shapes (OpenAPI).

One shape per check kind, so a vendor can answer sessions from ``/openapi.json`` alone:

- open a session with a :data:`SessionCreate` body (discriminated by ``check``);
- the session's ``challenge`` is a :data:`Challenge` (discriminated by ``check`` too);
- answer with the :data:`Answer` of the same check kind.

Byte strings are standard base64 in the interoperability checks and hex in the ACVP-shaped
ones (as ACVP writes them). The graders in ``testbed.conformance`` check lengths and encodings
again and name the JSON path of anything wrong.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    SkipValidation,
    StrictBool,
    TypeAdapter,
    ValidationError,
)

from core.errors import ONE_OF, InputError, pydantic_said
from core.field_limits import Int64, RowId
from testbed.conformance import acvp_mldsa, acvp_mlkem
from testbed.conformance.models import CheckKind

B64 = "standard base64 (padding required)"
CONFIRM_DESCRIPTION = (
    "HMAC-SHA256(key=output, msg='pqcplan-kem-confirm/2' || nonce), hex, where output is what "
    "the product's decapsulation returned (for a tampered ciphertext too: a product cannot "
    "tell which items are tampered, and need not) and nonce is the session's 'nonce' field "
    "hex-decoded (32 bytes)."
)
HEX = "hex (either case)"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    # newer testbeds may add fields; routes answer with exclude_unset, so an optional field
    # a challenge lacks stays absent instead of appearing as null
    model_config = ConfigDict(extra="allow")


# -- opening a session ----------------------------------------------------------------------


class _SessionBase(_In):
    product_id: RowId = Field(description="A product of your organization (POST /products).")
    algorithm: str = Field(
        min_length=1,
        max_length=120,
        description="An algorithm the product claims, any spelling the catalog knows "
        "(ML-KEM-768, mlkem768 ...).",
    )


class NoInput(_In):
    """This check takes no input."""


class KemReceiverInput(_In):
    # the testbed decodes it (and names a non-string, bad base64 or wrong length itself)
    encapsulation_key: SkipValidation[str] = Field(
        description=f"The product's encapsulation key, {B64}, of the algorithm's exact length; "
        "ML-KEM keys must pass the FIPS 203 modulus check."
    )


class KemReceiverSession(_SessionBase):
    """The vendor decapsulates: every engine encapsulates to the vendor's key."""

    check: Literal["kem_receiver"]
    mode: None = Field(default=None, description="Only ACVP sessions take a mode.")
    input: KemReceiverInput


class KemSenderSession(_SessionBase):
    """The vendor encapsulates to every engine's key (and refuses malformed keys)."""

    check: Literal["kem_sender"]
    mode: None = Field(default=None, description="Only ACVP sessions take a mode.")
    input: NoInput = Field(default_factory=NoInput)


class SigVendorSignsSession(_SessionBase):
    """The vendor signs the testbed's challenge message; every engine verifies."""

    check: Literal["sig_vendor_signs"]
    mode: None = Field(default=None, description="Only ACVP sessions take a mode.")
    input: NoInput = Field(default_factory=NoInput)


class SigVerifiesInput(_In):
    hash_ml_dsa: bool = Field(
        default=False,
        strict=True,
        description="ML-DSA only: the product verifies HashML-DSA too (FIPS 204 Algorithm 5); "
        "items with interface 'hash' are added.",
    )
    external_mu: bool = Field(
        default=False,
        strict=True,
        description="ML-DSA only: the product verifies over an external mu; items with "
        "interface 'external_mu' are added.",
    )


class SigVendorVerifiesSession(_SessionBase):
    """The vendor verifies good and bad signatures made by every engine (and, for ML-DSA, by
    OpenSSL under contexts, HashML-DSA and external mu)."""

    check: Literal["sig_vendor_verifies"]
    mode: None = Field(default=None, description="Only ACVP sessions take a mode.")
    input: SigVerifiesInput = Field(default_factory=SigVerifiesInput)


class AcvpMlkemInput(_In):
    tests_per_group: int | None = Field(
        default=None,
        ge=1,
        le=acvp_mlkem.MAX_TESTS,
        strict=True,
        description=f"1 to {acvp_mlkem.MAX_TESTS} (default {acvp_mlkem.DEFAULT_TESTS}): keyGen "
        "seeds; encapDecap encapsulations and modified ciphertexts.",
    )


class AcvpMlkemSession(_SessionBase):
    """NIST ACVP-shaped ML-KEM (FIPS 203) vectors for ML-KEM-512/768/1024.

    Modes: ``keyGen`` (d, z -> ek, dk) and ``encapDecap`` (four groups: encapsulation
    ek, m -> c, k; decapsulation c -> k, valid and modified ciphertexts; encapsulation key
    check and decapsulation key check -> testPassed).
    """

    check: Literal["acvp_mlkem"]
    mode: Literal["keyGen", "encapDecap"]
    input: AcvpMlkemInput = Field(default_factory=AcvpMlkemInput)


class AcvpMldsaInput(_In):
    tests_per_group: int | None = Field(
        default=None,
        ge=1,
        le=acvp_mldsa.MAX_TESTS,
        strict=True,
        description=f"1 to {acvp_mldsa.MAX_TESTS}; keyGen: seeds (default "
        f"{acvp_mldsa.DEFAULT_TESTS['keyGen']}); sigGen: tests in each group (default "
        f"{acvp_mldsa.DEFAULT_TESTS['sigGen']}); sigVer: valid signatures per group (and per "
        "engine in the external pure group), each with four modified variants (default "
        f"{acvp_mldsa.DEFAULT_TESTS['sigVer']}).",
    )
    # the capabilities, spelled as an ACVP registration spells them
    signatureInterfaces: list[Literal["internal", "external"]] | None = Field(
        default=None,
        min_length=1,
        description="sigGen / sigVer: the signature interfaces to test (default both).",
    )
    preHash: list[Literal["pure", "preHash"]] | None = Field(
        default=None,
        min_length=1,
        description="External interface: pure ML-DSA and/or HashML-DSA (default both).",
    )
    externalMu: list[StrictBool] | None = Field(
        default=None,
        min_length=1,
        description="Internal interface: mu computed inside and/or outside (default both).",
    )
    deterministic: list[StrictBool] | None = Field(
        default=None,
        min_length=1,
        description="sigGen only: deterministic and/or hedged signing (default both).",
    )


class AcvpMldsaSession(_SessionBase):
    """NIST ACVP-shaped ML-DSA (FIPS 204) vectors for ML-DSA-44/65/87.

    Modes: ``keyGen`` (seed -> pk, sk), ``sigGen`` (sk, message, context [, rnd] ->
    signature; external interface, pure) and ``sigVer`` (pk, message, context, signature ->
    testPassed).
    """

    check: Literal["acvp_mldsa"]
    mode: Literal["keyGen", "sigGen", "sigVer"]
    input: AcvpMldsaInput = Field(default_factory=AcvpMldsaInput)


SessionRequest = (
    KemReceiverSession
    | KemSenderSession
    | SigVendorSignsSession
    | SigVendorVerifiesSession
    | AcvpMlkemSession
    | AcvpMldsaSession
)
SessionCreate = Annotated[SessionRequest, Discriminator("check")]
_SESSION: TypeAdapter[SessionRequest] = TypeAdapter(SessionCreate)
CHECKS = ("kem_receiver", "kem_sender", "sig_vendor_signs", "sig_vendor_verifies")
CHECKS += ("acvp_mlkem", "acvp_mldsa")


def parse_session(body: Any) -> SessionRequest:
    """The request validated against its check kind's shape; 422 naming the JSON path."""
    parsed: SessionRequest = _validated(_SESSION, body)
    return parsed


# -- challenges (what the session sends) ------------------------------------------------------


class KemReceiverItem(_Out):
    id: str = Field(
        description="Random item id (16 digits); items come in random order, and neither "
        "says which ones are negative tests."
    )
    engine: str | None = Field(description="The engine whose output the item is made from.")
    ciphertext: str = Field(description=B64)


class KemReceiverHint(_Out):
    items: str | None = None
    confirmation: str | None = Field(
        default=None,
        description=CONFIRM_DESCRIPTION,
    )
    nonce: str | None = None
    copies: str | None = None
    tampered: str | None = None


class KemReceiverChallenge(_Out):
    """Decapsulate each ciphertext; reject wrong lengths; implicit rejection for tampered ones."""

    check: Literal["kem_receiver"]
    encapsulation_key_sha256: str
    items: list[KemReceiverItem]
    answer_with: KemReceiverHint


class KemSenderItem(_Out):
    id: str
    engine: str | None
    encapsulation_key: str = Field(description=B64)


class ItemsHint(_Out):
    items: str | None = None


class KemSenderChallenge(_Out):
    """Encapsulate to each key; refuse the malformed ones (nothing but the key tells which)."""

    check: Literal["kem_sender"]
    items: list[KemSenderItem]
    answer_with: ItemsHint


class SignHint(_Out):
    public_key: str | None = None
    signature: str | None = None
    context_signature: str | None = None


class SigVendorSignsChallenge(_Out):
    """Sign ``message`` (pure, empty context) and, for ML-DSA, again under ``context``."""

    check: Literal["sig_vendor_signs"]
    message: str = Field(description=B64)
    context: str = Field(
        description=f"{B64}: for ML-DSA a random context of 1 to 255 bytes to sign the message "
        "under as well ('context_signature'); empty for other algorithms."
    )
    answer_with: SignHint


class SigVerifyItem(_Out):
    id: str
    interface: Literal["pure", "hash", "external_mu"] = Field(
        description="'pure': verify message under context; 'hash': HashML-DSA (FIPS 204 "
        "Algorithm 5) with pre_hash and context; 'external_mu': verify the signature over mu."
    )
    public_key: str = Field(description=B64)
    message: str | None = Field(default=None, description=f"{B64}; absent for external_mu.")
    context: str = Field(description=f"{B64}; may be empty (0 to 255 bytes).")
    pre_hash: (
        Literal[
            "SHA2-224",
            "SHA2-256",
            "SHA2-384",
            "SHA2-512",
            "SHA2-512/224",
            "SHA2-512/256",
            "SHA3-224",
            "SHA3-256",
            "SHA3-384",
            "SHA3-512",
            "SHAKE-128",
            "SHAKE-256",
        ]
        | None
    ) = Field(default=None, description="interface 'hash': the pre-hash function (ACVP name).")
    mu: str | None = Field(default=None, description=f"interface 'external_mu': 64 bytes, {B64}.")
    signature: str = Field(description=B64)


class SigVendorVerifiesChallenge(_Out):
    """Verify each item as its ``interface`` says: 'accept' or 'reject'."""

    check: Literal["sig_vendor_verifies"]
    items: list[SigVerifyItem]
    covers: list[str] = Field(
        description="What the items cover (contexts, HashML-DSA, external mu), in words."
    )
    answer_with: ItemsHint


class AcvpTest(_Out):
    """One prompt; which of the fields appear depends on the mode and group function."""

    tcId: int
    d: str | None = Field(default=None, description=HEX)
    z: str | None = Field(default=None, description=HEX)
    seed: str | None = Field(default=None, description=HEX)
    ek: str | None = Field(default=None, description=HEX)
    dk: str | None = Field(default=None, description=HEX)
    m: str | None = Field(default=None, description=HEX)
    c: str | None = Field(default=None, description=HEX)
    pk: str | None = Field(default=None, description=HEX)
    sk: str | None = Field(default=None, description=HEX)
    message: str | None = Field(default=None, description=HEX)
    context: str | None = Field(default=None, description=HEX)
    rnd: str | None = Field(default=None, description=HEX)
    signature: str | None = Field(default=None, description=HEX)


class AcvpGroup(_Out):
    tgId: int
    testType: str
    parameterSet: str
    function: str | None = Field(default=None, description="encapDecap groups only.")
    ek: str | None = Field(default=None, description="decapsulation group: its key, hex.")
    dk: str | None = Field(default=None, description="decapsulation group: its key, hex.")
    deterministic: bool | None = None
    tests: list[AcvpTest]


class AcvpVectorSet(_Out):
    vsId: int = Field(description="The session id; echo it in the answer.")
    algorithm: Literal["ML-KEM", "ML-DSA"]
    mode: str
    revision: str
    isSample: bool
    testGroups: list[AcvpGroup]


class AcvpHint(_Out):
    vsId: str | None = None
    testGroups: str | None = None
    results: dict[str, str] | None = Field(
        default=None, description="Result fields per mode or group function."
    )


class AcvpMlkemChallenge(_Out):
    """An ACVP prompt; answer every test with the result fields of ``answer_with.results``."""

    check: Literal["acvp_mlkem"]
    vector_set: AcvpVectorSet
    answer_with: AcvpHint | None = None


class AcvpMldsaChallenge(_Out):
    """An ACVP prompt; answer every test with the result fields of ``answer_with.results``."""

    check: Literal["acvp_mldsa"]
    vector_set: AcvpVectorSet
    answer_with: AcvpHint | None = None


Challenge = Annotated[
    KemReceiverChallenge
    | KemSenderChallenge
    | SigVendorSignsChallenge
    | SigVendorVerifiesChallenge
    | AcvpMlkemChallenge
    | AcvpMldsaChallenge,
    Discriminator("check"),
]


# -- answers ----------------------------------------------------------------------------------


class SharedSecret(_In):
    shared_secret: str = Field(description=f"The decapsulated secret, {B64}.")


class Confirmation(_In):
    confirmation: str = Field(
        min_length=64,
        max_length=64,
        description=CONFIRM_DESCRIPTION,
    )


class Rejected(_In):
    rejected: Literal[True]


class KemReceiverAnswer(_In):
    """Answer of a ``kem_receiver`` session: one entry per challenge item id."""

    items: dict[str, SharedSecret | Confirmation | Rejected]


class Encapsulated(_In):
    ciphertext: str = Field(description=B64)
    shared_secret: str = Field(description=B64)


class KemSenderAnswer(_In):
    """Answer of a ``kem_sender`` session: one entry per challenge item id."""

    items: dict[str, Encapsulated | Rejected]


class SigVendorSignsAnswer(_In):
    """Answer of a ``sig_vendor_signs`` session."""

    public_key: str = Field(description=B64)
    signature: str = Field(description=f"{B64}; pure ML-DSA / SLH-DSA ..., empty context.")
    context_signature: str | None = Field(
        default=None,
        description=f"{B64}; ML-DSA only, and required there: the message signed under the "
        "challenge's context.",
    )


class SigVendorVerifiesAnswer(_In):
    """Answer of a ``sig_vendor_verifies`` session: one verdict per challenge item id."""

    items: dict[str, Literal["accept", "reject"]]


class AcvpMlkemKeyGenResult(_In):
    """keyGen: the key pair derived from d and z."""

    tcId: Int64
    ek: str = Field(description=HEX)
    dk: str = Field(description=HEX)


class AcvpMlkemEncapsulationResult(_In):
    """encapDecap, group function ``encapsulation``: c and k from ek and m."""

    tcId: Int64
    c: str = Field(description=HEX)
    k: str = Field(description=HEX)


class AcvpMlkemDecapsulationResult(_In):
    """encapDecap, group function ``decapsulation``: k (implicit rejection for a modified c)."""

    tcId: Int64
    k: str = Field(description=HEX)


class AcvpKeyCheckResult(_In):
    """encapDecap, ``encapsulationKeyCheck`` / ``decapsulationKeyCheck``; ML-DSA ``sigVer``."""

    tcId: Int64
    testPassed: StrictBool


class AcvpMldsaKeyGenResult(_In):
    """keyGen: the key pair derived from the seed."""

    tcId: Int64
    pk: str = Field(description=HEX)
    sk: str = Field(description=HEX)


class AcvpMldsaSigGenResult(_In):
    """sigGen: the signature over the group's interface."""

    tcId: Int64
    signature: str = Field(description=HEX)


class AcvpMlkemGroupResult(_In):
    tgId: Int64
    tests: list[
        AcvpMlkemKeyGenResult
        | AcvpMlkemEncapsulationResult
        | AcvpMlkemDecapsulationResult
        | AcvpKeyCheckResult
    ] = Field(description="Each test's result fields, as the group's mode or function asks.")


class AcvpMldsaGroupResult(_In):
    tgId: Int64
    tests: list[AcvpMldsaKeyGenResult | AcvpMldsaSigGenResult | AcvpKeyCheckResult] = Field(
        description="Each test's result fields, as the session's mode asks."
    )


class AcvpMlkemAnswer(_In):
    """Answer of an ``acvp_mlkem`` session, as ACVP clients write it."""

    vsId: Int64 | None = Field(default=None, description="If given, the session's vsId.")
    testGroups: list[AcvpMlkemGroupResult]


class AcvpMldsaAnswer(_In):
    """Answer of an ``acvp_mldsa`` session, as ACVP clients write it."""

    vsId: Int64 | None = Field(default=None, description="If given, the session's vsId.")
    testGroups: list[AcvpMldsaGroupResult]


# -- sessions and reports ---------------------------------------------------------------------


class _AnswerIn(BaseModel):
    """``check`` is the session's check kind; ``answer`` is graded by that check, which names
    the JSON path of anything wrong."""

    model_config = ConfigDict(extra="forbid")


class KemReceiverAnswerIn(_AnswerIn):
    check: Literal["kem_receiver"]
    answer: SkipValidation[KemReceiverAnswer]


class KemSenderAnswerIn(_AnswerIn):
    check: Literal["kem_sender"]
    answer: SkipValidation[KemSenderAnswer]


class SigVendorSignsAnswerIn(_AnswerIn):
    check: Literal["sig_vendor_signs"]
    answer: SkipValidation[SigVendorSignsAnswer]


class SigVendorVerifiesAnswerIn(_AnswerIn):
    check: Literal["sig_vendor_verifies"]
    answer: SkipValidation[SigVendorVerifiesAnswer]


class AcvpMlkemAnswerIn(_AnswerIn):
    check: Literal["acvp_mlkem"]
    answer: SkipValidation[AcvpMlkemAnswer]


class AcvpMldsaAnswerIn(_AnswerIn):
    check: Literal["acvp_mldsa"]
    answer: SkipValidation[AcvpMldsaAnswer]


AnswerRequest = (
    KemReceiverAnswerIn
    | KemSenderAnswerIn
    | SigVendorSignsAnswerIn
    | SigVendorVerifiesAnswerIn
    | AcvpMlkemAnswerIn
    | AcvpMldsaAnswerIn
)
#: POST /sessions/{id}/answer: ``check`` (the session's check kind) selects the answer's shape
AnswerIn = Annotated[AnswerRequest, Discriminator("check")]
_ANSWER: TypeAdapter[AnswerRequest] = TypeAdapter(AnswerIn)


def _validated(adapter: TypeAdapter[Any], body: Any) -> Any:
    """``body`` validated by a union discriminated by ``check``; 422 naming the JSON path."""
    try:
        return adapter.validate_python(body)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        loc = [str(p) for p in err["loc"]]
        if loc and loc[0] in CHECKS:  # the union's tag, not a field
            loc = loc[1:]
        if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
            raise InputError(ONE_OF, "$.check", choices=list(CHECKS)) from None
        path = "$" + "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in loc)
        raise InputError(pydantic_said(err), path) from None


def parse_answer(body: Any) -> AnswerRequest:
    """The answer request validated against its ``check``'s envelope."""
    parsed: AnswerRequest = _validated(_ANSWER, body)
    return parsed


SessionStateOut = Literal["open", "finished", "expired"]
Verdict = Literal["pass", "fail"]


class SessionOut(BaseModel):
    id: int
    organization_id: int
    product_id: int
    algorithm: str
    check: CheckKind
    mode: Literal["keyGen", "encapDecap", "sigGen", "sigVer"] | None = Field(
        description="ACVP sessions only."
    )
    state: SessionStateOut = Field(description="'expired': open past expires_at.")
    nonce: str = Field(description="32 bytes, hex; key confirmations use it.")
    engines: list[str]
    verdict: Verdict | None
    created_at: datetime
    expires_at: datetime
    answered_at: datetime | None
    challenge: Challenge = Field(
        description="What to answer; its 'check' selects the shape, 'answer_with' says how."
    )


class ReportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    session_id: int
    product_id: int
    algorithm: str
    check: CheckKind
    verdict: Verdict
    key_id: str
    created_at: datetime


class ReportCase(BaseModel):
    id: str = Field(description="The item id (interoperability) or 'tg<N>/tc<M>' (ACVP).")
    check: str = Field(description="What was checked, e.g. 'kem-receiver/implicit-rejection'.")
    engine: str | None = Field(description="The engine the item came from, if one.")
    verdict: Verdict
    detail: str = Field(description="Why, in words; a pass says what could not be verified.")


class ReportSummary(BaseModel):
    cases: Int64
    passed: Int64
    failed: Int64
    verdict: Verdict = Field(description="'pass' only if there are cases and none failed.")


class ReportTimings(BaseModel):
    session_created_at: str
    answered_at: str
    prepare_ms: Int64
    vendor_ms: Int64
    grade_ms: Int64


class ReportStanding(BaseModel):
    """kem_receiver only: conformant, or interoperable only, and why."""

    level: Literal["conformant", "interoperable", "failed"]
    basis: str
    acvp_session_id: RowId | None = Field(
        description="The passed ACVP encapDecap session a 'conformant' level rests on."
    )


class ReportVendor(BaseModel):
    organization_id: RowId
    name: str | None


class ReportProduct(BaseModel):
    id: RowId
    name: str | None
    version: str | None


class ReportEngine(BaseModel):
    name: str
    version: str | None


class ReportBody(BaseModel):
    """What the testbed signs. Its canonical JSON (keys sorted, separators ',' and ':', UTF-8
    with non-ASCII kept, no floats) is the exact byte string the signature covers, and the
    routes serve the whole report in that form. It is also the body POST /reports/verify
    documents, so its integers carry the bounds of what the testbed writes."""

    format: Literal["pqcplan-vendor-report/1"]
    session_id: RowId
    issued_at: str
    vendor: ReportVendor
    product: ReportProduct
    algorithm: str
    check: CheckKind
    mode: str | None
    engines: list[ReportEngine]
    reference: dict[str, Any] = Field(
        description="Which implementations computed and cross-checked the expected answers."
    )
    cases: list[ReportCase]
    summary: ReportSummary
    timings: ReportTimings
    standing: ReportStanding | None = Field(default=None, description="kem_receiver only.")


class ReportSignature(BaseModel):
    algorithm: Literal["ML-DSA-65"]
    key_id: str = Field(description="First 32 hex digits of SHA-256 of the public key.")
    public_key: str = Field(description=B64)
    value: str = Field(description=f"The signature over the canonical JSON of 'report', {B64}.")


class SignedReport(BaseModel):
    """A session's report as signed by the testbed; served as canonical JSON (see
    GET /report-key and POST /reports/verify to check it)."""

    report: ReportBody
    signature: ReportSignature


class ReportVerification(BaseModel):
    """Whether an uploaded report is, byte for byte, one this testbed's key signed."""

    valid: bool
    problem: str | None = Field(
        description="What is wrong, when not valid: a changed report, another key, a member "
        "outside the signed report, a duplicate key, non-canonical encoding ..."
    )
    key_id: str | None = Field(description="The testbed's key id (None before its first report).")
    verified_with: list[str] | None = Field(
        default=None, description="The engines that verified the signature (valid only)."
    )
    session_id: int | None = None
    algorithm: str | None = None
    check: str | None = None
    verdict: Literal["pass", "fail"] | None = Field(
        default=None, description="The report's verdict; given only when valid."
    )


class ReportKeyOut(BaseModel):
    """The testbed's public report-signing key."""

    algorithm: str
    key_id: str
    public_key: str = Field(description=B64)
    created_at: datetime
    report_format: str
    canonicalization: str
