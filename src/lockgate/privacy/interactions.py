"""The interaction store: payloads redacted by the privacy operators, then encrypted at rest.

``InteractionSink`` is a request-log sink (``RequestLogWriter.add_sink``): for every record that
carries payloads (``data.store_payloads``) it decodes the request and the response (streams are
reassembled from their SSE chunks, so a value split across chunks is still found), replaces every
detected entity as ``data.privacy`` says (pseudonymize by default: a keyed HMAC per tenant, so
analytics still groups by customer), seals the result with the active data key and stores it with
its provenance and the pseudonyms found. Reading decrypts and writes an audit record.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
import phonenumbers
import structlog

from lockgate.errors import ConfigError, LockgateError, NotFound
from lockgate.manifest import LoadedManifest
from lockgate.manifest.governance import DataSection, PayloadOperator
from lockgate.manifest.secrets import resolve
from lockgate.privacy.analyzer import Analyzer
from lockgate.privacy.crypto import derive_key
from lockgate.privacy.entity import Entity
from lockgate.privacy.kms import DataKeyRing, LocalKeyProvider
from lockgate.privacy.operators import Mask, OperatorPolicy, Pseudonymize, Redact
from lockgate.privacy.protocols import Operator
from lockgate.privacy.redaction import redact
from lockgate.store import audit
from lockgate.store import interactions as repo
from lockgate.store.db import Store
from lockgate.store.requestlog import RequestRecord

log = structlog.get_logger("lockgate.interactions")

PSEUDONYM_KEY_PURPOSE = "lockgate-pseudonymize"
"""HKDF purpose for the HMAC key; the same as ``lockgate redact --operator pseudonymize``."""
DEFAULT_TENANT = "default"
RUNTIME_SOURCE_KINDS = frozenset({"live", "retrieval", ""})
_DIGITS_WORTH_SCANNING = 1_000_000  # integers below seven digits hold no identifier we detect


def canonical(entity_type: str, value: str, regions: Sequence[str]) -> str:
    """One spelling per value: phone numbers in E.164, so every format gets one pseudonym."""
    if entity_type != "PHONE":
        return value
    tried: Sequence[str | None] = (None,) if value.strip().startswith("+") else regions
    for region in tried:
        try:
            number = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    return value


@dataclass(frozen=True, slots=True)
class Pseudonym:
    """What erasure looks a person up by: the short token shown in payloads and the full HMAC."""

    entity_type: str
    token: str
    digest: str


@dataclass(frozen=True, slots=True)
class Pseudonymizer:
    """Keyed HMAC pseudonyms per tenant, on canonical values."""

    key: bytes = field(repr=False)
    regions: tuple[str, ...] = ("US",)

    def of(self, tenant: str, entity_type: str, value: str) -> Pseudonym:
        """The pseudonym of ``value`` for ``tenant``."""
        operator = Pseudonymize(self.key, tenant=tenant)
        digest = operator.digest(entity_type, canonical(entity_type, value, self.regions))
        return Pseudonym(entity_type, f"{entity_type}_{digest[: operator.length]}", digest)


@dataclass(frozen=True, slots=True)
class _Canonical:
    """Pseudonymize after canonicalizing, so the token matches ``Pseudonymizer.of``."""

    pseudonymizer: Pseudonymizer
    tenant: str

    def apply(self, entity: Entity, value: str) -> str:
        """``<TYPE_hex>``."""
        return f"<{self.pseudonymizer.of(self.tenant, entity.type, value).token}>"


@dataclass(slots=True)
class _Recorder:
    """The operator ``redact`` calls: replaces per the policy and notes every pseudonym."""

    policy: OperatorPolicy
    pseudonymizer: Pseudonymizer
    tenant: str
    found: dict[str, Pseudonym] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)

    def apply(self, entity: Entity, value: str) -> str:
        """The policy's replacement for ``value``."""
        pseudonym = self.pseudonymizer.of(self.tenant, entity.type, value)
        self.found[pseudonym.digest] = pseudonym
        self.counts[entity.type] += 1
        operator = self.policy.for_type(entity.type)
        if isinstance(operator, _Canonical):
            return f"<{pseudonym.token}>"  # what the operator would compute again
        return operator.apply(entity, value)


@dataclass(frozen=True, slots=True)
class Scrubbed:
    """A payload after the operators, with the pseudonyms of what was replaced."""

    document: Any
    pseudonyms: tuple[Pseudonym, ...]
    counts: dict[str, int]


