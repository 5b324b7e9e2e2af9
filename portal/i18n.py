"""Languages of the End User Portal (Flask-Babel): which locale a request speaks.

The End User Portal speaks English, Spanish, French and German: the manager's own choice
(kept in the session until the account stores it) first, then the browser's
``Accept-Language``. The vendor platform and the API stay in English. Catalogues live in
``portal/translations/<locale>/LC_MESSAGES/messages.po`` and are compiled at install.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, request, session
from flask_babel import Babel

LOCALES = ("en", "es", "fr", "de")
DEFAULT_LOCALE = "en"
LOCALE_NAMES = {"en": "English", "es": "Español", "fr": "Français", "de": "Deutsch"}
SESSION_KEY = "locale"

babel = Babel()


def portal_request() -> bool:
    """Whether the request belongs to the End User Portal (the only side that is translated)."""
    return request.path == "/portal" or request.path.startswith("/portal/")


def select_locale() -> str:
    """The locale of this request: the manager's choice, then Accept-Language, then English."""
    if not portal_request():
        return DEFAULT_LOCALE
    chosen = session.get(SESSION_KEY)
    if chosen in LOCALES:
        return str(chosen)
    return request.accept_languages.best_match(LOCALES) or DEFAULT_LOCALE


def init_app(app: Flask) -> None:
    """Bind Flask-Babel with the portal's locale selector and catalogue folder."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(Path(__file__).resolve().parent / "translations"))
    babel.init_app(app, locale_selector=select_locale)
