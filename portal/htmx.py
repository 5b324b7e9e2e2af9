"""Every htmx request and response header goes through here, over htmx-flask.

htmx-flask reads the request headers (``request.htmx``) and writes the response headers
(``make_response(..., retarget=..., trigger=...)``); views call the helpers below, so a later
move to another htmx version touches this file alone. A page is one template; each region
htmx swaps is a named block. ``render`` answers an htmx request with the block alone (plus the
flash area out of band) and anything else with the whole page, so every URL also works as a
full page.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response, get_flashed_messages, redirect, render_template
from htmx_flask import make_response
from htmx_flask import request as hx_request
from jinja2_fragments.flask import render_block


def is_htmx() -> bool:
    return bool(hx_request.htmx)


def wants_fragment() -> bool:
    """An htmx request that swaps a region: not boosted, not a history restore."""
    htmx = hx_request.htmx
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def current_url() -> str | None:
    """The page the browser shows, for an htmx request."""
    return hx_request.htmx.current_url if is_htmx() else None


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


def redirect_to(url: str) -> Response:
    """After a successful POST: 303 for a plain form, HX-Redirect for htmx.

    htmx loads the new page whole, so the layout and the flash area come with it; a view
    that wants to swap a region instead renders that region itself.
    """
    if is_htmx():
        return make_response("", 204, redirect=url)
    return redirect(url, code=303)  # type: ignore[return-value]


def hx_redirect(url: str, status: int = 401) -> Response:
    """Send the browser to another page from an htmx request (used for sign-in)."""
    return make_response("", status, redirect=url)


def retarget(response: Response, target: str, swap: str = "innerHTML") -> Response:
    """Swap the answer into another region than the one the request named."""
    return make_response(response, retarget=target, reswap=swap)


def trigger(response: Response, event: str, detail: Any = True) -> Response:
    """Fire a client-side event after the swap, for regions that listen for it (events add up)."""
    events = json.loads(response.headers.get("HX-Trigger", "{}"))
    return make_response(response, trigger={**events, event: detail})


def push_url(response: Response, url: str) -> Response:
    """Put this URL in the browser's history for the swap just made."""
    return make_response(response, push_url=url)


def replace_url(response: Response, url: str) -> Response:
    """Replace the browser's current history entry with this URL for the swap just made."""
    return make_response(response, replace_url=url)


def target_id() -> str | None:
    """The id of the element an htmx request swaps into (HX-Target), if it has one."""
    return hx_request.htmx.target if is_htmx() else None


def trigger_id() -> str | None:
    """The id of the element that sent an htmx request (HX-Trigger), if it has one."""
    return hx_request.htmx.trigger if is_htmx() else None