@dataclass(frozen=True, slots=True)
class PayloadPolicy:
    """Detection and replacement for stored payloads, from ``data.privacy``."""

    analyzer: Analyzer
    pseudonymizer: Pseudonymizer
    default: PayloadOperator = PayloadOperator.PSEUDONYMIZE
    by_type: tuple[tuple[str, PayloadOperator], ...] = ()
    minimize: bool = False

    @classmethod
    def from_data(cls, data: DataSection, hmac_secret: bytes) -> PayloadPolicy:
        """The policy ``data`` describes, with the pseudonymization secret resolved."""
        privacy = data.privacy
        regions = tuple(privacy.phone_regions)
        return cls(
            analyzer=Analyzer.default(
                phone_regions=regions, allow=privacy.allow, deny=dict(privacy.deny)
            ),
            pseudonymizer=Pseudonymizer(derive_key(hmac_secret, PSEUDONYM_KEY_PURPOSE), regions),
            default=privacy.default,
            by_type=tuple(sorted(privacy.operators.items())),
            minimize=privacy.minimize,
        )

    def _operator(self, kind: PayloadOperator, tenant: str) -> Operator:
        if kind is PayloadOperator.REDACT:
            return Redact()
        if kind is PayloadOperator.MASK:
            return Mask()
        return _Canonical(self.pseudonymizer, tenant)

    def scrub(self, document: Any, tenant: str) -> Scrubbed:
        """``document`` with every string (dict keys too) and long integer scrubbed."""
        policy = OperatorPolicy(
            default=self._operator(self.default, tenant),
            by_type={name: self._operator(kind, tenant) for name, kind in self.by_type},
        )
        recorder = _Recorder(policy, self.pseudonymizer, tenant)
        recording = OperatorPolicy(default=recorder)

        keys: dict[str, str] = {}  # the same few keys repeat throughout a payload

        def text(value: str) -> str:
            return redact(value, policy=recording, analyzer=self.analyzer).text

        def key(name: str) -> str:
            if name not in keys:
                keys[name] = text(name)
            return keys[name]

        def walk(value: Any) -> Any:
            if isinstance(value, str):
                return text(value)
            if isinstance(value, dict):
                return {key(str(name)): walk(item) for name, item in value.items()}
            if isinstance(value, list | tuple):
                return [walk(item) for item in value]
            if isinstance(value, int) and not isinstance(value, bool):
                if abs(value) < _DIGITS_WORTH_SCANNING:
                    return value
                replaced = text(str(value))
                return value if replaced == str(value) else replaced
            return value

        scrubbed = walk(document)
        return Scrubbed(scrubbed, tuple(recorder.found.values()), dict(recorder.counts))


# Payload decoding --------------------------------------------------------------------------


def decode_body(body: bytes | None) -> Any:
    """JSON when it parses, else the text."""
    if body is None:
        return None
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return body.decode("utf-8", errors="replace")


def assemble_stream(body: bytes) -> dict[str, Any]:
    """A streamed answer (SSE ``data:`` chunks) joined into one completion-shaped object."""
    texts: dict[int, list[str]] = {}
    finish: dict[int, Any] = {}
    meta: dict[str, Any] = {}
    unparsed: list[str] = []
    for line in body.decode("utf-8", errors="replace").splitlines():
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if not data or data == "[DONE]":
            continue
        try:
            chunk = orjson.loads(data)
        except orjson.JSONDecodeError:
            unparsed.append(data)
            continue
        if not isinstance(chunk, dict):
            unparsed.append(data)
            continue
        for name in ("id", "model", "usage", "error"):
            if chunk.get(name) is not None:
                meta[name] = chunk[name]
        for choice in chunk.get("choices") or ():
            index = int(choice.get("index", 0))
            delta = choice.get("delta") or {}
            piece = delta.get("content") if isinstance(delta, dict) else None
            piece = piece if isinstance(piece, str) else choice.get("text")
            if isinstance(piece, str):
                texts.setdefault(index, []).append(piece)
            if choice.get("finish_reason") is not None:
                finish[index] = choice["finish_reason"]
    choices = [
        {
            "index": index,
            "message": {"role": "assistant", "content": "".join(texts.get(index, []))},
            "finish_reason": finish.get(index),
        }
        for index in sorted(texts.keys() | finish.keys())
    ]
    out: dict[str, Any] = {"object": "chat.completion", "streamed": True, **meta}
    out["choices"] = choices
    if unparsed:
        out["unparsed"] = unparsed
    return out


def _text_of(content: Any) -> Any:
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return content


