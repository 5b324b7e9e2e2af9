"""Notices: the dashboard card, the switches, the daily digest through real SMTP, the calendar feed."""

from __future__ import annotations

import datetime as dt
import re

import icalendar
import pytest
import sqlalchemy as sa

from portal import digest
from portal.extensions import db
from portal.models import AuditEvent, ManagerNotices, OutboxMail, utcnow
from portal.services.notices import queries
from portal.tenancy import all_tenants, set_tenant

FEED = re.compile(r"https?://[^/\s<]+(/portal/calendar/[A-Za-z0-9_\-]+\.ics)")


@pytest.fixture
def busy(make):
    """A manager with a license ending in 7 days, one in 30, a pending invitation and a stuck floating seat."""
    w = make.world()
    now = utcnow()
    noon = dt.datetime.combine(now.date(), dt.time(12))
    manager = make.manager(w["vendor"], email="busy@globex.test", account=w["account"], orders=[w["order"]])
    make.manager(w["vendor"], email="pending@globex.test", status="invited", password=None, orders=[w["order"]])
    soon = make.license(w["order"], w["key_policy"], valid_until=noon + dt.timedelta(days=7))
    month = make.license(w["order"], w["key_policy"], valid_until=noon + dt.timedelta(days=30))
    floating = make.license(
        w["order"], w["key_policy"], is_floating=True, floating_seats=2, floating_timeout_minutes=30
    )
    make.device(floating, hostname="stuck-box", floating_in_use=True, last_check_in_at=now - dt.timedelta(hours=2))
    make.device(floating, hostname="live-box", floating_in_use=True, last_check_in_at=now)
    # Another order of the same vendor, not the manager's: never counted.
    other = make.order(w["vendor"])
    make.license(other, w["key_policy"], valid_until=noon + dt.timedelta(days=7))
    return dict(w, manager=manager, soon=soon, month=month, floating=floating)


def test_dashboard_card_counts_what_needs_attention_inside_the_scope(client, login, busy):
    login(busy["manager"])
    page = client.get("/portal/").get_data(as_text=True)
    card = page[page.index('id="attention-head"') : page.index("</section>", page.index('id="attention-head"'))]
    assert "1 license ends within 7 days" in card
    assert "2 licenses end within 30 days" in card
    assert "within a day" not in card
    assert "1 invitation not accepted" in card
    assert "1 floating seat held past its timeout" in card


def test_notices_page_lists_each_kind(client, login, busy):
    login(busy["manager"])
    page = client.get("/portal/notices").get_data(as_text=True)
    assert "pending@globex.test" in page
    assert "stuck-box" in page and "live-box" not in page
    assert busy["soon"].order_id and "Ends in 7 days: 1 license" in page


def test_switches_are_saved_audited_and_honoured(app, client, login, busy):
    login(busy["manager"])
    answer = client.post("/portal/notices", data={"expiring": "y"})
    assert answer.status_code in (302, 303)
    with app.app_context():
        set_tenant(db.session, busy["vendor"].id)
        row = db.session.get(ManagerNotices, busy["manager"].id)
        assert (row.expiring, row.invitations, row.floating) == (True, False, False)
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "license_manager.notices_changed"))
        assert event.before == {"expiring": True, "invitations": True, "floating": True}
        assert event.after == {"expiring": True, "invitations": False, "floating": False}
        notices = queries.notices_for(busy["manager"].id)
        assert notices.invitations.count == 0 and notices.floating.count == 0
        assert notices.expiring[7].count == 1 and notices.expiring[30].count == 1


def test_digest_goes_through_smtp_once_a_day_and_not_to_the_quiet(app, make, busy, smtp):
    quiet_order = make.order(busy["vendor"])
    make.manager(busy["vendor"], email="quiet@globex.test", orders=[quiet_order])
    with app.app_context():
        assert digest.send_digests() == 1
        assert digest.send_digests() == 0, "a rerun the same day sends nothing twice"
    [(recipients, message)] = smtp.messages
    assert recipients == ["busy@globex.test"]
    body = message.get_content()
    assert "1 license expires in 7 days" in body and "1 license expires in 30 days" in body
    assert "pending@globex.test" in body and "stuck-box" in body
    assert "/portal/notices" in body
    with app.app_context(), all_tenants(db.session):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMail)) == 1


