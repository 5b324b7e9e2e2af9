"""Outgoing mail: kept in the outbox, sent through SMTP after the transaction commits.

When ``MAIL_SERVER`` is unset the mail is written to the log instead. Sending waits for
the commit so that a rolled-back change never mails anyone. Links in mail come from
``PORTAL_BASE_URL`` (``portal.tokens.link``), never from a request, so the command line and
the web send the same mail.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app

from portal import tokens
from portal.extensions import db
from portal.models import LicenseManager, LicenseUser, OutboxMail, utcnow

log = logging.getLogger("portal.mail")
PENDING = "pending_mail"


def send_mail(to: str, subject: str, body: str, vendor_account_id: int | None = None) -> OutboxMail:
    """Queue a mail in the outbox; it leaves once the surrounding transaction commits."""
    mail = OutboxMail(to=to, subject=subject, body=body, vendor_account_id=vendor_account_id)
    db.session.add(mail)
    db.session.flush()
    config = {
        k: current_app.config.get(k)
        for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_FROM", "MAIL_USE_TLS")
    }
    db.session.info.setdefault(PENDING, []).append((mail.id, to, subject, body, config))
    return mail


def _deliver(to: str, subject: str, body: str, config: dict) -> None:
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


@sa.event.listens_for(so.Session, "after_commit")
def _send_pending(session: so.Session) -> None:
    if session.in_nested_transaction():  # a savepoint released (forms.submit): wait for the real commit
        return
    pending = session.info.pop(PENDING, [])
    if not pending:
        return
    bind = session.get_bind()
    engine = bind if isinstance(bind, sa.Engine) else bind.engine
    for mail_id, to, subject, body, config in pending:
        error = ""
        if config.get("MAIL_SERVER"):
            try:
                _deliver(to, subject, body, config)
            except (OSError, smtplib.SMTPException) as exc:
                error = f"{type(exc).__name__}: {exc}"[:500]
                log.warning("mail to %s failed: %s", to, error)
        else:
            log.info("mail to %s: %s\n%s", to, subject, body)
        with engine.begin() as connection:
            connection.execute(
                sa.update(OutboxMail)
                .where(OutboxMail.id == mail_id)
                .values(sent_at=None if error else utcnow(), error=error)
            )


@sa.event.listens_for(so.Session, "after_rollback")
def _drop_pending(session: so.Session) -> None:
    session.info.pop(PENDING, None)


def send_invitation(manager: LicenseManager, vendor_name: str) -> str:
    """Issue a fresh invitation link (ending earlier ones) and queue the mail; return the link.

    The manager and their license_user must be loaded.
    """
    user = manager.license_user
    raw = tokens.issue(user, tokens.INVITATION)
    link = tokens.link(raw)
    hours = int(tokens.max_age(tokens.INVITATION).total_seconds() // 3600)
    greeting = f"Hello {user.first_name}," if user.first_name else "Hello,"
    send_mail(
        user.email,
        f"{vendor_name} invites you to manage your licenses",
        f"{greeting}\n\n{vendor_name} made you a license manager in the End User Portal, "
        "where you can assign seats, reset devices and see how your licenses are used.\n\n"
        f"Choose your password here (the link works once and expires in {hours} hours):\n{link}\n\n"
        "If you did not expect this mail, you can ignore it.",
        vendor_account_id=manager.vendor_account_id,
    )
    manager.invited_at = utcnow()
    return link


def send_password_reset(user: LicenseUser) -> None:
    """Issue a single-use reset link for the user and queue the mail."""
    raw = tokens.issue(user, tokens.PASSWORD_RESET)
    send_mail(
        user.email,
        "Reset your License Portal password",
        f"Someone asked to reset the password of {user.email}.\n\n"
        f"Set a new password here (the link works once and expires):\n{tokens.link(raw)}\n\n"
        "If this was not you, ignore this mail; your password stays as it is.",
        vendor_account_id=user.vendor_account_id,
    )
