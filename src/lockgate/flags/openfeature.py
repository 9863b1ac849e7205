"""An OpenFeature provider: a team's own application gets the same flag answers as the gateway.

The provider fetches ``GET /admin/v1/flags`` (a key with ``flags:read``), keeps the document in
memory, refreshes it every ``refresh_interval`` seconds in a daemon thread, and evaluates locally
with ``lockgate.flags.evaluate``, the code the gateway runs. Context mapping: the targeting key is
the user unless a ``user`` attribute is given; ``tenant``, ``key_id`` and ``service`` attributes map
to themselves; ``header:<name>`` attributes (or a ``headers`` mapping) to request headers.

When the gateway cannot be reached, or reports its own flags as stale, the last known values are
served with reason STALE and the provider emits ``PROVIDER_STALE``.
"""

from __future__ import annotations

import threading
import time
import urllib.request
from collections.abc import Mapping, Sequence
from typing import Protocol, TypeVar
from urllib.parse import urlsplit

from openfeature.evaluation_context import EvaluationContext as OpenFeatureContext
from openfeature.event import ProviderEventDetails
from openfeature.exception import ErrorCode as OpenFeatureErrorCode
from openfeature.flag_evaluation import FlagResolutionDetails, FlagValueType
from openfeature.flag_evaluation import Reason as OpenFeatureReason
from openfeature.provider import AbstractProvider, Metadata

from lockgate.flags.evaluate import evaluate
from lockgate.flags.model import EvaluationContext, FlagDefinition, Resolution
from lockgate.flags.wire import FlagList, definition_of

T = TypeVar("T")
ObjectValue = Sequence[FlagValueType] | Mapping[str, FlagValueType]


class FlagFetcher(Protocol):
    """Where the provider gets the flags document from."""

    def __call__(self) -> FlagList:
        """The current document; raises ``OSError`` or ``ValueError`` when it cannot."""


class AdminApiFetcher:
    """``GET {url}/admin/v1/flags`` with a ``flags:read`` key."""

    def __init__(self, url: str, api_key: str, *, timeout: float = 2.0) -> None:
        if urlsplit(url).scheme not in {"http", "https"}:
            raise ValueError(f"the gateway URL must be http:// or https://, got {url!r}")
        self._url = url.rstrip("/") + "/admin/v1/flags"
        self._headers = {"authorization": f"Bearer {api_key}", "accept": "application/json"}
        self._timeout = timeout

    def __call__(self) -> FlagList:
        request = urllib.request.Request(self._url, headers=self._headers)  # noqa: S310 - http(s) only, checked above
        with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310 - same
            return FlagList.model_validate_json(response.read())


def context_of(context: OpenFeatureContext | None) -> EvaluationContext:
    """Lockgate's evaluation context for an OpenFeature one."""
    if context is None:
        return EvaluationContext()
    attributes = context.attributes

    def text(name: str) -> str | None:
        value = attributes.get(name)
        return value if isinstance(value, str) else None

    headers: dict[str, str] = {}
    nested = attributes.get("headers")
    if isinstance(nested, Mapping):
        headers.update({str(k).lower(): v for k, v in nested.items() if isinstance(v, str)})
    for name, value in attributes.items():
        if name.startswith("header:") and isinstance(value, str):
            headers[name[7:].lower()] = value
    return EvaluationContext(
        key_id=text("key_id"),
        tenant=text("tenant"),
        user=text("user") or context.targeting_key,
        service=text("service"),
        headers=headers,
    )


