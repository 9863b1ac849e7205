"""How real customers mistype: typos, chat abbreviations, casing and missing punctuation.

Pure functions of their input and the random generator passed in.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from types import MappingProxyType

_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_ABBREVIATIONS: Mapping[str, str] = MappingProxyType(
    {
        "please": "pls",
        "you": "u",
        "your": "ur",
        "thanks": "thx",
        "i'm": "im",
        "don't": "dont",
        "can't": "cant",
        "haven't": "havent",
        "doesn't": "doesnt",
        "isn't": "isnt",
        "didn't": "didnt",
        "because": "cuz",
        "are": "r",
        "what's": "whats",
    }
)
_WORD = re.compile(r"[a-z']+")
_PUNCTUATION = re.compile(r"[.,?!:;]+")


def _neighbours(char: str) -> str:
    """Keys next to ``char`` on a QWERTY keyboard (same row)."""
    for row in _KEYBOARD_ROWS:
        index = row.find(char)
        if index >= 0:
            return row[max(index - 1, 0) : index] + row[index + 1 : index + 2]
    return ""


def typo(word: str, rng: random.Random) -> str:
    """One realistic slip: swapped, dropped, doubled or neighbouring key."""
    if len(word) < 4:
        return word
    position = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        chars = list(word)
        chars[position], chars[position + 1] = chars[position + 1], chars[position]
        return "".join(chars)
    if kind == 1:
        return word[:position] + word[position + 1 :]
    if kind == 2:
        return word[:position] + word[position] + word[position:]
    options = _neighbours(word[position])
    if not options:
        return word[:position] + word[position + 1 :]
    return word[:position] + rng.choice(options) + word[position + 1 :]


def add_typos(text: str, rng: random.Random, rate: float) -> str:
    """Mistype each word of four letters or more with probability ``rate`` (at least one)."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not candidates:
        return text
    chosen = [i for i in candidates if rng.random() < rate] or [rng.choice(candidates)]
    for index in chosen:
        words[index] = typo(words[index], rng)
    return " ".join(words)


def abbreviate(text: str) -> str:
    """Chat-style short forms ("pls", "u", "thx")."""
    return _WORD.sub(lambda m: _ABBREVIATIONS.get(m.group(0), m.group(0)), text)


def strip_punctuation(text: str) -> str:
    """Drop sentence punctuation and collapse the spaces left behind."""
    return " ".join(_PUNCTUATION.sub(" ", text).split())


def remove_punctuation(text: str) -> str:
    """Drop sentence punctuation and keep the spacing as it is."""
    return _PUNCTUATION.sub("", text)


def sentence_case(text: str) -> str:
    """Capitalise the first letter and the pronoun "I", as a careful writer would."""
    text = re.sub(r"\bi\b", "I", text)
    return text[:1].upper() + text[1:]
