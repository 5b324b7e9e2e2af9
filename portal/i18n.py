"""Languages of the End User Portal (Flask-Babel): which locale a request speaks, and how it formats.

The End User Portal speaks English, Spanish, French and German: the manager's own choice (the
language chooser keeps it in the session, and on the manager, who gets it back at the next
sign-in) first, then the browser's ``Accept-Language``. The vendor platform and the API stay in
English. Catalogues live in ``portal/translations/<locale>/LC_MESSAGES/messages.po`` and are
compiled at install (``make install``; ``make translations`` extracts and updates them).

Services raise English messages (``portal.errors.N_`` marks them for the catalogues); ``translate``
puts one into the request's language at the edge: the error handler and ``portal.forms.submit``.
Dates, numbers and relative times go through the filters registered here, so each locale formats
them its own way (English keeps the portal's ``05 Jan 2026``).
"""

from __future__ import annotations

import datetime as dt
import math
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.dates import format_skeleton
from flask import Flask, g, has_request_context, request, session
from flask_babel import (
    Babel,
    force_locale,
    get_locale,
    get_translations,
)
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup, escape

from portal.errors import N_
from portal.lists import COUNT_CAP

LOCALES = ("en", "es", "fr", "de")
DEFAULT_LOCALE = "en"
LOCALE_NAMES = {"en": "English", "es": "Español", "fr": "Français", "de": "Deutsch"}
SESSION_KEY = "locale"
# Set when the language was chosen before signing in: the sign-in then keeps it on the manager.
CHOSEN_KEY = "locale_chosen"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"

babel = Babel()


def portal_request() -> bool:
    """Whether the request belongs to the End User Portal (the only side that is translated)."""
    return request.path == "/portal" or request.path.startswith("/portal/")


def select_locale() -> str:
    """The locale of this request: the manager's choice, then Accept-Language, then English."""
    if not has_request_context() or not portal_request():
        return DEFAULT_LOCALE
    chosen = session.get(SESSION_KEY)
    if chosen in LOCALES:
        return str(chosen)
    return request.accept_languages.best_match(LOCALES) or DEFAULT_LOCALE


def current_locale() -> str:
    """The request's locale name (``en``, ``fr``...), worked out once a request: lists format two
    moments a row, and Flask-Babel's ``get_locale`` looks its context up and names the locale anew each time."""
    return str(_kept("_portal_locale", lambda: str(get_locale() or DEFAULT_LOCALE)))


def _kept(name: str, make: Any) -> Any:
    """``make()``, kept on ``g`` under ``name`` beside the locale it was made for, so a request makes it
    once; a locale changed since (``force_locale``, ``refresh``) is another object, so it is made again."""
    if not g:
        return make()
    here = g._get_current_object()  # one look-up through the proxy, not one per attribute
    kept = getattr(here, name, None)
    locale = getattr(getattr(here, "_flask_babel", None), "babel_locale", None)
    if kept is not None and locale is not None and kept[0] is locale:
        return kept[1]
    found = make()
    setattr(here, name, (getattr(getattr(here, "_flask_babel", None), "babel_locale", None), found))
    return found


def valid(locale: str | None) -> str | None:
    """The locale if the portal speaks it, else None."""
    return locale if locale in LOCALES else None


def translate(message: str) -> str:
    """An English message (a service's ``N_`` message, or a plain one) in the request's language.

    A message not in the catalogues stays as it is, in English.
    """
    if not message:
        return message  # gettext("") would answer the catalogue's header
    template = getattr(message, "template", None)
    if template is not None:
        values = message.values  # type: ignore[attr-defined]
        # A value that is itself a marked message (a permission's label) is translated too.
        return _gettext(template, **{k: translate(v) if hasattr(v, "template") else v for k, v in values.items()})
    return _gettext(str(message))


def _gettext(text: str, **values: Any) -> str:
    """Flask-Babel's ``gettext`` through the request's kept catalogue (``_translations``)."""
    found = str(_translations().ugettext(text))
    return found % values if values else found