class LockgateProvider(AbstractProvider):  # type: ignore[misc,unused-ignore]
    """OpenFeature provider backed by a Lockgate gateway's flags."""

    def __init__(
        self,
        url: str | None = None,
        api_key: str | None = None,
        *,
        fetch: FlagFetcher | None = None,
        refresh_interval: float = 5.0,
        stale_after: float | None = None,
    ) -> None:
        super().__init__()
        if fetch is None:
            if url is None or api_key is None:
                raise ValueError("give the gateway `url` and an `api_key` with flags:read")
            fetch = AdminApiFetcher(url, api_key)
        self._fetch = fetch
        self._refresh_interval = refresh_interval
        self._stale_after = stale_after if stale_after is not None else 3 * refresh_interval
        self._flags: Mapping[str, FlagDefinition] = {}
        self._fetched_at: float | None = None
        self._gateway_stale = False
        self._reported_stale = False
        self.last_error: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def get_metadata(self) -> Metadata:
        """The provider's name."""
        return Metadata(name="lockgate")

    def initialize(self, evaluation_context: OpenFeatureContext) -> None:  # noqa: ARG002
        """Fetch once and start refreshing; raises when the first fetch fails (status ERROR)."""
        self._start()
        if not self.refresh():
            raise ConnectionError(f"cannot fetch flags from the gateway: {self.last_error}")

    def shutdown(self) -> None:
        """Stop refreshing."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=5)

    @property
    def stale(self) -> bool:
        """True when values are the last known: the gateway is unreachable or itself stale."""
        if self._fetched_at is None:
            return False
        too_old = time.monotonic() - self._fetched_at > self._stale_after
        return too_old or self._gateway_stale or self.last_error is not None

    def refresh(self) -> bool:
        """Fetch the flags now; False (values kept) when the gateway cannot be reached."""
        try:
            document = self._fetch()
            flags = {entry.name: definition_of(entry) for entry in document.flags}
        except (OSError, ValueError) as exc:
            self.last_error = f"{type(exc).__name__}: {exc}"
            if self._fetched_at is None:
                self.emit_provider_error(ProviderEventDetails(message=self.last_error))
            self._report_staleness()
            return False
        changed = sorted(name for name in flags.keys() | self._flags.keys()
                         if flags.get(name) != self._flags.get(name))  # fmt: skip
        first = self._fetched_at is None
        self._flags, self._fetched_at = flags, time.monotonic()
        self._gateway_stale = document.cache.stale
        self.last_error = None
        if first:
            self.emit_provider_ready(ProviderEventDetails())
        elif changed:
            self.emit_provider_configuration_changed(ProviderEventDetails(flags_changed=changed))
        self._report_staleness()
        return True

    def _report_staleness(self) -> None:
        stale = self.stale
        if stale and not self._reported_stale:
            self.emit_provider_stale(ProviderEventDetails(message=self.last_error))
        elif not stale and self._reported_stale:
            self.emit_provider_ready(ProviderEventDetails())
        self._reported_stale = stale

    def _start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="lockgate-flags", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._refresh_interval):
            self.refresh()

    # -- resolution ----------------------------------------------------------------------------

    def resolve(
        self, flag_key: str, default: T, context: OpenFeatureContext | None = None
    ) -> Resolution[T]:
        """Lockgate's resolution for ``flag_key`` (STALE when the values are the last known)."""
        resolution = evaluate(self._flags.get(flag_key), context_of(context), default)
        if self.stale and resolution.error_code is None:
            return resolution.as_stale()
        return resolution

    def _details(
        self, flag_key: str, default: T, context: OpenFeatureContext | None
    ) -> FlagResolutionDetails[T]:
        if self._fetched_at is None:
            return FlagResolutionDetails(
                value=default,
                reason=OpenFeatureReason.ERROR,
                error_code=OpenFeatureErrorCode.PROVIDER_NOT_READY,
                error_message=f"flags not fetched yet: {self.last_error or 'not initialized'}",
            )
        resolution = self.resolve(flag_key, default, context)
        code = resolution.error_code
        return FlagResolutionDetails(
            value=resolution.value,
            reason=OpenFeatureReason(resolution.reason.value),
            variant=resolution.variant,
            error_code=OpenFeatureErrorCode(code.value) if code is not None else None,
            error_message=resolution.error_message,
        )

    def resolve_boolean_details(
        self,
        flag_key: str,
        default_value: bool,
        evaluation_context: OpenFeatureContext | None = None,
    ) -> FlagResolutionDetails[bool]:
        """A boolean flag, or a percentage flag (true for its share of users)."""
        return self._details(flag_key, default_value, evaluation_context)

    def resolve_string_details(
        self,
        flag_key: str,
        default_value: str,
        evaluation_context: OpenFeatureContext | None = None,
    ) -> FlagResolutionDetails[str]:
        """A variant flag whose variants are strings (or undeclared: the variant name)."""
        return self._details(flag_key, default_value, evaluation_context)

    def resolve_integer_details(
        self,
        flag_key: str,
        default_value: int,
        evaluation_context: OpenFeatureContext | None = None,
    ) -> FlagResolutionDetails[int]:
        """A variant flag whose variants are integers."""
        return self._details(flag_key, default_value, evaluation_context)

    def resolve_float_details(
        self,
        flag_key: str,
        default_value: float,
        evaluation_context: OpenFeatureContext | None = None,
    ) -> FlagResolutionDetails[float]:
        """A variant flag whose variants are numbers."""
        return self._details(flag_key, default_value, evaluation_context)

    def resolve_object_details(
        self,
        flag_key: str,
        default_value: ObjectValue,
        evaluation_context: OpenFeatureContext | None = None,
    ) -> FlagResolutionDetails[ObjectValue]:
        """A variant flag whose variants are objects or lists."""
        return self._details(flag_key, default_value, evaluation_context)
