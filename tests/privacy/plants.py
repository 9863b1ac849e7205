"""Hypothesis strategies for structurally valid personal data, each tagged with its type."""

from __future__ import annotations

import base64
import ipaddress
import json
import string

from hypothesis import strategies as st

DIGITS = string.digits
ALNUM = string.ascii_letters + string.digits
US_AREAS = ("212", "415", "646", "303", "617", "312", "206", "512")
INTERNATIONAL = ("+44 20 7946 0{}", "+49 30 1234{}", "+33 6 12 34 5{}", "+39 347 123 4{}")
NEUTRAL_WORDS = ("hi", "hello", "please", "thanks", "the", "and", "today", "help", "urgent", "ok")
SEPARATORS = (" , ", " and ", "\n", "; ", " / ", " please ")


def luhn_digit(partial: str) -> str:
    """The check digit that makes ``partial`` + digit Luhn-valid."""
    total = 0
    for index, char in enumerate(reversed(partial)):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def iban_check(country: str, body: str) -> str:
    """ISO 13616 check digits."""
    numeric = "".join(str(int(char, 36)) for char in body + country + "00")
    return f"{98 - int(numeric) % 97:02d}"


def _digits(count: int) -> st.SearchStrategy[str]:
    return st.text(DIGITS, min_size=count, max_size=count)


emails = st.builds(
    lambda local, extra, domain, tld: f"{local}{'.' + extra if extra else ''}@{domain}.{tld}",
    st.text(string.ascii_lowercase, min_size=1, max_size=10),
    st.text(string.ascii_lowercase + DIGITS, max_size=5),
    st.text(string.ascii_lowercase, min_size=2, max_size=10),
    st.sampled_from(("com", "org", "io", "co.uk", "de")),
)

_us_phones = st.builds(
    lambda area, exchange, line, shape: shape.format(a=area, e=exchange, n=line),
    st.sampled_from(US_AREAS),
    st.integers(200, 999).map(str),
    _digits(4),
    st.sampled_from(("({a}) {e}-{n}", "{a}-{e}-{n}", "+1 {a} {e} {n}", "{a}.{e}.{n}")),
)
phones = st.one_of(_us_phones, st.builds(str.format, st.sampled_from(INTERNATIONAL), _digits(3)))


@st.composite
def cards(draw: st.DrawFn) -> str:
    """A Luhn-valid number with a real issuer prefix, grouped or compact."""
    prefix, length = draw(st.sampled_from((("4", 16), ("51", 16), ("2221", 16), ("37", 15))))
    body = prefix + draw(_digits(length - len(prefix) - 1))
    number = body + luhn_digit(body)
    separator = draw(st.sampled_from(("", " ", "-")))
    sizes = (4, 6, 5) if length == 15 else (4, 4, 4, 4)
    parts, start = [], 0
    for size in sizes:
        parts.append(number[start : start + size])
        start += size
    return separator.join(parts)


_IBAN_LAYOUTS = {"DE": "9" * 18, "GB": "AAAA" + "9" * 14, "FR": "9" * 23, "NL": "AAAA" + "9" * 10}


@st.composite
def ibans(draw: st.DrawFn) -> str:
    """A valid IBAN, compact or in groups of four."""
    country = draw(st.sampled_from(sorted(_IBAN_LAYOUTS)))
    body = "".join(
        draw(st.sampled_from(string.ascii_uppercase if slot == "A" else DIGITS))
        for slot in _IBAN_LAYOUTS[country]
    )
    compact = country + iban_check(country, body) + body
    if draw(st.booleans()):
        return compact
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


ssns = st.builds(
    lambda area, group, serial: f"{area:03d}-{group:02d}-{serial:04d}",
    st.integers(1, 899).filter(lambda area: area != 666),
    st.integers(1, 99),
    st.integers(1, 9999),
)
ips = st.one_of(
    st.integers(1 << 24, (1 << 32) - 1).map(lambda n: str(ipaddress.IPv4Address(n))),
    st.integers(0x2000 << 112, (0x4000 << 112) - 1).map(lambda n: str(ipaddress.IPv6Address(n))),
)


def _jwt(claims: str) -> str:
    def part(value: dict[str, str]) -> str:
        raw = json.dumps(value).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part({'sub': claims})}.sig{claims}"


credentials = st.one_of(
    st.text(ALNUM, min_size=30, max_size=40).map(lambda s: f"sk-proj-{s}9aZ"),
    st.text(string.ascii_uppercase + DIGITS, min_size=16, max_size=16).map(lambda s: f"AKIA{s}"),
    st.text(ALNUM, min_size=36, max_size=36).map(lambda s: f"ghp_{s}"),
    st.text(ALNUM, min_size=10, max_size=20).map(_jwt),
)

PLANTS: dict[str, st.SearchStrategy[str]] = {
    "EMAIL": emails,
    "PHONE": phones,
    "CREDIT_CARD": cards(),
    "IBAN": ibans(),
    "US_SSN": ssns,
    "IP_ADDRESS": ips,
    "CREDENTIAL": credentials,
}

typed_values = st.one_of(
    *(strategy.map(lambda value, kind=kind: (kind, value)) for kind, strategy in PLANTS.items())
)


@st.composite
def messages(draw: st.DrawFn) -> tuple[str, list[tuple[str, str, int]]]:
    """A message of neutral words and planted values; the plants as (type, value, offset)."""
    pieces: list[str] = []
    plants: list[tuple[str, str, int]] = []
    offset = 0
    for _ in range(draw(st.integers(1, 5))):
        words = " ".join(draw(st.lists(st.sampled_from(NEUTRAL_WORDS), max_size=3)))
        kind, value = draw(typed_values)
        lead = f"{words} " if words else ""
        separator = draw(st.sampled_from(SEPARATORS))
        plants.append((kind, value, offset + len(lead)))
        pieces.extend((lead, value, separator))
        offset += len(lead) + len(value) + len(separator)
    return "".join(pieces), plants
