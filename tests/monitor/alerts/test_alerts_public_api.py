"""The public surface of `lockgate.monitor.alerts` and `lockgate.monitor.exports`."""

from __future__ import annotations

import importlib
import types

import pytest


@pytest.mark.parametrize("name", ["lockgate.monitor.alerts", "lockgate.monitor.exports"])
def test_all_lists_exactly_what_the_package_re_exports(name: str) -> None:
    """`__all__` has no duplicates, every name resolves, and nothing public is left out."""
    module = importlib.import_module(name)
    exported = list(module.__all__)
    assert len(exported) == len(set(exported))
    public = {
        attr
        for attr, value in vars(module).items()
        if not attr.startswith("_")
        and not isinstance(value, types.ModuleType)
        and attr != "annotations"
    }
    assert public == set(exported)
