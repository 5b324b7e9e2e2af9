"""The OpenAPI 3.1 document of every API operation, merged from ``portal/openapi/*.yaml``.

Each area of the API writes its own file (``management.yaml``, ``license.yaml``, …) with its
paths and the components it needs; components are shared by name, so two files naming the
same schema must agree on it (the builder refuses a clash rather than pick one).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
INFO = {
    "title": "License Portal API",
    "version": "1.0.0",
    "description": (
        "The License API for the vendor's software and the management API for its back office and "
        'managers\' personal tokens. Errors are JSON `{"error": {"code", "message", "fields"?}}` '
        "with a stable code."
    ),
}


class SpecClash(ValueError):
    """Two files define the same path operation or component differently."""


def _merge(into: dict[str, Any], part: dict[str, Any], where: str) -> None:
    for name, value in part.items():
        if name in into and into[name] != value:
            raise SpecClash(f"{where}.{name} is defined twice, differently")
        into[name] = value


@functools.cache
def document() -> dict[str, Any]:
    """The merged document (read once per process)."""
    merged: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": dict(INFO),
        "servers": [{"url": "/api/v1"}],
        "paths": {},
        "webhooks": {},
        "components": {},
        "tags": [],
    }
    for path in sorted(HERE.glob("*.yaml")):
        part = yaml.safe_load(path.read_text()) or {}
        for url, operations in (part.get("paths") or {}).items():
            merged["paths"].setdefault(url, {})
            _merge(merged["paths"][url], operations, f"paths.{url}")
        for name, operations in (part.get("webhooks") or {}).items():
            merged["webhooks"].setdefault(name, {})
            _merge(merged["webhooks"][name], operations, f"webhooks.{name}")
        for kind, items in (part.get("components") or {}).items():
            merged["components"].setdefault(kind, {})
            _merge(merged["components"][kind], items, f"components.{kind}")
        known = {t["name"] for t in merged["tags"]}
        merged["tags"] += [t for t in part.get("tags") or [] if t["name"] not in known]
    return merged


METHODS = ("get", "put", "post", "delete", "patch")


def operations(section: str = "paths") -> list[dict[str, Any]]:
    """Every operation for the reference page: method, path, summary, parameters, body and answers.

    ``section="webhooks"`` lists the outgoing webhooks the same way (the path is the event's name).
    """
    doc = document()
    found = []
    for url, item in doc[section].items():
        shared = item.get("parameters", [])
        for method in METHODS:
            if method not in item:
                continue
            op = item[method]
            found.append(
                {
                    "method": method.upper(),
                    "path": url,
                    "id": op.get("operationId", f"{method}-{url}"),
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "tags": op.get("tags", []),
                    "parameters": [_resolve(doc, p) for p in [*shared, *op.get("parameters", [])]],
                    "body": _schema_name(op.get("requestBody", {}).get("content", {}).get("application/json", {})),
                    "responses": {
                        status: (
                            _resolve(doc, answer).get("description", ""),
                            _schema_name(_resolve(doc, answer).get("content", {}).get("application/json", {})),
                        )
                        for status, answer in op.get("responses", {}).items()
                    },
                    "security": op.get("security", doc.get("security")),
                }
            )
    return found


def _resolve(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if not ref:
        return node
    target: Any = doc
    for part in ref.lstrip("#/").split("/"):
        target = target[part]
    return dict(target)


def _schema_name(media: dict[str, Any]) -> str:
    schema = media.get("schema") or {}
    ref = schema.get("$ref", "")
    if ref:
        return ref.rsplit("/", 1)[-1]
    refs = [_schema_name({"schema": s}) for s in schema.get("allOf", [])]
    refs += [_schema_name({"schema": p}) for p in schema.get("properties", {}).values() if "$ref" in p]
    if refs:
        return " + ".join(r for r in refs if r)
    return schema.get("type", "") if schema else ""
