"""Invitation mails for new license managers: a set-password link that expires."""

from __future__ import annotations

from portal.models import LicenseManager, utcnow
from portal.services import mail, tokens


def send_invitation(manager: LicenseManager, vendor_name: str) -> str:
    """Issue a fresh invitation link (ending earlier ones) and queue the mail; return the link.

    The manager and their license_user must be loaded.
    """
    user = manager.license_user
    raw = tokens.issue(user, tokens.INVITATION)
    link = tokens.link(raw)
    hours = int(tokens.max_age(tokens.INVITATION).total_seconds() // 3600)
    greeting = f"Hello {user.first_name}," if user.first_name else "Hello,"
    mail.send_mail(
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
