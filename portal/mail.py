"""Outgoing mail: kept in the outbox, sent through SMTP by a job enqueued after the commit.

When ``MAIL_SERVER`` is unset the mail is written to the log instead. The job is enqueued
only once the transaction commits, so a rolled-back change never mails anyone, and the
request never waits on SMTP (``portal.jobs``; a failing send is retried with backoff). Links in mail come from
``PORTAL_BASE_URL`` (``portal.tokens.link``), never from a request, so the command line and
the web send the same mail. Mail to a license manager is written in the language they chose in the
portal (``license_manager.locale``), else in the language of the page that asked for it, else English.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Mapping
from email.message import EmailMessage
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from portal import i18n, jobs, tokens
from portal.extensions import db
from portal.models import (
    CustomerAccount,
    LicenseManager,
    LicenseUser,
    OutboxMail,
    StaffUser,
    VendorAccount,
    VendorBranding,
    utcnow,
)

log = logging.getLogger("portal.mail")


def send_mail(to: str, subject: str, body: str, vendor_account_id: int | None = None) -> OutboxMail:
    """Keep a mail in the outbox; the job that sends it is enqueued once the transaction commits."""
    mail = OutboxMail(to=to, subject=subject, body=body, vendor_account_id=vendor_account_id)
    db.session.add(mail)
    db.session.flush()
    jobs.after_commit(db.session, deliver_mail, vendor_account_id, mail.id)
    return mail


def _deliver(to: str, subject: str, body: str, config: Mapping[str, Any]) -> None:
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"] or "portal@localhost"
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"] or 25, timeout=10) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(message)


# Retried after 1, 5, 25 and 125 minutes; then a dead letter on /vendor/jobs.
@jobs.task(retries=4, retry_delay=60, retry_backoff=5)
def deliver_mail(vendor_account_id: int | None, mail_id: int) -> bool:
    """Send one outbox mail through SMTP (or to the log when MAIL_SERVER is unset)."""
    mail = db.session.get(OutboxMail, mail_id)
    if mail is None or mail.sent_at is not None:
        return False
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        log.info("mail to %s: %s\n%s", mail.to, mail.subject, mail.body)
        mail.sent_at, mail.error = utcnow(), ""
        return True
    try:
        _deliver(mail.to, mail.subject, mail.body, config)
    except (OSError, smtplib.SMTPException) as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
        log.warning("mail to %s failed: %s", mail.to, error)
        _note_error(mail_id, error)
        raise
    mail.sent_at, mail.error = utcnow(), ""
    return True


def _note_error(mail_id: int, error: str) -> None:
    """Keep the error on the mail even though the job's own transaction rolls back to retry."""
    with db.engine.begin() as connection:
        connection.execute(sa.update(OutboxMail).where(OutboxMail.id == mail_id).values(error=error))


def brand_of(vendor_account_id: int, vendor_name: str | None = None) -> tuple[str, str]:
    """The name a vendor's mail is signed with (its brand, else its name) and its own sign-in link."""
    row = db.session.execute(
        sa.select(VendorAccount.name, VendorBranding.brand_name, VendorBranding.slug)
        .outerjoin(VendorBranding, VendorBranding.vendor_account_id == VendorAccount.id)
        .where(VendorAccount.id == vendor_account_id)
    ).first()
    base = current_app.config["PORTAL_BASE_URL"].rstrip("/")
    if row is None:
        return "License Portal", f"{base}/portal/login"
    name, brand, slug = row
    return brand or vendor_name or name, f"{base}/portal/{slug}/login" if slug else f"{base}/portal/login"


def _organisation(user: LicenseUser) -> str:
    if user.customer_account_id is None:
        return ""
    account = db.session.get(CustomerAccount, user.customer_account_id)
    return account.name if account else ""


def signature(brand: str, organisation: str, sign_in: str) -> str:
    """The mail's signature, in the language of the enclosing ``i18n.in_locale`` block."""
    who = _("%(brand)s · for %(organisation)s", brand=brand, organisation=organisation) if organisation else brand
    return "\n\n-- \n" + who + "\n" + _("Your portal: %(url)s", url=sign_in)


def send_invitation(manager: LicenseManager, vendor_name: str) -> str:
    """Issue a fresh invitation link (ending earlier ones) and queue the mail; return the link.

    The manager and their license_user must be loaded. The mail carries the vendor's brand
    and the manager's organisation.
    """
    user = manager.license_user
    raw = tokens.issue(user, tokens.INVITATION)
    link = tokens.link(raw)
    hours = int(tokens.max_age(tokens.INVITATION).total_seconds() // 3600)
    brand, sign_in = brand_of(manager.vendor_account_id, vendor_name)
    organisation = _organisation(user)
    with i18n.in_locale(manager.locale):
        greeting = _("Hello %(name)s,", name=user.first_name) if user.first_name else _("Hello,")
        subject = _("%(vendor)s invites you to manage your licenses", vendor=brand)
        made = (
            _(
                "%(vendor)s made you a license manager for %(organisation)s in the End User Portal, "
                "where you can assign seats, reset devices and see how your licenses are used.",
                vendor=brand,
                organisation=organisation,
            )
            if organisation
            else _(
                "%(vendor)s made you a license manager in the End User Portal, "
                "where you can assign seats, reset devices and see how your licenses are used.",
                vendor=brand,
            )
        )
        body = "\n\n".join(
            [
                greeting,
                made,
                _("Choose your password here (the link works once and expires in %(hours)s hours):", hours=hours)
                + "\n"
                + link,
                _("If you did not expect this mail, you can ignore it."),
            ]
        ) + signature(brand, organisation, sign_in)
    send_mail(user.email, subject, body, vendor_account_id=manager.vendor_account_id)
    manager.invited_at = utcnow()
    manager.invitation_expires_at = manager.invited_at + tokens.max_age(tokens.INVITATION)
    return link


def send_password_reset(user: LicenseUser, locale: str | None = None) -> None:
    """Issue a single-use reset link for the user and queue the mail, signed with the vendor's brand.

    In the manager's own language, else ``locale`` (the language of the page that asked for it).
    """
    raw = tokens.issue(user, tokens.PASSWORD_RESET)
    brand, sign_in = brand_of(user.vendor_account_id)
    chosen = db.session.scalar(sa.select(LicenseManager.locale).where(LicenseManager.license_user_id == user.id))
    with i18n.in_locale(i18n.valid(chosen) or locale):
        subject = _("Reset your %(brand)s portal password", brand=brand)
        body = "\n\n".join(
            [
                _(
                    "Someone asked to reset the password of %(email)s in the %(brand)s End User Portal.",
                    email=user.email,
                    brand=brand,
                ),
                _("Set a new password here (the link works once and expires):") + "\n" + tokens.link(raw),
                _("If this was not you, ignore this mail; your password stays as it is."),
            ]
        ) + signature(brand, _organisation(user), sign_in)
    send_mail(user.email, subject, body, vendor_account_id=user.vendor_account_id)


def send_staff_password_reset(staff: StaffUser) -> None:
    """Issue a single-use reset link for a staff member and queue the mail (the vendor platform is English)."""
    raw = tokens.issue_staff(staff)
    send_mail(
        staff.email,
        "Reset your vendor platform password",
        f"Someone asked to reset the password of {staff.email} on the vendor platform.\n\n"
        f"Set a new password here (the link works once and expires):\n{tokens.staff_link(raw)}\n\n"
        "If this was not you, ignore this mail; your password stays as it is.",
        vendor_account_id=staff.vendor_account_id,
    )
