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

from core.errors import InputError
from core.field_limits import Int64, RowId
from testbed.conformance import acvp_mldsa, acvp_mlkem
from testbed.conformance.models import CheckKind

B64 = "standard base64 (padding required)"
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


class SigVendorVerifiesSession(_SessionBase):
    """The vendor verifies good and bad signatures made by every engine."""

    check: Literal["sig_vendor_verifies"]
    mode: None = Field(default=None, description="Only ACVP sessions take a mode.")
    input: NoInput = Field(default_factory=NoInput)


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
        f"{acvp_mldsa.DEFAULT_TESTS['keyGen']}); sigGen: tests in each of the deterministic and "
        f"hedged groups (default {acvp_mldsa.DEFAULT_TESTS['sigGen']}); sigVer: signatures per "
        "engine, each with four modified variants (default "
        f"{acvp_mldsa.DEFAULT_TESTS['sigVer']}).",
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
    try:
        parsed: SessionRequest = _SESSION.validate_python(body)
        return parsed
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        loc = [str(p) for p in err["loc"]]
        if loc and loc[0] in CHECKS:  # the union's tag, not a field
            loc = loc[1:]
        if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
            loc = ["check"]
            err["msg"] = f"must be one of {list(CHECKS)}"
        path = "$" + "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in loc)
        raise InputError(err["msg"], path) from None


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
        description="HMAC-SHA256(key=shared_secret, msg='pqcplan-kem-confirm/1' || nonce || "
        "item id (UTF-8) || ciphertext), hex; nonce = the session's 'nonce' hex-decoded.",
    )
    nonce: str | None = None
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


class SigVendorSignsChallenge(_Out):
    """Sign ``message`` (pure mode, empty context) and give the public key."""

    check: Literal["sig_vendor_signs"]
    message: str = Field(description=B64)
    context: str = Field(description="Always empty: pure signing without context.")
    answer_with: SignHint


class SigVerifyItem(_Out):
    id: str
    public_key: str = Field(description=B64)
    message: str = Field(description=B64)
    signature: str = Field(description=B64)


class SigVendorVerifiesChallenge(_Out):
    """Verify each item (pure mode, empty context): 'accept' or 'reject'."""

    check: Literal["sig_vendor_verifies"]
    items: list[SigVerifyItem]
    context: str
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
        description="HMAC-SHA256(key=shared_secret, msg='pqcplan-kem-confirm/1' || nonce || "
        "item id (UTF-8) || ciphertext), hex, where nonce is the session's 'nonce' field "
        "hex-decoded (32 bytes). Not accepted for tampered ML-KEM ciphertexts (answer those "
        "with shared_secret: FIPS 203 implicit rejection is checked on them).",
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


class SigVendorVerifiesAnswer(_In):
    """Answer of a ``sig_vendor_verifies`` session: one verdict per challenge item id."""

    items: dict[str, Literal["accept", "reject"]]


class AcvpTestResult(_In):
    """The result fields the group's function asks for (see the challenge's answer_with)."""

    tcId: Int64
    ek: str | None = Field(default=None, description=HEX)
    dk: str | None = Field(default=None, description=HEX)
    c: str | None = Field(default=None, description=HEX)
    k: str | None = Field(default=None, description=HEX)
    pk: str | None = Field(default=None, description=HEX)
    sk: str | None = Field(default=None, description=HEX)
    signature: str | None = Field(default=None, description=HEX)
    testPassed: StrictBool | None = None


class AcvpGroupResult(_In):
    tgId: Int64
    tests: list[AcvpTestResult]


class AcvpAnswer(_In):
    """Answer of an ``acvp_mlkem`` or ``acvp_mldsa`` session, as ACVP clients write it."""

    vsId: Int64 | None = Field(default=None, description="If given, the session's vsId.")
    testGroups: list[AcvpGroupResult]


Answer = (
    KemReceiverAnswer
    | KemSenderAnswer
    | SigVendorSignsAnswer
    | SigVendorVerifiesAnswer
    | AcvpAnswer
)


# -- sessions and reports ---------------------------------------------------------------------


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answer: Annotated[
        SkipValidation[Answer],  # graded by the session's check, which names the bad JSON path
        Field(description="The answer shape of the session's check kind."),
    ]


class SessionOut(BaseModel):
    id: int
    organization_id: int
    product_id: int
    algorithm: str
    check: CheckKind
    mode: str | None
    state: str
    nonce: str
    engines: list[str]
    verdict: str | None
    created_at: datetime
    expires_at: datetime
    answered_at: datetime | None
    challenge: Challenge = Field(
        description="What to answer; its 'check' selects the shape, 'answer_with' says how."
    )


class ReportOut(BaseModel):
    id: int
    session_id: int
    product_id: int
    algorithm: str
    check: str
    verdict: str
    key_id: str
    created_at: datetime


class ReportSignature(BaseModel):
    algorithm: str = Field(description="ML-DSA-65.")
    key_id: str = Field(description="First 32 hex digits of SHA-256 of the public key.")
    public_key: str = Field(description=B64)
    value: str = Field(description=f"The signature over the canonical JSON of 'report', {B64}.")


class SignedReport(BaseModel):
    """A session's report as signed by the testbed (see GET /report-key to verify it)."""

    report: dict[str, Any] = Field(
        description="Format, product, algorithm, check, engines, cases and their verdicts, "
        "summary, timings (integers, ms) and date; signed byte for byte as sent."
    )
    signature: ReportSignature


class ReportKeyOut(BaseModel):
    """The testbed's public report-signing key."""

    algorithm: str
    key_id: str
    public_key: str = Field(description=B64)
    created_at: datetime
    report_format: str
    canonicalization: str
