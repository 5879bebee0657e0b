"""A LookML dashboard and its elements' rows as one HTML page: Plotly charts, single values, tables.

Layout follows Looker's newspaper grid (24 columns; ``row``/``col``/``width``/``height`` in grid
units). Every element also carries its rows as exact JSON (``<script type="application/json"
class="element-data">``) so a browser test can read what is shown and compare it with the warehouse;
people see the values formatted by the field's ``value_format_name``. The page needs no internet:
Plotly's JS comes from the local server (``static/plotly.min.js``), never a CDN.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from pipelines.dashboards.lookml import Dashboard, Element, Field, LookMLError, Project

ROW_PX = 40  # one newspaper row
GAP_PX = 8
TITLE_PX = 44  # an element's title bar and padding
PLOTLY_JS = "static/plotly.min.js"
_CHARTS = {"looker_column", "looker_bar", "looker_line", "looker_area", "looker_scatter"}
_NUMERIC = {"number", "count", "count_distinct", "sum", "average", "min", "max"}


@dataclass(frozen=True)
class Result:
    """An element's compiled SQL, its result columns' fields and rows (as the warehouse returned them)."""

    sql: str
    fields: tuple[Field, ...]
    rows: list[tuple]


# ---- values: exact (machine-readable), for plotting, for people ----

def json_value(value: object) -> object:
    """The exact value, JSON-safe: Decimals as strings (no float rounding), times in ISO 8601."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    return str(value)


def plot_value(value: object) -> object:
    """A value as Plotly takes it: numbers as floats, times as UTC wall-clock text (Plotly has no zones)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _d3_format(f: Field) -> str | None:
    """The field's ``value_format_name`` as a d3 format (Plotly's axis and hover formats)."""
    name = f.value_format_name or ""
    if name.startswith("decimal_") and name[8:].isdigit():
        return f",.{name[8:]}f"
    if name.startswith("percent_") and name[8:].isdigit():
        return f".{name[8:]}%"
    if name in ("usd", "usd_0", "gbp", "gbp_0", "eur", "eur_0"):
        return f"$,.{0 if name.endswith('_0') else 2}f"
    if name == "id":
        return "d"
    return None


def _decimal(value: int | float | Decimal) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(repr(value) if isinstance(value, float) else value)


def _rounded(value: int | float | Decimal, places: int) -> str:
    """Half away from zero on the number as written (1234.5 -> 1,235), as Looker's formats round;
    Python's own format rounds halves to even on the binary value."""
    exact = _decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{exact:,.{places}f}"


def format_value(value: object, f: Field) -> str:
    """A value as a person reads it: thousands separators, the field's ``value_format_name``, ∅ for NULL."""
    if value is None:
        return "∅"
    if isinstance(value, bool) or f.type == "yesno":
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        if f.timeframe in ("hour", "minute"):
            return value.strftime("%Y-%m-%d %H:%M")
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m") if f.timeframe == "month" else value.isoformat()
    if isinstance(value, (int, float, Decimal)):
        name = f.value_format_name or ""
        if isinstance(value, float) and not math.isfinite(value):
            return str(value)
        if name == "id":
            return str(int(value))
        if isinstance(value, int) and not name:
            return f"{value:,d}"
        if name.startswith("decimal_") and name[8:].isdigit():
            return _rounded(value, int(name[8:]))
        if name.startswith("percent_") and name[8:].isdigit():
            return _rounded(_decimal(value) * 100, int(name[8:])) + "%"
        if name in ("usd", "usd_0", "gbp", "gbp_0", "eur", "eur_0"):
            symbol = {"usd": "$", "gbp": "£", "eur": "€"}[name[:3]]
            return symbol + _rounded(value, 0 if name.endswith("_0") else 2)
        text = _rounded(value, 2)
        text = text.rstrip("0").rstrip(".") if "." in text else text  # Looker's default: no trailing zeros
        return "0" if text == "-0" else text
    return str(value)


# ---- charts ----

def _axis_type(f: Field) -> str:
    if f.timeframe in ("raw", "time", "minute", "hour") or f.type in ("date_time", "timestamp"):
        return "date"
    if f.timeframe or f.type == "date":
        return "date"
    return "linear" if f.type in _NUMERIC else "category"


