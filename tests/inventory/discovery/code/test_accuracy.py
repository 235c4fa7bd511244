"""The labelled corpus: every labelled finding found with the parameters the code states,
and nothing else (the look-alikes give no finding). README's table comes from the same
harness (`accuracy.py`)."""

from __future__ import annotations

import pytest

from tests.inventory.discovery.code.accuracy import LANGUAGES, score


@pytest.mark.parametrize("language", LANGUAGES)
def test_corpus_precision_and_recall(language: str) -> None:
    s = score(language)
    assert s.labels >= 5, "the corpus of a language needs labels"
    assert s.false_positives == [], s.false_positives
    assert s.missed == [], s.missed
    assert s.precision == 1.0 and s.recall == 1.0
