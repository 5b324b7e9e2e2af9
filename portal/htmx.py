"""Every htmx request and response header goes through here (over htmx-flask).

A page is one template; each region htmx swaps is a named block. ``render`` answers an
htmx request with the block alone (plus the flash area out of band) and anything else
with the whole page, so every URL also works as a full page.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response, get_flashed_messages, make_response, redirect, render_template, request
from jinja2_fragments.flask import render_block


def is_htmx() -> bool:
    return bool(getattr(request, "htmx", False))


def wants_fragment() -> bool:
    """An htmx request that swaps a region: not boosted, not a history restore."""
    h = getattr(request, "htmx", None)
    return bool(h) and not h.boosted and not h.history_restore_request


def flash_oob() -> str:
    """The flash area as an out-of-band swap, when there is something to say."""
    messages = get_flashed_messages(with_categories=True)
    if not messages:
        return ""
    return render_template("_flash.html", messages=messages, oob=True)


def render(template: str, block: str | None = None, status: int = 200, **context: Any) -> Response:
    """Render the named block for an htmx swap, the whole page otherwise."""
    if block is not None and wants_fragment():
        html = render_block(template, block, **context) + flash_oob()
    else:
        html = render_template(template, **context)
    response = make_response(html, status)
    response.vary.add("HX-Request")
    return response


def redirect_to(url: str, *, full: bool = True) -> Response:
    """After a successful POST: 303 for a plain form, HX-Redirect for htmx.

    htmx loads the new page whole, so the layout and the flash area come with it; a view
    that wants to swap a region instead renders that region itself.
    """
    if is_htmx():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, code=303)


def hx_redirect(url: str, status: int = 401) -> Response:
    """Send the browser to another page from an htmx request (used for sign-in)."""
    response = make_response("", status)
    response.headers["HX-Redirect"] = url
    return response


def retarget(response: Response, target: str, swap: str = "innerHTML") -> Response:
    response.headers["HX-Retarget"] = target
    response.headers["HX-Reswap"] = swap
    return response


def trigger(response: Response, event: str, detail: Any = True) -> Response:
    """Fire a client-side event after the swap, for regions that listen for it."""
    existing = json.loads(response.headers.get("HX-Trigger", "{}"))
    existing[event] = detail
    response.headers["HX-Trigger"] = json.dumps(existing)
    return response


def push_url(response: Response, url: str) -> Response:
    response.headers["HX-Push-Url"] = url
    return response
