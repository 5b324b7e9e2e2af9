"""The layout a newcomer relies on: a URL leads to its code in one hop; relationships load explicitly."""

from __future__ import annotations

from portal.models.base import Base

# Loaded with their parent on purpose (the staff member's account is shown on every vendor page).
JOINED_ON_PURPOSE = {("StaffUser", "vendor_account")}


def test_every_endpoint_names_the_module_of_its_view(app):
    """``vendor.license_managers.detail`` is ``detail`` in ``portal/views/vendor/license_managers.py``."""
    wrong = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        *blueprints, name = rule.endpoint.split(".")
        expected = ".".join(["portal.views", *blueprints])
        if view.__module__ not in (expected, f"{expected}.__init__") or view.__name__ != name:
            wrong.append(f"{rule.rule} -> {rule.endpoint} is {view.__module__}.{view.__name__}")
    assert not wrong, "\n".join(wrong)


def test_relationships_never_load_lazily(app):
    lazy = []
    for mapper in Base.registry.mappers:
        for relationship in mapper.relationships:
            key = (mapper.class_.__name__, relationship.key)
            if relationship.lazy != "raise" and key not in JOINED_ON_PURPOSE:
                lazy.append(f"{key[0]}.{key[1]} lazy={relationship.lazy}")
    assert not lazy, "\n".join(lazy)
