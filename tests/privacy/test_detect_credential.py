"""CREDENTIAL detector."""

from __future__ import annotations

import pytest

from lockgate.privacy.detectors import CredentialDetector
from lockgate.privacy.detectors.credential import jwt_header_valid
from tests.privacy.helpers import found

JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
    "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
)
PEM = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("key sk-proj-abc123DEF456ghi789JKL012 leaked", "sk-proj-abc123DEF456ghi789JKL012"),
        ("OPENAI_API_KEY=sk-Abc123def456GHI789jkl012", "sk-Abc123def456GHI789jkl012"),
        (
            "use lk_0a1b2c3d4e5f_ABCDEFGHIJabcdefghij0123456789ABCDEFGHIJ now",
            "lk_0a1b2c3d4e5f_ABCDEFGHIJabcdefghij0123456789ABCDEFGHIJ",
        ),
        ("aws AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
        (
            "gh ghp_abcdefghijklmnopqrstuvwxyz0123456789 x",
            "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
        ),
        ("slack xoxb-123456789012-AbCdEf", "xoxb-123456789012-AbCdEf"),
        ("Authorization: Bearer abcDEF123456ghiJKL789", "abcDEF123456ghiJKL789"),
        (f"token {JWT}.", JWT),
        (f"key:\n{PEM}\nbye", PEM),
        (
            "cut -----BEGIN RSA PRIVATE KEY-----\nMIIEow\n",
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEow",
        ),
    ],
)
def test_finds_secrets(text: str, expected: str) -> None:
    """Each supported key family is found; for Bearer only the token itself."""
    assert found(CredentialDetector(), text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "pip install sk-learn-is-not-a-package-name-at-all",
        "the bearer of bad news arrived yesterday",
        "Bearer authentication-required-for-this",
        "eyJub3QiOiJqd3QifQ.eyJzdWIiOiIxIn0.abc",
        "task-AKIAIOSFODNN7EXAMPLE",
        "ghp_short",
    ],
)
def test_ignores_look_alikes(text: str) -> None:
    """Words, JWT-shaped strings without ``alg`` and embedded or short prefixes are ignored."""
    assert found(CredentialDetector(), text) == []


def test_jwt_header_must_be_json_with_alg() -> None:
    """Only a base64url JSON object naming ``alg`` counts as a JWT header."""
    assert jwt_header_valid(JWT)
    assert not jwt_header_valid("eyJub3QiOiJqd3QifQ.x.y")
    assert not jwt_header_valid("eyJ!!!.x.y")
