"""Line and column of every manifest path: loader errors, readiness results and SARIF point at
the line to change."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import yaml

Path = tuple[str | int, ...]
Position = tuple[int, int]
KEY = "__key__"
"""``(*path, KEY)`` holds where a mapping key itself is (``raci:`` for ``ownership.raci``)."""


def positions(text: str) -> Mapping[Path, Position]:
    """Every node's (line, column), 1-based; a mapping key's own position under ``(*path, KEY)``.

    Text that is not YAML yields an empty map (the manifest was validated before this is called).
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return MappingProxyType({})
    return MappingProxyType(of_nodes(root) if root is not None else {})


def of_nodes(root: yaml.Node) -> dict[Path, Position]:
    """Positions of a composed YAML tree."""
    found: dict[Path, Position] = {}
    _walk(root, (), found)
    return found


def _walk(node: yaml.Node, path: Path, found: dict[Path, Position]) -> None:
    found[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            name = str(key_node.value)
            found[(*path, name, KEY)] = (
                key_node.start_mark.line + 1,
                key_node.start_mark.column + 1,
            )
            _walk(value_node, (*path, name), found)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), found)


def locate(found: Mapping[Path, Position], path: Path) -> Position:
    """Where ``path`` is, or its nearest written ancestor when it is not written (1, 1 at worst).

    A mapping key points at the key itself: ``ownership.raci`` is the line that says ``raci:``.
    """
    for end in range(len(path), 0, -1):
        prefix = path[:end]
        key = (*prefix, KEY)
        if key in found:
            return found[key]
        if prefix in found:
            return found[prefix]
    return found.get((), (1, 1))


def dotted(path: tuple[object, ...]) -> str:
    """``slos[0].runbook`` for ``("slos", 0, "runbook")``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
