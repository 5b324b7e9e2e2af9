"""The License API (``/api/v1/license/…``): what the vendor's software on end users' machines calls.

Each call is a POST of one JSON object naming the vendor account by its public id (``account``,
shown on ``/vendor/settings``), the ``product`` code, the caller (``license_key`` for key-based
products, ``email`` and ``password`` of a license user holding a seat for user-based ones) and
the machine (``hardware_id``, optional ``hostname``, ``os``, ``sdk_version``, ``nonce``). The
tenant is set from ``account`` before anything else is read, so a key of one vendor never
reaches another's licenses. Answers are the license state, signed with the vendor's Ed25519 key
(``portal.signing``) and echoing ``request.nonce``; refusals are 4xx JSON with a stable code.
The contract is ``portal/openapi/license.yaml``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from portal import signing
from portal.audit import Actor
from portal.errors import Conflict, Invalid
from portal.extensions import db, limiter
from portal.models import License, utcnow
from portal.services.activations import actions, queries
from portal.services.activations.actions import Machine
from portal.tenancy import set_tenant
from portal.views.api import errors

bp = Blueprint("license", __name__, url_prefix="/license")

errors.STATUS_OF.update(
    {
        "license_not_found": 404,
        "invalid_credentials": 401,
        "product_mismatch": 400,
        "license_disabled": 403,
        "license_expired": 403,
        "device_revoked": 403,
        "borrow_limit": 422,
    }
)

TEXT_FIELDS = {  # name: (max length, required)
    "account": (32, True),
    "product": (64, True),
    "hardware_id": (128, True),
    "license_key": (64, False),
    "email": (254, False),
    "password": (1024, False),
    "hostname": (255, False),
    "os": (100, False),
    "sdk_version": (32, False),
    "nonce": (64, False),
}
MAX_BORROW_HOURS = 24 * 366


def _rate_key() -> str:
    """Per license: the key (or user) the call names, whoever sends it."""
    data = request.get_json(silent=True, force=True)
    if not isinstance(data, dict):
        return "license-api:none"
    who = data.get("license_key") or data.get("email") or ""
    return f"license-api:{str(data.get('account'))[:32]}:{str(who)[:254]}"


# Shared by every route of the area: one budget per license and one per address, whatever the call.
per_license = limiter.shared_limit(
    lambda: current_app.config["LICENSE_API_LIMIT"], scope="license-api-license", key_func=_rate_key
)
per_address = limiter.shared_limit(lambda: current_app.config["LICENSE_API_IP_LIMIT"], scope="license-api-address")


def limited(view: Callable[[], Response]) -> Callable[[], Response]:
    return per_address(per_license(view))


def _body() -> dict[str, Any]:
    """The JSON object of the call, its text fields checked (422 at each wrong one)."""
    data = request.get_json(silent=True, force=True)
    if not isinstance(data, dict):
        raise Invalid.at("body", "Send one JSON object.")
    wrong: dict[str, str] = {}
    for name, (longest, required) in TEXT_FIELDS.items():
        value = data.get(name)
        if value is None and not required:
            continue
        if not isinstance(value, str) or not value.strip() and required:
            wrong[name] = "Enter this as text." if isinstance(value, int | float | list | dict) else "Required."
        elif len(value) > longest:
            wrong[name] = f"At most {longest} characters."
        elif "\x00" in value:
            wrong[name] = "No NUL characters."
    if not wrong and not data.get("license_key") and not (data.get("email") and data.get("password")):
        wrong["license_key"] = "Send a license_key, or the email and password of a license user."
    if wrong:
        raise Invalid(wrong)
    return data


def _number(data: dict[str, Any], name: str, lowest: int, highest: int) -> int | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not lowest <= value <= highest:
        raise Invalid.at(name, f"Enter a whole number from {lowest} to {highest}.")
    return value


def _until(data: dict[str, Any]) -> dt.datetime:
    """The end of a borrow: ``hours`` from now, or ``until`` (ISO 8601, UTC unless it says otherwise)."""
    hours = _number(data, "hours", 1, MAX_BORROW_HOURS)
    if hours is not None:
        return utcnow() + dt.timedelta(hours=hours)
    value = data.get("until")
    try:
        until = dt.datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else None
    except ValueError:
        until = None
    if until is None or len(value or "") > 40:
        raise Invalid.at("until", "Send hours (a whole number) or until (an ISO 8601 date and time).")
    return until.astimezone(dt.UTC).replace(tzinfo=None) if until.tzinfo else until


def _license(data: dict[str, Any]) -> tuple[queries.Signer, License]:
    """Set the tenant from the account's public id, then find the caller's license in it."""
    signer = queries.signer_for(data["account"])
    if signer is None:
        raise Conflict("No license matches this account, key and product.", code="license_not_found")
    set_tenant(db.session, signer.vendor_account_id)
    if data.get("license_key"):
        return signer, queries.license_for_key(data["product"], data["license_key"], data["hardware_id"])
    return signer, queries.license_for_user(data["product"], data["email"], data["password"])


def _answer(action: Callable[..., Any], **extra: Any) -> Response:
    """Load the license, run the action, answer the signed state and commit."""
    data = _body()
    extra = {name: read(data) for name, read in extra.items()}
    signer, license_ = _license(data)
    machine = Machine(
        data["hardware_id"], data.get("hostname", ""), data.get("os", ""), data.get("sdk_version", ""),
        (request.remote_addr or "")[:45],
    )  # fmt: skip
    actor = Actor("system", None, f"License API ({machine.hostname or machine.hardware_id})"[:120], ip=machine.ip)
    device = action(license_, machine, actor=actor, **extra)
    payload = queries.state(license_, device)
    payload["request"] = {"action": request.path.rsplit("/v1/", 1)[-1], "nonce": data.get("nonce"),
                          "hardware_id": machine.hardware_id}  # fmt: skip
    answer = signing.sign_with(signer.private_key, payload)
    db.session.commit()
    return jsonify(answer)


@bp.post("/activate")
@limited
def activate() -> Response:
    """Activate the license on the machine (a new machine after a deactivation is a transfer)."""
    return _answer(actions.activate)


@bp.post("/check-in")
@limited
def check_in() -> Response:
    """Check in: refused once the device was reset, revoked or its license disabled."""
    return _answer(actions.check_in)


@bp.post("/deactivate")
@limited
def deactivate() -> Response:
    """Deactivate the machine, freeing its activation and any floating seat."""
    return _answer(actions.deactivate)


@bp.post("/floating/acquire")
@limited
def acquire() -> Response:
    """Take a floating seat."""
    return _answer(actions.acquire_seat)


@bp.post("/floating/release")
@limited
def release() -> Response:
    """Give the floating seat back."""
    return _answer(actions.release_seat)


@bp.post("/borrow")
@limited
def borrow() -> Response:
    """Hold a floating seat until a date, at most the license's max borrow time."""
    return _answer(actions.borrow, until=_until)


@bp.post("/consumption")
@limited
def consumption() -> Response:
    """Count uses of a consumption license."""
    return _answer(actions.add_usage, amount=lambda data: _number(data, "amount", 1, actions.MAX_USAGE) or 1)