def test_digest_respects_every_switch_off(app, client, login, busy, smtp):
    login(busy["manager"])
    client.post("/portal/notices", data={})
    with app.app_context():
        assert digest.send_digests() == 0
    assert smtp.messages == []


def test_calendar_feed_is_private_scoped_and_revocable(app, client, login, busy, make):
    login(busy["manager"])
    answer = client.post("/portal/notices/calendar")
    assert answer.status_code == 201
    path = FEED.search(answer.get_data(as_text=True)).group(1)
    assert "Calendar feed" in client.get("/portal/notices").get_data(as_text=True)
    assert path not in client.get("/portal/notices").get_data(as_text=True), "shown once"

    anonymous = app.test_client()
    feed = anonymous.get(path)
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    events = [c for c in icalendar.Calendar.from_ical(feed.data).walk("VEVENT")]
    uids = {str(e["uid"]).split("@")[0] for e in events}
    assert uids == {f"license-{busy['soon'].id}-expiry", f"license-{busy['month'].id}-expiry"}
    assert anonymous.get(path.replace(".ics", "x.ics")).status_code == 404

    # A new address ends the old one; stopping ends both.
    renewed = FEED.search(client.post("/portal/notices/calendar").get_data(as_text=True)).group(1)
    assert anonymous.get(path).status_code == 404 and anonymous.get(renewed).status_code == 200
    assert client.post("/portal/notices/calendar/revoke").status_code in (302, 303)
    assert anonymous.get(renewed).status_code == 404
    with app.app_context():
        set_tenant(db.session, busy["vendor"].id)
        actions = set(db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("%calendar%"))))
    assert actions == {
        "license_manager.calendar_created",
        "license_manager.calendar_renewed",
        "license_manager.calendar_revoked",
    }


def test_calendar_of_a_disabled_manager_answers_404(app, client, login, busy):
    login(busy["manager"])
    path = FEED.search(client.post("/portal/notices/calendar").get_data(as_text=True)).group(1)
    with app.app_context(), all_tenants(db.session):
        db.session.get(type(busy["manager"]), busy["manager"].id).status = "disabled"
        db.session.commit()
    assert app.test_client().get(path).status_code == 404


def test_dashboard_card_costs_the_same_for_more_licenses(app, client, login, busy, make, count_queries):
    login(busy["manager"])
    client.get("/portal/")
    with count_queries() as few:
        client.get("/portal/")
    for _ in range(5):
        make.license(busy["order"], busy["key_policy"], valid_until=utcnow() + dt.timedelta(days=2))
    with count_queries() as more:
        client.get("/portal/")
    assert more.count == few.count


def test_stopping_the_calendar_asks_through_the_portals_dialog_or_a_confirmation_page(app, client, login, busy):
    login(busy["manager"])
    path = FEED.search(client.post("/portal/notices/calendar").get_data(as_text=True)).group(1)
    page = client.get("/portal/notices").get_data(as_text=True)
    assert re.search(
        r'<button type="submit" class="button danger" hx-post="/portal/notices/calendar/revoke"'
        r' hx-confirm="Stop the calendar address\?[^"]*"\s+data-confirm-title="Please confirm"',
        page,
    )
    confirmation = client.get("/portal/notices/calendar/revoke")  # without JavaScript: asked first
    assert confirmation.status_code == 200
    assert '<form method="post" action="/portal/notices/calendar/revoke"' in confirmation.get_data(as_text=True)
    assert app.test_client().get(path).status_code == 200, "asking changes nothing"
    assert client.post("/portal/notices/calendar/revoke").status_code in (302, 303)
    assert app.test_client().get(path).status_code == 404