def _is_numeric(f: Field) -> bool:
    return f.is_measure or f.type in _NUMERIC


def figure(element: Element, result: Result) -> dict:
    """The element as a Plotly figure (``{"data": [...], "layout": {...}}``), per the contract's chart rules."""
    fields, rows = result.fields, result.rows
    where = f"element {element.name}"
    x = fields[0]
    traces: list[dict] = []
    if element.type == "looker_scatter":
        if len(fields) < 2:
            raise LookMLError(f"{where}: a looker_scatter needs an x and a y field")
        y, colour = fields[1], (fields[2] if len(fields) > 2 else None)
        base = {"type": "scatter", "mode": "markers", "marker": {"size": 9}}
        hover = [" · ".join(format_value(v, f) for v, f in zip(row, fields, strict=True)) for row in rows]
        if colour is None or _is_numeric(colour):
            trace = {**base, "name": y.label, "x": [plot_value(r[0]) for r in rows],
                     "y": [plot_value(r[1]) for r in rows], "text": hover, "hoverinfo": "text"}
            if colour is not None:
                trace["marker"] = {"size": 9, "color": [plot_value(r[2]) for r in rows], "colorscale": "Viridis",
                                   "showscale": True, "colorbar": {"title": {"text": colour.label}}}
            traces.append(trace)
        else:
            for value in dict.fromkeys(r[2] for r in rows):
                picked = [(r, h) for r, h in zip(rows, hover, strict=True) if r[2] == value]
                traces.append({**base, "name": format_value(value, colour), "x": [plot_value(r[0]) for r, _ in picked],
                               "y": [plot_value(r[1]) for r, _ in picked], "text": [h for _, h in picked],
                               "hoverinfo": "text"})
        value_field = y
    else:
        measures = [(i, f) for i, f in enumerate(fields) if i > 0 and f.is_measure]
        splits = [(i, f) for i, f in enumerate(fields) if i > 0 and not f.is_measure]
        if not measures:
            raise LookMLError(f"{where}: a chart needs a measure after its first field")
        if len(splits) > 1:
            raise LookMLError(f"{where}: at most one further dimension splits the series")
        groups: list[tuple[object, list[tuple]]] = [(None, rows)]
        if splits:
            s = splits[0][0]
            groups = [(v, [r for r in rows if r[s] == v]) for v in dict.fromkeys(r[s] for r in rows)]
        for value, group in groups:
            for i, m in measures:
                name = m.label if not splits else (
                    format_value(value, splits[0][1]) + (f" · {m.label}" if len(measures) > 1 else ""))
                xs, ys = [plot_value(r[0]) for r in group], [plot_value(r[i]) for r in group]
                trace = {"name": name, "hovertemplate": None}
                if element.type == "looker_column":
                    trace.update(type="bar", x=xs, y=ys)
                elif element.type == "looker_bar":
                    trace.update(type="bar", orientation="h", x=ys, y=xs)
                elif element.type == "looker_line":
                    trace.update(type="scatter", mode="lines+markers", x=xs, y=ys)
                else:  # looker_area: stacked, as Looker's area charts default to
                    trace.update(type="scatter", mode="lines", stackgroup="area", x=xs, y=ys)
                del trace["hovertemplate"]
                traces.append(trace)
        value_field = measures[0][1]
    category_axis = {"title": {"text": x.label}, "type": _axis_type(x), "automargin": True}
    value_axis = {"title": {"text": value_field.label if len(traces) == 1 or element.type == "looker_scatter"
                            else ""}, "automargin": True, "rangemode": "tozero"}
    if element.type == "looker_scatter":
        value_axis.update(type=_axis_type(value_field), rangemode="normal")
        category_axis["rangemode"] = "normal"
    if fmt := _d3_format(value_field):
        value_axis["hoverformat"] = fmt
    for axis, f in ((category_axis, x), (value_axis, value_field)):
        if axis.get("type") != "date" and _is_numeric(f):
            # ticks: 7,458,300 and 0.5 as Looker writes them (not d3's 7.4583M, nor 5,000.00 for decimal_2)
            fmt = _d3_format(f) or ""
            axis["tickformat"] = ".0%" if "%" in fmt else ("$,~r" if "$" in fmt else ",~r")
    if category_axis["type"] == "date" and len({r[0] for r in rows}) == 1 and element.type != "looker_scatter":
        # one time on the axis: a date axis would zoom to milliseconds and draw hair-thin bars
        category_axis["type"] = "category"
    horizontal = element.type == "looker_bar"
    if horizontal:
        category_axis["autorange"] = "reversed"  # the first row on top, as Looker draws bars
    layout = {
        "height": max(element.height * ROW_PX + (element.height - 1) * GAP_PX - TITLE_PX, 120),
        "margin": {"l": 8, "r": 8, "t": 28 if len(traces) > 1 else 8, "b": 8}, "autosize": True,
        "xaxis": value_axis if horizontal else category_axis,
        "yaxis": category_axis if horizontal else value_axis,
        "showlegend": len(traces) > 1, "legend": {"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"},
        "barmode": "group", "hovermode": "closest", "font": {"family": "system-ui, sans-serif", "size": 12},
        "paper_bgcolor": "white", "plot_bgcolor": "white",
    }
    for axis in (layout["xaxis"], layout["yaxis"]):
        axis.update(gridcolor="#e5e7eb", zerolinecolor="#9ca3af")
    return {"data": traces, "layout": layout}


