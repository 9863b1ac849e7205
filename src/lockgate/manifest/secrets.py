"""Secret references (``${env:NAME}``, ``${file:PATH}``) and the check rejecting literal secrets.

A manifest never holds a secret: it holds a reference resolved when the value is used, so the
manifest can be committed, stored as a configuration revision and rendered into docs safely.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from lockgate.errors import ConfigError

SECRET_REF = re.compile(r"\$\{(env|file):([^}]+)\}")

#: Keys whose values are credentials whatever they look like.
SENSITIVE_KEYS = re.compile(
    r"(^|[-_.])(authorization|api[-_]?key|x-api-key|token|secret|password|passwd|private[-_]?key|"
    r"client[-_]?secret|access[-_]?key|signing[-_]?key|hmac[-_]?key|kek)($|[-_.])",
    re.IGNORECASE,
)

#: Values that look like a credential wherever they appear.
CREDENTIAL_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("an OpenAI-style API key", re.compile(r"\bsk-[A-Za-z0-9_-]{16,}")),
    ("a Lockgate API key", re.compile(r"\blk_[0-9a-f]{12}_[A-Za-z0-9]{20,}")),
    ("an AWS access key id", re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a GitHub token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}")),
    ("a Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("a bearer token", re.compile(r"\bBearer\s+[A-Za-z0-9._~+/=-]{16,}")),
    (
        "a JSON Web Token",
        re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    ),
    ("a private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
)


def describe_credential(key: str | None, value: str) -> str | None:
    """Why ``value`` (under ``key``) looks like a literal credential, or None when it does not."""
    without_refs = SECRET_REF.sub("", value)
    for label, pattern in CREDENTIAL_PATTERNS:
        if pattern.search(without_refs):
            return f"looks like {label}"
    if key is not None and SENSITIVE_KEYS.search(key):
        literal = without_refs.strip()
        if literal and not _is_scheme_only(literal):
            return f"is a literal value under the sensitive key {key!r}"
    return None


def _is_scheme_only(literal: str) -> bool:
    """``Bearer `` left after removing a reference is a scheme, not a secret."""
    return literal.lower() in {"bearer", "basic", "token"}


def resolve(
    value: str, *, base_dir: Path | None = None, env: Mapping[str, str] | None = None
) -> str:
    """Replace every reference in ``value`` by the secret it names."""
    environ = os.environ if env is None else env

    def lookup(match: re.Match[str]) -> str:
        kind, target = match.group(1), match.group(2).strip()
        if kind == "env":
            if target not in environ:
                raise ConfigError(
                    f"the environment variable {target} referenced as ${{env:{target}}} "
                    "is not set; export it before starting Lockgate"
                )
            return environ[target]
        path = Path(target)
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(
                f"the secret file {path} referenced as ${{file:{target}}} cannot be read "
                f"({exc.strerror}); create it or fix the path"
            ) from exc

    return SECRET_REF.sub(lookup, value)
