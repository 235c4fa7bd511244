"""The words of a graded case: every detail a conformance grader writes into a case, every
reason an ACVP generator gives a test, and the receiver's standing are made from these
templates, and read back by the same templates to show a signed report in the reader's
language (`translate`).

The signed report keeps the English sentences (its bytes and signature never change); the
console parses each one against the templates (`core.i18n.Sentences`), keeps identifiers
(algorithms, engines, item ids, ACVP field names, hex) as they are, translates the nested
sentences by these same rules and formats the template's translation. A sentence no
template makes (an engine's own error, a report from an older wording) is shown as written.

>>> print(translate("refused the malformed key", "ko"))
형식이 잘못된 키를 거부함
>>> print(translate("openssl decapsulates a different secret", "ko"))
openssl에서 역캡슐화한 비밀값이 다름
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from core.i18n import N_, Sentences, gettext_for, templates_in

# --- kem_sender: the product encapsulates to the testbed's keys ----------------------------
REFUSED_MALFORMED = N_("refused the malformed key")
ENCAPSULATED_MALFORMED = N_("encapsulated to a malformed key")
REFUSED_VALID = N_("refused a valid key")
DECAPSULATES_OTHER = N_("{engine} decapsulates a different secret")
DECAPSULATES_SAME = N_("{engine} decapsulates the same secret; {passed}")
SAME_CIPHERTEXT = N_("the same ciphertext as item {item}: encapsulation is not randomized")
SAME_SHARED_SECRET = N_("the same shared secret as item {item}: encapsulation is not randomized")
FIXED_MESSAGE = N_("predictable: the encapsulation with the fixed message m = {name}")
FIXED_EPHEMERAL = N_("predictable: the X25519 ephemeral key is the fixed private key {name}")
UNLIKE_NOT_CHECKED = N_(
    "unlike every other encapsulation of the session; no derandomized {alg} encapsulation "
    "here, so fixed messages m were not checked"
)
UNLIKE_CHECKED = N_(
    "unlike every other encapsulation of the session, and unlike {mlkem} encapsulation with "
    "any of {count} fixed messages m"
)

# --- kem_receiver: the product decapsulates the testbed's ciphertexts ----------------------
REJECTED = N_("rejected")
BAD_LENGTH_ACCEPTED = N_("a ciphertext of {size} bytes was accepted")
EXPLICIT_OK = N_("explicit rejection, as {alg} specifies (both copies)")
EXPLICIT_MISSING = N_(
    "{alg} rejects explicitly: a tampered ciphertext must be reported as failure "
    "('rejected'), for both copies"
)
VALID_REJECTED = N_("a valid ciphertext was rejected")
MATCHES = N_("{how} matches {engine}")
DIFFERS = N_("{how} differs from {engine}'s")
IMPLICIT_SIGNALLED = N_(
    "{alg} rejects implicitly: decapsulation must return a pseudo-random secret, not signal "
    "failure ({source})"
)
NOT_DETERMINISTIC = N_(
    "not deterministic: the same tampered ciphertext (also item {item}) gave another answer "
    "(fresh random bytes?)"
)
SENDERS_SECRET = N_("returned the sender's secret for a tampered ciphertext")
CLASSICAL_DIFFERS = N_(
    "the classical part differs from the sender's (only the post-quantum ciphertext was "
    "tampered with)"
)
CONSTANT = N_("returned a constant secret (every byte 0x{byte})")
SAME_AS_OTHER = N_("returned the same secret as item {item}, another ciphertext")
CIPHERTEXT_BYTES = N_("returned bytes of the ciphertext itself")
PUBLIC_VALUE = N_("returned a value computable from public data: {name}")
IMPLICIT_PASSED = N_(
    "implicit rejection: the same secret for both copies, not the sender's secret, not a "
    "constant, unlike every other ciphertext's, {public}; {unverifiable}"
)
IMPLICIT_PASSED_CONFIRMATION = N_(
    "implicit rejection: the same secret for both copies, not the sender's secret, not a "
    "constant, unlike every other ciphertext's, {public}; {unverifiable}; in confirmation "
    "mode the classical part is not checked on its own"
)
PUBLIC_CHECKED = N_("none of {count} functions of public data")
PUBLIC_NOT_CHECKED = N_("functions of public data not checked (the key is too large to keep)")
UNVERIFIABLE_MLKEM = N_(
    "not verifiable without the decapsulation key: that the value is J(z || c) with the "
    "product's secret z (a keyed or memoized value of its own would pass here); ACVP "
    "encapDecap for {alg} on testbed-given keys checks that"
)
UNVERIFIABLE_OTHER = N_(
    "not verifiable without the decapsulation key: that the value is {alg}'s own keyed "
    "rejection value (no ACVP vectors exist for it here)"
)

# --- the receiver's standing (service.standing) --------------------------------------------
STANDING_FAILED = N_("the receiver check failed")
STANDING_NO_VECTORS = N_(
    "interoperable only: no ACVP vectors exist for {alg} here, and implicit rejection's "
    "value cannot be checked without the decapsulation key"
)
STANDING_NEEDS_ACVP = N_(
    "interoperable only: implicit rejection's value cannot be checked without the "
    "decapsulation key; pass ACVP encapDecap for {alg} (check acvp_mlkem, mode encapDecap) "
    "first for a conformant verdict"
)
STANDING_CONFORMANT = N_(
    "this check passed, and ACVP encapDecap session {session} ({alg}) passed on testbed-given keys"
)

# --- sig_checks: the product signs, the product verifies -----------------------------------
SIGNATURE_VERIFIES = N_("signature verifies")
SIGNATURE_FAILS = N_("signature does not verify")
PUBLIC_KEY_REJECTED = N_("public key rejected: {error}")
CONTEXT_VERIFIES = N_("verifies under the {size}-byte context (OpenSSL, {judge})")
CONTEXT_FAILS = N_("does not verify under the {size}-byte context")
VERIFIED = {
    ("accept", True): N_("{what} signature: accepted"),
    ("reject", True): N_("{what} signature: rejected"),
    ("accept", False): N_("{what} signature: accepted, expected reject"),
    ("reject", False): N_("{what} signature: rejected, expected accept"),
}
#: the kinds of signature a product is asked to verify (`sig-vendor-verifies/<kind>`)
SIGNATURE_KINDS = {
    "good": N_("valid"),
    "bit-flip": N_("one bit flipped"),
    "truncated": N_("truncated"),
    "other-message": N_("made over another message"),
    "context": N_("with a context"),
    "context-255": N_("with a 255-byte context"),
    "wrong-context": N_("with a wrong context"),
    "context-dropped": N_("context dropped"),
    "context-added": N_("context added"),
    "external-mu": N_("external mu"),
    "external-mu-other": N_("external mu of another message"),
    "hash": N_("HashML-DSA"),
    "hash-other-function": N_("HashML-DSA with another hash function"),
    "hash-as-pure": N_("HashML-DSA verified as pure"),
    "pure-as-hash": N_("pure verified as HashML-DSA"),
}

# --- ACVP: a test's reason and what its answer got wrong -----------------------------------
NO_ANSWER = N_("no answer ({reason})")
WRONG = N_("{reason}: {wrong}")
FIELD_IS = N_("{field} is {got}, expected {want}")
FIELD_DIFFERS = N_("{field} differs")
KEY_GENERATION = N_("key generation from seed")
DETERMINISTIC = N_("deterministic signature ({interface})")
GIVEN_RND = N_("signature with given rnd ({interface})")
VALID_SIGNATURE = N_("valid signature ({engine})")
VALID_SIGNATURE_VIA = N_("valid signature ({engine}, {interface})")
MODIFIED_COMMITMENT = N_("modified signature - commitment")
MODIFIED_Z = N_("modified signature - z")
MODIFIED_HINT = N_("modified signature - hint")
MODIFIED_MESSAGE = N_("modified message")
MODIFIED_MU = N_("modified mu")
VALID_ENCAPSULATION = N_("valid encapsulation")
VALID_DECAPSULATION = N_("valid decapsulation ({engine} ciphertext)")
MODIFIED_CIPHERTEXT = N_("modified ciphertext (implicit rejection)")
VALID_EK = N_("valid encapsulation key")
MODULUS_FAILS = N_("modulus check fails")
VALID_DK = N_("valid decapsulation key")
HASH_CHECK_FAILS = N_("hash check fails")
INTERFACES = (
    N_("internal interface, external mu"),
    N_("internal interface"),
    N_("external interface, HashML-DSA"),
    N_("external interface, pure"),
)

#: words a field may hold that are translated too (answer members, booleans)
WORDS = {
    "shared_secret": N_("shared secret"),
    "confirmation": N_("confirmation value"),
    "true": N_("true"),
    "false": N_("false"),
}
#: fields that hold a sentence of their own (made by these templates)
NESTED = ("passed", "public", "unverifiable", "reason")
#: fields quoted as written (a standard's citation, an engine's own error)
VERBATIM = ("source", "error")

_TEMPLATES = templates_in(globals()) + list(VERIFIED.values())
_PATTERNS = {
    "how": "shared_secret|confirmation",
    "got": "true|false",
    "want": "true|false",
    "interface": "|".join(INTERFACES),
    "field": r"\w+",
    "size": r"\d+",
    "count": r"\d+",
    "byte": "[0-9a-f]{2}",
    "item": r"\S+",
    "engine": r"[^\s(),;:]+",
}


@lru_cache(maxsize=1)
def sentences() -> Sentences:
    return Sentences(_TEMPLATES, _PATTERNS)


def translate(text: str, lang: str | None) -> str:
    """A case's detail (or a standing's basis) in `lang`; as written when no template made
    it. Identifiers stay as they are.

    >>> print(translate("ML-KEM-768 rejects explicitly: nonsense", "ko"))
    ML-KEM-768 rejects explicitly: nonsense
    """
    if lang in (None, "en") or not text:
        return text
    shown = _translate(text, gettext_for(lang), str, str, str, 0)
    return text if shown is None else str(shown)


def translate_with(
    text: str,
    lang: str,
    verbatim: Callable[[str], str],
    keep: Callable[[str], str],
    template: Callable[[str], str],
) -> str | None:
    """`translate` for a page: `verbatim` marks a citation or an engine's error quoted in a
    translated sentence, `keep` an identifier (algorithm, engine, item id, ACVP field),
    `template` makes a translated template safe to format (Markup); None when no template
    made `text`."""
    return _translate(text, gettext_for(lang), verbatim, keep, template, 0)


def _translate(
    text: str,
    _: Callable[[str], str],
    verbatim: Callable[[str], str],
    keep: Callable[[str], str],
    template: Callable[[str], str],
    depth: int,
) -> str | None:
    """`text` in the language of `_`, or None when no template made it (nor the sentences
    its nested fields hold)."""
    found = sentences().parse(text) if depth < 4 else None
    if found is None:
        return None
    made, fields = found
    shown: dict[str, str] = {}
    for name, value in fields.items():
        if name in NESTED or name == "wrong":
            pieces = value.split("; ") if name == "wrong" else [value]
            said = [_translate(p, _, verbatim, keep, template, depth + 1) for p in pieces]
            if any(s is None for s in said):
                return None
            shown[name] = template("; ").join(said)  # type: ignore[arg-type]
        elif name in VERBATIM:
            shown[name] = verbatim(value)
        elif name == "what":
            shown[name] = _(SIGNATURE_KINDS[value]) if value in SIGNATURE_KINDS else value
        elif name in ("how", "got", "want") and value in WORDS:
            shown[name] = _(WORDS[value])
        elif name == "interface":
            shown[name] = _(value)
        elif value.isdigit() or name == "byte":
            shown[name] = value
        else:
            shown[name] = keep(value)
    return template(_(made)).format(**shown)
