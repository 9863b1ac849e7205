"""Structured logs: one JSON object per line on stderr, with UTC timestamps and levels.

Entry points (``serve``, ``demo``) call ``configure`` once; library code only asks structlog for a
logger. Processors that scrub personal data plug in before the renderer via ``extra_processors``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

import orjson
import structlog
from structlog.typing import Processor


def configure(
    *, level: str = "info", json: bool = True, extra_processors: Sequence[Processor] = ()
) -> None:
    """Route structlog and the standard library's logging to stderr in one format."""
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        numeric = logging.INFO
    renderer: Processor = (
        structlog.processors.JSONRenderer(serializer=lambda obj, **_: orjson.dumps(obj).decode())
        if json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        *extra_processors,
    ]
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(foreign_pre_chain=shared, processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer,
        ])
    )  # fmt: skip
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(numeric)
