"""The example AI service: a customer-support intent classifier behind an OpenAI-style API.

The data set, the three model releases and the FAQ answers live here; the HTTP service is
:func:`lockgate.example.server.create_app`. Names are imported on first use, so that
``python -m lockgate.example.dataset`` and the CLI start without loading scikit-learn.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lockgate.example.dataset import Example, GoldenCase
    from lockgate.example.model import (
        VERSIONS,
        IntentModel,
        Prediction,
        UnknownVersionError,
        VersionReport,
        evaluate,
        golden_set,
        heldout_messages,
        load_dataset,
        report,
        train,
    )

__all__ = [
    "VERSIONS",
    "Example",
    "GoldenCase",
    "IntentModel",
    "Prediction",
    "UnknownVersionError",
    "VersionReport",
    "evaluate",
    "golden_set",
    "heldout_messages",
    "load_dataset",
    "report",
    "train",
]

_IN_DATASET = frozenset({"Example", "GoldenCase"})


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(f"{__name__}.{'dataset' if name in _IN_DATASET else 'model'}")
    return getattr(module, name)
