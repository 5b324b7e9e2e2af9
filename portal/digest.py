"""The daily digest: each manager's notices, in their language, queued through ``portal.mail``.

The job walks every vendor account in bounded batches of managers (keyset by id) and commits
per batch, so one run never holds a transaction over the whole table and a rerun the same day
sends nothing twice (``ManagerNotices.last_digest_on``). A manager with nothing to hear about
gets no mail.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from portal import mail
from portal.extensions import db
from portal.i18n import DEFAULT_LOCALE, LOCALES
from portal.models import LicenseManager, VendorAccount, utcnow
from portal.services.notices import actions, queries
from portal.tenancy import all_tenants, set_tenant

BATCH = 200


def locale_of(manager: LicenseManager) -> str:
    """The language the manager reads the portal in (their stored choice, else English)."""
    chosen = getattr(manager, "locale", None)
    return chosen if chosen in LOCALES else DEFAULT_LOCALE


@dataclass(frozen=True)
class Sender:
    """Who a vendor's digests come from: its brand (else its name) and its own portal sign-in address."""

    brand: str
    sign_in_url: str


def compose(manager: LicenseManager, notices: queries.Notices, sender: Sender, organisation: str) -> tuple[str, str]:
    """The digest's subject and body, in the manager's language, signed with the vendor's brand."""
    with force_locale(locale_of(manager)):
        subject = _("%(vendor)s: your licenses need attention", vendor=sender.brand)
        body = render_template(
            "mail/digest.txt",
            manager=manager,
            notices=notices,
            vendor_name=sender.brand,
            organisation=organisation,
            # Through the vendor's own sign-in page: the generic one would ask which vendor.
            settings_url=f"{sender.sign_in_url}?next=/portal/notices",
        ) + mail.signature(sender.brand, organisation, sender.sign_in_url)
    return subject, body


def send_digest(manager: LicenseManager, sender: Sender, organisation: str, now: dt.datetime) -> bool:
    """Queue today's digest for one manager when there is something to say; return whether it was sent."""
    notices = queries.notices_for(manager.id, now)
    actions.mark_digest_sent(manager, now.date())
    if notices.empty:
        return False
    subject, body = compose(manager, notices, sender, organisation)
    mail.send_mail(manager.license_user.email, subject, body, vendor_account_id=manager.vendor_account_id)
    return True


def send_digests(now: dt.datetime | None = None, batch: int = BATCH) -> int:
    """Send today's digest to every manager of every vendor account; return how many went out."""
    now = now or utcnow()
    with all_tenants(db.session):
        vendors = db.session.execute(sa.select(VendorAccount.id, VendorAccount.name).order_by(VendorAccount.id)).all()
    sent = 0
    try:
        for vendor_id, vendor_name in vendors:
            set_tenant(db.session, vendor_id)
            sender = Sender(*mail.brand_of(vendor_id, vendor_name))
            after = 0
            while recipients := queries.digest_recipients(now.date(), after, batch):
                organisations = queries.organisations_of(recipients)  # one query a batch
                sent += sum(
                    send_digest(manager, sender, organisations.get(manager.customer_account_id or 0, ""), now)
                    for manager in recipients
                )
                after = recipients[-1].id
                db.session.commit()
                set_tenant(db.session, vendor_id)
    finally:
        set_tenant(db.session, None)
    return sent
