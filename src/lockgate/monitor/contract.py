"""Output contracts: a JSON Schema the model's answers must satisfy.

Checked on every golden-set case before a candidate gets traffic, and on the candidate's answers
while a rollout runs; a violation counts as an error in the canary analysis. The stable version's
answers are not checked on the hot path.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from lockgate.errors import ConfigError
from lockgate.gateway.shadow import pointer
from lockgate.manifest.monitors import ContractSpec

VIOLATION = "contract_violation"


@dataclass(frozen=True)
class Contract:
    """A compiled output contract."""

    spec: ContractSpec
    validator: Draft202012Validator

    @classmethod
    def load(cls, spec: ContractSpec, base_dir: Path) -> Contract:
        """Read and check the schema file; errors name the file."""
        path = base_dir / spec.schema_file
        try:
            schema = json.loads(path.read_text(encoding="utf-8"))
            Draft202012Validator.check_schema(schema)
        except (OSError, json.JSONDecodeError, SchemaError) as exc:
            raise ConfigError(
                f"{path}: the output contract is not a readable JSON Schema ({exc}); "
                "fix monitors.output.contract.schema"
            ) from None
        return cls(spec, Draft202012Validator(schema))

    def violation(self, body: bytes) -> str | None:
        """Why ``body`` breaks the contract, or None when it satisfies it."""
        try:
            document: Any = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return "the answer is not JSON"
        part = pointer(document, self.spec.at)
        if self.spec.parse_json:
            if not isinstance(part, str):
                return f"no JSON text at {self.spec.at or '/'}"
            try:
                part = json.loads(part)
            except json.JSONDecodeError:
                return f"the text at {self.spec.at} is not JSON"
        error = next(iter(self.validator.iter_errors(part)), None)
        if error is None:
            return None
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        return f"{where}: {error.message}"[:300]
