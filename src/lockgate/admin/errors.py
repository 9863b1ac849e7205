"""Admin API errors in the same OpenAI-style JSON shape as the data plane, never a traceback."""

from __future__ import annotations

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from lockgate.errors import LockgateError, MissingField, NotFound, RequestError

log = structlog.get_logger("lockgate.admin")


def _json(error: LockgateError) -> JSONResponse:
    return JSONResponse(error.to_body(), status_code=error.status)


async def _lockgate(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LockgateError)
    return _json(exc)


async def _validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"] if part != "body")
        problems.append(f"{where or 'body'}: {error['msg']}")
    first = exc.errors()[0] if exc.errors() else {}
    kind = MissingField if first.get("type") == "missing" else RequestError
    return _json(kind("invalid request: " + "; ".join(problems)))


async def _http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return _json(NotFound("no such admin route; see /admin/openapi.json"))
    body = {"error": {"message": str(exc.detail), "type": "invalid_request_error",
                      "param": None, "code": f"http_{exc.status_code}"}}  # fmt: skip
    return JSONResponse(body, status_code=exc.status_code)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("admin_unexpected_error", path=request.url.path, exc_info=exc)
    return _json(LockgateError("internal error; the gateway log has the details"))


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(LockgateError, _lockgate)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
