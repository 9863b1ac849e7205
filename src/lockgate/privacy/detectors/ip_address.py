"""IP_ADDRESS: IPv4 and IPv6 addresses that the standard library's ``ipaddress`` accepts."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass

from lockgate.privacy.context import Context
from lockgate.privacy.entity import Entity

ENTITY_TYPE = "IP_ADDRESS"

_PREFILTER = re.compile(r"[0-9]\.[0-9]{1,3}\.[0-9]|:[0-9A-Fa-f]{0,4}:")
_IPV4 = re.compile(
    r"(?<![\w.\-])(?<![0-9A-Fa-f]:)(?<!::)\d{1,3}(?:\.\d{1,3}){3}(?![\w\-]|\.\d)", re.ASCII
)
_IPV6 = re.compile(
    r"(?<![\w:.\-])(?=[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:)[0-9A-Fa-f:]++(?:\.\d{1,3}){0,3}(?![\w\-])",
    re.ASCII,
)
_CONTEXT = Context.of(
    boost=("ip", "address", "server", "host", "from", "login", "client", "ipv4", "ipv6"),
    penalty=("version", "release", "build", "firmware"),
    boost_by=0.1,
    penalty_by=0.45,
    before=24,
    after=0,
)


@dataclass(frozen=True, slots=True)
class IpAddressDetector:
    """Finds IPv4 and IPv6 addresses; version strings need no special case for v4 triples."""

    score: float = 0.85

    @property
    def name(self) -> str:
        """Detector name."""
        return "ip_address"

    @property
    def prefilter(self) -> re.Pattern[str]:
        """A dotted digit run or colon-separated hex groups."""
        return _PREFILTER

    def detect(self, text: str) -> Iterator[Entity]:
        """Every address ``ipaddress`` parses."""
        if "." in text:
            for match in _IPV4.finditer(text):
                yield from self._accept(text, match.start(), match.group(), version=4)
        if text.count(":") >= 2:
            for match in _IPV6.finditer(text):
                value = match.group()
                if value.endswith(":") and not value.endswith("::"):
                    value = value[:-1]  # a colon that ends the sentence
                yield from self._accept(text, match.start(), value, version=6)

    def _accept(self, text: str, start: int, value: str, *, version: int) -> Iterator[Entity]:
        if version == 6 and sum(char != ":" for char in value) < 2:
            return  # "::" and lone groups are punctuation, not addresses
        try:
            ipaddress.ip_address(value)
        except ValueError:
            return
        end = start + len(value)
        yield Entity(ENTITY_TYPE, start, end, _CONTEXT.adjust(text, start, end, self.score), value)
