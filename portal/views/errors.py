"""Error answers: a page for a browser, the flash area for htmx, never a stack trace.

The two domain errors are answered here too, so no view catches them one by one: a
``Conflict`` is a 409 with its message; an ``Invalid`` that no form took (see
``portal.forms.submit``) is a 422 with its messages. Every error rolls the transaction back.
On the End User Portal every title and message is in the request's language (``portal.i18n``).
"""

from __future__ import annotations

from flask import Flask, Response, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from portal import i18n
from portal.errors import N_, Conflict, Invalid
from portal.extensions import db
from portal.htmx import is_htmx, retarget
from portal.views.api import errors as api_errors

TITLES = {
    400: _l("Bad request"),
    403: _l("Not allowed"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    413: _l("Too large"),
    422: _l("Invalid input"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong"),
}
NOT_FOUND = _l("There is nothing here, or it is not yours to see.")
WENT_WRONG = _l("Something went wrong on our side; nothing was changed.")
# Werkzeug's and the portal's own descriptions of refused requests, marked for the catalogues:
# ``i18n.translate`` finds them there by their English text.
DESCRIPTIONS = [
    N_("The browser (or proxy) sent a request that this server could not understand."),
    N_("The method is not allowed for the requested URL."),
    N_("The data value transmitted exceeds the capacity limit."),
    N_("This user has exceeded an allotted request count. Try again later."),
    N_("The address holds bytes that are not UTF-8 text."),
    N_("The request contains a NUL character, which no field accepts."),
    N_("This form takes no files: send its fields as text."),
]
PASSED_ON_HEADERS = {"retry-after", "allow"}


def error_response(code: int, message: str) -> Response:
    """The error's message: in the flash area for htmx, on an error page otherwise."""
    title = str(TITLES.get(code) or _("Error"))
    message = i18n.translate(message)
    if is_htmx():
        html = render_template("_flash.html", messages=[("error", message)], oob=False)
        return retarget(Response(html, status=code), "#flash")
    home = "/portal/" if i18n.portal_request() else None
    html = render_template("error.html", code=code, title=title, message=message, home_url=home)
    return Response(html, status=code)


def _message(error: HTTPException) -> str:
    if error.code == 404:
        return str(NOT_FOUND)
    return error.description or InternalServerError.description


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> Response:
        db.session.rollback()
        return error_response(400, _("The form expired or was not sent from this site. Reload the page and try again."))

    @app.errorhandler(Conflict)
    def conflict(error: Conflict) -> Response:
        db.session.rollback()
        return error_response(409, error.message)

    @app.errorhandler(Invalid)
    def invalid(error: Invalid) -> Response:
        db.session.rollback()
        return error_response(422, " ".join(i18n.translate(m) for m in error.messages))

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
        return error_response(500, str(WENT_WRONG))
