"""Reads of customer accounts and customers, as statements the callers page."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from portal.extensions import db
from portal.lists import contains
from portal.models import Customer, CustomerAccount


def customer_accounts(q: str = "") -> sa.Select[Any]:
    stmt = sa.select(CustomerAccount)
    if q:
        stmt = stmt.where(sa.or_(contains(CustomerAccount.name, q), contains(CustomerAccount.code, q)))
    return stmt


def customer_account(account_id: int) -> CustomerAccount | None:
    return db.session.scalar(sa.select(CustomerAccount).where(CustomerAccount.id == account_id))


def customers(mine: sa.ColumnElement[bool] | None = None, q: str = "", account_id: int | None = None) -> sa.Select[Any]:
    """Customers of the vendor, or only those ``mine`` allows (a manager's)."""
    stmt = sa.select(Customer)
    if mine is not None:
        stmt = stmt.where(mine)
    if q:
        stmt = stmt.where(sa.or_(contains(Customer.email, q), contains(Customer.company, q)))
    if account_id is not None:
        stmt = stmt.where(Customer.customer_account_id == account_id)
    return stmt


def customer(customer_id: int, mine: sa.ColumnElement[bool] | None = None) -> Customer | None:
    stmt = sa.select(Customer).where(Customer.id == customer_id)
    if mine is not None:
        stmt = stmt.where(mine)
    return db.session.scalar(stmt)
