"""A small License API client, like the SDK a vendor builds into its software.

The tests drive the real server with it and the device simulator is built on it. Every answer
is verified with the vendor's public key (from ``/vendor/settings``) before it is believed, and
must echo this request's nonce and hardware id, so an answer replayed from another call or
machine is refused. A refusal raises ``LicensingError`` carrying the API's stable ``code``.

    client = LicensingClient("http://127.0.0.1:5000", account="va_…", public_key="…",
                             product="acme-pro", license_key="ABCD-…", hardware_id="hw-1")
    state = client.activate()          # {"license": {...}, "device": {...}, "server_time": ...}
    client.check_in(); client.deactivate()
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import urllib.error
import urllib.request
from typing import Any

from portal.signing import verify

API = "/api/v1/license"


class LicensingError(Exception):
    """The API refused: ``status`` (HTTP), ``code`` (stable), ``message`` (human), ``fields`` (422)."""

    def __init__(self, status: int, code: str, message: str, fields: dict[str, Any] | None = None):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}


class SignatureError(LicensingError):
    """The answer's signature does not verify, or it answers another request."""

    def __init__(self, message: str):
        super().__init__(0, "bad_signature", message)


def post(base_url: str, path: str, body: bytes | dict[str, Any], timeout: float = 10, **headers: str):
    """POST raw bytes or a dict as JSON; return (status, decoded JSON or None, headers)."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(
        base_url.rstrip("/") + path,
        data=data,
        method="POST",
        headers={"Content-Type": "application/json", "Accept": "application/json", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw, answer_headers = response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        status, raw, answer_headers = exc.code, exc.read(), dict(exc.headers)
    try:
        decoded = json.loads(raw) if raw else None
    except ValueError:
        decoded = None
    return status, decoded, answer_headers


class LicensingClient:
    """One product on one machine, authenticated by a license key or by a license user."""

    def __init__(
        self,
        base_url: str,
        *,
        account: str,
        public_key: str,
        product: str,
        hardware_id: str,
        license_key: str | None = None,
        email: str | None = None,
        password: str | None = None,
        hostname: str = "",
        os: str = "",
        sdk_version: str = "portal-client/1",
        timeout: float = 10,
    ):
        self.base_url = base_url
        self.public_key = public_key
        self.timeout = timeout
        self.identity: dict[str, Any] = {"account": account, "product": product, "hardware_id": hardware_id}
        if license_key is not None:
            self.identity["license_key"] = license_key
        if email is not None:
            self.identity.update(email=email, password=password or "")
        self.machine = {"hostname": hostname, "os": os, "sdk_version": sdk_version}

    def call(self, action: str, **fields: Any) -> dict[str, Any]:
        """POST one License API action; return the verified payload or raise ``LicensingError``."""
        nonce = secrets.token_hex(12)
        body = {**self.identity, **self.machine, **fields, "nonce": nonce}
        status, answer, _ = post(self.base_url, f"{API}/{action}", body, self.timeout)
        if status >= 400 or not isinstance(answer, dict):
            error = (answer or {}).get("error", {}) if isinstance(answer, dict) else {}
            raise LicensingError(
                status, error.get("code", "error"), error.get("message", "no answer"), error.get("fields")
            )
        payload, signature = answer.get("payload"), answer.get("signature", "")
        if not verify(self.public_key, payload, signature):
            raise SignatureError("The answer's signature does not verify with the vendor's public key.")
        assert isinstance(payload, dict)
        request = payload.get("request", {})
        if request.get("nonce") != nonce or request.get("hardware_id") != self.identity["hardware_id"]:
            raise SignatureError("The signed answer is for another request.")
        return payload

    def activate(self) -> dict[str, Any]:
        return self.call("activate")

    def check_in(self) -> dict[str, Any]:
        return self.call("check-in")

    def deactivate(self) -> dict[str, Any]:
        return self.call("deactivate")

    def acquire(self) -> dict[str, Any]:
        """Take a floating seat."""
        return self.call("floating/acquire")

    def release(self) -> dict[str, Any]:
        """Give the floating seat back."""
        return self.call("floating/release")

    def borrow(self, hours: int | None = None, until: dt.datetime | None = None) -> dict[str, Any]:
        """Hold a floating seat offline for ``hours`` or until a (UTC) date."""
        fields: dict[str, Any] = {}
        if hours is not None:
            fields["hours"] = hours
        if until is not None:
            fields["until"] = until.isoformat()
        return self.call("borrow", **fields)

    def add_usage(self, amount: int = 1) -> dict[str, Any]:
        """Count uses of a consumption license."""
        return self.call("consumption", amount=amount)


# Offline activation: the request file the software writes, the response file it verifies.

OFFLINE_FORMAT = "license-portal/offline-{kind}-{part}"


def offline_request(
    kind: str,
    *,
    product: str,
    hardware_id: str,
    license_key: str | None = None,
    user: str | None = None,
    hostname: str = "",
    os: str = "",
    sdk_version: str = "portal-client/1",
) -> dict[str, Any]:
    """The request file (as JSON) for an ``activation`` or ``deactivation`` on a machine without network.

    Keep it: the response is accepted only when it echoes this request's nonce and hardware id.
    """
    return {
        "format": OFFLINE_FORMAT.format(kind=kind, part="request"),
        "version": 1,
        "product": product,
        "license_key": license_key,
        "user": user,
        "hardware_id": hardware_id,
        "hostname": hostname,
        "os": os,
        "sdk_version": sdk_version,
        "nonce": secrets.token_hex(16),
        "created_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
    }


def verify_offline_response(document: Any, public_key: str, request: dict[str, Any]) -> dict[str, Any]:
    """The verified payload of a response file answering ``request``, or ``SignatureError``."""
    if not isinstance(document, dict) or not isinstance(request, dict):
        raise SignatureError("This is not a response file.")
    kind = request.get("format", "").rsplit("-", 2)[-2:-1] or [""]
    if document.get("format") != OFFLINE_FORMAT.format(kind=kind[0], part="response"):
        raise SignatureError("This is not the response file to this request.")
    payload = document.get("payload")
    if not verify(public_key, payload, document.get("signature", "")):
        raise SignatureError("The response file's signature does not verify with the vendor's public key.")
    assert isinstance(payload, dict)
    answered = payload.get("request", {})
    if answered.get("nonce") != request.get("nonce") or answered.get("hardware_id") != request.get("hardware_id"):
        raise SignatureError("The response file answers another request or another machine.")
    return payload
