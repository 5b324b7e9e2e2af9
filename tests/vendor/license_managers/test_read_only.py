"""Support's role is read-only: the License Managers pages offer none of the writes the server refuses."""

from __future__ import annotations

import pytest

from tests.conftest import HX

NOTE = "Your role (support) is read-only."
BASE = "/vendor/license-managers"


@pytest.fixture
def world(make):
    w = make.world()
    vendor = w["vendor"]
    return {
        "w": w,
        "active": make.manager(vendor, account=w["account"], orders=[w["order"]]),
        "invited": make.manager(vendor, status="invited", password=None),
        "disabled": make.manager(vendor, status="disabled"),
        "admin": make.staff(vendor, role="admin"),
        "support": make.staff(vendor, role="support"),
    }


def _pages(world) -> dict[str, tuple[str, dict, list[str]]]:
    """Each page: (path, headers, the write controls it shows an admin)."""
    active, invited, disabled = world["active"], world["invited"], world["disabled"]
    order = world["w"]["order"]
    return {
        "overview": (BASE, {}, [f'href="{BASE}/new">Invite a manager<']),
        "new": (f"{BASE}/new", {}, [">Send the invitation</button>"]),
        "default": (f"{BASE}/default-permissions", {}, [">Save the default set</button>"]),
        "pane": (
            f"{BASE}/{active.id}",
            {},
            [
                f'hx-post="{BASE}/{active.id}/disable"',
                f'hx-post="{BASE}/{active.id}/remove-from-orders"',
                ">Remove from all orders<",
            ],
        ),
        "pane over htmx": (f"{BASE}/{active.id}", HX, [f'hx-post="{BASE}/{active.id}/disable"']),
        "invited pane": (f"{BASE}/{invited.id}", {}, [f'action="{BASE}/{invited.id}/resend-invitation"']),
        "disabled pane": (f"{BASE}/{disabled.id}", {}, [f'action="{BASE}/{disabled.id}/enable"', ">Enable</button>"]),
        "permissions": (f"{BASE}/{active.id}/permissions", HX, [">Save permissions</button>"]),
        "orders": (
            f"{BASE}/{active.id}/orders",
            HX,
            [f'hx-post="{BASE}/{active.id}/orders/{order.id}/remove"', ">Add an order<", ">Add order</button>"],
        ),
    }


def test_admin_sees_every_write(client, login, world):
    login(world["admin"])
    for name, (path, headers, controls) in _pages(world).items():
        response = client.get(path, headers=headers)
        assert response.status_code == 200, name
        body = response.get_data(as_text=True)
        assert [c for c in controls if c not in body] == [], name
        assert NOTE not in body, name


def test_support_sees_none_of_them(client, login, world):
    login(world["support"])
    for name, (path, headers, controls) in _pages(world).items():
        response = client.get(path, headers=headers)
        assert response.status_code == 200, name
        body = response.get_data(as_text=True)
        assert [c for c in controls if c in body] == [], name
    for path in (f"{BASE}/new", f"{BASE}/default-permissions", f"{BASE}/{world['active'].id}/permissions"):
        assert NOTE in client.get(path).get_data(as_text=True), path


def test_empty_overview_invites_only_for_admin(client, login, make):
    vendor = make.vendor()
    staff = {role: make.staff(vendor, role=role) for role in ("admin", "support")}
    login(staff["admin"])
    assert ">Invite a license manager<" in client.get(BASE).get_data(as_text=True)
    login(staff["support"])
    body = client.get(BASE).get_data(as_text=True)
    assert "No license managers yet" in body
    assert "Invite a" not in body
