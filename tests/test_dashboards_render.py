"""How the local dashboards draw rows (pipelines.dashboards.render), without a browser or a warehouse."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

import pytest

from pipelines.dashboards.lookml import Dashboard, Element, Field, LookMLError
from pipelines.dashboards.render import Result, figure, format_value, json_value, plot_value, render_dashboard


def dim(name: str, kind: str = "string", timeframe: str | None = None) -> Field:
    return Field("v", name, "dimension", kind, f"${{TABLE}}.{name}", name.title(), timeframe=timeframe)


def measure(name: str, fmt: str | None = None) -> Field:
    return Field("v", name, "measure", "sum", f"${{TABLE}}.{name}", name.title(), fmt)


def element(kind: str, fields: tuple[Field, ...], name: str = "e") -> Element:
    return Element(name, "E", kind, "minera", "v", tuple(f.key for f in fields), (), (), None, 0, 0, 12, 6)


@pytest.mark.parametrize("value, field, shown", [
    (Decimal("493901.30"), measure("t", "decimal_0"), "493,901"),
    (1234.5678, measure("t", "decimal_2"), "1,234.57"),
    (0.1234, measure("t", "percent_1"), "12.3%"),
    (1234.5, measure("t", "usd"), "$1,234.50"),
    (2000, measure("t"), "2,000"),
    (84.06780626780625, measure("t"), "84.07"),
    (3.0, measure("t"), "3"),
    (None, measure("t"), "∅"),
    (True, dim("b", "yesno"), "Yes"),
    (dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.timezone.utc), dim("t_hour", "timestamp", "hour"), "2026-11-22 10:00"),
    (dt.date(2026, 11, 1), dim("t_month", "timestamp", "month"), "2026-11"),
])
def test_values_as_people_read_them(value, field, shown):
    assert format_value(value, field) == shown


def test_exact_values_survive_json():
    assert json_value(Decimal("493901.30")) == "493901.30"  # not a float
    assert json_value(dt.datetime(2026, 11, 22, 10, tzinfo=dt.timezone.utc)) == "2026-11-22T10:00:00+00:00"
    assert plot_value(dt.datetime(2026, 11, 22, 10, tzinfo=dt.timezone.utc)) == "2026-11-22 10:00:00"  # UTC wall clock


def test_a_further_dimension_splits_the_series():
    fields = (dim("pit"), dim("material"), measure("t"))
    rows = [("P1", "ore", 1), ("P1", "waste", 2), ("P2", "ore", 3)]
    fig = figure(element("looker_column", fields), Result("", fields, rows))
    assert [(t["name"], t["x"], t["y"]) for t in fig["data"]] == [("ore", ["P1", "P2"], [1, 3]),
                                                                   ("waste", ["P1"], [2])]
    assert fig["layout"]["showlegend"] is True


def test_each_measure_is_a_series_and_bars_are_horizontal():
    fields = (dim("pit"), measure("a"), measure("b"))
    fig = figure(element("looker_bar", fields), Result("", fields, [("P1", 1, 2)]))
    assert [(t["name"], t["orientation"], t["x"], t["y"]) for t in fig["data"]] == [
        ("A", "h", [1], ["P1"]), ("B", "h", [2], ["P1"])]
    assert fig["layout"]["yaxis"]["autorange"] == "reversed"


def test_a_scatter_is_coloured_by_its_third_field():
    fields = (dim("easting_m", "number"), dim("northing_m", "number"), measure("ppv"))
    fig = figure(element("looker_scatter", fields), Result("", fields, [(1, 2, 0.5), (3, 4, 1.5)]))
    (trace,) = fig["data"]
    assert (trace["x"], trace["y"], trace["marker"]["color"]) == ([1, 3], [2, 4], [0.5, 1.5])
    by_zone = (dim("easting_m", "number"), dim("northing_m", "number"), dim("zone"))
    fig = figure(element("looker_scatter", by_zone), Result("", by_zone, [(1, 2, "a"), (3, 4, "b")]))
    assert [t["name"] for t in fig["data"]] == ["a", "b"]


def test_a_chart_without_a_measure_is_refused():
    fields = (dim("pit"), dim("material"))
    with pytest.raises(LookMLError, match="element e: a chart needs a measure"):
        figure(element("looker_line", fields), Result("", fields, [("P1", "ore")]))


def test_the_page_carries_exact_rows_and_no_outside_url():
    fields = (dim("pit"), measure("t", "decimal_0"))
    tiles = (element("looker_grid", fields, "grid"), element("looker_column", fields, "chart"))
    dashboard = Dashboard("d", "D", "", tiles, None)
    result = Result("SELECT 1", fields, [("P1", Decimal("1234.50"))])
    page = render_dashboard(dashboard, {"grid": result, "chart": RuntimeError("boom")})
    data = re.search(r'<script type="application/json" class="element-data">(.*?)</script>', page)[1]
    assert json.loads(data)["rows"] == [["P1", "1234.50"]]
    assert "<td class=\"num\">1,235</td>" in page  # decimal_0, as shown to people
    assert 'data-error="boom"' in page
    assert '<script src="static/plotly.min.js">' in page
    assert not re.search(r'(src|href)="(https?:)?//', page)
