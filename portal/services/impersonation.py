"""Staff viewing the End User Portal as one of their license managers: audited start and end.

Who may do it is the web's rule (``portal.access``: every staff role, as it writes nothing);
what it may do is nothing but read (the portal refuses every write while it lasts). Here are
the two events the audit log keeps, on the manager: who started viewing as them, and when and
why it ended (the exit, or the manager disabled or removed meanwhile).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from portal import audit
from portal.audit import Actor
from portal.errors import Conflict
from portal.extensions import db
from portal.models import LicenseManager

EXIT = "exit"
MANAGER_GONE = "manager disabled or removed"


def start(manager: LicenseManager, *, actor: Actor) -> dict[str, Any]:
    """Begin viewing as the manager; return what the session keeps of it."""
    if manager.status == "disabled":
        raise Conflict(f"{audit.describe(manager)} is disabled: enable them to view the portal as them.")
    audit.record(
        "impersonation.started",
        manager,
        actor=actor,
        after={"staff": actor.label, "manager": audit.describe(manager)},
        customer_account_id=manager.customer_account_id,
    )
    return {"manager_id": manager.id, "label": audit.describe(manager)}


def end(view: dict[str, Any], *, actor: Actor, reason: str = EXIT) -> None:
    """End viewing as a manager (``view`` as ``start`` returned it), whatever became of the manager."""
    manager_id = view.get("manager_id")
    manager = db.session.get(LicenseManager, manager_id) if isinstance(manager_id, int) else None
    label = str(view.get("label") or manager_id)[:254]
    audit.record(
        "impersonation.ended",
        manager if manager is not None else SimpleNamespace(id=manager_id),
        actor=actor,
        before={"staff": actor.label, "manager": label},
        after={"reason": reason},
        object_type="license_manager",
        object_label=label,
        customer_account_id=manager.customer_account_id if manager is not None else None,
    )
