"""``lockgate redact``: redact stdin line by line, one JSON object per line on stdout."""

from __future__ import annotations

import json
import os
import sys
from enum import StrEnum
from typing import Annotated

import typer

from lockgate.privacy import (
    Analyzer,
    Encrypt,
    InvalidKeyError,
    Mask,
    OperatorPolicy,
    Pseudonymize,
    Redact,
    decrypt,
    derive_key,
    redact,
)
from lockgate.privacy.protocols import Operator

EXIT_USAGE = 2
PSEUDONYM_KEY_PURPOSE = "lockgate-pseudonymize"
ENCRYPT_KEY_PURPOSE = "lockgate-encrypt"


class OperatorName(StrEnum):
    """How each detected value is replaced."""

    REDACT = "redact"
    MASK = "mask"
    PSEUDONYMIZE = "pseudonymize"
    ENCRYPT = "encrypt"


def register(app: typer.Typer) -> None:
    """Add the ``redact`` command."""
    app.command("redact")(redact_command)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


def _secret(key_env: str | None, needed_by: str) -> bytes:
    if not key_env:
        raise _fail(f"{needed_by} needs a key: pass --key-env NAME with NAME set to a secret")
    value = os.environ.get(key_env, "")
    if not value:
        raise _fail(
            f"{needed_by} needs a key, but ${key_env} is unset or empty: set it to a secret "
            "of at least 16 bytes, e.g. the output of `openssl rand -base64 32`"
        )
    return value.encode()


def _operator(name: OperatorName, key_env: str | None, tenant: str) -> Operator:
    if name is OperatorName.REDACT:
        return Redact()
    if name is OperatorName.MASK:
        return Mask()
    secret = _secret(key_env, f"--operator {name.value}")
    try:
        if name is OperatorName.PSEUDONYMIZE:
            return Pseudonymize(derive_key(secret, PSEUDONYM_KEY_PURPOSE), tenant=tenant)
        return Encrypt(derive_key(secret, ENCRYPT_KEY_PURPOSE))
    except InvalidKeyError as error:
        raise _fail(f"${key_env}: {error.message}") from None


def redact_command(
    operator: Annotated[
        OperatorName, typer.Option(help="How to replace each value.", case_sensitive=False)
    ] = OperatorName.REDACT,
    key_env: Annotated[
        str | None,
        typer.Option(
            "--key-env",
            help="Environment variable holding the secret for pseudonymize, encrypt, --decrypt.",
        ),
    ] = None,
    tenant: Annotated[str, typer.Option(help="Tenant mixed into pseudonyms.")] = "default",
    region: Annotated[
        list[str] | None,
        typer.Option(help="Phone region for numbers without +, e.g. US or GB; repeatable."),
    ] = None,
    allow: Annotated[
        list[str] | None, typer.Option(help="A value never to redact, e.g. a support address.")
    ] = None,
    decrypt_tokens: Annotated[
        bool, typer.Option("--decrypt", help="Turn <ENC:...> tokens back into the original text.")
    ] = False,
) -> None:
    """Read lines on stdin; write {"text", "entities"} per line, offsets into the input line."""
    if decrypt_tokens:
        key = derive_key(_secret(key_env, "--decrypt"), ENCRYPT_KEY_PURPOSE)
        for line in sys.stdin:
            typer.echo(json.dumps({"text": decrypt(line.rstrip("\r\n"), key)}, ensure_ascii=False))
        return
    try:
        analyzer = Analyzer.default(
            phone_regions=tuple(code.upper() for code in region or ("US",)), allow=allow or ()
        )
    except ValueError as error:
        raise _fail(str(error)) from None
    policy = OperatorPolicy(default=_operator(operator, key_env, tenant))
    for line in sys.stdin:
        result = redact(line.rstrip("\r\n"), policy=policy, analyzer=analyzer)
        entities = [
            {"type": e.type, "start": e.start, "end": e.end, "score": round(e.score, 4)}
            for e in result.entities
        ]
        typer.echo(json.dumps({"text": result.text, "entities": entities}, ensure_ascii=False))
