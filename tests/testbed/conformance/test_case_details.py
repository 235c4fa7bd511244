"""Every sentence a conformance grader or an ACVP generator writes into a case reads back by
its template and reads in Korean, identifiers aside; the English stays as the report signs
it."""

from __future__ import annotations

import string

from markupsafe import Markup

from app.web.jobtext import case_detail_html
from testbed.conformance import details as D
from tests.app.web.test_i18n import english_in

# identifiers a translated detail keeps: ACVP operations and fields, answer members
IDENTIFIERS = {"ACVP", "encapDecap", "rnd", "rejected'", "OpenSSL", "HashML", "DSA", "X25519"}
SAMPLES = {
    "engine": "liboqs",
    "alg": "ML-KEM-768",
    "mlkem": "ML-KEM-768",
    "item": "4269220581735271",
    "name": "SHA3-256(c)",
    "judge": "dilithium-py",
    "how": "confirmation",
    "got": "true",
    "want": "false",
    "what": "bit-flip",
    "interface": D.INTERFACES[0],
    "byte": "0a",
    "source": "FIPS 203 Algorithm 18",
    "error": "liboqs rejects the key",
    "passed": D.UNLIKE_CHECKED.format(mlkem="ML-KEM-768", count=7),
    "public": D.PUBLIC_CHECKED.format(count=12),
    "unverifiable": D.UNVERIFIABLE_MLKEM.format(alg="ML-KEM-768"),
    "reason": D.VALID_SIGNATURE_VIA.format(engine="openssl", interface=D.INTERFACES[3]),
    "wrong": D.FIELD_DIFFERS.format(field="k") + "; "
    + D.FIELD_IS.format(field="testPassed", got="true", want="false"),
}  # fmt: skip
KEPT = set(SAMPLES.values()) - {SAMPLES[k] for k in ("passed", "public", "unverifiable")}
KEPT |= {"openssl", "testPassed"}  # engine and ACVP field of the nested samples


def _sample(template: str) -> str:
    fields = {f for _, f, _, _ in string.Formatter().parse(template) if f}
    return template.format(**{f: SAMPLES.get(f, "12") for f in fields})


def test_every_template_reads_back_and_in_korean():
    assert len(D._TEMPLATES) >= 66
    for template in D._TEMPLATES:
        text = _sample(template)
        found = D.sentences().parse(text)
        assert found is not None and found[0] == template, text
        korean = D.translate(text, "ko")
        assert korean != text or template == D.WRONG, text
        rest = korean
        for value in sorted(KEPT, key=len, reverse=True):
            rest = rest.replace(value, "")
        words = english_in([rest], IDENTIFIERS)
        assert not words, (text, korean, words)
        assert D.translate(text, "en") == text


def test_every_signature_kind_has_korean_words():
    for what, accept in (("good", "accept"), ("pure-as-hash", "reject")):
        for ok in (True, False):
            text = D.VERIFIED[accept, ok].format(what=what)
            assert not english_in([D.translate(text, "ko")], IDENTIFIERS), text
    assert set(D.SIGNATURE_KINDS) >= {"good", "bit-flip", "truncated", "other-message"}


def test_a_sentence_no_template_made_is_shown_as_written():
    for text in ("liboqs: the key is bad", "ML-KEM-768 rejects explicitly: nonsense", ""):
        assert D.translate(text, "ko") == text
        assert case_detail_html(text, "ko") == Markup(
            '<span lang="en" translate="no">{}</span>'
        ).format(text)


def test_the_page_keeps_identifiers_and_quotes_as_written():
    text = D.IMPLICIT_SIGNALLED.format(alg="ML-KEM-768", source="FIPS 203 <Algorithm 18>")
    html = str(case_detail_html(text, "ko"))
    assert '<span translate="no">ML-KEM-768</span>의 거부 방식은 암묵적임' in html
    assert '<span lang="en" translate="no">FIPS 203 &lt;Algorithm 18&gt;</span>' in html
    nested = D.DECAPSULATES_SAME.format(engine="openssl", passed=SAMPLES["passed"])
    html = str(case_detail_html(nested, "ko"))
    assert html.startswith('<span translate="no">openssl</span>에서 역캡슐화한 비밀값이 같음; ')
    assert "고정 메시지 m 7개 중" in html
    assert case_detail_html(nested, "en") == Markup(
        '<span lang="en" translate="no">{}</span>'
    ).format(nested)
