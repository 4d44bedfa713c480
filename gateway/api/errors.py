"""The one map from domain errors to HTTP: status, a stable ``code`` and the error's own
diagnostics, as RFC 9457 ``application/problem+json``. Internal exception text never leaks."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from gateway.errors import (
    CaptureRefused,
    Conflict,
    Forbidden,
    GatewayError,
    InvalidRequest,
    NotFound,
    PolicyDenied,
    RateLimited,
    Refused,
    TooLarge,
    Unauthorized,
    UnsupportedFile,
)
from generator import GeneratorError

log = logging.getLogger(__name__)

#: Domain error → (HTTP status, stable code). Order matters: the first match wins.
STATUS: list[tuple[type[Exception], int, str]] = [
    (Unauthorized, 401, "unauthorized"),
    (PolicyDenied, 403, "policy_denied"),
    (CaptureRefused, 422, "consent_refused"),
    (Forbidden, 403, "insufficient_scope"),
    (NotFound, 404, "not_found"),
    (Conflict, 409, "conflict"),
    (TooLarge, 413, "too_large"),
    (RateLimited, 429, "rate_limited"),
    (InvalidRequest, 422, "invalid_request"),
    (UnsupportedFile, 422, "unsupported_file"),
    (GeneratorError, 422, "unusable_input"),
]


def problem(
    status: int,
    code: str,
    detail: str,
    headers: dict[str, str] | None = None,
    extra: dict[str, object] | None = None,
) -> JSONResponse:
    """A problem+json response; ``extra`` adds members (RFC 9457 extensions)."""
    return JSONResponse(
        {
            "type": "about:blank",
            "title": code.replace("_", " "),
            "status": status,
            "code": code,
            "detail": detail,
            **(extra or {}),
        },
        status_code=status,
        media_type="application/problem+json",
        headers=headers,
    )


def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    for kind, status, code in STATUS:
        if isinstance(exc, kind):
            headers = {}
            if isinstance(exc, RateLimited):
                headers["Retry-After"] = str(exc.retry_after)
            if isinstance(exc, Unauthorized):
                headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
            if isinstance(exc, Forbidden):
                headers["WWW-Authenticate"] = 'Bearer error="insufficient_scope"'
            extra = {"reasons": exc.reasons, **exc.context} if isinstance(exc, Refused) else None
            detail = exc.diagnostics()  # type: ignore[attr-defined]
            return problem(status, code, detail, headers, extra)
    log.error("unmapped gateway error on %s %s: %s", request.method, request.url.path, exc)
    return problem(500, "internal_error", "the gateway failed; the operator has the details")


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    return problem(exc.status_code, f"http_{exc.status_code}", str(exc.detail), exc.headers)


def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = "; ".join(
        f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}" for error in exc.errors()
    )
    return problem(422, "invalid_request", details)


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(500, "internal_error", "the gateway failed; the operator has the details")


def install(app: FastAPI) -> None:
    """Route every error through this module."""
    app.add_exception_handler(GatewayError, _domain_error)
    app.add_exception_handler(GeneratorError, _domain_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
