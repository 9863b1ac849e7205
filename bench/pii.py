"""PII detection benchmark: per-type precision and recall, throughput, encrypt round trips.

A deterministic corpus of support messages holds planted personal data of every structured type
and look-alikes that are not personal data (Luhn-invalid card numbers, dates, versions, prices,
tracking and order numbers, never-issued SSNs, IPs next to phone numbers, IBANs followed by
words). Lockgate's analyzer and Presidio's pattern recognizers (no NLP model, offline) run on
the same corpus in the same run, pinned to one core, and are scored by the same code.
Throughput is CPU time of the measuring process, so other load on a shared machine does not
skew it.

    .venv/bin/python bench/pii.py            # full run (6,000 messages)
    .venv/bin/python bench/pii.py --quick    # smoke run (400 messages)

Presidio runs when ``.venv-peers/presidio`` exists (built from ``bench/peers/presidio.txt``).
Writes ``bench/results/pii.json`` and ``bench/results/pii.md``.
"""

from __future__ import annotations

import argparse
import base64
import ipaddress
import json
import os
import random
import string
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lockgate.privacy import (
    Analyzer,
    Encrypt,
    Entity,
    OperatorPolicy,
    apply_operators,
    decrypt,
    redact,
)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PRESIDIO_PYTHON = ROOT / ".venv-peers" / "presidio" / "bin" / "python"
TYPES = ("CREDENTIAL", "CREDIT_CARD", "EMAIL", "IBAN", "IP_ADDRESS", "PHONE", "US_SSN")
PRESIDIO_TYPES = {
    "EMAIL_ADDRESS": "EMAIL",
    "PHONE_NUMBER": "PHONE",
    "CREDIT_CARD": "CREDIT_CARD",
    "IBAN_CODE": "IBAN",
    "US_SSN": "US_SSN",
    "IP_ADDRESS": "IP_ADDRESS",
}
TARGET_PRECISION = TARGET_RECALL = 0.99
TARGET_SPEEDUP = 10.0
PRESIDIO_THRESHOLD = 0.5
PASSES = 3
TIME_BUDGET_S = 120.0
SUBPROCESS_TIMEOUT_S = 1200
ROUNDTRIP_CASES = 300
PRESIDIO_AES_KEY = "WmZq4t7w!z%C*F-J"  # a fixed 128-bit test key, as Presidio takes it

Span = tuple[str, int, int]

# ---------------------------------------------------------------------------------------------
# Corpus values


def _fill(rng: random.Random, pattern: str) -> str:
    """'#' becomes a digit, 'A' a capital letter."""
    return "".join(
        rng.choice(string.digits)
        if char == "#"
        else rng.choice(string.ascii_uppercase)
        if char == "A"
        else char
        for char in pattern
    )


_FIRST = ("maria", "john", "aisha", "wei", "lukas", "chloe", "priya", "sven", "emily", "kwame")
_LAST = ("garcia", "smith", "khan", "zhang", "muller", "martin", "sharma", "rossi", "nowak")
_DOMAINS = ("gmail.com", "yahoo.com", "outlook.com", "example.co.uk", "web.de", "proton.me")
_US_AREAS = ("201", "202", "212", "213", "305", "312", "404", "415", "503", "512", "617", "646")
_INTL_PHONES = (
    "+44 20 7946 0###",
    "+49 30 ########",
    "+49 170 #######",
    "+34 6## ### ###",
    "+39 347 ### ####",
    "+91 98### #####",
    "+55 11 9#### ####",
    "+353 85 ### ####",
)
_IBAN_LAYOUTS = {
    "DE": "##################",
    "GB": "AAAA##############",
    "FR": "#######################",
    "ES": "####################",
    "NL": "AAAA##########",
    "IT": "A######################",
    "BE": "############",
    "CH": "#################",
}


def _luhn_digit(partial: str) -> str:
    total = 0
    for index, char in enumerate(reversed(partial)):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def _group(digits: str, sizes: Iterable[int], separator: str) -> str:
    parts, start = [], 0
    for size in sizes:
        parts.append(digits[start : start + size])
        start += size
    return separator.join(parts)


