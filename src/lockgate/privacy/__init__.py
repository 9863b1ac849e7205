"""PII detection and replacement: pure detectors, operators and the ``redact`` entry points."""

from lockgate.privacy.analyzer import Analyzer, default_analyzer
from lockgate.privacy.crypto import Encrypt, decrypt, decrypt_token, derive_key
from lockgate.privacy.detectors import NerDetector, default_detectors, ner_available
from lockgate.privacy.entity import Entity, resolve_overlaps
from lockgate.privacy.errors import DecryptionError, InvalidKeyError, MissingExtraError
from lockgate.privacy.operators import Mask, OperatorPolicy, Pseudonymize, Redact
from lockgate.privacy.protocols import Detector, Operator
from lockgate.privacy.redaction import (
    Result,
    apply_operators,
    redact,
    redact_obj,
    redaction_processor,
)

__all__ = [
    "Analyzer",
    "DecryptionError",
    "Detector",
    "Encrypt",
    "Entity",
    "InvalidKeyError",
    "Mask",
    "MissingExtraError",
    "NerDetector",
    "Operator",
    "OperatorPolicy",
    "Pseudonymize",
    "Redact",
    "Result",
    "apply_operators",
    "decrypt",
    "decrypt_token",
    "default_analyzer",
    "default_detectors",
    "derive_key",
    "ner_available",
    "redact",
    "redact_obj",
    "redaction_processor",
    "resolve_overlaps",
]
