"""The locale a request speaks, and the permission difference the pages show."""

from __future__ import annotations

from flask import Flask
from flask_babel import get_locale

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
