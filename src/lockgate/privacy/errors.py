"""Errors of the privacy package, placed in Lockgate's error tree.

::

    LockgateError
    ├── ConfigError
    │   ├── InvalidKeyError     400  invalid_key         (wrong size or missing key)
    │   └── MissingExtraError   400  missing_extra       (optional dependency not installed)
    └── DecryptionError         400  decryption_failed   (token altered or wrong key)
"""

from __future__ import annotations

from lockgate.errors import ConfigError, LockgateError


class InvalidKeyError(ConfigError):
    """A pseudonymization or encryption key is missing or has the wrong size."""

    code = "invalid_key"


class MissingExtraError(ConfigError):
    """An optional feature was asked for but its extra is not installed."""

    code = "missing_extra"


class DecryptionError(LockgateError):
    """An ``<ENC:...>`` token does not decrypt with the given key."""

    status = 400
    code = "decryption_failed"
    type = "invalid_request_error"
