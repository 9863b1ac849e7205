"""Every error Lockgate raises on purpose, with the HTTP status and code it maps to.

The tree::

    LockgateError                       500  internal_error
    ├── ConfigError                     400  invalid_config      (manifest, settings)
    │   ├── InvalidKeyError             400  invalid_key         (privacy.errors)
    │   └── MissingExtraError           400  missing_extra       (privacy.errors)
    ├── DecryptionError                 400  decryption_failed   (privacy.errors)
    ├── MeasurementError                500  invalid_measurements (rollout.analysis)
    ├── StoreError                      503  store_unavailable
    ├── RequestError                    400  invalid_request_error
    │   ├── MalformedJSON               400  malformed_json
    │   ├── MissingField                400  missing_field
    │   ├── UnsupportedMediaType        415  unsupported_media_type
    │   └── PayloadTooLarge             413  payload_too_large
    ├── AuthenticationError             401  invalid_api_key
    ├── PermissionDenied                403  permission_denied
    ├── NotFound                        404  not_found
    │   └── UnknownService              404  model_not_found
    ├── Conflict                        409  conflict
    └── UpstreamError                   502  upstream_error
        ├── UpstreamUnavailable         503  upstream_unavailable
        └── UpstreamTimeout             504  upstream_timeout

Each error carries a message that says what to do next. ``to_body()`` renders the OpenAI error shape
``{"error": {"message", "type", "param", "code"}}`` so OpenAI SDKs surface it unchanged.
"""

from __future__ import annotations

from typing import Any, ClassVar


class LockgateError(Exception):
    """Root of every error Lockgate raises on purpose."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"
    type: ClassVar[str] = "server_error"

    def __init__(self, message: str, *, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param

    def to_body(self) -> dict[str, Any]:
        """The OpenAI-compatible error body."""
        return {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.code,
            }
        }


class ConfigError(LockgateError):
    """The manifest or settings are invalid; the message names the file, line and fix."""

    status = 400
    code = "invalid_config"
    type = "invalid_request_error"


class StoreError(LockgateError):
    """The database cannot be reached or migrated."""

    status = 503
    code = "store_unavailable"
    type = "server_error"


class RequestError(LockgateError):
    """The client's request is invalid."""

    status = 400
    code = "invalid_request_error"
    type = "invalid_request_error"


class MalformedJSON(RequestError):
    """The body is not valid JSON."""

    code = "malformed_json"


class MissingField(RequestError):
    """A required field is missing or has the wrong type."""

    code = "missing_field"


class UnsupportedMediaType(RequestError):
    """The content type is not application/json."""

    status = 415
    code = "unsupported_media_type"


class PayloadTooLarge(RequestError):
    """The body exceeds the configured limit."""

    status = 413
    code = "payload_too_large"


class AuthenticationError(LockgateError):
    """No API key, or one that is unknown, revoked or expired."""

    status = 401
    code = "invalid_api_key"
    type = "authentication_error"


class PermissionDenied(LockgateError):
    """The key lacks the scope or may not call this service."""

    status = 403
    code = "permission_denied"
    type = "permission_error"


class NotFound(LockgateError):
    """The addressed resource does not exist."""

    status = 404
    code = "not_found"
    type = "invalid_request_error"


class UnknownService(NotFound):
    """The request's ``model`` names no configured service."""

    code = "model_not_found"


class Conflict(LockgateError):
    """The change conflicts with the current state."""

    status = 409
    code = "conflict"
    type = "invalid_request_error"


class UpstreamError(LockgateError):
    """The upstream model server answered with an error or garbage."""

    status = 502
    code = "upstream_error"
    type = "upstream_error"


class UpstreamUnavailable(UpstreamError):
    """The upstream model server could not be reached."""

    status = 503
    code = "upstream_unavailable"


class UpstreamTimeout(UpstreamError):
    """The upstream model server did not answer within the version's timeout."""

    status = 504
    code = "upstream_timeout"
