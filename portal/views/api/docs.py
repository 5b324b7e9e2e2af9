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
    """Show the API reference: every operation with its parameters and schemas, server-rendered."""
    doc = openapi.document()
    return render_template(
        "api/docs.html", info=doc["info"], operations=openapi.operations(), schemas=doc["components"].get("schemas", {})
    )
