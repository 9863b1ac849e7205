"""PERSON and LOCATION through Presidio and spaCy, for installs with the ``presidio`` extra.

Nothing here is imported until a ``NerDetector`` is built, so the default install needs neither
Presidio nor spaCy nor a language model.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lockgate.privacy.entity import Entity
from lockgate.privacy.errors import MissingExtraError

_ANYTHING = re.compile(r"[A-Za-z]")
NER_TYPES = ("PERSON", "LOCATION")


def ner_available(model: str = "en_core_web_sm") -> bool:
    """Whether Presidio, spaCy and the named spaCy model are all importable."""
    return all(
        importlib.util.find_spec(module) is not None
        for module in ("presidio_analyzer", "spacy", model)
    )


def _engine(model: str, language: str) -> Any:
    if not ner_available(model):
        raise MissingExtraError(
            f"PERSON/LOCATION detection needs presidio-analyzer, spaCy and the {model!r} model: "
            f"install lockgate[presidio] and run `python -m spacy download {model}`"
        )
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": language, "model_name": model}],
        }
    )
    return AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=[language])


@dataclass(frozen=True, slots=True)
class NerDetector:
    """PERSON and LOCATION detector; raises ``MissingExtraError`` when the extra is missing."""

    model: str = "en_core_web_sm"
    language: str = "en"
    engine: Any = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.engine is None:
            object.__setattr__(self, "engine", _engine(self.model, self.language))

    @property
    def name(self) -> str:
        """Detector name."""
        return "ner"

    @property
    def prefilter(self) -> re.Pattern[str]:
        """Any letter: names and places have them."""
        return _ANYTHING

    def detect(self, text: str) -> Iterator[Entity]:
        """Every PERSON or LOCATION the spaCy model tags."""
        results = self.engine.analyze(text=text, language=self.language, entities=list(NER_TYPES))
        for result in results:
            start, end = int(result.start), int(result.end)
            if start < end:
                score = min(1.0, max(0.0, float(result.score)))
                yield Entity(str(result.entity_type), start, end, score, text[start:end])