def minimized(request: Any, response: Any) -> tuple[Any, Any]:
    """Only the message roles and texts; parameters, metadata and tool schemas are dropped."""
    out_request: dict[str, Any] = {}
    if isinstance(request, dict):
        if isinstance(request.get("messages"), list):
            out_request["messages"] = [
                {"role": m.get("role"), "content": _text_of(m.get("content"))}
                for m in request["messages"]
                if isinstance(m, dict)
            ]
        if "prompt" in request:
            out_request["prompt"] = request["prompt"]
    out_response: dict[str, Any] = {}
    if isinstance(response, dict) and isinstance(response.get("choices"), list):
        out_response["choices"] = [
            {
                "message": {
                    "role": (c.get("message") or {}).get("role"),
                    "content": _text_of((c.get("message") or {}).get("content", c.get("text"))),
                }
            }
            for c in response["choices"]
            if isinstance(c, dict)
        ]
    return out_request, out_response


def runtime_sources(data: DataSection) -> list[str]:
    """Declared sources that apply to a live request: live and retrieval ones (or unlabelled)."""
    return [source.name for source in data.sources if source.kind in RUNTIME_SOURCE_KINDS]


# Configuration -----------------------------------------------------------------------------


def hmac_secret(loaded: LoadedManifest) -> bytes:
    """The pseudonymization secret ``data.hmac_key`` names."""
    reference = loaded.manifest.data.hmac_key
    if not reference:
        raise ConfigError(
            "stored payloads are pseudonymized with a secret: set data.hmac_key to "
            "${env:NAME} or ${file:PATH} holding at least 16 random bytes"
        )
    return resolve(reference, base_dir=loaded.base_dir).encode()


def pseudonymizer_for(loaded: LoadedManifest) -> Pseudonymizer:
    """The pseudonymizer stored payloads were written with (for erasure look-ups)."""
    regions = tuple(loaded.manifest.data.privacy.phone_regions)
    return Pseudonymizer(derive_key(hmac_secret(loaded), PSEUDONYM_KEY_PURPOSE), regions)


def open_ring(loaded: LoadedManifest, store: Store) -> DataKeyRing:
    """The data key ring for ``data.kek``."""
    reference = loaded.manifest.data.kek
    if not reference:
        raise ConfigError(
            "stored payloads are encrypted: set data.kek to ${env:NAME} or ${file:PATH} "
            "holding 32 random bytes in base64 (`openssl rand -base64 32`)"
        )
    return DataKeyRing(store, LocalKeyProvider.from_reference(reference, base_dir=loaded.base_dir))


@dataclass(frozen=True, slots=True)
class _Config:
    revision: str
    policy: PayloadPolicy
    sources: tuple[str, ...]
    kek: str | None


class InteractionSink:
    """Request-log sink storing redacted, encrypted payloads with provenance.

    ``loaded`` returns the manifest in force (the gateway passes ``lambda: runtime.loaded``), so
    a new revision's privacy settings apply from the next batch on.
    """

    def __init__(
        self,
        store: Store,
        loaded: Callable[[], LoadedManifest],
        *,
        ring: DataKeyRing | None = None,
    ) -> None:
        self._store = store
        self._loaded = loaded
        self._ring = ring
        self._config: _Config | None = None
        self._lock = threading.Lock()
        if loaded().manifest.data.store_payloads:
            self._current()  # fail at start, not on the first request

    def _current(self) -> tuple[_Config, DataKeyRing]:
        loaded = self._loaded()
        with self._lock:
            config = self._config
            if config is None or config.revision != loaded.revision:
                data = loaded.manifest.data
                policy = PayloadPolicy.from_data(data, hmac_secret(loaded))
                if self._ring is None or (config is not None and config.kek != data.kek):
                    self._ring = open_ring(loaded, self._store)
                config = _Config(loaded.revision, policy, tuple(runtime_sources(data)), data.kek)
                self._config = config
            assert self._ring is not None
            return config, self._ring

    def __call__(self, batch: Sequence[RequestRecord]) -> None:
        """Store every record of ``batch`` that carries payloads."""
        records = [record for record in batch if record.request_body is not None]
        if not records:
            return
        config, ring = self._current()
        rows: list[repo.InteractionRow] = []
        pseudonyms: list[repo.PseudonymRow] = []
        for record in records:
            try:
                row, found = self._prepare(record, config, ring)
            except (LockgateError, ValueError, TypeError) as error:
                log.warning(
                    "interaction_not_stored",
                    request_id=record.request_id,
                    error=type(error).__name__,
                )
                continue
            rows.append(row)
            pseudonyms.extend(found)
        with self._store.transaction() as session:
            repo.add_interactions(session, rows, pseudonyms)

    def _prepare(
        self, record: RequestRecord, config: _Config, ring: DataKeyRing
    ) -> tuple[repo.InteractionRow, list[repo.PseudonymRow]]:
        tenant = record.tenant or DEFAULT_TENANT
        request = decode_body(record.request_body)
        if record.stream and record.response_body is not None:
            response: Any = assemble_stream(record.response_body)
        else:
            response = decode_body(record.response_body)
        if config.policy.minimize:
            request, response = minimized(request, response)
        scrubbed = config.policy.scrub(
            {"request": request, "response": response, "conversation": record.conversation},
            tenant,
        )
        document = dict(scrubbed.document)
        conversation = document.pop("conversation")
        record_id = "ix_" + secrets.token_hex(10)
        key_id, sealed = ring.seal(record_id, orjson.dumps(document))
        row = repo.InteractionRow(
            id=record_id,
            request_id=record.request_id,
            at=dt.datetime.fromtimestamp(record.at, dt.UTC),
            service=record.service,
            version=record.version,
            revision=config.revision,
            sources=list(config.sources),
            key_id=record.key_id,
            tenant=record.tenant,
            conversation=conversation[:200] if isinstance(conversation, str) else None,
            route=record.route,
            status=record.status,
            stream=record.stream,
            entities=scrubbed.counts,
            data_key_id=key_id,
            payload=sealed,
        )
        found = [
            repo.PseudonymRow(
                interaction_id=record_id, digest=p.digest, entity_type=p.entity_type, token=p.token
            )
            for p in scrubbed.pseudonyms
        ]
        return row, found


