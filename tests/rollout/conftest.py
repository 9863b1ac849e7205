"""Fixtures for the rollout tests: the example service's releases, trained once per session."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from lockgate.example.model import IntentModel, train


@pytest.fixture(scope="session")
def example_models() -> Mapping[str, IntentModel]:
    """The baseline v1, the better v2 and the bad release v3."""
    return {version: train(version) for version in ("v1", "v2", "v3")}
