"""The interaction sink: redaction before encryption, provenance, pseudonyms, raw-database scans."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

import orjson
import pytest
from sqlalchemy import select

from lockgate.errors import ConfigError
from lockgate.manifest import LoadedManifest
from lockgate.privacy.interactions import (
    InteractionSink,
    list_interactions,
    pseudonymizer_for,
    read_interaction,
)
from lockgate.privacy.kms import DataKeyRing
from lockgate.store import interactions as repo
from lockgate.store.db import Store
from lockgate.store.tables import AuditRecord
from tests.privacy.store.support import (
    CARD,
    EMAIL,
    FRAGMENT,
    MESSAGE,
    PHONE,
    PLANTED,
    SQLITE_ONLY,
    chat,
    completion,
    leaks,
    raw_dump,
    record,
    stream,
)


def _only(store: Store, ring: DataKeyRing) -> dict[str, object]:
    [item] = list_interactions(store)
    return read_interaction(store, ring, item.id, actor="test").as_dict()


def test_nothing_planted_reaches_the_database(
    db_url: str, store: Store, sink: InteractionSink
) -> None:
    """Planted PII and payload text appear nowhere in the raw database, in any table."""
    sink(
        [
            record(chat(MESSAGE), completion(f"Noted: {MESSAGE}")),
            record(chat(MESSAGE, stream=True), stream(f"Noted: {MESSAGE}"), stream_=True),
            record(chat(MESSAGE), completion("ok"), conversation=EMAIL),
        ]
    )
    with store.transaction() as session:
        assert len(list(session.scalars(select(repo.InteractionRow)))) == 3
    dump = raw_dump(store, db_url)
    assert leaks(dump, PLANTED) == []
    assert FRAGMENT.encode() not in dump
    assert b"Noted:" not in dump


@SQLITE_ONLY
def test_payload_is_pseudonymized_then_readable(
    store: Store, sink: InteractionSink, ring: DataKeyRing, loaded: LoadedManifest
) -> None:
    """Reading shows the redacted payload: tokens in place of values, the rest intact."""
    sink([record(chat(MESSAGE), completion(f"Noted: {MESSAGE}"))])
    shown = _only(store, ring)
    payload = shown["payload"]
    assert isinstance(payload, dict)
    asked = payload["request"]["messages"][0]["content"]
    answered = payload["response"]["choices"][0]["message"]["content"]
    email = pseudonymizer_for(loaded).of("acme", "EMAIL", EMAIL)
    assert f"<{email.token}>" in asked
    assert f"<{email.token}>" in answered
    assert FRAGMENT in asked
    assert not leaks(orjson.dumps(payload), PLANTED)
    assert email.token in shown["pseudonyms"]
    assert shown["entities"] == {
        "EMAIL": 2, "PHONE": 2, "CREDIT_CARD": 2, "IBAN": 2, "US_SSN": 2,
    }  # fmt: skip


@SQLITE_ONLY
def test_provenance_is_recorded(
    store: Store, sink: InteractionSink, ring: DataKeyRing, loaded: LoadedManifest
) -> None:
    """Service, version, manifest revision, live sources, request, key, tenant, conversation."""
    given = record(chat("hello"), completion("hi"), conversation="conv-42")
    sink([given])
    shown = _only(store, ring)
    assert shown["service"] == "support-assistant"
    assert shown["version"] == "v1"
    assert shown["revision"] == loaded.revision
    assert shown["sources"] == ["live-chat", "faq-index"]
    assert shown["request_id"] == given.request_id
    assert shown["key_id"] == "key123"
    assert shown["tenant"] == "acme"
    assert shown["conversation"] == "conv-42"
    assert abs(given.at - dt.datetime.fromisoformat(str(shown["at"])).timestamp()) < 1e-3


def test_reads_are_audited(store: Store, sink: InteractionSink, ring: DataKeyRing) -> None:
    """Each decrypting read appends who read which id; listing decrypts nothing and is not."""
    sink([record(chat("hello"), completion("hi"))])
    [item] = list_interactions(store)
    read_interaction(store, ring, item.id, actor="cli:alice")
    read_interaction(store, ring, item.id, actor="key:abc (ops)")
    with store.transaction() as session:
        rows = list(session.scalars(select(AuditRecord).order_by(AuditRecord.seq)))
    reads = [(r.actor, r.action, r.target) for r in rows if r.action == "interactions.read"]
    assert reads == [
        ("cli:alice", "interactions.read", item.id),
        ("key:abc (ops)", "interactions.read", item.id),
    ]


@SQLITE_ONLY
def test_stream_is_reassembled_before_detection(
    store: Store, sink: InteractionSink, ring: DataKeyRing, loaded: LoadedManifest
) -> None:
    """An address split over three-character SSE chunks is still found and replaced."""
    sink([record(chat("x", stream=True), stream(f"write to {EMAIL} today"), stream_=True)])
    payload = _only(store, ring)["payload"]
    assert isinstance(payload, dict)
    token = pseudonymizer_for(loaded).of("acme", "EMAIL", EMAIL).token
    response = payload["response"]
    assert response["streamed"] is True
    assert response["choices"][0]["message"]["content"] == f"write to <{token}> today"


@SQLITE_ONLY
def test_same_person_same_pseudonym_per_tenant_only(
    store: Store, sink: InteractionSink, loaded: LoadedManifest
) -> None:
    """Another spelling of the same phone or address keeps the pseudonym; another tenant not."""
    sink(
        [
            record(chat(f"call {PHONE}"), tenant="acme"),
            record(chat("call +1 415-555-2671"), tenant="acme"),
            record(chat(f"mail {EMAIL.upper()}"), tenant="acme"),
            record(chat(f"call {PHONE}"), tenant="globex"),
        ]
    )
    with store.transaction() as session:
        rows = list(session.scalars(select(repo.PseudonymRow)))
        query = select(repo.InteractionRow.id, repo.InteractionRow.tenant)
        tenant_of = dict(session.execute(query).all())
    phones = {(tenant_of[r.interaction_id], r.token) for r in rows if r.entity_type == "PHONE"}
    assert len({token for tenant, token in phones if tenant == "acme"}) == 1
    assert len({token for _, token in phones}) == 2
    pseudonymizer = pseudonymizer_for(loaded)
    assert ("acme", pseudonymizer.of("acme", "PHONE", PHONE).token) in phones
    emails = {r.digest for r in rows if r.entity_type == "EMAIL"}
    assert emails == {pseudonymizer.of("acme", "EMAIL", EMAIL).digest}


@SQLITE_ONLY
def test_operators_allow_and_minimize_follow_the_manifest(
    store: Store, write: Callable[..., LoadedManifest], ring: DataKeyRing
) -> None:
    """Per-type operators, the allow-list and ``minimize`` shape what is stored."""
    loaded = write(
        privacy={
            "operators": {"CREDIT_CARD": "mask", "US_SSN": "redact"},
            "allow": ["help@acme.example"],
            "minimize": True,
        }
    )
    sink = InteractionSink(store, lambda: loaded, ring=ring)
    content = f"card {CARD}, ssn 123-45-6789, write help@acme.example"
    sink([record(chat(content, user=EMAIL, temperature=0.2), completion("done"))])
    payload = _only(store, ring)["payload"]
    assert isinstance(payload, dict)
    assert payload["request"] == {
        "messages": [
            {
                "role": "user",
                "content": "card **** **** **** 1111, ssn <US_SSN>, write help@acme.example",
            }
        ]
    }
    assert payload["response"] == {
        "choices": [{"message": {"role": "assistant", "content": "done"}}]
    }


@SQLITE_ONLY
def test_keys_and_numbers_are_scrubbed_too(
    store: Store, sink: InteractionSink, ring: DataKeyRing
) -> None:
    """PII in a JSON key or in a bare number is replaced like any string."""
    body = orjson.dumps(
        {"model": "m", "metadata": {EMAIL: "vip", "card": 4111111111111111, "n": 42}}
    )
    sink([record(body, b"not json at all " + EMAIL.encode())])
    payload = _only(store, ring)["payload"]
    assert isinstance(payload, dict)
    text = orjson.dumps(payload)
    assert not leaks(text, (EMAIL, "4111111111111111"))
    assert payload["request"]["metadata"]["n"] == 42
    assert payload["response"].startswith("not json at all <EMAIL_")


@SQLITE_ONLY
def test_records_without_payloads_are_skipped(store: Store, sink: InteractionSink) -> None:
    """With ``store_payloads`` off the gateway sends no bodies, and nothing is stored."""
    sink([record(None), record(None)])
    with store.transaction() as session:
        assert list(session.scalars(select(repo.InteractionRow))) == []


@SQLITE_ONLY
def test_new_revision_applies_from_the_next_batch(
    store: Store, write: Callable[..., LoadedManifest], ring: DataKeyRing
) -> None:
    """The sink follows the manifest in force: revision and operators change together."""
    current = [write()]
    sink = InteractionSink(store, lambda: current[0], ring=ring)
    sink([record(chat(f"mail {EMAIL}"))])
    current[0] = write(privacy={"default": "redact"})
    sink([record(chat(f"mail {EMAIL}"), at=time.time() + 1)])
    found = sorted(list_interactions(store), key=lambda item: item.at)
    assert [item.revision for item in found] == [r.revision for r in (found[0], current[0])]
    second = read_interaction(store, ring, found[1].id, actor="test").payload
    assert second is not None
    assert second["request"]["messages"][0]["content"] == "mail <EMAIL>"


@SQLITE_ONLY
@pytest.mark.parametrize("missing", ["kek", "hmac_key"])
def test_missing_keys_fail_at_start(
    store: Store, write: Callable[..., LoadedManifest], missing: str
) -> None:
    """A manifest storing payloads without a KEK or HMAC key is refused when the sink is built."""
    loaded = write(**{missing: None})
    with pytest.raises(ConfigError, match=f"data.{missing}"):
        InteractionSink(store, lambda: loaded)
