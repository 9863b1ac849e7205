"""Pre-flight checks: what a candidate must pass before it receives any traffic.

Two checks run: the readiness hook (a callable; by default it passes with "no checks configured")
and the golden set: each prompt of ``rollout.golden_set`` (JSONL, one case per line) is posted to
the candidate's upstream and the answer's ``analysis.preflight.golden_field`` (a dotted JSON path,
by default ``lockgate_example.intent``) is compared with the case's expected value
(``expected_intent`` by default). The pass rate must reach ``min_pass_rate``.

A case is ``{"id": ..., "text": ..., "expected_intent": ...}``; ``prompt`` may replace ``text``,
and ``body`` (an object) is posted as is instead of a chat request built from the text.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from lockgate.errors import UpstreamError
from lockgate.gateway.services import ServiceRuntime, VersionRuntime
from lockgate.gateway.upstream import Upstream
from lockgate.manifest.cutover import PreflightSpec
from lockgate.manifest.service import UpstreamAPI
from lockgate.monitor.contract import Contract
from lockgate.rollout.plan import Plan
from lockgate.store.rollouts import RolloutRecord

MAX_CASES = 1000
SHOWN_FAILURES = 10


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The outcome of one pre-flight check, with its numbers."""

    name: str
    passed: bool
    reason: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """JSON form for events."""
        return {"name": self.name, "passed": self.passed, "reason": self.reason, **self.data}


@dataclass(frozen=True, slots=True)
class PreflightResult:
    """All pre-flight checks of a candidate."""

    checks: tuple[CheckResult, ...]

    @property
    def passed(self) -> bool:
        """True when every check passed."""
        return all(check.passed for check in self.checks)

    @property
    def reason(self) -> str:
        """The failed checks' reasons, or a summary of the passed ones."""
        failed = [f"{c.name}: {c.reason}" for c in self.checks if not c.passed]
        if failed:
            return "pre-flight failed: " + "; ".join(failed)
        return "pre-flight passed: " + "; ".join(f"{c.name}: {c.reason}" for c in self.checks)

    def to_json(self) -> dict[str, Any]:
        """JSON form for events."""
        return {"passed": self.passed, "checks": [check.to_json() for check in self.checks]}


class Preflight(Protocol):
    """Runs the pre-flight checks of a rollout's candidate."""

    async def run(self, record: RolloutRecord, plan: Plan) -> PreflightResult:
        """Check the candidate."""


ReadinessHook = Callable[[str, str], Awaitable[CheckResult]]
"""``(service, version) -> CheckResult``: the readiness gate of a version."""


async def no_readiness_checks(service: str, version: str) -> CheckResult:
    """The default readiness hook: passes, saying that nothing was checked."""
    del service, version
    return CheckResult("readiness", passed=True, reason="pass, no checks configured")


class SkipPreflight:
    """Passes every candidate, saying so in the event: for set-ups without pre-flight checks."""

    async def run(self, record: RolloutRecord, plan: Plan) -> PreflightResult:
        """Pass without checking."""
        del record, plan
        check = CheckResult("preflight", passed=True, reason="skipped: no pre-flight configured")
        return PreflightResult((check,))


@dataclass(frozen=True, slots=True)
class GoldenCase:
    """One prompt and the value the candidate's answer must contain."""

    id: str
    body: dict[str, Any] | None
    text: str | None
    expected: str


def read_cases(path: Path, expected_key: str) -> list[GoldenCase]:
    """The golden cases in ``path``; a malformed line is a ``ValueError`` naming it."""
    cases: list[GoldenCase] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            expected = item[expected_key]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(
                f"{path}:{number}: a golden case needs a JSON object with {expected_key!r} ({exc})"
            ) from None
        body = item.get("body")
        text = item.get("text", item.get("prompt"))
        if not isinstance(body, dict) and not isinstance(text, str):
            raise ValueError(f"{path}:{number}: a golden case needs 'text', 'prompt' or 'body'")
        cases.append(
            GoldenCase(
                str(item.get("id", number)),
                body if isinstance(body, dict) else None,
                text,
                str(expected),
            )
        )
        if len(cases) >= MAX_CASES:
            break
    return cases


def extract(document: Any, path: str) -> Any:
    """The value at a dotted ``path`` (list indexes allowed), or None when it is missing."""
    current = document
    for part in path.split("."):
        if isinstance(current, Mapping):
            current = current.get(part)
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
    return current


def request_body(case: GoldenCase, service: str, version: VersionRuntime) -> dict[str, Any]:
    """What to post for ``case``: its own body, or a one-message chat request."""
    if case.body is not None:
        return case.body
    if version.api is UpstreamAPI.INVOKE:
        return {"text": case.text}
    return {
        "model": version.upstream_model or service,
        "messages": [{"role": "user", "content": case.text}],
    }