def in_locale(locale: str | None) -> Any:
    """Speak ``locale`` (or English) inside the block: mail written outside the recipient's request."""
    return force_locale(valid(locale) or DEFAULT_LOCALE)


# Formatting: English keeps the portal's own day-month-year; the others their locale's usual form.


def _english() -> bool:
    return current_locale() == DEFAULT_LOCALE


def date(value: dt.datetime | dt.date | None, empty: str = "") -> str:
    """A day: ``05 Jan 2026``, ``5 janv. 2026``, ``05.01.2026``, ``5 ene 2026``."""
    if value is None:
        return empty
    return date_in(value, "dd MMM yyyy" if _english() else "medium")


def date_in(value: dt.datetime | dt.date, pattern: str) -> str:
    """A day in a Babel pattern (or ``medium``, ``long``...), in the request's locale."""
    return _day(current_locale(), value.date() if isinstance(value, dt.datetime) else value, pattern)


# Times are kept and shown in UTC (no time zone is configured), so a day reads the same for every
# moment in it: a list of 25 rows formats a handful of distinct days, Babel's pattern work once each.
@lru_cache(maxsize=4096)
def _day(locale: str, day: dt.date, pattern: str) -> str:
    return str(babel_dates.format_date(day, pattern, locale=locale))


def day_month(value: dt.datetime | dt.date) -> str:
    """A day of the year without the year, for chart axes: ``05 Jan``, ``5 janv.``, ``5. Jan.``."""
    if _english():
        return date_in(value, "dd MMM")
    return str(format_skeleton("dMMM", value, locale=current_locale()))


def minute(value: dt.datetime | None, empty: str = "") -> str:
    """A moment to the minute (UTC): ``05 Jan 2026 14:03``, ``05.01.2026 14:03``."""
    if value is None:
        return empty
    # Babel's "HH:mm" is these digits in every locale; the moment is UTC as kept, so no zone to shift to.
    return f"{date(value)} {value.strftime('%H:%M')}"


def machine(value: dt.datetime | dt.date) -> str:
    """A moment for ``<time datetime>``, in UTC to the second (HTML allows at most 3 digits of fraction)."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()


def number(value: int | float | None) -> str:
    """A number with the locale's grouping: ``1,234``, ``1 234``, ``1.234``."""
    return "" if value is None else _number(current_locale(), value)


# A list shows a handful of distinct numbers (seats, counts); Babel parses the locale's pattern for each.
@lru_cache(maxsize=4096)
def _number(locale: str, value: int | float) -> str:
    return str(babel_numbers.format_decimal(value, locale=locale))


def count(total: int) -> str:
    """A list's count, capped like ``portal.lists.count_label``: ``10.000+`` in German."""
    return number(min(total, COUNT_CAP)) + ("+" if total > COUNT_CAP else "")


# Babel's units for a relative time, largest first, to the minute; a span is told in the first unit
# it reaches 0.85 of (Babel's default threshold), rounded, at least 1 (tests/test_i18n_foundation.py).
Unit = Literal["year", "month", "week", "day", "hour", "minute"]
_UNITS: tuple[tuple[Unit, int], ...] = (
    ("year", 365 * 86400),
    ("month", 30 * 86400),
    ("week", 7 * 86400),
    ("day", 86400),
    ("hour", 3600),
    ("minute", 60),
)
_THRESHOLD = 0.85


