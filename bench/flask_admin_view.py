"""Flask-Admin over the same tables, as the yardstick of the overview's figures (bench only).

A stock ``ModelView`` of license managers with the columns the overview shows, searchable over
the same fields (user email and names, customer account) and filterable by status, 25 rows a
page. It runs in the portal's own app, scoped to the benchmark's vendor by the same tenancy
hook, so both answer the same question over the same rows.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy.orm as so
from flask import Flask, request
from flask_admin import Admin
from flask_admin.contrib.sqla import ModelView

from portal.extensions import db
from portal.models import CustomerAccount, LicenseManager, LicenseUser
from portal.tenancy import set_tenant

PREFIX = "/bench-admin"


class ManagerView(ModelView):
    can_create = can_edit = can_delete = False
    page_size = 25
    column_list = ("license_user.email", "license_user.first_name", "license_user.last_name", "status", "created_at")
    column_searchable_list = (
        LicenseUser.email,
        LicenseUser.first_name,
        LicenseUser.last_name,
        CustomerAccount.name,
    )
    column_filters = ("status",)
    column_default_sort = ("created_at", True)
    column_sortable_list = ("license_user.first_name", "status", "created_at")

    # The portal's relationships raise on lazy loads: the list names its joins, as a real one would.
    def get_query(self) -> Any:
        return (
            super()
            .get_query()
            .options(so.joinedload(LicenseManager.license_user), so.joinedload(LicenseManager.customer_account))
        )


def mount(app: Flask, vendor_id: int) -> str:
    """Add the admin to ``app`` for one vendor's rows; the list's URL."""
    admin = Admin(app, name="bench", url=PREFIX, endpoint="bench_admin")
    admin.add_view(ManagerView(LicenseManager, db.session, endpoint="bench_managers", url=f"{PREFIX}/managers"))

    @app.before_request
    def _scope() -> None:
        if request.path.startswith(PREFIX):
            set_tenant(db.session, vendor_id)

    return f"{PREFIX}/managers/"


# Flask-Admin's query arguments for the cases the overview is measured on.
def url(base: str, case: str, value: str = "") -> str:
    return {
        "first": base,
        "deep": f"{base}?page=199",
        "search": f"{base}?search={value}",
        "status": f"{base}?flt0_0={value}",
        "name": f"{base}?sort=2",
    }[case]