def email(rng: random.Random) -> str:
    """A name-based address."""
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    local = rng.choice(
        (f"{first}.{last}", f"{first[0]}{last}{rng.randint(1, 99)}", f"{first}_{last}")
    )
    return f"{local}@{rng.choice(_DOMAINS)}"


def phone(rng: random.Random) -> str:
    """A US number in a common shape, or an international one."""
    if rng.random() < 0.35:
        return _fill(rng, rng.choice(_INTL_PHONES))
    area = rng.choice(_US_AREAS)
    exchange = rng.choice([n for n in range(200, 1000) if n % 100 != 11])
    line = f"{rng.randint(0, 9999):04d}"
    shape = rng.choice(
        ("({a}) {e}-{n}", "{a}-{e}-{n}", "+1 {a} {e} {n}", "{a}.{e}.{n}", "{a}{e}{n}")
    )
    return shape.format(a=area, e=exchange, n=line)


def card(rng: random.Random, *, valid: bool = True) -> str:
    """A card number, Luhn-valid unless ``valid`` is False."""
    prefix, length = rng.choice((("4", 16), ("51", 16), ("55", 16), ("2221", 16), ("37", 15)))
    if rng.random() < 0.1:
        prefix, length = "6011", 16
    body = prefix + _fill(rng, "#" * (length - len(prefix) - 1))
    check = _luhn_digit(body)
    if not valid:
        check = str((int(check) + rng.randint(1, 9)) % 10)
    sizes = (4, 6, 5) if length == 15 else (4, 4, 4, 4)
    return _group(body + check, sizes, rng.choice((" ", "-", "")))


def iban(rng: random.Random) -> str:
    """A valid IBAN, compact or in groups of four."""
    country = rng.choice(sorted(_IBAN_LAYOUTS))
    body = _fill(rng, _IBAN_LAYOUTS[country])
    numeric = "".join(str(int(char, 36)) for char in body + country + "00")
    compact = f"{country}{98 - int(numeric) % 97:02d}{body}"
    if rng.random() < 0.5:
        return compact
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def ssn(rng: random.Random) -> str:
    """A number in the ranges the SSA issues."""
    area = rng.choice([n for n in range(1, 900) if n != 666])
    return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def invalid_ssn(rng: random.Random) -> str:
    """A number in a never-issued range."""
    area = rng.choice(("000", "666", f"9{rng.randint(0, 99):02d}"))
    return f"{area}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def ip(rng: random.Random) -> str:
    """A public-looking IPv4 address, or an IPv6 one."""
    if rng.random() < 0.75:
        return ipv4(rng)
    return str(ipaddress.IPv6Address(rng.randint(0x2001 << 112, (0x2002 << 112) - 1)))


def ipv4(rng: random.Random) -> str:
    """A public-looking IPv4 address."""
    return str(ipaddress.IPv4Address(rng.randint(0x0B000000, 0xDF000000)))


