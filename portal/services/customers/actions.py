"""Writes of customer accounts and customers (vendor only); uniqueness is held by the database."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from portal import audit
from portal.audit import Actor
from portal.errors import Invalid
from portal.extensions import db
from portal.lists import MAX_ID
from portal.models import Customer, CustomerAccount
from portal.services.customers import queries

CUSTOMER_FIELDS = {"first_name": 100, "last_name": 100, "company": 200, "phone": 50, "address": 500, "reference": 100}


def _text(value: Any, field: str, limit: int, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Invalid.at(field, "Must be text.")
    value = value.strip()
    if required and not value:
        raise Invalid.at(field, "Required.")
    if len(value) > limit or "\x00" in value:
        raise Invalid.at(field, f"At most {limit} characters, no NUL.")
    return value


def _insert(obj: Any, field: str, message: str) -> None:
    try:
        with db.session.begin_nested():
            db.session.add(obj)
            db.session.flush()
    except sa.exc.IntegrityError:
        raise Invalid.at(field, message) from None


def create_customer_account(name: Any, code: Any, *, actor: Actor) -> CustomerAccount:
    account = CustomerAccount(name=_text(name, "name", 200, True), code=_text(code, "code", 64, True))
    _insert(account, "code", "A customer account with this name or code already exists.")
    audit.record("customer_account.created", account, actor=actor, after={"name": account.name, "code": account.code})
    return account


def create_customer(fields: Mapping[str, Any], *, actor: Actor) -> Customer:
    email = _text(fields.get("email"), "email", 254, True).lower()
    if "@" not in email or " " in email:
        raise Invalid.at("email", "Enter an email address.")
    account_id = fields.get("customer_account_id")
    if account_id is not None:
        if type(account_id) is not int or not 0 < account_id <= MAX_ID or queries.customer_account(account_id) is None:
            raise Invalid.at("customer_account_id", "Unknown customer account.")
    values = {name: _text(fields.get(name), name, limit) for name, limit in CUSTOMER_FIELDS.items()}
    customer = Customer(email=email, customer_account_id=account_id, **values)
    _insert(customer, "email", "A customer with this email already exists.")
    audit.record("customer.created", customer, actor=actor, after={"email": email, **values})
    return customer
