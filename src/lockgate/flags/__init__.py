"""Feature flags and kill switches: the model and its pure evaluation.

``evaluate(flag, context, default)`` never raises: it answers the caller's default with a reason and
an error code when anything is wrong, as OpenFeature does. ``FlagCache`` (``lockgate.flags.cache``)
keeps every replica's flags fresh from the store; ``LockgateProvider``
(``lockgate.flags.openfeature``) gives a team's own application the same answers. See docs/flags.md.
"""

from lockgate.flags.definitions import (
    KILL_SWITCH_SUFFIX,
    from_manifest,
    from_spec,
    from_specs,
    kill_switch,
    with_overrides,
)
from lockgate.flags.evaluate import bucket, evaluate
from lockgate.flags.model import (
    BUCKETS,
    BytesHeaders,
    ErrorCode,
    EvaluationContext,
    FlagDefinition,
    FlagSource,
    InvalidFlagValue,
    Reason,
    Resolution,
)
from lockgate.flags.values import build_flag, check_value, compile_value, with_value

__all__ = [
    "BUCKETS",
    "KILL_SWITCH_SUFFIX",
    "BytesHeaders",
    "ErrorCode",
    "EvaluationContext",
    "FlagDefinition",
    "FlagSource",
    "InvalidFlagValue",
    "Reason",
    "Resolution",
    "bucket",
    "build_flag",
    "check_value",
    "compile_value",
    "evaluate",
    "from_manifest",
    "from_spec",
    "from_specs",
    "kill_switch",
    "with_overrides",
    "with_value",
]
