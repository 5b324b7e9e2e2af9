"""Every page and pane state of the License Managers area is valid HTML: the W3C Nu checker finds 0 errors.

The checker is ``vnu.jar`` from the npm package ``vnu-jar`` (installed by ``npm ci``), run once for all
the states of a test on Java 17. Fragments (what htmx swaps in) are checked inside a minimal document. htmx's own
``hx-*`` attributes are the one kind of message left aside (see ``HTMX_ATTRIBUTE``).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.vendor.license_managers.support import BASE, staffed

VNU = Path(__file__).resolve().parents[3] / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
# htmx's hx-* attributes are the one accepted exception (the house style writes htmx that way, and the
# checker knows only data-*): exactly "Attribute “hx-…” not allowed on element …", nothing else.
HTMX_ATTRIBUTE = re.compile(r"^Attribute “hx-[a-z-]+” not allowed on element “[a-z]+” at this point\.$")
SHELL = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Part</title></head><body>{}</body></html>'


def nu_errors(documents: dict[str, str], folder: Path) -> dict[str, list[str]]:
    """The Nu checker's errors per document name (each a full HTML document)."""
    if not VNU.exists() or shutil.which("java") is None:
        pytest.skip("the Nu checker needs npm's vnu-jar and Java")
    paths: dict[str, str] = {}
    for i, (name, html) in enumerate(documents.items()):
        path = folder / f"{i:02d}.html"
        path.write_text(html, encoding="utf-8")
        paths[str(path.resolve())] = name
    run = subprocess.run(
        ["java", "-Xss4m", "-jar", str(VNU), "--errors-only", "--format", "json", "--stdout", *paths],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert run.stdout.startswith("{"), run.stderr  # the checker ran and answered
    found: dict[str, list[str]] = {}
    for message in json.loads(run.stdout).get("messages", []):
        if message.get("type") == "error" and not HTMX_ATTRIBUTE.match(message.get("message", "")):
            url = message.get("url", "?")
            name = paths.get(url.removeprefix("file:"), url)
            found.setdefault(name, []).append(f"line {message.get('lastLine')}: {message.get('message')}")
    return found


def test_every_page_and_pane_state_is_valid_html(client, hx, make, tmp_path, login):
    w = staffed(make, login, client)
    m, order = w["manager"], w["order"]
    make.manager(w["vendor"], email="second@customer.test", account=w["account"], status="invited", password=None)
    pane = f"{BASE}/{m.id}"
    cap = f"cap-{w['key_product'].id}"
    pages = {
        "overview": client.get(BASE),
        "overview sorted, filtered": client.get(f"{BASE}?q=customer&status=active&sort=-email"),
        "overview, nothing matches": client.get(f"{BASE}?q=nobody-at-all"),
        "overview, past the last page": client.get(f"{BASE}?page=9"),
        "new manager": client.get(f"{BASE}/new"),
        "new manager after a 422": client.post(f"{BASE}/new", data={"email": "not an email"}),
        "default permissions": client.get(f"{BASE}/default-permissions"),
        "default permissions after a 422": client.post(f"{BASE}/default-permissions", data={cap: "-1"}),
        "permissions after a 422": client.post(
            f"{pane}/permissions?q=customer", data={"permissions": ["issue_license"], cap: "x", "products": ""}
        ),
        "orders after a 422": client.post(f"{pane}/orders", data={"order": "nope"}),
        "orders search after a 422": client.get(f"{pane}/orders", query_string={"search": "x" * 500}),
        "confirm disable": client.get(f"{pane}/disable?q=customer"),
        "confirm remove from all orders": client.get(f"{pane}/remove-from-orders"),
        "confirm remove order": client.get(f"{pane}/orders/{order.id}/remove"),
    }
    for tab in ("", "/permissions", "/orders", "/licenses", "/user-groups", "/report"):
        pages[f"pane page {tab or '/'}"] = client.get(f"{pane}{tab}?q=customer&sort=email")
        pages[f"pane fragment {tab or '/'}"] = client.get(f"{pane}{tab}", headers=hx)
    pages["results fragment"] = client.get(f"{BASE}?q=customer", headers=hx)
    pages["pane fragment after a 422"] = client.post(f"{pane}/permissions", data={cap: "x"}, headers=hx)
    disabled = client.post(f"{pane}/disable?q=customer")  # the flash with its Undo, on the next page
    pages["pane page after disable, with Undo"] = client.get(disabled.headers["Location"])
    pages["pane fragment after enable"] = client.post(f"{pane}/enable", headers=hx)
    pages["orders fragment after remove, with Undo"] = client.post(f"{pane}/orders/{order.id}/remove", headers=hx)

    documents = {}
    for name, response in pages.items():
        assert response.status_code in (200, 422), (name, response.status_code)
        html = response.get_data(as_text=True)
        documents[name] = html if "<html" in html else SHELL.format(html)
    assert "after a 422" in " ".join(n for n, r in pages.items() if r.status_code == 422)
    assert nu_errors(documents, tmp_path) == {}
