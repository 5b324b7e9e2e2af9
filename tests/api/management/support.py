"""The management API's tests: keys and tokens made through the services, and every answer checked
against the OpenAPI document (jsonschema, the 2020-12 dialect OpenAPI 3.1 uses)."""

from __future__ import annotations

import re

from jsonschema import Draft202012Validator

from portal import openapi
from portal.audit import Actor
from portal.extensions import db
from portal.services.api_keys import actions
from portal.tenancy import set_tenant


def make_key(app, vendor, access="read_write", name="Back office") -> str:
    with app.app_context():
        set_tenant(db.session, vendor.id)
        _, secret = actions.create_key(name, access, staff_id=None, actor=Actor.system())
        db.session.commit()
    return secret


def make_token(app, manager, name="Script") -> str:
    with app.app_context():
        set_tenant(db.session, manager.vendor_account_id)
        _, secret = actions.create_token(manager.id, name, actor=Actor.system())
        db.session.commit()
    return secret


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def _operation(method: str, path: str) -> dict:
    doc = openapi.document()
    path = path.split("?", 1)[0].removeprefix("/api/v1")
    for template, item in doc["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", r"[^/]+", template) + "$"
        if re.match(pattern, path) and method.lower() in item:
            return item[method.lower()]
    raise AssertionError(f"{method} {path} is not in the OpenAPI document")


def conforms(response, method: str, path: str) -> None:
    """The answer is one the document lists for this operation, with a body its schema allows."""
    doc = openapi.document()
    operation = _operation(method, path)
    status = str(response.status_code)
    assert status in operation["responses"], f"{method} {path} answered {status}, not documented"
    answer = operation["responses"][status]
    if "$ref" in answer:
        answer = doc["components"]["responses"][answer["$ref"].rsplit("/", 1)[-1]]
    schema = answer.get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        return
    wrapped = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema, "components": doc["components"]}
    errors = sorted(Draft202012Validator(wrapped).iter_errors(response.get_json()), key=str)
    assert not errors, f"{method} {path} {status}: {errors[0]}"


class Api:
    """A JSON client for one secret that checks every answer against the document."""

    def __init__(self, client, secret: str | None):
        self.client = client
        self.headers = bearer(secret) if secret else {}

    def call(self, method: str, path: str, json=None, headers=None, check=True):
        response = self.client.open(
            "/api/v1" + path, method=method, json=json, headers={**self.headers, **(headers or {})}
        )
        if check:
            conforms(response, method, "/api/v1" + path)
        return response

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self.call("POST", path, json=json, **kw)

    def put(self, path, json=None, **kw):
        return self.call("PUT", path, json=json, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)
