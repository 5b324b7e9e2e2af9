"""The management API's JSON: one shape per resource, the page envelope, and reading bodies.

Every shape here is a schema of ``portal/openapi/management.yaml``; the tests validate each
answer against it. Lists are ``{"data": [...], "next": cursor | null}``, newest first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from flask import abort, request

from portal.lists import decode_cursor, keyset_page
from portal.models import Customer, CustomerAccount, Device, License, LicenseManager, Order
from portal.services.management import queries as management
from portal.views.api.errors import error

MAX_LIMIT = 100
DEFAULT_LIMIT = 25


def when(value: dt.datetime | None) -> str | None:
    return value.replace(microsecond=0).isoformat() + "Z" if value else None


def page(stmt: Any, model: Any, shape: Callable[[list[Any]], list[dict]]) -> dict:
    """One keyset page of a statement, newest first, as ``{"data", "next"}``."""
    keyset = management.by_id(model)
    after = request.args.get("after") or None
    if after is not None and decode_cursor(after, keyset.tag, keyset.kinds) is None:
        abort(error(422, "invalid", "This cursor is not one of this list's.", fields={"after": ["Unknown cursor."]}))
    raw_limit = request.args.get("limit", str(DEFAULT_LIMIT))
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_LIMIT:
        abort(error(422, "invalid", f"limit is 1 to {MAX_LIMIT}.", fields={"limit": [f"1 to {MAX_LIMIT}."]}))
    found = keyset_page(stmt, keyset, after=after, per_page=int(raw_limit), total=0)
    return {"data": shape(found.items), "next": found.next_cursor}


def body() -> dict[str, Any]:
    """The request's JSON object, or a 400/415 that says what is wrong."""
    if not request.is_json:
        abort(error(415, "unsupported_media_type", "Send a JSON object with Content-Type: application/json."))
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(error(400, "bad_request", "The body must be a JSON object."))
    return data


def invalid(field: str, message: str) -> None:
    abort(error(422, "invalid", message, fields={field: [message]}))


def integer(data: dict, field: str, required: bool = False) -> int | None:
    value = data.get(field)
    if value is None:
        if required:
            invalid(field, "Required.")
        return None
    if type(value) is not int or not 0 < value < 2**31:
        invalid(field, "Must be a positive integer id.")
    return value


def text(data: dict, field: str, limit: int = 200) -> str:
    value = data.get(field, "")
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > limit or "\x00" in value:
        invalid(field, f"Must be text of at most {limit} characters.")
    return value


def flag(data: dict, field: str) -> bool:
    value = data.get(field, False)
    if not isinstance(value, bool):
        invalid(field, "Must be true or false.")
    return value


def ids(data: dict, field: str) -> list[int]:
    value = data.get(field, [])
    if not isinstance(value, list) or len(value) > MAX_LIMIT:
        invalid(field, f"Must be a list of at most {MAX_LIMIT} ids.")
    return [i for i in (integer({field: v}, field) for v in value) if i is not None]


def strings(data: dict, field: str) -> list[str]:
    value = data.get(field, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or len(value) > 50:
        invalid(field, "Must be a list of strings.")
    return list(value)


# Resources


def customer_account(account: CustomerAccount) -> dict:
    return {"id": account.id, "name": account.name, "code": account.code, "created_at": when(account.created_at)}


def customer(c: Customer) -> dict:
    return {
        "id": c.id,
        "email": c.email,
        "first_name": c.first_name,
        "last_name": c.last_name,
        "company": c.company,
        "phone": c.phone,
        "address": c.address,
        "reference": c.reference,
        "customer_account_id": c.customer_account_id,
        "created_at": when(c.created_at),
    }


def order(o: Order, manager_ids: Iterable[int] = ()) -> dict:
    return {
        "id": o.id,
        "reference": o.reference,
        "customer_id": o.customer_id,
        "is_trial": o.is_trial,
        "is_test": o.is_test,
        "is_bundle": o.is_bundle,
        "manager_ids": sorted(manager_ids),
        "created_at": when(o.created_at),
    }


def orders(found: list[Order]) -> list[dict]:
    managers = management.manager_ids_of([o.id for o in found])
    return [order(o, managers[o.id]) for o in found]


def license_(lic: License) -> dict:
    return {
        "id": lic.id,
        "order_id": lic.order_id,
        "product_id": lic.product_id,
        "policy_id": lic.policy_id,
        "license_key": lic.license_key,
        "license_type": lic.license_type,
        "status": lic.status,
        "max_activations": lic.max_activations,
        "times_activated": lic.times_activated,
        "transfer_count": lic.transfer_count,
        "transfer_limit": lic.transfer_limit,
        "max_license_users": lic.max_license_users,
        "assigned_users": lic.assigned_users,
        "is_floating": lic.is_floating,
        "floating_seats": lic.floating_seats,
        "floating_in_use": lic.floating_in_use,
        "valid_until": when(lic.valid_until),
        "is_trial": lic.is_trial,
        "note": lic.note,
        "created_at": when(lic.created_at),
    }


def licenses(found: list[License]) -> list[dict]:
    return [license_(lic) for lic in found]


def device(d: Device) -> dict:
    return {
        "id": d.id,
        "license_id": d.license_id,
        "hardware_id": d.hardware_id,
        "hostname": d.hostname,
        "os": d.os,
        "sdk_version": d.sdk_version,
        "is_active": d.is_active,
        "is_revoked": d.is_revoked,
        "floating_in_use": d.floating_in_use,
        "borrowed_until": when(d.borrowed_until),
        "first_activated_at": when(d.first_activated_at),
        "last_check_in_at": when(d.last_check_in_at),
    }


def devices(found: list[Device]) -> list[dict]:
    return [device(d) for d in found]


def manager(m: LicenseManager, order_ids: Iterable[int] = ()) -> dict:
    user = m.license_user
    return {
        "id": m.id,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "status": m.status,
        "customer_account_id": m.customer_account_id,
        "permissions": m.permission_codes,
        "order_ids": sorted(order_ids),
        "last_login_at": when(m.last_login_at),
        "created_at": when(m.created_at),
    }


def managers(found: list[LicenseManager]) -> list[dict]:
    orders_of = management.managed_order_ids([m.id for m in found])
    return [manager(m, orders_of[m.id]) for m in found]


def order_managers(found: list[LicenseManager]) -> list[dict]:
    """Who manages an order: enough to name them, nothing of their other orders or permissions."""
    return [
        {
            "id": m.id,
            "email": m.license_user.email,
            "first_name": m.license_user.first_name,
            "last_name": m.license_user.last_name,
            "status": m.status,
        }
        for m in found
    ]


def one(obj: Any) -> Any:
    """The object, or the API's 404 (outside the caller's reach reads the same as missing)."""
    if obj is None:
        abort(error(404, "not_found", "No such object."))
    return obj