def ago(value: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """How long ago (or how far ahead) a moment is: ``3 hours ago``, ``il y a 3 heures``, ``in 2 Tagen``.

    Babel's wording, to the minute. Working out the unit here and asking Babel once per (locale,
    unit, amount) matters in lists, which tell two moments a row: Babel's own path costs ~0.15 ms each.
    """
    if value is None:
        return ""
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    seconds = (value - now).total_seconds()
    unit, size = next(((u, n) for u, n in _UNITS if abs(seconds) / n >= _THRESHOLD), _UNITS[-1])
    amount = max(1, round(abs(seconds) / size)) if seconds else 0  # Babel says "in 0 minutes" for the same moment
    return _relative(current_locale(), unit, size * (amount if seconds >= 0 else -amount))


@lru_cache(maxsize=4096)
def _relative(locale: str, unit: Unit, seconds: int) -> str:
    # No threshold is ever reached, so Babel words the span in ``unit`` itself: the one chosen above.
    span = dt.timedelta(seconds=seconds)
    return str(
        babel_dates.format_timedelta(span, granularity=unit, threshold=math.inf, add_direction=True, locale=locale)
    )


# The statuses of managers, users and licenses as badges name them (``_macros.status_badge``).
STATUS_LABELS = {
    "active": N_("Active"),
    "inactive": N_("Inactive"),
    "disabled": N_("Disabled"),
    "invited": N_("Invited"),
    "expired": N_("Invitation expired"),
    "revoked": N_("Revoked"),
}


def status_label(status: str) -> str:
    """A status as its badge names it, in the request's language; an unknown one capitalised."""
    label = STATUS_LABELS.get(status)
    return translate(label) if label is not None else status.capitalize()


RELATIVE_FOR = dt.timedelta(days=30)  # nearer than this a moment reads "3 hours ago"; further, its date


def when(value: dt.datetime | None, now: dt.datetime | None = None, empty: str = "Never") -> Markup:
    """A moment as people scan it in a list: "3 hours ago" within a month, its date beyond ("2 years
    ago" tells nobody when), the exact time and its zone on hover. A filter, not a macro: lists call it
    twice a row."""
    if value is None:
        return Markup(f'<span class="muted">{escape(empty)}</span>')
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    shown = ago(value, now) if abs(value - now) < RELATIVE_FOR else date(value)
    exact = value.strftime("%Y-%m-%d %H:%M:%S")  # digits only: the attributes need no escaping
    return Markup(f'<time datetime="{exact.replace(" ", "T")}Z" title="{exact} UTC">{escape(shown)}</time>')


def moment(value: dt.datetime | None, empty: str = "—") -> Markup:
    """A moment to the minute, in UTC, how long ago in its title: seats and check-ins are about hours,
    not days. A function, not a macro: portal lists show two a row, and a macro's call costs ~13 µs."""
    if not value:
        return Markup('<span class="muted">%s</span>') % empty
    return Markup('<time datetime="%s" title="%s">%s</time>') % (machine(value), ago(value), minute(value))


def _translations() -> Any:
    """The request's catalogue (``_kept``): Flask-Babel finds it anew for every string (four look-ups
    of its context, the locale's name built each time): a list page of 25 rows asks ~400 times, ~8 ms."""
    return _kept("_portal_translations", get_translations)


# The templates' ``_``, ``gettext`` and ``ngettext``: what Jinja's i18n extension does with "newstyle"
# callables (the text escaped where the template autoescapes, then always formatted with the keywords),
# called once. The extension's own pass through three context calls a string, and a portal list page
# translates ~400 strings (~20 % of its render).
@pass_eval_context
def _template_gettext(eval_ctx: EvalContext, string: str, **variables: Any) -> str:
    found = _translations().ugettext(string)
    text = Markup(found) if eval_ctx.autoescape else found
    # Formatting a text with no "%" gives it back as it is; most of a page's texts have none, and Markup's
    # formatting costs more than the look-up (~1 ms a list page of 25 rows).
    return text % variables if "%" in found else text


@pass_eval_context
def _template_ngettext(eval_ctx: EvalContext, singular: str, plural: str, num: int, **variables: Any) -> str:
    variables.setdefault("num", num)
    found = _translations().ungettext(singular, plural, num)
    return (Markup(found) if eval_ctx.autoescape else found) % variables


def init_app(app: Flask) -> None:
    """Bind Flask-Babel with the portal's locale selector and catalogue folder; add the Jinja filters."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    babel.init_app(app, locale_selector=select_locale)
    # Flask-Babel's own callables, with the request's catalogue looked up once (the i18n extension adds the method).
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals.update(_=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext)
    app.jinja_env.filters.update(
        machine=machine, when=when, date=date, minute=minute, number=number, count=count, ago=ago, translate=translate
    )
    app.jinja_env.globals.update(
        current_locale=current_locale, locale_names=LOCALE_NAMES, status_label=status_label, moment=moment
    )
