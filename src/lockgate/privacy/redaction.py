"""Find and replace: ``redact`` on a string, ``redact_obj`` on JSON-like payloads, and a
structlog processor that redacts every log event before it is rendered."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, MutableMapping
from dataclasses import dataclass
from typing import Any

from lockgate.privacy.analyzer import Analyzer, default_analyzer
from lockgate.privacy.entity import Entity, resolve_overlaps
from lockgate.privacy.operators import OperatorPolicy

DEFAULT_POLICY = OperatorPolicy()
LOG_KEYS_KEPT = frozenset({"timestamp", "level", "logger", "request_id", "trace_id", "span_id"})

Processor = Callable[[Any, str, MutableMapping[str, Any]], MutableMapping[str, Any]]


@dataclass(frozen=True, slots=True)
class Result:
    """The redacted text and the entities replaced, with offsets into the ORIGINAL text."""

    text: str
    entities: tuple[Entity, ...]


def apply_operators(
    text: str, entities: Iterable[Entity], policy: OperatorPolicy = DEFAULT_POLICY
) -> Result:
    """Replace ``entities`` in ``text`` according to ``policy``; overlaps are resolved first."""
    resolved = resolve_overlaps(entities)
    if resolved and resolved[-1].end > len(text):
        raise ValueError("an entity ends past the end of the text it was applied to")
    pieces: list[str] = []
    cursor = 0
    for entity in resolved:
        pieces.append(text[cursor : entity.start])
        value = text[entity.start : entity.end]
        pieces.append(policy.for_type(entity.type).apply(entity, value))
        cursor = entity.end
    pieces.append(text[cursor:])
    return Result("".join(pieces), resolved)


def redact(
    text: str, *, policy: OperatorPolicy | None = None, analyzer: Analyzer | None = None
) -> Result:
    """Detect with ``analyzer`` (the default one if None) and replace per ``policy``."""
    found = (analyzer or default_analyzer()).analyze(text)
    if not found:
        return Result(text, ())
    return apply_operators(text, found, policy or DEFAULT_POLICY)


def redact_obj(
    obj: Any,
    *,
    policy: OperatorPolicy | None = None,
    analyzer: Analyzer | None = None,
    skip_keys: Collection[str] = (),
) -> Any:
    """A copy of a JSON-like value with every string redacted.

    Dicts, lists and tuples are walked; dict keys and the values under ``skip_keys`` are kept
    as they are; numbers, booleans and None are returned unchanged.
    """
    active = analyzer or default_analyzer()
    chosen = policy or DEFAULT_POLICY

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            return redact(value, policy=chosen, analyzer=active).text
        if isinstance(value, dict):
            return {key: item if key in skip_keys else walk(item) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        if isinstance(value, tuple):
            return tuple(walk(item) for item in value)
        return value

    return walk(obj)


def redaction_processor(
    analyzer: Analyzer | None = None,
    policy: OperatorPolicy | None = None,
    *,
    skip_keys: Collection[str] = LOG_KEYS_KEPT,
) -> Processor:
    """A structlog processor redacting every string in the event dict, nested ones included.

    Put it before the renderer. Keys in ``skip_keys`` (timestamps, levels, ids) are left alone.
    """
    active = analyzer or default_analyzer()
    chosen = policy or DEFAULT_POLICY

    def processor(
        logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        del logger, method_name
        for key, value in event_dict.items():
            if key not in skip_keys:
                event_dict[key] = redact_obj(value, policy=chosen, analyzer=active)
        return event_dict

    return processor
