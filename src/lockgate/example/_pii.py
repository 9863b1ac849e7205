"""Personal data as customers type it: names, emails, phones, cards, IBANs, orders, addresses.

Every value is synthetic but structurally valid (Luhn-valid card numbers, IBANs with correct
mod-97 check digits, phone numbers in ranges the numbering plans allow), so PII detectors are
exercised on realistic input. All functions are pure given the random generator passed in.
"""

from __future__ import annotations

import random
import string
import unicodedata
from collections.abc import Callable, Mapping
from types import MappingProxyType

FIRST_NAMES = (
    "Maria", "John", "Aisha", "Wei", "Lukas", "Chloé", "Olumide", "Priya", "Sven", "Giulia",
    "Tomasz", "Emily", "Hiroshi", "Fatima", "Sean", "Ana", "Mohammed", "Sofia", "Daniel", "Ines",
    "Kwame", "Hannah", "Mateo", "Yuki", "Oliver", "Zoë", "Rahul", "Elena", "James", "Leila",
)  # fmt: skip
LAST_NAMES = (
    "Garcia", "Smith", "Khan", "Zhang", "Müller", "Martin", "Adeyemi", "Sharma", "Johansson",
    "Rossi", "Nowak", "Johnson", "Tanaka", "El Amrani", "O'Brien", "Souza", "Haddad", "Novak",
    "Williams", "Fernandes", "Mensah", "Schmidt", "López", "Sato", "Brown", "Dubois", "Patel",
    "Ivanova", "Wilson", "Nasser",
)  # fmt: skip
_MAIL_DOMAINS = (
    "gmail.com", "yahoo.com", "outlook.com", "hotmail.co.uk", "web.de", "icloud.com",
    "proton.me", "orange.fr", "gmx.net", "live.com",
)  # fmt: skip

# Each "#" is a random digit and "{area}" a US area code.
# Prefixes are fixed where a numbering plan leaves only some ranges valid.
_PHONE_FORMATS = (
    "({area}) 555-01##",
    "+1 {area} 555 01##",
    "{area}.555.01##",
    "+1 (646) 4##-####",
    "+44 7911 12####",
    "07400 1#####",
    "+44 20 7946 0###",
    "020 7946 0###",
    "+49 30 ########",
    "+49 170 #######",
    "+33 6 1# ## ## ##",
    "06 2# ## ## ##",
    "+34 6## ### ###",
    "+91 98### #####",
    "+61 491 570 1##",
    "+39 347 ### ####",
    "+31 6 1#######",
    "+353 85 ### ####",
)

_US_AREA_CODES = ("212", "312", "415", "617", "718", "202", "305", "512", "206", "303", "404")
_STREETS = (
    "Baker Street", "Elm Street", "Oak Avenue", "Maple Drive", "High Street", "Station Road",
    "Queen's Road", "Park Lane", "Church Street", "Mill Lane", "Cedar Court", "Sunset Blvd",
)  # fmt: skip
_US_CITIES = (
    ("Springfield", "IL", "627"), ("Austin", "TX", "787"), ("Portland", "OR", "972"),
    ("Denver", "CO", "802"), ("Madison", "WI", "537"), ("Columbus", "OH", "432"),
)  # fmt: skip
_UK_CITIES = (("London", "NW1"), ("Manchester", "M1"), ("Leeds", "LS2"), ("Bristol", "BS1"))
_EU_ADDRESSES = (
    "Hauptstraße {n}, 10115 Berlin",
    "Bahnhofstraße {n}, 80335 München",
    "{n} rue de la Paix, 75002 Paris",
    "{n} avenue Jean Jaurès, 69007 Lyon",
    "Calle Mayor {n}, 28013 Madrid",
    "Via Roma {n}, 20121 Milano",
    "Keizersgracht {n}, 1015 CJ Amsterdam",
)

# country -> pattern of the basic bank account number (everything after country and check digits).
_IBAN_LAYOUTS: Mapping[str, str] = MappingProxyType(
    {
        "DE": "##################",
        "GB": "AAAA##############",
        "FR": "#######################",
        "ES": "####################",
        "NL": "AAAA##########",
        "IT": "A######################",
    }
)


