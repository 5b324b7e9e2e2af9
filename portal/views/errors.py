"""Error answers: a page for a browser, the flash area for htmx, never a stack trace.

The two domain errors are answered here too, so no view catches them one by one: a
``Conflict`` is a 409 with its message; an ``Invalid`` that no form took (see
``portal.forms.submit``) is a 422 with its messages. Every error rolls the transaction back.
"""

from __future__ import annotations

from flask import Flask, Response, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.errors import Conflict, Invalid
from portal.extensions import db
from portal.htmx import is_htmx, retarget
from portal.views.api import errors as api_errors

TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Too large",
    422: "Invalid input",
    429: "Too many attempts",
    500: "Something went wrong",
}
PASSED_ON_HEADERS = {"retry-after", "allow"}


def error_response(code: int, message: str) -> Response:
    """The error's message: in the flash area for htmx, on an error page otherwise."""
    title = TITLES.get(code, "Error")
    if is_htmx():
        html = render_template("_flash.html", messages=[("error", message)], oob=False)
        return retarget(Response(html, status=code), "#flash")
    html = render_template("error.html", code=code, title=title, message=message)
    return Response(html, status=code)


def _message(error: HTTPException) -> str:
    if error.code == 404:
        return "There is nothing here, or it is not yours to see."
    return error.description or InternalServerError.description


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> Response:
        db.session.rollback()
        return error_response(400, "The form expired or was not sent from this site. Reload the page and try again.")

    @app.errorhandler(Conflict)
    def conflict(error: Conflict) -> Response:
        db.session.rollback()
        return error_response(409, error.message)

    @app.errorhandler(Invalid)
    def invalid(error: Invalid) -> Response:
        db.session.rollback()
        return error_response(422, " ".join(error.messages))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        db.session.rollback()
        if api_errors.is_api_request():
            return api_errors.from_http(error)
        response = error_response(error.code or 500, _message(error))
        if error.code in (405, 429):
            for key, value in (error.get_response().headers or {}).items():
                if key.lower() in PASSED_ON_HEADERS or key.lower().startswith("x-ratelimit"):
                    response.headers[key] = value
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        db.session.rollback()
        app.logger.exception("unhandled error")
        if app.testing and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise error
        if api_errors.is_api_request():
            return api_errors.error(500, "internal", "Something went wrong on our side; nothing was changed.")
        return error_response(500, "Something went wrong on our side; nothing was changed.")
