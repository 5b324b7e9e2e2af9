"""API errors: 4xx JSON ``{"error": {"code", "message", "fields"?}}``, never HTML, never a 5xx for bad input.

A ``Conflict`` answers with its own code; its HTTP status comes from ``STATUS_OF`` (409 unless
listed), so an area can name, say, ``invalid_credentials`` as a 401. An ``Invalid`` is a 422 with
the messages per field.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from portal.errors import Conflict, Invalid
from portal.extensions import db

# Conflict codes that are not a 409; areas add theirs at import.
STATUS_OF: dict[str, int] = {}
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
}


def error(status: int, code: str, message: str, **extra: Any) -> Response:
    """One API error answer."""
    body: dict[str, Any] = {"code": code, "message": message, **extra}
    response = jsonify(error=body)
    response.status_code = status
    return response


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def register(bp: Blueprint) -> None:
    """Answer errors raised under the API blueprint as JSON."""

    @bp.errorhandler(Conflict)
    def conflict(exc: Conflict) -> Response:
        db.session.rollback()
        return error(STATUS_OF.get(exc.code, 409), exc.code, exc.message)

    @bp.errorhandler(Invalid)
    def invalid(exc: Invalid) -> Response:
        db.session.rollback()
        return error(422, "invalid", " ".join(exc.messages), fields=exc.errors)


def from_http(exc: HTTPException) -> Response:
    """An HTTP error under /api/ (unknown route, 405, 413, 429, …) as JSON."""
    status = exc.code or 500
    response = error(status, HTTP_CODES.get(status, "error"), exc.description or "")
    for key, value in (exc.get_response().headers or {}).items():
        if key.lower() in {"retry-after", "allow"} or key.lower().startswith("x-ratelimit"):
            response.headers[key] = value
    return response
