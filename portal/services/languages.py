"""The End User Portal's language a license manager chose, kept for their next sign-in."""

from __future__ import annotations

from portal import audit
from portal.audit import Actor
from portal.models import LicenseManager


def set_locale(manager: LicenseManager, locale: str, *, actor: Actor) -> bool:
    """Keep the manager's language (one of ``portal.i18n.LOCALES``, checked by the caller); False when unchanged."""
    if manager.locale == locale:
        return False
    audit.record(
        "manager.locale_changed", manager, actor=actor, before={"locale": manager.locale}, after={"locale": locale}
    )
    manager.locale = locale
    return True
