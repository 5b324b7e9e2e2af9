"""Staff get the forgot-password flow managers have: a single-use link by mail, the same answer for any email."""

from __future__ import annotations

import re

from tests.auth.helpers import actions, enrol, next_code, outbox, sign_in

LINK = re.compile(r"https?://[^/\s]+(/vendor/password/reset/[A-Za-z0-9_\-]+)")
NEW = "a fresh staff passphrase"


def _forgot(client, email):
    response = client.post("/vendor/password/forgot", data={"email": email})
    response.close()  # the job is enqueued once the answer is closed
    return response


def test_staff_reset_their_password_through_the_mailed_link(app, make, client, smtp):
    vendor = make.vendor()
    make.staff(vendor, email="forgetful@vendor.test")
    elsewhere = app.test_client()
    assert sign_in(elsewhere, "forgetful@vendor.test", side="vendor").status_code == 303
    page = client.get("/vendor/password/forgot")
    assert page.status_code == 200 and "no-store" in page.headers["Cache-Control"]
    known, unknown = _forgot(client, "forgetful@vendor.test"), _forgot(client, "nobody@vendor.test")
    assert known.status_code == unknown.status_code == 200
    assert known.get_data(as_text=True).count("on its way") == unknown.get_data(as_text=True).count("on its way") == 1
    [mail] = outbox(app, "forgetful@vendor.test")
    assert outbox(app, "nobody@vendor.test") == []
    [(recipients, message)] = smtp.messages
    assert recipients == ["forgetful@vendor.test"] and "vendor platform" in message["Subject"]
    path = LINK.search(mail.body).group(1)
    form = client.get(path)
    assert form.status_code == 200 and "forgetful@vendor.test" in form.get_data(as_text=True)
    short = client.post(path, data={"password": "short", "confirm": "short"})
    assert short.status_code == 422 and 'aria-invalid="true"' in short.get_data(as_text=True)
    done = client.post(path, data={"password": NEW, "confirm": NEW})
    assert done.status_code == 303 and done.headers["Location"].endswith("/vendor/")
    assert client.get("/vendor/license-managers").status_code == 200
    assert elsewhere.get("/vendor/license-managers").status_code == 302  # the old sessions ended
    assert client.post(path, data={"password": NEW, "confirm": NEW}).status_code == 410  # works once
    assert sign_in(app.test_client(), "forgetful@vendor.test", password=NEW, side="vendor").status_code == 303
    assert [e.action for e in actions(app, "staff.password_reset")] == ["staff.password_reset"]


def test_a_newer_link_ends_the_older_one_and_a_bad_token_is_gone(app, make, client):
    make.staff(make.vendor(), email="twice@vendor.test")
    _forgot(client, "twice@vendor.test")
    _forgot(client, "twice@vendor.test")
    first, second = (LINK.search(m.body).group(1) for m in outbox(app, "twice@vendor.test"))
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200
    assert client.get("/vendor/password/reset/not-a-token").status_code == 410


def test_a_reset_does_not_skip_the_second_factor(app, make, client):
    make.staff(make.vendor(), email="guarded@vendor.test")
    sign_in(client, "guarded@vendor.test", side="vendor")
    secret, _ = enrol(client, side="vendor")
    client.post("/vendor/logout")
    _forgot(client, "guarded@vendor.test")
    path = LINK.search(outbox(app, "guarded@vendor.test")[0].body).group(1)
    done = client.post(path, data={"password": NEW, "confirm": NEW})
    assert done.status_code == 303 and done.headers["Location"].endswith("/vendor/login")
    assert client.get("/vendor/license-managers").status_code == 302
    sign_in(client, "guarded@vendor.test", password=NEW, side="vendor")
    assert client.post("/vendor/login/two-factor", data={"code": next_code(secret)}).status_code == 303
    assert client.get("/vendor/license-managers").status_code == 200
