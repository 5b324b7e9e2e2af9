"""Branding per vendor on /vendor/settings: name, sign-in address, accent colour and a logo checked by
its bytes; served from the portal with its own type; one vendor's brand never on another's pages."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, VendorBranding
from portal.tenancy import all_tenants
from tests.auth.helpers import sign_in


def png(width=64, height=32, pad=0) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"\x00" * pad) + chunk(b"IEND", b"")


def jpeg(width=120, height=40) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof + b"\xff\xd9"


def webp(width=300, height=100) -> bytes:
    body = b"VP8X" + struct.pack("<I", 10) + b"\x00\x00\x00\x00" + (width - 1).to_bytes(3, "little")
    body += (height - 1).to_bytes(3, "little")
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def _post(client, logo: bytes | None = None, name="logo.png", **fields):
    data = {"brand_name": "", "slug": fields.pop("slug", None) or "acme", "accent_color": "", **fields}
    if logo is not None:
        data["logo"] = (io.BytesIO(logo), name)
    return client.post("/vendor/settings/branding", data=data, content_type="multipart/form-data")


@pytest.fixture
def acme(make, client, login):
    vendor = make.vendor(name="Acme")
    login(make.staff(vendor, role="admin"))
    return vendor


def _brand(app, vendor) -> VendorBranding:
    with app.app_context(), all_tenants(db.session):
        brand = db.session.get(VendorBranding, vendor.id)
        db.session.expunge(brand)
        return brand


@pytest.mark.parametrize("image, kind", [(png(), "image/png"), (jpeg(), "image/jpeg"), (webp(), "image/webp")])
def test_a_png_jpeg_or_webp_logo_is_kept_and_served_with_its_type(app, client, acme, image, kind):
    saved = _post(client, image, name="whatever.gif", brand_name="Acme Cloud", accent_color="#8A1538")
    assert saved.status_code == 303
    brand = _brand(app, acme)
    assert (brand.logo_type, brand.brand_name, brand.accent_color) == (kind, "Acme Cloud", "#8a1538")
    served = app.test_client().get("/portal/acme/logo")  # public: the sign-in page shows it
    assert served.status_code == 200 and served.data == image and served.mimetype == kind
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "public" in served.headers["Cache-Control"] and "no-store" not in served.headers["Cache-Control"]
    etag = served.headers["ETag"]
    again = app.test_client().get("/portal/acme/logo", headers={"If-None-Match": etag})
    assert again.status_code == 304
    [event] = db_events(app, "vendor.branding_changed")
    assert event.before["brand_name"] == "" and event.after["brand_name"] == "Acme Cloud"
    assert event.after["accent_color"] == "#8a1538" and event.after["logo"]


def db_events(app, action):
    with app.app_context(), all_tenants(db.session):
        return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


@pytest.mark.parametrize(
    "image, message",
    [
        (SVG, "SVG logos are refused"),
        (b"  <svg xmlns='http://www.w3.org/2000/svg'/>", "SVG logos are refused"),
        (b"GIF89a" + b"\x00" * 40, "Upload a PNG, JPEG or WebP image."),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 4, "damaged or incomplete"),
        (png(pad=600 * 1024), "at most 512 KB"),
        (png(width=5000, height=10), "5000×10 px"),
        (png(width=0, height=10), "0×10 px"),
    ],
)
def test_a_wrong_logo_is_refused_at_its_field_and_nothing_changes(app, client, acme, image, message):
    refused = _post(client, image, brand_name="Changed too")
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert message in html
    assert 'aria-invalid="true"' in html and 'id="logo-error"' in html
    brand = _brand(app, acme)
    assert brand.logo_sha256 is None and brand.brand_name == ""
    assert db_events(app, "vendor.branding_changed") == []


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"accent_color": "red"}, "accent_color", "#rrggbb"),
        ({"accent_color": "#ffff00"}, "accent_color", "choose a darker one"),
        ({"accent_color": "#abc;}"}, "accent_color", ""),
        ({"slug": "Not A Slug"}, "slug", "lowercase letters"),
        ({"slug": "orders"}, "slug", "is a page of the portal"),
    ],
)
def test_colour_and_address_are_checked_at_their_fields(app, client, acme, fields, field, message):
    refused = _post(client, **fields)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert f'id="{field}-error"' in html and message in html
    assert _brand(app, acme).slug == "acme"


def test_an_address_another_vendor_has_is_refused(app, make, client, acme):
    make.vendor(name="Taken Name")
    refused = _post(client, slug="taken-name")
    assert refused.status_code == 422 and "Another vendor has this address" in refused.get_data(as_text=True)


def test_a_new_address_moves_the_sign_in_page(app, make, client, acme):
    assert _post(client, slug="acme-licensing").status_code == 303
    assert client.get("/portal/acme-licensing/login").status_code == 200
    assert client.get("/portal/acme/login").status_code == 404


def test_support_cannot_change_branding(app, make, client, login, acme):
    login(make.staff(acme, role="support"))
    assert _post(client, brand_name="Nope").status_code == 403


def test_brand_css_sets_custom_properties_and_no_inline_style_anywhere(app, make, client, acme, login):
    _post(client, png(), accent_color="#1e5631", brand_name="Acme Cloud")
    css = client.get("/portal/acme/brand.css")
    assert css.mimetype == "text/css" and "--accent: #1e5631" in css.get_data(as_text=True)
    make.manager(acme, email="lm@acme-customer.test", account=make.customer_account(acme, name="Globex"))
    portal = app.test_client()
    sign_in(portal, "lm@acme-customer.test")
    html = portal.get("/portal/").get_data(as_text=True)
    assert "Acme Cloud" in html and "Globex" in html
    assert "/portal/acme/brand.css" in html and "/portal/acme/logo" in html
    assert "style=" not in html


def test_one_vendors_brand_never_shows_on_anothers_portal(app, make, client, acme):
    _post(client, png(), accent_color="#8a1538", brand_name="Acme Cloud")
    other = make.vendor(name="Initech")
    make.manager(other, email="lm@initech-customer.test")
    portal = app.test_client()
    sign_in(portal, "lm@initech-customer.test")
    for path in ("/portal/", "/portal/orders", "/portal/account"):
        html = portal.get(path).get_data(as_text=True)
        assert "Acme Cloud" not in html and "/portal/acme/" not in html and "#8a1538" not in html, path
    sign_in_page = app.test_client().get("/portal/initech/login").get_data(as_text=True)
    assert "Acme Cloud" not in sign_in_page and "/portal/acme/" not in sign_in_page
    assert app.test_client().get("/portal/initech/logo").status_code == 404  # Initech has none; never Acme's
    assert "#8a1538" not in app.test_client().get("/portal/initech/brand.css").get_data(as_text=True)


def test_the_portal_header_costs_no_extra_query(app, make, client, acme, count_queries):
    _post(client, png(), accent_color="#8a1538", brand_name="Acme Cloud")
    make.manager(acme, email="counted@customer.test", account=make.customer_account(acme, name="Umbrella"))
    portal = app.test_client()
    sign_in(portal, "counted@customer.test")
    portal.get("/portal/account")
    with count_queries() as q:
        html = portal.get("/portal/account").get_data(as_text=True)
    assert "Acme Cloud" in html and "Umbrella" in html
    # The person, brand, organisation and session record in one query; the second factor; the sessions list.
    assert q.count == 3, q.statements


def test_one_vendors_logo_and_colours_are_404_on_another_vendors_portal(app, make, client, login, acme):
    _post(client, png(64, 32), accent_color="#8a1538", brand_name="Acme Cloud")
    initech = make.vendor(name="Initech")
    initech_staff = login(make.staff(initech, role="admin"), on=app.test_client())
    assert _post(initech_staff, png(80, 20), slug="initech", accent_color="#123456").status_code in (200, 303)
    acme_logo, initech_logo = (app.test_client().get(f"/portal/{slug}/logo").data for slug in ("acme", "initech"))
    assert acme_logo == png(64, 32) and initech_logo == png(80, 20)  # each on its own sign-in page
    on_acme_page = {"Referer": "http://portal.test/portal/acme/login"}
    assert app.test_client().get("/portal/acme/logo", headers=on_acme_page).data == acme_logo

    # On Initech's sign-in page, before anyone signs in: Acme's address answers nothing.
    on_initech_page = {"Referer": "http://portal.test/portal/initech/login?next=/portal/orders"}
    anonymous = app.test_client()
    assert anonymous.get("/portal/acme/logo", headers=on_initech_page).status_code == 404
    assert anonymous.get("/portal/acme/brand.css", headers=on_initech_page).status_code == 404
    assert anonymous.get("/portal/initech/logo", headers=on_initech_page).data == initech_logo

    # Signed in at Initech (a manager, or its staff): Acme's logo and colours are 404 from any page.
    make.manager(initech, email="lm@initech-customer.test")
    manager = app.test_client()
    sign_in(manager, "lm@initech-customer.test")
    for signed_in in (manager, initech_staff):
        for headers in ({}, on_acme_page, {"Referer": "http://portal.test/portal/orders"}):
            assert signed_in.get("/portal/acme/logo", headers=headers).status_code == 404, headers
            assert signed_in.get("/portal/acme/brand.css", headers=headers).status_code == 404, headers
        own = signed_in.get("/portal/initech/logo")
        assert own.status_code == 200 and own.data == initech_logo
        assert "#123456" in signed_in.get("/portal/initech/brand.css").get_data(as_text=True)
    # Acme's own versioned address on Initech's slug is Initech's logo, never Acme's bytes.
    acme_version = _brand(app, acme).logo_sha256[:12]
    assert manager.get(f"/portal/initech/logo?v={acme_version}").data == initech_logo
    # Acme's staff still see their own, and not Initech's.
    assert client.get("/portal/acme/logo").data == acme_logo
    assert client.get("/portal/initech/logo").status_code == 404
    # The answer depends on who asks and from where: a cache on the way keeps one per cookie and page.
    served = client.get("/portal/acme/logo")
    assert {"Cookie", "Referer"} <= set(served.vary)