def _fill(rng: random.Random, pattern: str) -> str:
    """Replace '#' with a digit, '@' with a non-zero digit and 'A' with a capital letter."""
    out: list[str] = []
    for char in pattern:
        if char == "#":
            out.append(rng.choice(string.digits))
        elif char == "@":
            out.append(rng.choice("23456789"))
        elif char == "A":
            out.append(rng.choice(string.ascii_uppercase))
        else:
            out.append(char)
    return "".join(out)


def person_name(rng: random.Random) -> str:
    """A first and last name, sometimes typed in lower case."""
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    return name.lower() if rng.random() < 0.2 else name


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(c for c in folded.lower() if c.isalnum())


def email(rng: random.Random) -> str:
    """An address built from a name, in one of the shapes people really use."""
    first, last = _ascii(rng.choice(FIRST_NAMES)), _ascii(rng.choice(LAST_NAMES))
    local = rng.choice(
        (
            f"{first}.{last}",
            f"{first[0]}{last}{rng.randint(1, 99)}",
            f"{first}_{last}",
            f"{first}{rng.randint(1970, 2005)}",
            f"{last}.{first[0]}",
        )
    )
    return f"{local}@{rng.choice(_MAIL_DOMAINS)}"


def phone(rng: random.Random) -> str:
    """A phone number in a national or international format of one of several countries."""
    return _fill(rng, rng.choice(_PHONE_FORMATS).replace("{area}", rng.choice(_US_AREA_CODES)))


def luhn_check_digit(partial: str) -> str:
    """The digit that makes ``partial + digit`` pass the Luhn check."""
    total = 0
    for index, char in enumerate(reversed(partial)):
        digit = int(char)
        if index % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def card_number(rng: random.Random) -> str:
    """A Luhn-valid Visa, Mastercard, Amex or Discover number, grouped as people type it."""
    prefix, length = rng.choice((("4", 16), ("51", 16), ("55", 16), ("2221", 16), ("37", 15)))
    if rng.random() < 0.15:
        prefix, length = "6011", 16
    body = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    digits = body + luhn_check_digit(body)
    separator = rng.choice((" ", "-", ""))
    groups = (4, 6, 5) if length == 15 else (4, 4, 4, 4)
    parts, start = [], 0
    for size in groups:
        parts.append(digits[start : start + size])
        start += size
    return separator.join(parts)


def iban_check_digits(country: str, body: str) -> str:
    """The two ISO 13616 check digits for ``country`` and the basic bank account number."""
    rearranged = body + country + "00"
    numeric = "".join(str(int(char, 36)) for char in rearranged)
    return f"{98 - int(numeric) % 97:02d}"


def iban(rng: random.Random) -> str:
    """A valid IBAN of a European country, either compact or in groups of four."""
    country = rng.choice(sorted(_IBAN_LAYOUTS))
    body = _fill(rng, _IBAN_LAYOUTS[country])
    compact = country + iban_check_digits(country, body) + body
    if rng.random() < 0.5:
        return compact
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def order_number(rng: random.Random) -> str:
    """An order reference in one of the shop's historic formats."""
    return _fill(
        rng, rng.choice(("#@#####", "ORD-@####-##", "@########", "#A@######", "SO-@#####"))
    )


def address(rng: random.Random) -> str:
    """A street address in the US, UK or continental European style."""
    kind = rng.random()
    number = rng.randint(1, 240)
    if kind < 0.4:
        city, state, zip_prefix = rng.choice(_US_CITIES)
        street = rng.choice(_STREETS)
        return f"{number} {street}, {city}, {state} {zip_prefix}{rng.randint(0, 99):02d}"
    if kind < 0.7:
        city, district = rng.choice(_UK_CITIES)
        letters = "ABDEFGHJLNPQRSTUWXYZ"
        unit = f"{rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"
        return f"{number} {rng.choice(_STREETS)}, {city} {district} {unit}"
    return rng.choice(_EU_ADDRESSES).format(n=number)


PII_GENERATORS: Mapping[str, Callable[[random.Random], str]] = MappingProxyType(
    {
        "name": person_name,
        "email": email,
        "phone": phone,
        "card": card_number,
        "iban": iban,
        "order": order_number,
        "address": address,
    }
)
