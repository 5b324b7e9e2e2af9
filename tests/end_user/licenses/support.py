"""Helpers for the license, device, license user, user group and activity tests (portallicenses)."""

from __future__ import annotations

import re
import threading

import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    AuditEvent,
    Device,
    License,
    LicenseAssignment,
    LicenseUser,
    UserGroup,
    UserGroupManager,
    UserGroupMember,
)
from portal.tenancy import all_tenants

# Everything the actions of these areas write; "unchanged" compares all of their rows.
WRITTEN = (License, Device, LicenseAssignment, LicenseUser, UserGroup, UserGroupMember, UserGroupManager, AuditEvent)


def snapshot(app) -> dict:
    """Every row of the tables these actions write, for 'the database is unchanged'."""
    with app.app_context(), all_tenants(db.session):
        return {
            model.__tablename__: sorted(tuple(row) for row in db.session.execute(sa.select(model.__table__)).all())
            for model in WRITTEN
        }


def get(app, model, ident):
    """A fresh copy of one row, read across tenants."""
    with app.app_context(), all_tenants(db.session):
        return db.session.get(model, ident)


def rows(app, stmt) -> list:
    with app.app_context(), all_tenants(db.session):
        return list(db.session.scalars(stmt))


def events(app, action: str) -> list[AuditEvent]:
    return rows(app, sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))


def field_error(html: str, field_id: str) -> str:
    """The message the form macro shows at a field."""
    match = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">([^<]*)</p>', html)
    assert match, f"no error at {field_id}"
    return match.group(1)


def scene(make, permissions="all", seats: int = 5):
    """A vendor with a customer account, an order with a manager, and three kinds of policy."""
    w = make.world()
    vendor = w["vendor"]
    w["floating_product"] = make.product(vendor, "key", floating=True)
    w["floating_policy"] = make.policy(
        w["floating_product"], is_floating=True, floating_seats=2, max_activations=5, max_borrow_hours=48
    )
    w["seat_policy"] = make.policy(w["user_product"], max_license_users=seats)
    w["manager"] = make.manager(vendor, permissions=permissions, account=w["account"], orders=[w["order"]])
    return w


def race(app, login, manager, request, n: int = 2) -> list:
    """Send n requests at once from n clients signed in as the manager; return their answers."""
    clients = [app.test_client() for _ in range(n)]
    for client in clients:
        login(manager, on=client)
    barrier = threading.Barrier(n)
    answers: list = [None] * n

    def send(i: int) -> None:
        barrier.wait()
        response = request(clients[i], i)
        answers[i] = (response.status_code, response.get_data(as_text=True))

    threads = [threading.Thread(target=send, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers
