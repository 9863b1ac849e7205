"""The public surface of ``lockgate.privacy``."""

from __future__ import annotations

import lockgate.privacy


def test_all_is_sorted_and_importable() -> None:
    """``__all__`` is sorted and every name in it exists."""
    names = lockgate.privacy.__all__
    assert names == sorted(names)
    for name in names:
        assert getattr(lockgate.privacy, name) is not None


def test_no_optional_dependency_is_imported() -> None:
    """Importing the package does not pull in Presidio or spaCy."""
    import sys

    assert "presidio_analyzer" not in sys.modules
    assert "spacy" not in sys.modules
