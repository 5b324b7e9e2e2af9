"""Request hygiene and response headers, for every route at once.

- Response headers that hold the pages to a strict Content-Security-Policy, and
  ``Cache-Control: no-store`` on everything but static files, so no signed-in page, fragment
  or password page is kept by a browser or a proxy.
- Only hosts in ``TRUSTED_HOSTS`` are served (Flask checks it; a forged Host is a 400).
- Ids in URLs fit the database's INTEGER: the app's ``int`` converter stops at 2^31-1, so a
  bigger id is the 404 of an id that does not exist, on every route, including ones added later.
- No field takes a NUL character or a file: a text field sent as a file part is a 400, not a
  500 deep in a form. A view that takes an upload names its file fields with ``@accepts_files(...)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
from flask import Flask, Response, abort, request
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter
from werkzeug.wsgi import get_host

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

from portal.config import LOCAL_HOSTS
from portal.extensions import db
from portal.views.api import errors as api_errors
from portal.views.errors import error_response

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)
MAX_URL_ID = 2**31 - 1  # ids are INTEGER columns on PostgreSQL; a bigger one cannot exist
UNTRUSTED_HOST = "Bad request: this portal does not answer for that host name (see TRUSTED_HOSTS).\n"
BAD_QUERY = "portal.query_not_utf8"
OUT_OF_RANGE = "A value in the request is out of range or cannot be stored (a number too big, a NUL character)."
F = TypeVar("F", bound=Callable[..., Any])


class RequestHygiene:
    """Checks that must run before Flask reads the request.

    An untrusted Host is refused here: Flask's own check fails later, where the error page can
    no longer build its links (a 500); here it is a plain 400 that names the problem. A query
    string that is not UTF-8 (a raw byte, as gunicorn passes it on) would fail in
    ``request.args``; it is put aside and answered with a 400 page before any view runs.
    """

    def __init__(self, app: Flask, wsgi_app: WSGIApplication) -> None:
        self.app, self.wsgi_app = app, wsgi_app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        hosts = self.app.config.get("TRUSTED_HOSTS")
        if hosts:
            try:
                get_host(environ, trusted_hosts=hosts)
            except SecurityError:
                body = UNTRUSTED_HOST.encode()
                start_response(
                    "400 Bad Request",
                    [
                        ("Content-Type", "text/plain; charset=utf-8"),
                        ("Content-Length", str(len(body))),
                        ("Cache-Control", "no-store"),
                        ("Content-Security-Policy", CSP),
                        ("X-Content-Type-Options", "nosniff"),
                    ],
                )
                return [body]
        try:
            environ.get("QUERY_STRING", "").encode("latin-1").decode("utf-8")
        except UnicodeError:
            environ["QUERY_STRING"], environ[BAD_QUERY] = "", True
        return self.wsgi_app(environ, start_response)


def _at_most(limit: int) -> str:
    """A regex for the decimal numbers 0 … limit (leading zeros allowed)."""
    digits = str(limit)
    options = [f"[0-9]{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    for i, digit in enumerate(digits):
        if digit != "0":
            rest = len(digits) - i - 1
            options.append(digits[:i] + f"[0-{int(digit) - 1}]" + (f"[0-9]{{{rest}}}" if rest else ""))
    options.append(digits)
    return "0*(?:" + "|".join(options) + ")"


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` that matches only ids the database can hold (0 … 2^31-1 unless told).

    The bound is in the regex, not only in ``to_python``: Werkzeug answers 405 for a path that
    matches another method's rule before it converts, so a bigger id must not match at all.
    """

    regex = _at_most(MAX_URL_ID)

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_URL_ID)
        super().__init__(map, *args, **kwargs)


def _trust_hosts(app: Flask) -> None:
    """Add the test or deployment's SERVER_NAME to the trusted hosts, and loopback in tests."""
    hosts = app.config.get("TRUSTED_HOSTS")
    if hosts is None:
        return
    server_name = app.config.get("SERVER_NAME")
    extra = [server_name.split(":")[0]] if server_name else []
    if app.testing:
        extra += LOCAL_HOSTS
    app.config["TRUSTED_HOSTS"] = list(dict.fromkeys([*hosts, *extra]))


def accepts_files(*fields: str) -> Callable[[F], F]:
    """Let a view take uploaded files in these fields only (its form checks their type and size)."""

    def mark(view: F) -> F:
        view.file_fields = frozenset(fields)  # type: ignore[attr-defined]
        return view

    return mark


def cacheable(view: F) -> F:
    """Let a view's answer carry its own Cache-Control (public assets such as a vendor's logo)."""
    view.cacheable = True  # type: ignore[attr-defined]
    return view


def init_app(app: Flask) -> None:
    # Before any blueprint adds a rule: rules bind their converter when they are added.
    app.url_map.converters["int"] = BoundedIntConverter
    _trust_hosts(app)
    app.wsgi_app = RequestHygiene(app, app.wsgi_app)  # type: ignore[method-assign]
    hops = app.config.get("PROXY_FIX_HOPS", 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    @app.before_request
    def _refuse_nul_characters_and_files() -> None:
        if request.environ.get(BAD_QUERY):
            abort(400, description="The address holds bytes that are not UTF-8 text.")
        # No field takes a NUL: PostgreSQL would refuse it deep in a query (a 500), SQLite
        # would store it. One clear answer for both, before any view runs.
        sources = (request.args, request.form) if request.form else (request.args,)
        if any("\x00" in value for source in sources for _, values in source.lists() for value in values):
            abort(400, description="The request contains a NUL character, which no field accepts.")
        view = app.view_functions.get(request.endpoint or "")
        if request.files and not set(request.files) <= getattr(view, "file_fields", frozenset()):
            abort(400, description="This form takes no files: send its fields as text.")

    @app.errorhandler(OverflowError)
    @app.errorhandler(sa.exc.DataError)
    def _out_of_range(error: Exception) -> Response:
        # The last net under a number no form bounded (SQLite: > 2^63, PostgreSQL: > int4).
        app.logger.warning("number out of range: %s", error)
        db.session.rollback()
        if api_errors.is_api_request():  # every answer under /api/ is JSON with a code
            return api_errors.error(422, "invalid", OUT_OF_RANGE)
        return error_response(422, OUT_OF_RANGE)

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        view = app.view_functions.get(request.endpoint or "")
        if request.endpoint != "static" and not (getattr(view, "cacheable", False) and response.status_code < 400):
            response.headers["Cache-Control"] = "no-store"
        if app.config.get("PORTAL_ENV") == "production":
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