# ---- HTML ----

_STYLE = """
*{box-sizing:border-box}body{margin:0;font:14px/1.4 system-ui,sans-serif;background:#f3f4f6;color:#111827}
header{padding:16px 24px;background:white;border-bottom:1px solid #e5e7eb}header h1{margin:4px 0;font-size:22px}
header p{margin:2px 0;color:#4b5563}header .meta{font-size:12px;color:#6b7280}a{color:#1d4ed8}
main.grid{display:grid;grid-template-columns:repeat(24,minmax(0,1fr));grid-auto-rows:ROW_PXpx;gap:GAP_PXpx;padding:16px}
section.element{background:white;border:1px solid #e5e7eb;border-radius:6px;padding:8px 12px;overflow:hidden;
display:flex;flex-direction:column;min-width:0}
section.element h2{font-size:14px;font-weight:600;margin:0 0 6px;height:20px;white-space:nowrap;overflow:hidden;
text-overflow:ellipsis}
.single-value{flex:1;display:flex;align-items:center;justify-content:center;font-size:40px;font-weight:600;
color:#1f2937}.empty,.error{color:#6b7280;flex:1;display:flex;align-items:center;justify-content:center}
.error{color:#b91c1c;font-family:monospace;white-space:pre-wrap}
.table{flex:1;overflow:auto}table{border-collapse:collapse;width:100%;font-size:13px}
th{position:sticky;top:0;background:#f9fafb;text-align:left;border-bottom:1px solid #d1d5db;padding:4px 8px}
td{border-bottom:1px solid #f3f4f6;padding:3px 8px;white-space:nowrap}td.num,th.num{text-align:right}
ul.dashboards{list-style:none;padding:0 24px}ul.dashboards li{background:white;border:1px solid #e5e7eb;
border-radius:6px;padding:12px 16px;margin:12px 0}ul.dashboards a{font-size:17px;font-weight:600}
""".replace("ROW_PX", str(ROW_PX)).replace("GAP_PX", str(GAP_PX))

_SCRIPT = """
(function () {
  var sections = Array.prototype.slice.call(document.querySelectorAll("section.element"));
  function done() {
    if (sections.every(function (s) { return s.dataset.rendered; })) {
      document.body.dataset.readyMs = Math.round(performance.now());  // benchmarks/dashboards.py reads it
      document.body.dataset.ready = "yes";
    }
  }
  sections.forEach(function (s) {
    var spec = s.querySelector("script.figure");
    if (!spec) { s.dataset.rendered = "yes"; return; }
    var figure = JSON.parse(spec.textContent);
    Plotly.newPlot(s.querySelector(".plot"), figure.data, figure.layout,
                   {displaylogo: false, responsive: true, displayModeBar: false})
      .then(function () { s.dataset.rendered = "yes"; done(); });
  });
  done();
})();
"""


def _json_script(css_class: str, data: object) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return f'<script type="application/json" class="{css_class}">{text}</script>'


def _head(title: str, scripts: Sequence[str] = ()) -> str:
    tags = "".join(f'<script src="{html.escape(s)}"></script>' for s in scripts)
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<link rel="icon" href="data:,"><style>{_STYLE}</style>{tags}</head>')


