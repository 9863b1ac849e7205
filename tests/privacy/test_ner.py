"""Optional PERSON/LOCATION detection through Presidio."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from lockgate.privacy import Analyzer, MissingExtraError, NerDetector, ner_available


@dataclass(frozen=True)
class FakeResult:
    """The fields of a Presidio ``RecognizerResult`` the detector reads."""

    entity_type: str
    start: int
    end: int
    score: float


class FakeEngine:
    """Stands in for Presidio's ``AnalyzerEngine``."""

    def analyze(self, *, text: str, language: str, entities: list[str]) -> list[FakeResult]:
        """Tag the word "Maria" as a person."""
        assert language == "en"
        assert entities == ["PERSON", "LOCATION"]
        start = text.find("Maria")
        return [FakeResult("PERSON", start, start + 5, 0.85)] if start >= 0 else []


def test_engine_results_become_entities() -> None:
    """Presidio results are mapped to entities that the analyzer resolves with the rest."""
    analyzer = Analyzer((NerDetector(engine=FakeEngine()),))
    text = "Hi, I am Maria."
    (entity,) = analyzer.analyze(text)
    assert (entity.type, text[entity.start : entity.end], entity.score) == ("PERSON", "Maria", 0.85)


@pytest.mark.skipif(ner_available(), reason="the presidio extra is installed here")
def test_missing_extra_is_explained() -> None:
    """Without Presidio and a spaCy model, building the detector says what to install."""
    with pytest.raises(MissingExtraError, match=r"lockgate\[presidio\]"):
        NerDetector()


@pytest.mark.skipif(not ner_available(), reason="needs presidio-analyzer and en_core_web_sm")
def test_real_model_finds_a_person() -> None:
    """With the extra installed, spaCy tags a common name."""
    analyzer = Analyzer((NerDetector(),))
    assert "PERSON" in {entity.type for entity in analyzer.analyze("My name is John Smith.")}
