"""Helpers for the order and issuing tests; the dashboard and report tests build on them too."""

from __future__ import annotations

import re

import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, License, ManagerProduct, Order, OrderManager
from portal.tenancy import all_tenants


def snapshot(app) -> dict:
    """Row counts (and issued totals) of everything the order actions write."""
    with app.app_context(), all_tenants(db.session):
        return {
            "orders": db.session.scalar(sa.select(sa.func.count(Order.id))),
            "order_managers": db.session.scalar(sa.select(sa.func.count()).select_from(OrderManager)),
            "licenses": db.session.scalar(sa.select(sa.func.count(License.id))),
            "audit": db.session.scalar(sa.select(sa.func.count(AuditEvent.id))),
            "issued": db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(ManagerProduct.issued), 0))),
        }


def audit_events(app, action: str) -> list[AuditEvent]:
    with app.app_context(), all_tenants(db.session):
        return list(
            db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
        )


def field_error(html: str, field_id: str) -> str:
    """The error message shown at a field (the macro's `<p id="<field>-error">`)."""
    match = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">([^<]*)</p>', html)
    assert match, f"no error at {field_id}"
    return match.group(1)


def issuing_world(make, caps: dict | None = None, permissions=("issue_license",)) -> dict:
    """A vendor world with a manager on its order, allowed both products and policies."""
    w = make.world()
    products = [w["key_product"], w["user_product"]]
    cap_by_id = {w[name].id: cap for name, cap in (caps or {}).items()}
    w["manager"] = make.manager(
        w["vendor"],
        permissions=permissions,
        account=w["account"],
        orders=[w["order"]],
        products=products,
        policies=[w["key_policy"], w["user_policy"]],
        caps=cap_by_id,
        password=None,
    )  # signed in by session in these tests: no slow password hash
    return w


def update(app, model, row_id, **values) -> None:
    """Set fields of one row directly (for dates the factories do not take)."""
    with app.app_context(), all_tenants(db.session):
        row = db.session.get(model, row_id)
        for key, value in values.items():
            setattr(row, key, value)
        db.session.commit()
