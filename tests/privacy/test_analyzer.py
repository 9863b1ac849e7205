"""Analyzer: running detectors, thresholds, allow- and deny-lists."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from lockgate.privacy import Analyzer, Entity, default_analyzer
from lockgate.privacy.detectors import EmailDetector, PhoneDetector


@dataclass
class CountingDetector:
    """A detector that records how often it ran and reports fixed entities."""

    entities: tuple[Entity, ...] = ()
    pattern: str = "x"
    calls: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """Detector name."""
        return "counting"

    @property
    def prefilter(self) -> re.Pattern[str]:
        """The configured pattern."""
        return re.compile(self.pattern)

    def detect(self, text: str) -> Iterator[Entity]:
        """The fixed entities."""
        self.calls.append(text)
        yield from self.entities


def test_detector_is_skipped_when_its_prefilter_misses() -> None:
    """A clean text never reaches ``detect``."""
    detector = CountingDetector(pattern="@")
    Analyzer((detector,)).analyze("nothing to see")
    Analyzer((detector,)).analyze("a@b")
    assert detector.calls == ["a@b"]


def test_entities_below_min_score_are_dropped() -> None:
    """``min_score`` filters weak candidates but ``candidates`` still shows them."""
    weak, strong = Entity("X", 0, 1, 0.2), Entity("Y", 2, 3, 0.9)
    analyzer = Analyzer((CountingDetector((weak, strong)),), min_score=0.5)
    assert analyzer.analyze("x x x") == (strong,)
    assert weak in analyzer.candidates("x x x")


def test_allow_list_hides_the_company_address() -> None:
    """Allow-listed values are not reported, compared case-insensitively."""
    analyzer = Analyzer.default(allow=["Support@Acme.com"])
    text = "write support@acme.com or me: jane@example.org"
    assert [text[e.start : e.end] for e in analyzer.analyze(text)] == ["jane@example.org"]


def test_allow_list_ignores_phone_punctuation() -> None:
    """The support line is allowed in any punctuation."""
    analyzer = Analyzer.default(allow=["(800) 555-0199"])
    assert analyzer.analyze("call 800-555-0199") == ()
    assert len(analyzer.analyze("call 800-555-0198")) == 1


def test_deny_list_values_are_always_reported() -> None:
    """Deny-listed values match case-insensitively on word boundaries with their type."""
    analyzer = Analyzer((EmailDetector(),), deny={"Project Falcon": "CODENAME"})
    text = "about project falcon and falconry"
    (entity,) = analyzer.analyze(text)
    assert (entity.type, text[entity.start : entity.end], entity.score) == (
        "CODENAME",
        "project falcon",
        1.0,
    )


def test_deny_list_wins_over_allow_list_and_overlaps() -> None:
    """A value on both lists is reported, and its span beats an overlapping detection."""
    analyzer = Analyzer(
        (EmailDetector(),), allow=["ceo@acme.com"], deny={"ceo@acme.com": "VIP_EMAIL"}
    )
    (entity,) = analyzer.analyze("mail ceo@acme.com now")
    assert entity.type == "VIP_EMAIL"


def test_scoped_copy_adds_lists_without_touching_the_original() -> None:
    """``scoped`` returns a new analyzer per service; the base one is unchanged."""
    base = Analyzer((EmailDetector(), PhoneDetector()))
    scoped = base.scoped(allow=["help@acme.com"], deny={"ZX-9": "PRODUCT"})
    text = "help@acme.com about ZX-9"
    assert {e.type for e in base.analyze(text)} == {"EMAIL"}
    assert {e.type for e in scoped.analyze(text)} == {"PRODUCT"}


def test_min_score_is_validated() -> None:
    """A threshold outside [0, 1] is a configuration mistake."""
    with pytest.raises(ValueError, match="min_score"):
        Analyzer((), min_score=2.0)


def test_default_analyzer_is_built_once() -> None:
    """The default analyzer is shared and immutable."""
    assert default_analyzer() is default_analyzer()
