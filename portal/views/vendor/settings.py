"""The vendor account's settings (``/vendor/settings``): what the vendor builds into its software,
its End User Portal brand (name, sign-in address, logo, accent colour) and the staff sign-in rule."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, url_for
from flask_login import current_user

from portal import access, signing
from portal.access import owner_only
from portal.extensions import db
from portal.forms import submit
from portal.forms.settings import BrandingForm, StaffTwoFactorForm
from portal.htmx import redirect_to, render
from portal.security import accepts_files
from portal.services.branding import actions
from portal.services.branding import queries as branding

bp = Blueprint("settings", __name__, url_prefix="/settings")


def _page(status: int = 200, form: BrandingForm | None = None, rule: StaffTwoFactorForm | None = None) -> Response:
    vendor = current_user.staff.vendor_account
    if not vendor.signing_public_key:
        signing.ensure_key(vendor)  # made on first use; accounts older than migration 0004 have theirs
        db.session.commit()
    brand = branding.of_vendor(vendor.id)
    assert brand is not None  # made with the account
    form = form or BrandingForm(
        data={"brand_name": brand.brand_name, "slug": brand.slug, "accent_color": brand.accent_color or ""}
    )
    rule = rule or StaffTwoFactorForm(data={"required": brand.staff_two_factor_required})
    return render(
        "vendor/settings/index.html",
        "content",
        status=status,
        vendor=vendor,
        brand=brand,
        form=form,
        rule=rule,
        public_key_pem=signing.public_key_pem(vendor),
        api_url=current_app.config["PORTAL_BASE_URL"] + "/api/v1/license",
        sign_in_url=current_app.config["PORTAL_BASE_URL"] + url_for("auth.vendor_portal_login", slug=brand.slug),
    )


@bp.get("")
def index() -> Response:
    """Show the account's public id and key, its portal brand and the staff sign-in rule."""
    return _page()


@bp.post("/branding")
@accepts_files("logo")
def branding_update() -> Response:
    """Change the portal's brand name, sign-in address, accent colour or logo."""
    form = BrandingForm()
    upload = form.logo.data
    change = actions.BrandChange(
        brand_name=form.brand_name.data or "",
        slug=form.slug.data or "",
        accent_color=form.accent_color.data or "",
        logo=upload.read(actions.logos.MAX_BYTES + 1) if upload and upload.filename else None,
        remove_logo=bool(form.remove_logo.data),
    )
    vendor = current_user.staff.vendor_account
    if submit(form, lambda: actions.update_branding(vendor, change, actor=access.actor())) is None:
        return _page(422, form=form)
    db.session.commit()
    flash("Branding saved.", "success")
    return redirect_to(url_for("vendor.settings.index"))


@bp.post("/two-factor")
@owner_only
def staff_two_factor() -> Response:
    """Require (or stop requiring) two-factor sign-in of the account's staff: owners only."""
    rule = StaffTwoFactorForm()
    vendor = current_user.staff.vendor_account
    if (
        submit(rule, lambda: actions.require_staff_two_factor(vendor, bool(rule.required.data), actor=access.actor()))
        is None
    ):
        return _page(422, rule=rule)
    db.session.commit()
    flash("Staff sign-in rule saved.", "success")
    return redirect_to(url_for("vendor.settings.index"))
