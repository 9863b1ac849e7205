"""Output contracts: answers checked against a JSON Schema in the golden set and in canaries."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import orjson
import pytest

from lockgate.errors import ConfigError
from lockgate.gateway.upstream import AiohttpUpstream
from lockgate.manifest.cutover import PreflightSpec
from lockgate.manifest.monitors import ContractSpec
from lockgate.monitor.contract import Contract
from lockgate.rollout.preflight import GoldenSetPreflight
from tests.support.gateway import manifest_dict, running_gateway
from tests.support.servers import serve
from tests.support.upstream import ScriptedUpstream

SCHEMA = {
    "type": "object",
    "required": ["intent", "reply"],
    "properties": {"intent": {"enum": ["refund", "order_status"]}, "reply": {"type": "string"}},
}


def _contract(tmp_path: Path, **spec: object) -> Contract:
    (tmp_path / "contract.json").write_text(json.dumps(SCHEMA))
    return Contract.load(ContractSpec.model_validate({"schema": "contract.json", **spec}), tmp_path)


def _answer(content: str) -> bytes:
    return orjson.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]})


def test_structured_content_is_validated(tmp_path: Path) -> None:
    """JSON content inside the answer is parsed and checked; violations name the field."""
    contract = _contract(tmp_path, at="/choices/0/message/content", parse_json=True)
    good = _answer(json.dumps({"intent": "refund", "reply": "On its way"}))
    assert contract.violation(good) is None
    wrong_enum = contract.violation(_answer(json.dumps({"intent": "lottery", "reply": "x"})))
    assert wrong_enum is not None and wrong_enum.startswith("intent:")
    assert contract.violation(_answer("plain text")) == (
        "the text at /choices/0/message/content is not JSON"
    )
    assert contract.violation(b"<html>") == "the answer is not JSON"


def test_unreadable_schema_is_a_config_error(tmp_path: Path) -> None:
    """A missing or invalid schema file is refused with the file named."""
    (tmp_path / "bad.json").write_text('{"type": 12}')
    for name in ("missing.json", "bad.json"):
        spec = ContractSpec.model_validate({"schema": name})
        with pytest.raises(ConfigError, match=name):
            Contract.load(spec, tmp_path)


def test_golden_set_fails_answers_that_break_the_contract(tmp_path: Path) -> None:
    """A candidate whose answers are not the contracted JSON fails the golden set."""
    contract = _contract(tmp_path, at="/choices/0/message/content", parse_json=True)
    (tmp_path / "golden.jsonl").write_text(
        "\n".join(json.dumps({"text": f"case {n}", "expected_intent": "x"}) for n in range(3))
    )
    upstream = ScriptedUpstream()
    with serve(upstream) as url, running_gateway(tmp_path, manifest_dict({"v1": url})) as gw:
        services = gw.runtime.services

        async def check() -> tuple[bool, list[object]]:
            client = AiohttpUpstream()
            try:
                preflight = GoldenSetPreflight(
                    services, client, tmp_path, contract=lambda: contract
                )
                settings = PreflightSpec(golden_field="choices.0.message.content")
                result = await preflight.golden_check(
                    "support-assistant", "v1", "golden.jsonl", settings
                )
            finally:
                await client.close()
            return result.passed, result.data["failures"]

        passed, failures = asyncio.run(check())
    assert not passed
    assert failures
    assert all("output contract" in str(f["error"]) for f in failures)  # type: ignore[index]
