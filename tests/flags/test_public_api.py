"""The package surface: a sorted `__all__`, and a pure core that loads no I/O library."""

from __future__ import annotations

import subprocess
import sys

import lockgate.flags


def _ruff_order(name: str) -> tuple[int, str]:
    """RUF022's order: constants, then classes, then functions, each alphabetical."""
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def test_all_is_sorted_unique_and_importable() -> None:
    """`__all__` is sorted, has no duplicates, and every name in it exists."""
    names = lockgate.flags.__all__
    assert list(names) == sorted(names, key=_ruff_order) and len(set(names)) == len(names)
    for name in names:
        assert getattr(lockgate.flags, name) is not None, name


def test_the_evaluation_core_loads_no_database_or_network_library() -> None:
    """Importing `lockgate.flags` pulls in no database, HTTP or event-loop module."""
    code = (
        "import sys, lockgate.flags; "
        "print(sorted(m for m in ('sqlalchemy', 'psycopg', 'fastapi', 'httpx', 'urllib.request', "
        "'asyncio') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"
