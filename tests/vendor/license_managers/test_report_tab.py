"""The Report tab as honest charts: products named on one scale with a legend, numbers behind Show data."""

from __future__ import annotations

import datetime as dt
import re

from portal.models import Device, utcnow
from tests.end_user.orders.support import update
from tests.vendor.license_managers.support import BASE, staffed


def test_activations_are_one_chart_of_named_products_with_their_data(app, client, make, login, hx):
    w = staffed(make, login, client)
    other = make.product(w["vendor"], name="Other Product")
    other_policy = make.policy(other)
    now = utcnow()
    for lic, days in ((make.license(w["order"], w["key_policy"]), 3), (make.license(w["order"], other_policy), 10)):
        update(app, Device, make.device(lic).id, first_activated_at=now - dt.timedelta(days=days))
    html = client.get(f"{BASE}/{w['manager'].id}/report", headers=hx).get_data(as_text=True)
    section = html.split('id="report-activations-h"')[1].split("</section>")[0]
    assert section.count('<svg class="chart"') == 1 and section.count('<polyline class="line') == 2
    assert w["key_product"].name in section and "Other Product" in section  # the legend names each line
    assert 'class="chart-legend"' in section and "stroke-dasharray" in section  # told apart without colour
    assert '<text class="tick"' in section  # legible axes: ticks on both
    data = section.split("<summary>Show data</summary>")[1]
    headers = re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', data)
    assert headers == ["Week of", *sorted([w["key_product"].name, "Other Product"]), "All products"]
    assert "<details" in section and section.count("<table") == 1  # the numbers once, not a second chart


def test_every_chart_of_the_tab_has_its_numbers_behind_show_data(client, make, login, hx):
    w = staffed(make, login, client)
    make.license(w["order"], w["key_policy"])
    html = client.get(f"{BASE}/{w['manager'].id}/report", headers=hx).get_data(as_text=True)
    assert html.count('<svg class="chart"') == html.count("<summary>Show data</summary>") == 4  # no activations yet
    assert "Floating seats in use now" not in html  # no "0 of 0" card without floating licenses