def _element_html(element: Element, outcome: Result | Exception) -> str:
    style = (f"grid-column:{element.col + 1} / span {element.width};"
             f"grid-row:{element.row + 1} / span {element.height}")
    attrs = (f'id="element-{html.escape(element.name)}" data-element="{html.escape(element.name)}" '
             f'data-type="{element.type}" style="{style}"')
    title = f"<h2 title=\"{html.escape(element.title)}\">{html.escape(element.title)}</h2>"
    if isinstance(outcome, Exception):
        message = " ".join(str(outcome).split())
        return (f'<section class="element" {attrs} data-error="{html.escape(message)}">{title}'
                f'<div class="error">{html.escape(message)}</div></section>')
    data = _json_script("element-data", {
        "fields": [{"key": f.key, "label": f.label, "category": f.category, "type": f.type} for f in outcome.fields],
        "rows": [[json_value(v) for v in row] for row in outcome.rows], "sql": outcome.sql})
    fields, rows = outcome.fields, outcome.rows
    if element.type == "single_value":
        measure = next((i for i, f in enumerate(fields) if f.is_measure), 0)
        if rows:
            value = rows[0][measure]
            body = (f'<div class="single-value" data-value="{html.escape(str(json_value(value)))}" '
                    f'data-field="{fields[measure].key}">{html.escape(format_value(value, fields[measure]))}</div>')
        else:
            body = '<div class="empty">No results</div>'
    elif element.type == "looker_grid":
        head = "".join(f'<th class="{"num" if _is_numeric(f) else ""}" data-field="{f.key}">{html.escape(f.label)}</th>'
                       for f in fields)
        lines = "".join("<tr>" + "".join(
            f'<td class="{"num" if _is_numeric(f) else ""}">{html.escape(format_value(v, f))}</td>'
            for v, f in zip(row, fields, strict=True)) + "</tr>" for row in rows)
        body = f'<div class="table"><table><thead><tr>{head}</tr></thead><tbody>{lines}</tbody></table></div>'
    elif not rows:
        body = '<div class="empty">No results</div>'
    else:
        body = '<div class="plot"></div>' + _json_script("figure", figure(element, outcome))
    return f'<section class="element" {attrs}>{title}{body}{data}</section>'


def render_dashboard(dashboard: Dashboard, outcomes: Mapping[str, Result | Exception], source: str = "",
                     asset_prefix: str = "") -> str:
    """The dashboard's page: each element's rows (or the error that stopped its query) drawn in its tile."""
    charts = any(e.type in _CHARTS for e in dashboard.elements)
    scripts = [asset_prefix + PLOTLY_JS] if charts else []
    tiles = "".join(_element_html(e, outcomes[e.name]) for e in dashboard.elements)
    description = f"<p>{html.escape(dashboard.description)}</p>" if dashboard.description else ""
    meta = f'<p class="meta">{html.escape(source)}</p>' if source else ""
    return (f"{_head(dashboard.title, scripts)}<body data-dashboard=\"{html.escape(dashboard.name)}\">"
            f'<header><a href="{asset_prefix}index.html">All dashboards</a><h1>{html.escape(dashboard.title)}</h1>'
            f'{description}{meta}</header><main class="grid">{tiles}</main><script>{_SCRIPT}</script></body></html>')


def render_index(project: Project, source: str = "") -> str:
    """The list of dashboards, each linked to its page."""
    items = "".join(
        f'<li><a href="{html.escape(d.name)}.html" data-dashboard="{html.escape(d.name)}">{html.escape(d.title)}</a>'
        f"<p>{html.escape(d.description)}</p><p class=\"meta\">{len(d.elements)} elements · "
        f"{html.escape(str(d.path.relative_to(project.root.parent)))}</p></li>"
        for d in sorted(project.dashboards.values(), key=lambda d: d.title.lower()))
    meta = f'<p class="meta">{html.escape(source)}</p>' if source else ""
    return (f"{_head('Minera dashboards')}<body data-ready=\"yes\"><header><h1>Minera dashboards</h1>"
            f"<p>The LookML dashboards of {html.escape(str(project.root.name))}/ drawn from the local warehouse."
            f"</p>{meta}</header><ul class=\"dashboards\">{items}</ul></body></html>")