def _b64(value: dict[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def credential(rng: random.Random) -> str:
    """An API key or token of one of the recognised families."""
    alnum = string.ascii_letters + string.digits
    kind = rng.randrange(6)
    if kind == 0:
        return "sk-proj-" + "".join(rng.choices(alnum, k=40)) + "7Q"
    if kind == 1:
        return "AKIA" + "".join(rng.choices(string.ascii_uppercase + string.digits, k=16))
    if kind == 2:
        return "ghp_" + "".join(rng.choices(alnum, k=36))
    if kind == 3:
        return f"xoxb-{rng.randint(10**11, 10**12 - 1)}-" + "".join(rng.choices(alnum, k=24))
    if kind == 4:
        key_id = "".join(rng.choices("0123456789abcdef", k=12))
        return f"lk_{key_id}_" + "".join(rng.choices(alnum, k=40))
    claims = _b64({"sub": str(rng.randint(1, 10**6)), "name": rng.choice(_FIRST)})
    return f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{claims}." + "".join(
        rng.choices(alnum + "-_", k=43)
    )


def bearer_token(rng: random.Random) -> str:
    """An opaque access token."""
    return "".join(rng.choices(string.ascii_letters + string.digits, k=32)) + "9x"


# ---------------------------------------------------------------------------------------------
# Corpus sentences


@dataclass(frozen=True, slots=True)
class Slot:
    """A template with one ``{}`` slot, the value generator and what the value is."""

    template: str
    make: Callable[[random.Random], str]
    label: str  # an entity type for personal data, or "decoy:<kind>"


_PII_SLOTS = (
    Slot("You can reach me at {}.", email, "EMAIL"),
    Slot("Please send the invoice to {} instead", email, "EMAIL"),
    Slot("I changed my address to {} last week.", email, "EMAIL"),
    Slot("Call me at {} please.", phone, "PHONE"),
    Slot("My number is {}", phone, "PHONE"),
    Slot("You can reach me on {} after 5pm.", phone, "PHONE"),
    Slot("I was charged twice on my card {}.", card, "CREDIT_CARD"),
    Slot("Card number {}, exp 04/27.", card, "CREDIT_CARD"),
    Slot("Can you refund it to {} today?", card, "CREDIT_CARD"),
    Slot("My IBAN is {} Thanks", iban, "IBAN"),
    Slot("Please wire it to {} and confirm.", iban, "IBAN"),
    Slot("IBAN: {} Bank: Sparkasse", iban, "IBAN"),
    Slot("My SSN is {}.", ssn, "US_SSN"),
    Slot("SSN {} for the tax form", ssn, "US_SSN"),
    Slot("the applicant's number is {} if you need it", ssn, "US_SSN"),
    Slot("I'm logging in from {} and it fails", ip, "IP_ADDRESS"),
    Slot("The server at {} refuses the connection.", ip, "IP_ADDRESS"),
    Slot("my IP is {}, is it blocked?", ip, "IP_ADDRESS"),
    Slot("the proxy {}:8443 times out", ipv4, "IP_ADDRESS"),
    Slot("I accidentally pasted my key {} in the chat", credential, "CREDENTIAL"),
    Slot("here is the token {} - please revoke it", credential, "CREDENTIAL"),
    Slot("Authorization: Bearer {}", bearer_token, "CREDENTIAL"),
)


def _date(rng: random.Random) -> str:
    year, month, day = rng.randint(2019, 2026), rng.randint(1, 12), rng.randint(1, 28)
    shapes = (f"{year}-{month:02d}-{day:02d}", f"{day:02d}/{month:02d}/{year}")
    return rng.choice((*shapes, f"{month:02d}.{day:02d}.{year}"))


def _version(rng: random.Random) -> str:
    parts = [rng.randint(0, 20), rng.randint(0, 40), rng.randint(0, 300)]
    if rng.random() < 0.3:
        parts.append(rng.randint(1, 999))
    return ".".join(map(str, parts))


def _price(rng: random.Random) -> str:
    amount = rng.randint(1, 999_999) / 100
    return rng.choice((f"${amount:,.2f}", f"€{amount:.2f}", f"USD {amount:,.2f}"))


def _tracking(rng: random.Random) -> str:
    return rng.choice(
        (
            _fill(rng, "1ZAAA###########"),
            _fill(rng, "9400 1### #### #### #### ##"),
            _fill(rng, "7### #### ####"),
            _fill(rng, "92##################"),
        )
    )


def _order(rng: random.Random) -> str:
    return str(rng.randint(100_000_000, 999_999_999))


def _invalid_card(rng: random.Random) -> str:
    return card(rng, valid=False)


def _error_code(rng: random.Random) -> str:
    return _fill(rng, "E-####-##")


_DECOY_SLOTS = (
    Slot("My card {} was declined, is it blocked?", _invalid_card, "decoy:luhn_invalid"),
    Slot("It happened on {} around noon.", _date, "decoy:date"),
    Slot("I'm on app version {} on Android.", _version, "decoy:version"),
    Slot("I paid {} but the receipt is wrong.", _price, "decoy:price"),
    Slot("Tracking number: {}", _tracking, "decoy:tracking"),
    Slot("Order #{} hasn't arrived.", _order, "decoy:order"),
    Slot("my order number {} shows as cancelled", _order, "decoy:order"),
    Slot("The form shows SSN {} which is not mine.", invalid_ssn, "decoy:invalid_ssn"),
    Slot("Please check {}, it went to the wrong address.", _order, "decoy:bare_9_digits"),
    Slot("error code {} at checkout", _error_code, "decoy:code"),
)
_NEUTRAL = (
    "I can't log in since yesterday.",
    "The app keeps crashing when I open settings.",
    "Can you help me with my subscription?",
    "Thanks for the quick reply!",
    "The checkout page is stuck on loading.",
    "I'd like to cancel my plan at the end of the month.",
    "Your chatbot gave me a wrong answer about shipping times.",
    "Is there a student discount?",
)
_GREETINGS = ("Hi,", "Hello team,", "Hey there.", "Good morning,", "")
_SIGNOFFS = ("Thanks", "Best regards", "Cheers", "")


@dataclass(slots=True)
class Message:
    """One support message with its planted spans."""

    text: str = ""
    gold: list[Span] = field(default_factory=list)
    decoys: list[Span] = field(default_factory=list)

    def add(self, piece: str) -> None:
        """Append plain text."""
        self.text += piece

    def slot(self, slot: Slot, rng: random.Random) -> None:
        """Append a filled template and record where its value went."""
        before, after = slot.template.split("{}")
        value = slot.make(rng)
        self.text += before
        start = len(self.text)
        self.text += value
        if slot.label.startswith("decoy:"):
            self.decoys.append((slot.label, start, len(self.text)))
        else:
            self.gold.append((slot.label, start, len(self.text)))
        self.text += after


def _ip_phone_sentence(message: Message, rng: random.Random) -> None:
    """An IP address followed directly by a phone number: both are personal data."""
    message.add("Logged from ")
    start = len(message.text)
    message.add(ip(rng))
    message.gold.append(("IP_ADDRESS", start, len(message.text)))
    message.add(" ")
    number = phone(rng)
    start = len(message.text)
    message.add(number)
    message.gold.append(("PHONE", start, len(message.text)))
    message.add(", please call back.")


def make_corpus(count: int, seed: int) -> list[Message]:
    """``count`` messages; about a third are clean, the rest mix personal data and look-alikes."""
    rng = random.Random(seed)
    corpus: list[Message] = []
    for _ in range(count):
        message = Message()
        greeting = rng.choice(_GREETINGS)
        message.add(f"{greeting} " if greeting else "")
        clean = rng.random() < 0.33
        for index in range(rng.randint(1, 4)):
            if index:
                message.add(" ")
            roll = rng.random()
            if clean or roll < 0.25:
                message.add(rng.choice(_NEUTRAL))
            elif roll < 0.62:
                message.slot(rng.choice(_PII_SLOTS), rng)
            elif roll < 0.66:
                _ip_phone_sentence(message, rng)
            else:
                message.slot(rng.choice(_DECOY_SLOTS), rng)
        signoff = rng.choice(_SIGNOFFS)
        message.add(f" {signoff}" if signoff else "")
        corpus.append(message)
    return corpus


# ---------------------------------------------------------------------------------------------
# Scoring


@dataclass(slots=True)
class Score:
    """Counts for one entity type."""

    gold: int = 0
    true_positives: int = 0
    false_positives: int = 0
    found_gold: int = 0

    @property
    def precision(self) -> float | None:
        """Share of predictions that hit a planted value (None without predictions)."""
        predicted = self.true_positives + self.false_positives
        return self.true_positives / predicted if predicted else None

    @property
    def recall(self) -> float | None:
        """Share of planted values found (None without planted values)."""
        return self.found_gold / self.gold if self.gold else None


def score(
    corpus: list[Message], predictions: list[list[Span]], types: Iterable[str]
) -> tuple[dict[str, Score], Counter[str]]:
    """Per-type scores (a prediction counts if it overlaps an unmatched planted value of its
    type) and false positives by the look-alike they landed on."""
    wanted = set(types)
    scores = {kind: Score() for kind in sorted(wanted)}
    decoy_hits: Counter[str] = Counter()
    for message, predicted in zip(corpus, predictions, strict=True):
        matched: set[int] = set()
        for kind, _, _ in message.gold:
            if kind in wanted:
                scores[kind].gold += 1
        for kind, start, end in predicted:
            if kind not in wanted:
                continue
            hit = next(
                (
                    index
                    for index, (gold_kind, gold_start, gold_end) in enumerate(message.gold)
                    if index not in matched
                    and gold_kind == kind
                    and start < gold_end
                    and gold_start < end
                ),
                None,
            )
            if hit is None:
                scores[kind].false_positives += 1
                decoy = next(
                    (d for d, d_start, d_end in message.decoys if start < d_end and d_start < end),
                    "other",
                )
                decoy_hits[f"{kind} on {decoy}"] += 1
            else:
                matched.add(hit)
                scores[kind].true_positives += 1
                scores[kind].found_gold += 1
    return scores, decoy_hits


# ---------------------------------------------------------------------------------------------
# Lockgate


def run_lockgate(corpus: list[Message]) -> dict[str, Any]:
    """Predictions and single-core timings of the default analyzer."""
    analyzer = Analyzer.default()
    texts = [message.text for message in corpus]
    predictions = [[(e.type, e.start, e.end) for e in analyzer.analyze(t)] for t in texts]
    timings: list[float] = []
    budget = time.monotonic() + TIME_BUDGET_S
    for _ in range(PASSES):
        started = time.process_time()
        for text in texts:
            analyzer.analyze(text)
        timings.append(time.process_time() - started)
        if time.monotonic() > budget:
            break
    clean = [m.text for m in corpus if not m.gold and not m.decoys]
    started = time.process_time()
    for text in clean:
        analyzer.analyze(text)
    clean_seconds = time.process_time() - started
    started = time.process_time()
    redacted = [redact(text, analyzer=analyzer).text for text in texts]
    redact_seconds = time.process_time() - started
    leaks = sum(
        message.text[start:end] in output
        for message, output in zip(corpus, redacted, strict=True)
        for _, start, end in message.gold
    )
    return {
        "predictions": predictions,
        "seconds": sorted(timings)[len(timings) // 2],
        "redact_seconds": redact_seconds,
        "clean_us_per_message": clean_seconds / max(1, len(clean)) * 1e6,
        "leaks": leaks,
    }


# ---------------------------------------------------------------------------------------------
# Presidio (subprocess in its own virtualenv)

PRESIDIO_RUNNER = r"""
import json, sys, time
from importlib.metadata import version
mode, source, target = sys.argv[1:4]
with open(source) as handle:
    data = json.load(handle)
if mode == "analyze":
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NoOpNlpEngine
    nlp = NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "none"}])
    engine = AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"])
    entities, texts = data["entities"], data["texts"]
    engine.analyze(text=texts[0], language="en", entities=entities)
    found, started = [], time.process_time()
    for text in texts:
        results = engine.analyze(text=text, language="en", entities=entities)
        found.append([[r.entity_type, r.start, r.end, r.score] for r in results])
    elapsed = time.process_time() - started
    out = {"seconds": elapsed, "found": found, "version": version("presidio-analyzer")}
else:
    from presidio_anonymizer import AnonymizerEngine, DeanonymizeEngine
    from presidio_anonymizer.entities import OperatorConfig, RecognizerResult
    anonymizer, deanonymizer = AnonymizerEngine(), DeanonymizeEngine()
    key = data["key"]
    restored = []
    for case in data["cases"]:
        try:
            spans = [RecognizerResult(t, s, e, sc) for t, s, e, sc in case["spans"]]
            sealed = anonymizer.anonymize(
                text=case["text"], analyzer_results=spans,
                operators={"DEFAULT": OperatorConfig("encrypt", {"key": key})})
            back = deanonymizer.deanonymize(
                text=sealed.text, entities=sealed.items,
                operators={"DEFAULT": OperatorConfig("decrypt", {"key": key})})
            restored.append(back.text)
        except Exception as error:
            restored.append({"error": type(error).__name__})
    out = {"restored": restored, "version": version("presidio-anonymizer")}
with open(target, "w") as handle:
    json.dump(out, handle)
"""


def _presidio(mode: str, payload: dict[str, Any]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder) / "in.json", Path(folder) / "out.json"
        source.write_text(json.dumps(payload))
        env = {
            **os.environ,
            "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": "",  # offline: use the bundled suffix list
            "TLDEXTRACT_CACHE": str(Path(folder) / "tld"),
            "HF_HUB_OFFLINE": "1",
        }
        subprocess.run(
            [str(PRESIDIO_PYTHON), "-c", PRESIDIO_RUNNER, mode, str(source), str(target)],
            check=True,
            env=env,
            timeout=SUBPROCESS_TIMEOUT_S,
            capture_output=True,
        )
        result: dict[str, Any] = json.loads(target.read_text())
        return result


def run_presidio(corpus: list[Message]) -> dict[str, Any]:
    """Presidio's predictions (all, and at the score threshold) and its timing."""
    raw = _presidio(
        "analyze", {"entities": sorted(PRESIDIO_TYPES), "texts": [m.text for m in corpus]}
    )
    every, confident = [], []
    for found in raw["found"]:
        mapped = [(PRESIDIO_TYPES[t], s, e, sc) for t, s, e, sc in found if t in PRESIDIO_TYPES]
        every.append([(t, s, e) for t, s, e, _ in mapped])
        confident.append([(t, s, e) for t, s, e, sc in mapped if sc >= PRESIDIO_THRESHOLD])
    return {
        "predictions": every,
        "confident": confident,
        "seconds": raw["seconds"],
        "version": raw["version"],
    }


# ---------------------------------------------------------------------------------------------
# Encrypt/decrypt round trips with overlapping spans


def roundtrip_cases(
    corpus: list[Message], count: int, seed: int
) -> dict[str, list[dict[str, Any]]]:
    """Messages with their planted spans plus, per message, an adjacent span (set "adjacent")
    or a span partly overlapping a planted value (set "overlapping")."""
    rng = random.Random(seed + 1)
    cases: dict[str, list[dict[str, Any]]] = {"adjacent": [], "overlapping": []}
    for message in (m for m in corpus if m.gold and m.gold[0][1] >= 3):
        spans = [[kind, start, end, 0.9] for kind, start, end in message.gold]
        _, start, end = rng.choice(message.gold)
        # Up to three characters right before a planted value, touching no other planted one.
        before = max([0, start - 3, *(e for _, _, e in message.gold if e <= start)])
        if before < start:
            cases["adjacent"].append(
                {"text": message.text, "spans": [*spans, ["CUSTOM", before, start, 0.6]]}
            )
        middle = (start + end) // 2
        overlap = ["CUSTOM", middle, min(len(message.text), end + 6), 0.6]
        cases["overlapping"].append({"text": message.text, "spans": [*spans, overlap]})
        if len(cases["overlapping"]) >= count:
            break
    return cases


def lockgate_roundtrips(cases: list[dict[str, Any]]) -> int:
    """How many cases decrypt back to the exact original."""
    key = bytes(range(32))
    policy = OperatorPolicy(default=Encrypt(key))
    exact = 0
    for case in cases:
        entities = [Entity(t, s, e, sc) for t, s, e, sc in case["spans"]]
        sealed = apply_operators(case["text"], entities, policy).text
        exact += decrypt(sealed, key) == case["text"]
    return exact


# ---------------------------------------------------------------------------------------------
# Report


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.2f}%"


def _met(flag: bool) -> str:
    return "met" if flag else "NOT met"


def build_report(args: argparse.Namespace) -> dict[str, Any]:
    """Run everything and collect the figures."""
    corpus = make_corpus(args.messages, args.seed)
    size_mb = sum(len(m.text.encode()) for m in corpus) / 1e6
    ours = run_lockgate(corpus)
    our_scores, our_decoys = score(corpus, ours["predictions"], TYPES)
    report: dict[str, Any] = {
        "command": "python bench/pii.py" + (" --quick" if args.quick else ""),
        "corpus": {
            "messages": len(corpus),
            "seed": args.seed,
            "megabytes": round(size_mb, 3),
            "planted": dict(Counter(kind for m in corpus for kind, _, _ in m.gold)),
            "look_alikes": dict(Counter(kind for m in corpus for kind, _, _ in m.decoys)),
            "clean_messages": sum(not m.gold and not m.decoys for m in corpus),
        },
        "lockgate": {
            "types": {k: _score_dict(v) for k, v in our_scores.items()},
            "false_positives_by_look_alike": dict(our_decoys),
            "messages_per_s": len(corpus) / ours["seconds"],
            "mb_per_s": size_mb / ours["seconds"],
            "redact_messages_per_s": len(corpus) / ours["redact_seconds"],
            "clean_message_us": ours["clean_us_per_message"],
            "leaked_values": ours["leaks"],
        },
    }
    cases = roundtrip_cases(corpus, ROUNDTRIP_CASES, args.seed)
    report["roundtrip"] = {
        name: {"cases": len(group), "lockgate_exact": lockgate_roundtrips(group)}
        for name, group in cases.items()
    }
    if PRESIDIO_PYTHON.exists() and not args.no_presidio:
        peer = run_presidio(corpus)
        all_scores, all_decoys = score(corpus, peer["predictions"], PRESIDIO_TYPES.values())
        confident_scores, _ = score(corpus, peer["confident"], PRESIDIO_TYPES.values())
        report["presidio"] = {
            "version": peer["version"],
            "types": {k: _score_dict(v) for k, v in all_scores.items()},
            f"types_score_ge_{PRESIDIO_THRESHOLD}": {
                k: _score_dict(v) for k, v in confident_scores.items()
            },
            "false_positives_by_look_alike": dict(all_decoys),
            "messages_per_s": len(corpus) / peer["seconds"],
            "mb_per_s": size_mb / peer["seconds"],
        }
        for name, group in cases.items():
            restored = _presidio("roundtrip", {"key": PRESIDIO_AES_KEY, "cases": group})["restored"]
            report["roundtrip"][name]["presidio_exact"] = sum(
                back == case["text"] for back, case in zip(restored, group, strict=True)
            )
            report["roundtrip"][name]["presidio_errors"] = sum(
                isinstance(back, dict) for back in restored
            )
    else:
        report["presidio"] = {"skipped": "no .venv-peers/presidio (see bench/peers/presidio.txt)"}
    report["targets"] = _targets(report)
    return report


def _score_dict(value: Score) -> dict[str, Any]:
    return {
        "gold": value.gold,
        "true_positives": value.true_positives,
        "false_positives": value.false_positives,
        "precision": value.precision,
        "recall": value.recall,
    }


def _targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    targets = []
    for kind, figures in report["lockgate"]["types"].items():
        precision, recall = figures["precision"] or 0.0, figures["recall"] or 0.0
        met = precision >= TARGET_PRECISION and recall >= TARGET_RECALL
        targets.append({"target": f"{kind}: precision >= 99% and recall >= 99%", "met": met})
    if "messages_per_s" in report["presidio"]:
        speedup = report["lockgate"]["messages_per_s"] / report["presidio"]["messages_per_s"]
        report["speedup_vs_presidio"] = speedup
        targets.append({"target": ">= 10x Presidio's throughput", "met": speedup >= TARGET_SPEEDUP})
    return targets


def _type_rows(ours: dict[str, Any], peer: dict[str, Any]) -> list[str]:
    confident_key = f"types_score_ge_{PRESIDIO_THRESHOLD}"
    rows = [
        (
            "| type | planted | Lockgate precision | Lockgate recall | Presidio precision | "
            f"Presidio recall | Presidio P (score ≥ {PRESIDIO_THRESHOLD}) | "
            f"Presidio R (score ≥ {PRESIDIO_THRESHOLD}) |"
        ),
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, figures in ours["types"].items():
        theirs = peer.get("types", {}).get(kind, {})
        confident = peer.get(confident_key, {}).get(kind, {})
        cells = (
            kind,
            str(figures["gold"]),
            _pct(figures["precision"]),
            _pct(figures["recall"]),
            _pct(theirs.get("precision")),
            _pct(theirs.get("recall")),
            _pct(confident.get("precision")),
            _pct(confident.get("recall")),
        )
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def _throughput_rows(report: dict[str, Any]) -> list[str]:
    ours, peer = report["lockgate"], report["presidio"]
    rows = [
        "| throughput (one core, CPU time) | messages/s | MB/s |",
        "|---|---:|---:|",
        f"| Lockgate analyze | {ours['messages_per_s']:,.0f} | {ours['mb_per_s']:.2f} |",
        f"| Lockgate redact (analyze + replace) | {ours['redact_messages_per_s']:,.0f} | — |",
    ]
    if "messages_per_s" in peer:
        rows.append(
            f"| Presidio analyze | {peer['messages_per_s']:,.0f} | {peer['mb_per_s']:.3f} |"
        )
    rows += [
        "",
        (
            f"Clean message: {ours['clean_message_us']:.1f} µs on average. Planted values left "
            f"in Lockgate's redacted output: {ours['leaked_values']}."
        ),
    ]
    if "speedup_vs_presidio" in report:
        rows.append(f"Speed-up over Presidio: {report['speedup_vs_presidio']:.1f}x.")
    return rows


def _roundtrip_rows(report: dict[str, Any]) -> list[str]:
    rows = [
        "| encrypt → decrypt round trip | cases | Lockgate exact | Presidio exact |",
        "|---|---:|---:|---:|",
    ]
    for name, trip in report["roundtrip"].items():
        theirs = trip.get("presidio_exact", "n/a")
        rows.append(
            f"| planted spans + one {name} span | {trip['cases']} | "
            f"{trip['lockgate_exact']} | {theirs} |"
        )
    return rows


def render_markdown(report: dict[str, Any]) -> str:
    """The results as Markdown tables."""
    corpus, ours, peer = report["corpus"], report["lockgate"], report["presidio"]
    header = (
        f"Command: `{report['command']}` — {corpus['messages']} messages "
        f"({corpus['megabytes']} MB, seed {corpus['seed']}, {corpus['clean_messages']} clean), "
        f"pinned to one core. Presidio {peer.get('version', 'not installed')} with pattern "
        "recognizers only (NoOpNlpEngine, offline)."
    )
    false_positives = "False positives by look-alike: Lockgate " + json.dumps(
        ours["false_positives_by_look_alike"], sort_keys=True
    )
    if "false_positives_by_look_alike" in peer:
        false_positives += "; Presidio " + json.dumps(
            peer["false_positives_by_look_alike"], sort_keys=True
        )
    lines = [
        header,
        "",
        *_type_rows(ours, peer),
        "",
        *_throughput_rows(report),
        "",
        *_roundtrip_rows(report),
        "",
        false_positives + ".",
        "",
        "| target | result |",
        "|---|---|",
        *(f"| {t['target']} | {_met(t['met'])} |" for t in report["targets"]),
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Parse arguments, run, print and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="400 messages, a smoke run")
    parser.add_argument("--messages", type=int, default=None, help="corpus size (default 6000)")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--no-presidio", action="store_true", help="skip the peer")
    args = parser.parse_args()
    args.messages = args.messages or (400 if args.quick else 6000)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    report = build_report(args)
    markdown = render_markdown(report)
    print(markdown)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "pii.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    (RESULTS / "pii.md").write_text(markdown)
    sys.exit(0)


if __name__ == "__main__":
    main()
