"""``lockgate redact`` through Typer's test runner."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from lockgate.cli.redact import register

SECRET = "correct horse battery staple"


@pytest.fixture
def app() -> typer.Typer:
    """A throwaway Typer app with only the redact command registered."""
    root = typer.Typer()
    register(root)

    @root.callback()
    def _root() -> None:
        """Keep ``redact`` a subcommand."""

    return root


def _lines(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines()]


def test_one_json_object_per_input_line(app: typer.Typer) -> None:
    """Each line gives its redacted text and entities with offsets into that line."""
    result = CliRunner().invoke(app, ["redact"], input="contact jane@example.org\nall good\n")
    assert result.exit_code == 0
    assert _lines(result.stdout) == [
        {
            "text": "contact <EMAIL>",
            "entities": [{"type": "EMAIL", "start": 8, "end": 24, "score": 0.99}],
        },
        {"text": "all good", "entities": []},
    ]


def test_mask_operator(app: typer.Typer) -> None:
    """``--operator mask`` keeps the last four digits."""
    result = CliRunner().invoke(app, ["redact", "--operator", "mask"], input="4242424242424242\n")
    assert _lines(result.stdout)[0]["text"] == "************4242"


def test_missing_key_is_a_clear_error(app: typer.Typer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pseudonymize without a key exits 2 with a message naming the variable, no traceback."""
    monkeypatch.delenv("LG_TEST_KEY", raising=False)
    result = CliRunner().invoke(
        app, ["redact", "--operator", "pseudonymize", "--key-env", "LG_TEST_KEY"], input="x\n"
    )
    assert result.exit_code == 2
    assert "$LG_TEST_KEY is unset" in result.stderr
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_short_key_is_a_clear_error(app: typer.Typer, monkeypatch: pytest.MonkeyPatch) -> None:
    """A secret under 16 bytes is refused with a hint."""
    monkeypatch.setenv("LG_TEST_KEY", "short")
    result = CliRunner().invoke(
        app, ["redact", "--operator", "encrypt", "--key-env", "LG_TEST_KEY"], input="x\n"
    )
    assert result.exit_code == 2
    assert "at least 16 bytes" in result.stderr


def test_pseudonyms_are_stable_per_tenant(
    app: typer.Typer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same value gets the same pseudonym on every line, another one for another tenant."""
    monkeypatch.setenv("LG_TEST_KEY", SECRET)
    args = ["redact", "--operator", "pseudonymize", "--key-env", "LG_TEST_KEY"]
    text = "jane@example.org\nJANE@example.org\n"
    acme = [line["text"] for line in _lines(CliRunner().invoke(app, args, input=text).stdout)]
    other = CliRunner().invoke(app, [*args, "--tenant", "globex"], input=text).stdout
    assert acme[0] == acme[1]
    assert str(acme[0]).startswith("<EMAIL_")
    assert _lines(other)[0]["text"] != acme[0]


def test_encrypt_then_decrypt_restores_input(
    app: typer.Typer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--decrypt`` with the same key gives back every original line."""
    monkeypatch.setenv("LG_TEST_KEY", SECRET)
    original = "card 4111 1111 1111 1111, ssn 123-45-6789\nip 203.0.113.9\n"
    encrypted = CliRunner().invoke(
        app, ["redact", "--operator", "encrypt", "--key-env", "LG_TEST_KEY"], input=original
    )
    tokens = "".join(f"{line['text']}\n" for line in _lines(encrypted.stdout))
    assert "4111" not in tokens
    decrypted = CliRunner().invoke(
        app, ["redact", "--decrypt", "--key-env", "LG_TEST_KEY"], input=tokens
    )
    assert "".join(f"{line['text']}\n" for line in _lines(decrypted.stdout)) == original


def test_region_and_allow_options(app: typer.Typer) -> None:
    """``--region GB`` finds UK national numbers; ``--allow`` spares a value."""
    result = CliRunner().invoke(
        app,
        ["redact", "--region", "US", "--region", "gb", "--allow", "help@acme.com"],
        input="ring 020 7946 0958 or help@acme.com\n",
    )
    assert _lines(result.stdout)[0]["text"] == "ring <PHONE> or help@acme.com"


def test_unknown_region_is_a_clear_error(app: typer.Typer) -> None:
    """A bad region code exits 2 with the reason."""
    result = CliRunner().invoke(app, ["redact", "--region", "XX"], input="x\n")
    assert result.exit_code == 2
    assert "unknown phone regions" in result.stderr
