"""CREDENTIAL: API keys, access tokens, JWTs and PEM private keys.

Recognised: OpenAI-style ``sk-...`` keys, Lockgate keys ``lk_<id>_<secret>``, AWS access key ids
(``AKIA...``/``ASIA...``), GitHub tokens (``ghp_...``, ``github_pat_...``), Slack tokens
(``xox?-...``), the token after ``Bearer``, JWTs whose header decodes to JSON naming an ``alg``,
and PEM private key blocks (also when the END line was cut off).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from types import MappingProxyType

from lockgate.privacy.entity import Entity

ENTITY_TYPE = "CREDENTIAL"

# Starts on a rare character and looks back, so clean text is scanned in one quick pass.
_PREFILTER = re.compile(
    r"[-_JIe](?:(?<=sk-)|(?<=lk_)|(?<=gh[pousr]_)|(?<=github_)|(?<=xox[abposr]-)|(?<=eyJ)"
    r"|(?<=A[KS]I)A|(?<=[Bb]e)arer|(?<=BE)ARER|----BEGIN)"
)
_CANDIDATE = re.compile(
    r"(?<![\w\-])(?:"
    r"(?P<openai>sk-(?:proj-|ant-(?:api\d\d-)?|svcacct-|admin-)?[A-Za-z0-9_\-]{20,})"
    r"|(?P<lockgate>lk_[A-Za-z0-9]{4,32}_[A-Za-z0-9]{16,})"
    r"|(?P<aws>(?:AKIA|ASIA)[A-Z0-9]{16})"
    r"|(?P<github>gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})"
    r"|(?P<slack>xox[abposr]-[A-Za-z0-9\-]{10,})"
    r"|(?P<jwt>eyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{2,}\.[A-Za-z0-9_\-]*)"
    r"|(?:[Bb]earer|BEARER)[ \t]+(?P<bearer>[A-Za-z0-9._~+/\-]{16,}=*)"
    r"|(?P<pem>-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----"
    r"(?:.*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----|[A-Za-z0-9+/=\s]*))"
    r")(?![\w\-])",
    re.DOTALL,
)
_SCORES = MappingProxyType(
    {
        "openai": 0.9,
        "lockgate": 0.95,
        "aws": 0.95,
        "github": 0.95,
        "slack": 0.9,
        "jwt": 0.95,
        "bearer": 0.8,
        "pem": 0.99,
    }
)


def jwt_header_valid(token: str) -> bool:
    """Whether the first dot-separated part decodes to a JSON object with an ``alg`` key."""
    header = token.split(".", 1)[0]
    try:
        raw = base64.urlsafe_b64decode(header + "=" * (-len(header) % 4))
        decoded = json.loads(raw)
    except (binascii.Error, ValueError):
        return False
    return isinstance(decoded, dict) and "alg" in decoded


def _mixed(secret: str) -> bool:
    """At least two of lower case, upper case and digits: not a word or a slug."""
    kinds = (
        any(char.islower() for char in secret),
        any(char.isupper() for char in secret),
        any(char.isdigit() for char in secret),
    )
    return sum(kinds) >= 2


@dataclass(frozen=True, slots=True)
class CredentialDetector:
    """Finds secrets people paste into prompts, tickets and logs."""

    @property
    def name(self) -> str:
        """Detector name."""
        return "credential"

    @property
    def prefilter(self) -> re.Pattern[str]:
        """One of the known key prefixes."""
        return _PREFILTER

    def detect(self, text: str) -> Iterator[Entity]:
        """Every recognised secret; for ``Bearer x`` only ``x`` is the entity."""
        for match in _CANDIDATE.finditer(text):
            kind = match.lastgroup
            if kind is None:  # pragma: no cover - every alternative is a named group
                continue
            value = match[kind]
            if kind == "jwt" and not jwt_header_valid(value):
                continue
            if kind in {"openai", "bearer"} and not (
                any(char.isdigit() for char in value) and _mixed(value)
            ):
                continue
            start = match.start(kind)
            if kind == "pem":
                value = value.rstrip()
            yield Entity(ENTITY_TYPE, start, start + len(value), _SCORES[kind], value)
