"""The API's own description: the OpenAPI 3.1 document and a readable reference page."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template

from portal import openapi

bp = Blueprint("docs", __name__)


@bp.get("/openapi.json")
def openapi_document():
    """Serve the OpenAPI 3.1 document of every API operation."""
    return jsonify(openapi.document())


@bp.get("/docs")
def reference():
    """Show the API reference: every operation and outgoing webhook with its parameters and schemas."""
    doc = openapi.document()
    intro = next((t["description"] for t in doc["tags"] if t["name"] == "webhooks"), "")
    return render_template(
        "api/docs.html",
        info=doc["info"],
        operations=openapi.operations(),
        webhooks=openapi.operations("webhooks"),
        webhooks_intro=intro,
        schemas=doc["components"].get("schemas", {}),
    )
