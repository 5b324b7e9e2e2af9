"""The License Managers overview's state as the URL holds it: search, filters, sort and page.

Reading is lenient (a value that makes no sense is dropped, never an error page), and every
link the overview renders is built here, so the state survives sorting, paging and export.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from portal import permissions as perms
from portal.models.people import MANAGER_STATUSES

BASE_URL = "/vendor/license-managers"
MAX_PAGE = 100_000
SORT_NAMES = ("name", "email", "created", "last_login")
SORTS = [*SORT_NAMES, *(f"-{key}" for key in SORT_NAMES)]
DEFAULT_SORT = "-created"


def positive_int(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if 0 < number < 2**31 else None


@dataclass(frozen=True)
class OverviewQuery:
    """The overview's whole state, as the URL holds it."""

    q: str = ""
    status: str = ""
    permission: str = ""
    customer_account: int | None = None
    sort: str = DEFAULT_SORT
    page: int = 1
    # Keyset cursors from the pager links; a page number alone falls back to OFFSET.
    after: str = ""
    before: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> OverviewQuery:
        """Read the query string leniently: a value that makes no sense is dropped."""
        status = args.get("status", "")
        permission = args.get("permission", "")
        sort = args.get("sort", "") or DEFAULT_SORT
        return cls(
            q=" ".join((args.get("q") or "").split())[:200],
            status=status if status in MANAGER_STATUSES else "",
            permission=permission if permission in perms.BY_CODE else "",
            customer_account=positive_int(args.get("customer_account")),
            sort=sort if sort in SORTS else DEFAULT_SORT,
            page=min(positive_int(args.get("page")) or 1, MAX_PAGE),
            after=(args.get("after") or "")[:500],
            before=(args.get("before") or "")[:500],
        )

    @property
    def is_filtered(self) -> bool:
        return bool(self.q or self.status or self.permission or self.customer_account)

    @property
    def sort_key(self) -> str:
        return self.sort.lstrip("-")

    @property
    def descending(self) -> bool:
        return self.sort.startswith("-")

    def params(self, **changes: Any) -> dict[str, Any]:
        """The query-string parameters with changes applied; defaults and blanks left out."""
        state = replace(self, **changes)
        values = {
            "q": state.q,
            "status": state.status,
            "permission": state.permission,
            "customer_account": state.customer_account or "",
            "sort": "" if state.sort == DEFAULT_SORT else state.sort,
            "page": "" if state.page == 1 else state.page,
            "after": state.after,
            "before": state.before,
        }
        return {key: value for key, value in values.items() if value}

    def url(self, path: str = BASE_URL, **changes: Any) -> str:
        params = self.params(**changes)
        return f"{path}?{urlencode(params)}" if params else path

    def page_url(self, page: int, **cursor: str) -> str:
        return self.url(page=page, after=cursor.get("after", ""), before=cursor.get("before", ""))

    def sort_url(self, key: str) -> str:
        """Sort by a column; a second click on the current column turns the order around."""
        sort = f"-{key}" if self.sort == key else key
        return self.url(sort=sort, page=1, after="", before="")

    def csv_url(self) -> str:
        return self.url(path=f"{BASE_URL}.csv", page=1, after="", before="")
