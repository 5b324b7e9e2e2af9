"""Reports: activations per product on one scale over a from/to range, validated and bounded; Show data."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from portal.models import Device, utcnow
from tests.end_user.orders.support import field_error, issuing_world, update
from tests.end_user.reports.test_reports import data_table


@pytest.fixture
def w(app, make):
    w = issuing_world(make)
    now = utcnow()
    key = make.license(w["order"], w["key_policy"])
    other = make.license(w["order"], w["user_policy"])
    for lic, days in ((key, 1), (key, 2), (key, 40), (other, 2), (other, 200)):
        update(app, Device, make.device(lic).id, first_activated_at=now - dt.timedelta(days=days))
    return w


def test_every_product_is_a_line_on_one_chart_with_a_legend(client, login, w):
    login(w["manager"])
    html = client.get("/portal/reports").get_data(as_text=True)
    chart = html.split('aria-labelledby="activations-chart-caption"')[1].split("</figure>")[0]
    assert chart.count('<svg class="chart"') == 1 and chart.count('<polyline class="line') == 2
    legend = re.findall(r"</svg>\s*([^<]+?) <span class=\"muted\">\((\d+)\)</span>", chart)
    assert sorted(legend) == sorted([(w["key_product"].name, "3"), (w["user_product"].name, "1")])
    assert '<text class="tick"' in chart and ">Activations</text>" in chart  # a y axis with ticks and a title
    assert "<summary>Show data</summary>" in chart
    rows = data_table(html, "activations-chart")
    assert len(rows) == 13 and sum(int(r[-1]) for r in rows) == 4  # 90 days in weeks; the 200-day-old left out
    assert "Most active licenses" in html


def test_a_short_range_counts_per_day_and_fills_the_fields(client, login, w):
    login(w["manager"])
    today = utcnow().date()
    first = today - dt.timedelta(days=6)
    response = client.get(f"/portal/reports?from={first.isoformat()}&to={today.isoformat()}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    rows = data_table(html, "activations-chart")
    assert len(rows) == 7 and sum(int(r[-1]) for r in rows) == 3
    assert f'value="{first.isoformat()}"' in html and f'value="{today.isoformat()}"' in html
    assert "per day" in html


def test_a_long_range_reaches_back(client, login, w):
    login(w["manager"])
    today = utcnow().date()
    html = client.get(f"/portal/reports?from={(today - dt.timedelta(days=300)).isoformat()}").get_data(as_text=True)
    assert sum(int(r[-1]) for r in data_table(html, "activations-chart")) == 5


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("from=2026-02-30", "from", "Not a valid date value."),
        ("to=yesterday", "to", "Not a valid date value."),
        ("from=2025-03-10&to=2025-03-01", "to", "The end date is before the start date."),
        ("from=2020-01-01&to=2025-01-01", "from", "Choose at most 366 days."),
        ("to=2999-01-01", "to", "The end date is in the future."),
        ("from=2999-01-01", "from", "The start date is in the future."),
    ],
)
def test_a_bad_range_is_refused_at_its_field(client, login, w, query, field, message):
    login(w["manager"])
    response = client.get(f"/portal/reports?{query}")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, field) == message
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="{field}"', html)
    assert "None" not in re.findall(r'aria-[a-z]+="([^"]*)"', html)
    assert len(data_table(html, "activations-chart")) == 13  # the charts still show the last 90 days


def test_the_reports_cost_the_same_queries_for_any_range(client, login, w, count_queries):
    login(w["manager"])
    today = utcnow().date()
    client.get("/portal/reports")
    counts = []
    for days in (6, 89, 365):
        with count_queries() as q:
            client.get(f"/portal/reports?from={(today - dt.timedelta(days=days)).isoformat()}")
        counts.append(q.count)
    assert len(set(counts)) == 1
