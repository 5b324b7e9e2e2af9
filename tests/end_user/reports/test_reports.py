"""Reports: weekly activations, seats, devices per license, and the CSV exports, all scoped."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

from portal.models import Device, utcnow
from portal.services.reports import queries as portal_reports
from tests.end_user.orders.support import issuing_world, update


def _world(app, make):
    w = issuing_world(make)
    now = utcnow()
    busy = make.license(w["order"], w["key_policy"], license_key="BUSY-BUSY-BUSY-BUSY")
    quiet = make.license(w["order"], w["key_policy"], license_key="QUIE-QUIE-QUIE-QUIE")
    make.license(w["order"], w["key_policy"], license_key="NONE-NONE-NONE-NONE")
    for days in (2, 3, 20):
        update(app, Device, make.device(busy).id, first_activated_at=now - dt.timedelta(days=days))
    update(
        app, Device, make.device(quiet, hostname="=HYPERLINK(evil)").id, first_activated_at=now - dt.timedelta(days=120)
    )  # before the 90 days
    # Another vendor's and another customer's devices must not be counted.
    other = make.world()
    make.device(make.license(other["order"], other["key_policy"], license_key="OTHR-OTHR-OTHR-OTHR"))
    theirs = make.order(w["vendor"], managers=[make.manager(w["vendor"], password=None)])
    make.device(make.license(theirs, w["key_policy"], license_key="THEM-THEM-THEM-THEM"))
    return w


def data_table(html: str, chart_id: str) -> list[list[str]]:
    """The rows of a chart's "Show data" table (its first cell, the row's name, included)."""
    figure = html.split(f'aria-labelledby="{chart_id}-caption"', 1)[1].split("</figure>", 1)[0]
    body = figure.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_reports_page_shows_charts_with_their_numbers(app, client, make, login):
    w = _world(app, make)
    login(w["manager"])
    response = client.get("/portal/reports")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count('<svg class="chart"') == 4  # activations (every product on one), seats, top, distribution
    weekly = data_table(html, "activations-chart")
    assert len(weekly) == 13  # the last 90 days in weeks
    assert sum(int(row[1]) for row in weekly) == 3 and int(weekly[-1][1]) >= 2  # 2- and 3-day-old devices
    assert "BUSY-BUSY-BUSY-BUSY" in html and "THEM-THEM" not in html and "OTHR-OTHR" not in html
    distribution = {row[0]: row[1] for row in data_table(html, "distribution-chart")}
    assert distribution["No devices"] == "1" and distribution["1 device"] == "1"
    assert distribution["2–5 devices"] == "1" and distribution["More than 10"] == "0"
    assert 'href="/portal/reports/licenses.csv"' in html


def test_licenses_csv_streams_only_my_licenses(app, client, make, login, monkeypatch):
    monkeypatch.setattr(portal_reports, "BATCH", 2)  # several keyset batches
    w = _world(app, make)
    login(w["manager"])
    response = client.get("/portal/reports/licenses.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.is_streamed
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert sorted(r["license_key"] for r in rows) == [
        "BUSY-BUSY-BUSY-BUSY",
        "NONE-NONE-NONE-NONE",
        "QUIE-QUIE-QUIE-QUIE",
    ]
    busy = next(r for r in rows if r["license_key"].startswith("BUSY"))
    assert busy["order"] == w["order"].reference and busy["times_activated"] == "3"
    assert busy["product"] == w["key_product"].name and busy["policy"] == w["key_policy"].name


def test_devices_csv_streams_only_my_devices_and_defuses_formulas(app, client, make, login, monkeypatch):
    monkeypatch.setattr(portal_reports, "BATCH", 2)
    w = _world(app, make)
    login(w["manager"])
    response = client.get("/portal/reports/devices.csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 4
    assert {r["license_key"] for r in rows} == {"BUSY-BUSY-BUSY-BUSY", "QUIE-QUIE-QUIE-QUIE"}
    assert "'=HYPERLINK(evil)" in {r["hostname"] for r in rows}
    assert all(r["active"] == "yes" for r in rows)


def test_reports_for_a_manager_with_nothing(client, make, login):
    w = make.world()
    manager = make.manager(w["vendor"], password=None)
    login(manager)
    html = client.get("/portal/reports").get_data(as_text=True)
    assert "No device was activated from " in html and '<svg class="chart"' in html  # top, distribution
    assert client.get("/portal/reports/licenses.csv").get_data(as_text=True).count("\n") == 1


def test_staff_cannot_open_reports(client, make, login):
    w = make.world()
    login(make.staff(w["vendor"]))
    assert client.get("/portal/reports").status_code == 403
    assert client.get("/portal/reports/devices.csv").status_code == 403