class GoldenSetPreflight:
    """Golden set plus readiness hook, against the candidate's upstream."""

    def __init__(
        self,
        services: Mapping[str, ServiceRuntime],
        upstream: Upstream,
        base_dir: Path,
        *,
        readiness: ReadinessHook = no_readiness_checks,
        contract: Callable[[], Contract | None] = lambda: None,
    ) -> None:
        self._services = services
        self._upstream = upstream
        self._base_dir = base_dir
        self._readiness = readiness
        self._contract = contract

    async def run(self, record: RolloutRecord, plan: Plan) -> PreflightResult:
        """Readiness, then the golden set."""
        readiness = await self._readiness(record.service, record.candidate)
        golden = await self._golden(record, plan)
        return PreflightResult((readiness, golden))

    async def _golden(self, record: RolloutRecord, plan: Plan) -> CheckResult:
        if plan.spec.golden_set is None:
            return CheckResult("golden_set", passed=True, reason="pass, no golden set configured")
        return await self.golden_check(
            record.service, record.candidate, plan.spec.golden_set, plan.preflight
        )

    async def golden_check(
        self, service_name: str, version_name: str, golden_set: str, settings: PreflightSpec
    ) -> CheckResult:
        """Run the golden set in ``golden_set`` against one version (pre-flight and probes)."""
        path = self._base_dir / golden_set
        try:
            cases = await asyncio.to_thread(read_cases, path, settings.expected_key)
        except (OSError, ValueError) as exc:
            return CheckResult("golden_set", passed=False, reason=f"cannot read {path}: {exc}")
        service = self._services.get(service_name)
        version = service.versions.get(version_name) if service is not None else None
        if version is None:
            reason = f"version {version_name!r} of {service_name!r} is not configured"
            return CheckResult("golden_set", passed=False, reason=reason)
        if not cases:
            return CheckResult("golden_set", passed=False, reason=f"{path} has no cases")
        outcomes = await self._ask_all(cases, service_name, version, settings)
        return _score(outcomes, settings, version.name)

    async def _ask_all(
        self,
        cases: Sequence[GoldenCase],
        service: str,
        version: VersionRuntime,
        settings: PreflightSpec,
    ) -> list[tuple[GoldenCase, str | None, str | None]]:
        slots = asyncio.Semaphore(settings.concurrency)

        async def one(case: GoldenCase) -> tuple[GoldenCase, str | None, str | None]:
            async with slots:
                got, error = await self._ask(case, service, version, settings.golden_field)
                return case, got, error

        return list(await asyncio.gather(*(one(case) for case in cases)))

    async def _ask(
        self, case: GoldenCase, service: str, version: VersionRuntime, field_path: str
    ) -> tuple[str | None, str | None]:
        """(the answer's value, an error) for one case."""
        target = version.invoke if version.api is UpstreamAPI.INVOKE else version.chat
        body = json.dumps(request_body(case, service, version)).encode()
        headers = {**dict(target.headers), "content-type": "application/json"}
        try:
            reply = await self._upstream.post(target, body, headers)
        except UpstreamError as exc:
            return None, exc.message
        if reply.status != 200:
            return None, f"HTTP {reply.status}"
        contract = self._contract()
        broken = contract.violation(reply.body) if contract is not None else None
        if broken is not None:
            return None, f"output contract: {broken}"
        try:
            value = extract(json.loads(reply.body), field_path)
        except ValueError:
            return None, "the answer is not JSON"
        if value is None:
            return None, f"the answer has no {field_path!r}"
        return str(value), None


def _score(
    outcomes: Sequence[tuple[GoldenCase, str | None, str | None]],
    settings: PreflightSpec,
    version: str,
) -> CheckResult:
    passed = sum(1 for case, got, _ in outcomes if got == case.expected)
    total = len(outcomes)
    rate = passed / total
    failures = [
        {"id": case.id, "expected": case.expected, "got": got, "error": error}
        for case, got, error in outcomes
        if got != case.expected
    ]
    ok = rate >= settings.min_pass_rate
    reason = (
        f"{passed}/{total} golden cases right on {version} ({100 * rate:.1f} %, "
        f"{'at least' if ok else 'below'} {100 * settings.min_pass_rate:g} %)"
    )
    data = {
        "passed_cases": passed,
        "total_cases": total,
        "pass_rate": rate,
        "min_pass_rate": settings.min_pass_rate,
        "failures": failures[:SHOWN_FAILURES],
    }
    return CheckResult("golden_set", passed=ok, reason=reason, data=data)
