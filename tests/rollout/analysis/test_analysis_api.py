"""The public surface of lockgate.rollout.analysis."""

from lockgate.rollout import analysis


def _isort_key(name: str) -> tuple[int, str]:
    kind = 0 if name.isupper() else 1 if name[0].isupper() else 2
    return kind, name


def test_public_names_are_sorted_and_importable() -> None:
    """``__all__`` lists constants, classes then functions, each sorted, and all exist."""
    assert analysis.__all__ == sorted(analysis.__all__, key=_isort_key)
    assert all(hasattr(analysis, name) for name in analysis.__all__)


def test_only_listed_names_are_public() -> None:
    """Every public attribute of the package is in ``__all__``; the rest is private modules."""
    exported = {name for name in dir(analysis) if not name.startswith("_")}
    assert exported == set(analysis.__all__)