# Reading -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Interaction:
    """A stored interaction: provenance, and the redacted payload when it was read."""

    id: str
    request_id: str
    at: dt.datetime
    service: str | None
    version: str | None
    revision: str
    sources: tuple[str, ...]
    key_id: str | None
    tenant: str | None
    conversation: str | None
    route: str
    status: int
    stream: bool
    entities: dict[str, int]
    data_key_id: str
    pseudonyms: tuple[str, ...] = ()
    payload: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "id": self.id,
            "request_id": self.request_id,
            "at": self.at.isoformat(),
            "service": self.service,
            "version": self.version,
            "revision": self.revision,
            "sources": list(self.sources),
            "key_id": self.key_id,
            "tenant": self.tenant,
            "conversation": self.conversation,
            "route": self.route,
            "status": self.status,
            "stream": self.stream,
            "entities": dict(self.entities),
            "data_key_id": self.data_key_id,
            "pseudonyms": list(self.pseudonyms),
            "payload": self.payload,
        }


def _interaction(
    row: repo.InteractionRow, pseudonyms: Sequence[str] = (), payload: Any = None
) -> Interaction:
    return Interaction(
        id=row.id, request_id=row.request_id, at=row.at, service=row.service,
        version=row.version, revision=row.revision, sources=tuple(row.sources),
        key_id=row.key_id, tenant=row.tenant, conversation=row.conversation, route=row.route,
        status=row.status, stream=row.stream, entities=dict(row.entities),
        data_key_id=row.data_key_id, pseudonyms=tuple(pseudonyms), payload=payload,
    )  # fmt: skip


def read_interaction(
    store: Store, ring: DataKeyRing, interaction_id: str, *, actor: str
) -> Interaction:
    """Decrypt one interaction; the read is audited (who, which id) before it is returned."""
    with store.transaction() as session:
        row = repo.get_interaction(session, interaction_id)
        if row is None:
            raise NotFound(
                f"no stored interaction {interaction_id!r}; `lockgate interactions list` shows ids"
            )
        tokens = [p.token for p in repo.pseudonyms_of(session, row.id)]
    payload = orjson.loads(ring.open(row.id, row.data_key_id, row.payload))
    with store.transaction() as session:
        audit.append(
            session,
            actor=actor,
            action="interactions.read",
            target=row.id,
            after={"request_id": row.request_id, "tenant": row.tenant},
        )
    return _interaction(row, tokens, payload)


def list_interactions(
    store: Store, *, limit: int = 20, service: str | None = None, tenant: str | None = None
) -> list[Interaction]:
    """Provenance of the newest interactions, without payloads (not audited: nothing decrypted)."""
    with store.transaction() as session:
        rows = repo.list_interactions(session, limit=limit, service=service, tenant=tenant)
        return [_interaction(row) for row in rows]
