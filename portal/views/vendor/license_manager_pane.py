"""The License Managers page as one master–detail: the overview's query travels with the pane.

A pane URL (``/vendor/license-managers/<id>``, a tab of it, an action on it) carries the
overview's query string, so a reload or a shared link shows the list as it was with the pane
open, and closing the pane (or "Back to all license managers") returns to the same list. On the
tabs that page (orders, licenses, user groups) ``page`` is the tab's own, so the overview's
paging is left out of those URLs. History: opening the pane pushes one entry; tab changes, the
next or previous manager and actions replace it, so one Back leaves the pane.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlencode, urlsplit

from flask import Response, flash, g, request, url_for

from portal import permissions as perms
from portal.htmx import current_url, is_htmx, push_url, replace_url, target_id, trigger_id, wants_fragment
from portal.models.people import MANAGER_STATUSES
from portal.services.license_managers import overview, queries
from portal.services.license_managers.overview import OverviewQuery

BASE = overview.BASE_URL
ENDPOINT = "vendor.license_managers."
PAGED_TABS = frozenset({"orders", "licenses", "user_groups"})
NO_PAGING = {"page": 1, "after": "", "before": ""}
PANE_PATH = re.compile(r"^/vendor/license-managers/(\d+)(?:/(permissions|orders|licenses|user-groups|report))?/?$")
RESULTS_ID = "results"  # the overview's results refresh themselves (after a change in the pane)
UNDO_ORDERS = 200  # "Remove from all orders" offers Undo up to this many orders


def _with(path: str, params: dict[str, Any]) -> str:
    return f"{path}?{urlencode(params, doseq=True)}" if params else path


@dataclass(frozen=True)
class PaneState:
    """The overview's query as a pane URL carries it, and every link the pane builds from it."""

    query: OverviewQuery

    @property
    def list_url(self) -> str:
        """The overview as it was: "Back to all license managers" and the close button."""
        return self.query.url()

    def detail_url(self, manager_id: int) -> str:
        return self.query.url(f"{BASE}/{manager_id}")

    def tab_url(self, key: str, manager_id: int, **args: Any) -> str:
        """A tab of the pane; the paged tabs keep their own ``page``."""
        params = self.query.params(**NO_PAGING) if key in PAGED_TABS else self.query.params()
        params.update({name: value for name, value in args.items() if value not in (None, "")})
        return _with(url_for(ENDPOINT + key, manager_id=manager_id), params)

    def action_url(self, endpoint: str, **ids: Any) -> str:
        """An action on the manager (a POST, or its confirmation page): the answer keeps the query."""
        return _with(url_for(ENDPOINT + endpoint, **ids), self.query.params())

    @property
    def fields(self) -> list[tuple[str, Any]]:
        """The query as hidden fields, for GET forms (a GET form drops its action's query string)."""
        return list(self.query.params().items())


def state() -> PaneState:
    """The pane's state for this request (a Jinja global too: ``manager_pane()``)."""
    if "manager_pane" not in g:
        query = OverviewQuery.from_args(request.args)
        if (request.endpoint or "").removeprefix(ENDPOINT) in PAGED_TABS:
            query = OverviewQuery.from_args({**request.args.to_dict(), "page": "", "after": "", "before": ""})
        g.manager_pane = PaneState(query)
    return g.manager_pane


def list_context(selected_id: int | None = None) -> dict[str, Any]:
    """What the overview beside the pane needs, for a whole page; nothing for an htmx swap."""
    if wants_fragment():
        return {}
    query, page = overview.listing(state().query)
    accounts, more = queries.customer_account_choices(query.customer_account)
    return dict(
        query=query,
        page=page,
        accounts=accounts,
        more_accounts=more,
        statuses=MANAGER_STATUSES,
        permissions=perms.PERMISSIONS,
        selected_id=selected_id,
    )


def _pane_shown() -> re.Match[str] | None:
    """The pane path the browser shows, for an htmx request from the License Managers page."""
    url = current_url()
    return PANE_PATH.match(urlsplit(url).path) if url else None


def opened(response: Response, manager_id: int) -> Response:
    """Opening a manager from the list pushes one history entry; from an open pane it replaces it."""
    if not wants_fragment():
        return response
    url = state().detail_url(manager_id)
    return replace_url(response, url) if _pane_shown() else push_url(response, url)


def keep_pane_in_url(response: Response, query: OverviewQuery) -> Response:
    """A search, sort or page of the list while the pane is open keeps the pane in the URL."""
    shown = _pane_shown()
    if not shown or not wants_fragment() or trigger_id() == RESULTS_ID:
        return response
    manager_id, tab = int(shown.group(1)), (shown.group(2) or "").replace("-", "_")
    path = url_for(ENDPOINT + (tab or "detail"), manager_id=manager_id)
    params = query.params(**NO_PAGING) if tab in PAGED_TABS else query.params()
    return push_url(response, _with(path, params))


def shown(response: Response, url: str) -> Response:
    """After an action answered with the whole pane (or from a toast's Undo), the URL names what it shows."""
    return replace_url(response, url) if is_htmx() and target_id() == "detail-pane" else response


def flash_undo(message: str, undo_url: str, fields: dict[str, list[int]] | None = None) -> None:
    """A success message with an Undo button: a small form posting the reversal (its own audited change)."""
    pairs = [(name, value) for name, values in (fields or {}).items() for value in values]
    # Flask's flash takes any value the session can hold; _flash.html renders the mapping.
    flash(cast(str, {"text": message, "undo": {"url": undo_url, "fields": pairs}}), "success")
