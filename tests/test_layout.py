"""The base layout: headers for a strict CSP, no inline script or style, htmx served locally."""

from __future__ import annotations

import re

import pytest

PAGES = ["/vendor/login", "/portal/login", "/", "/portal/password/forgot"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_hold_a_strict_content_security_policy(client, path):
    response = client.get(path)
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    html = response.get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert not re.search(r"\sstyle=", html), "inline style attribute"
    assert "<style" not in html
    assert not re.search(r"\shx-on", html)
    assert "http://" not in html.split("</head>")[0].replace("http://www.w3.org", "")


def test_htmx_is_served_from_the_portal_itself(client):
    html = client.get("/vendor/login").get_data(as_text=True)
    assert "/static/vendor/htmx.min.js" in html
    assert '"includeIndicatorStyles": false' in html
    assert client.get("/static/vendor/htmx.min.js").status_code == 200


def test_csrf_token_is_available_to_htmx(client):
    html = client.get("/portal/login").get_data(as_text=True)
    assert re.search(r'<meta name="csrf-token" content="[^"]+"', html)
    script = client.get("/static/js/app.js").get_data(as_text=True)
    assert "X-CSRFToken" in script


def test_htmx_swaps_422_answers(client):
    html = client.get("/portal/login").get_data(as_text=True)
    assert '"code": "4.."' in html and '"swap": true' in html


def test_favicon(client):
    assert client.get("/favicon.ico").status_code == 200


def test_healthz_and_security_headers(client):
    response = client.get("/healthz")
    assert response.get_data(as_text=True) == "ok"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Not found" in response.get_data(as_text=True)


def test_htmx_error_answers_go_to_the_flash_area(client, login, make, hx):
    staff = make.staff(make.vendor())
    login(staff)
    response = client.get("/portal/", headers=hx)
    assert response.status_code == 403
    assert response.headers["HX-Retarget"] == "#flash"


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    from portal import create_app

    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_production_cookies_are_secure(monkeypatch, tmp_path):
    from portal import create_app

    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("PORTAL_BASE_URL", "https://licenses.vendor.example")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.db'}")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_a_nul_character_in_any_field_is_a_clear_400(client):
    response = client.post("/portal/login", data={"email": "a\x00@b.test", "password": "x"})
    assert response.status_code == 400
    assert "NUL character" in response.get_data(as_text=True)
    assert client.get("/portal/login", query_string={"next": "/\x00"}).status_code == 400
