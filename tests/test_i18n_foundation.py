"""The locale a request speaks, and the permission difference the pages show."""

from __future__ import annotations

import datetime as dt

from babel import dates as babel_dates
from flask import Flask
from flask_babel import get_locale

from portal import i18n
from portal import permissions as perms


def locale_of(app: Flask, path: str, accept: str) -> str:
    with app.test_request_context(path, headers={"Accept-Language": accept}):
        return str(get_locale())


def test_portal_follows_accept_language_and_vendor_stays_english(app: Flask) -> None:
    assert locale_of(app, "/portal/", "de-DE,de;q=0.9,en;q=0.5") == "de"
    assert locale_of(app, "/portal/licenses", "es") == "es"
    assert locale_of(app, "/portal/", "ja") == "en"
    assert locale_of(app, "/vendor/license-managers", "fr") == "en"


def test_difference_names_what_is_added_and_lacking() -> None:
    bits = perms.to_bits(["create_order", "edit_license", "manage_managers"])
    diff = perms.difference(bits, perms.to_bits(["create_order", "reset_device"]))
    assert diff.added == ("edit_license", "manage_managers")
    assert diff.removed == ("reset_device",)
    assert diff.summary == "+2 / −1"
    assert diff.described == "Adds Edit license, Manage managers; lacks Reset device"
    assert perms.difference(bits, bits).same and perms.difference(bits, bits).summary == ""


def test_relative_times_and_days_read_as_babel_words_them(app: Flask) -> None:
    # ``ago`` works out Babel's unit itself and asks Babel once per (locale, unit, amount); ``date``
    # keeps a day's wording. Both must read exactly as Babel's own formatting does, in every locale.
    now = dt.datetime(2026, 12, 2, 12, 0, 0)
    spans = [0, 1, 29, 30, 31, 59, 60, 89, 90, 2999, 3059, 3060, 3600, 5400, 20000, 73439, 73440, 86399]
    spans += [86400 * d + s for d in (1, 2, 5, 6, 7, 13, 25, 26, 29, 40, 400) for s in (0, 1800, 43200)]
    for locale in i18n.LOCALES:
        with app.test_request_context("/portal/", headers={"Accept-Language": locale}):
            assert str(get_locale()) == locale
            for seconds in spans:
                for sign in (1, -1):
                    moment = now + dt.timedelta(seconds=sign * seconds)
                    expected = babel_dates.format_timedelta(
                        moment - now, granularity="minute", add_direction=True, locale=locale
                    )
                    assert i18n.ago(moment, now) == expected, (locale, sign * seconds)
                    pattern = "dd MMM yyyy" if locale == "en" else "medium"
                    assert i18n.date(moment) == babel_dates.format_date(moment.date(), pattern, locale=locale)
            assert (
                i18n.status_label("invited")
                == {"en": "Invited", "es": "Invitado", "fr": "Invité", "de": "Eingeladen"}[locale]
            )
            assert i18n.status_label("paused") == "Paused"
    with app.test_request_context("/portal/"):
        assert str(i18n.when(now - dt.timedelta(hours=3), now)) == (
            '<time datetime="2026-12-02T09:00:00Z" title="2026-12-02 09:00:00 UTC">3 hours ago</time>'
        )
        assert str(i18n.when(None, now, "<never>")) == '<span class="muted">&lt;never&gt;</span>'


def test_numbers_and_minutes_read_as_flask_babel_formats_them(app: Flask) -> None:
    # ``number`` asks Babel once per (locale, value) and ``minute`` writes the time itself: both must
    # read as Flask-Babel's own formatting does, in every locale, the first call and the cached ones.
    from flask_babel import format_decimal, format_time

    moments = [dt.datetime(2026, 1, 5, h, m) for h, m in ((0, 0), (9, 5), (14, 3), (23, 59))]
    for locale in i18n.LOCALES:
        with app.test_request_context("/portal/", headers={"Accept-Language": locale}):
            for value in (0, 7, 999, 1000, 12345, 1234567, -4200, 2.5, 1234.75):
                assert i18n.number(value) == format_decimal(value) == i18n.number(value), (locale, value)
            for moment in moments:
                assert i18n.minute(moment) == f"{i18n.date(moment)} {format_time(moment, 'HH:mm')}", (locale, moment)
            assert i18n.minute(None, "never") == "never"
