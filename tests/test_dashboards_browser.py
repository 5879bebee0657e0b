"""Every local dashboard opened in Debian's Chromium (headless, through Playwright) against the demo's warehouse.

For each dashboard of looker/ (and of the small fixture project in tests/dashboards_fixture): the page
loads with no console error, every element is drawn, and what it shows equals the warehouse: each
element's rows equal its compiled query run straight on DuckDB (charts: the points Plotly drew; tables
and single values: the text a person reads), and a few key tiles equal SQL written here by hand,
independent of the compiler. A full-page screenshot of each is kept (DASHBOARD_SCREENSHOTS chooses the
folder; default <basetemp>/screenshots). A missing /usr/bin/chromium fails, never skips.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections import Counter
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from pipelines.dashboards import browser, server
from pipelines.dashboards.lookml import load_project
from pipelines.dashboards.query import compile_element
from pipelines.dashboards.render import format_value, json_value, plot_value

pytestmark = pytest.mark.slow  # Chromium, and the dashboards' server

REPO = Path(__file__).resolve().parents[1]
PROJECTS = {"looker": REPO / "looker", "fixture": Path(__file__).parent / "dashboards_fixture" / "looker"}


def _dashboards() -> list:
    cases = []
    for key, root in PROJECTS.items():
        files = (root / "dashboards").glob("*.dashboard.lookml")
        names = sorted(p.name.removesuffix(".dashboard.lookml") for p in files)
        cases += [pytest.param(key, name, id=f"{key}-{name}") for name in names]
    return cases


#: what the page shows, read from the DOM: each element's exact rows, its text, the points Plotly drew
READ_PAGE = """() => {
  const out = {};
  for (const s of document.querySelectorAll("section.element")) {
    const data = s.querySelector("script.element-data");
    const plot = s.querySelector(".plot");
    const single = s.querySelector(".single-value");
    out[s.dataset.element] = {
      type: s.dataset.type, error: s.dataset.error || null, rendered: s.dataset.rendered || null,
      data: data ? JSON.parse(data.textContent) : null,
      text: single ? single.textContent : null, value: single ? single.dataset.value : null,
      empty: !!s.querySelector(".empty"),
      headers: Array.from(s.querySelectorAll("thead th")).map(th => th.textContent),
      cells: Array.from(s.querySelectorAll("tbody tr")).map(tr => Array.from(tr.cells).map(td => td.textContent)),
      traces: plot && plot.data ? plot.data.map(t => ({x: Array.from(t.x || []), y: Array.from(t.y || []),
                                                      orientation: t.orientation || "v"})) : null,
      drawn: plot ? plot.querySelectorAll("svg.main-svg").length : 0,
    };
  }
  return out;
}"""

#: a few key tiles per dashboard, computed here by hand (not by the compiler): (element, SQL, how to compare)
KEY_TILES = {
    # looker/: against the tables the marts come from where possible (what was loaded is what is shown)
    ("looker", "production"): [
        ("tonnes_hauled", "SELECT sum(hauled_t) FROM marts.tonnes_by_shift", "single"),
        ("truck_loads_total", "SELECT count(*) FROM raw_production.truck_loads", "single"),
        ("tonnes_by_pit_and_material", "SELECT pit, sum(hauled_t) FROM marts.tonnes_by_shift GROUP BY pit, material",
         "pairs"),
    ],
    ("looker", "machinery_issues"): [
        ("open_issues", "SELECT count(*) FROM serving.machine_issues WHERE is_open", "single"),
        ("open_critical_issues", "SELECT count(*) FROM serving.machine_issues WHERE is_open "
                                 "AND current_severity = 'critical'", "single"),
        ("open_backlog_by_severity_and_age", "SELECT age_bucket, count(*) FROM serving.machine_issues WHERE is_open "
                                             "GROUP BY age_bucket, current_severity", "pairs"),
    ],
    ("looker", "mine_vibration"): [
        ("sensor_minutes_over_limit", "SELECT sum(sensor_minutes_over_limit) FROM marts.vibration_by_zone_day",
         "single"),
        ("sensors_reporting", "SELECT count(DISTINCT sensor_id) FROM marts.sensor_minutes", "single"),
        ("peak_ppv_by_zone", "SELECT zone, max(peak_ppv_mm_s) FROM marts.vibration_by_zone_day GROUP BY zone", "pairs"),
    ],
    ("looker", "platform_health"): [
        ("dead_letters_total", "SELECT count(*) FROM ops.dead_letter", "single"),
        ("rejected_files_total", "SELECT count(*) FROM ops.rejected_files", "single"),
        ("stale_tables", "SELECT count(*) FROM marts.source_freshness WHERE status IS DISTINCT FROM 'fresh'", "single"),
    ],
    ("looker", "rock_quality"): [
        ("samples_total", "SELECT count(*) FROM raw_vendor.rock_quality_samples", "single"),
        ("blasts_sampled", "SELECT count(DISTINCT blast_id) FROM marts.rock_quality_by_blast", "single"),
    ],
    ("looker", "sensor_health"): [
        ("sensors_reporting", "SELECT count(DISTINCT sensor_id) FROM marts.sensor_health_by_day", "single"),
        ("lowest_battery", "SELECT min(min_battery_v) FROM marts.sensor_health_by_day", "single"),
    ],
    ("looker", "sensor_trend"): [
        ("alerts_for_sensor", "SELECT count(*) FROM serving.alerts WHERE sensor_id = 'VIB-CR-040'", "single"),
        ("highest_ppv_for_sensor", "SELECT max(max_ppv_mm_s) FROM marts.sensor_minutes WHERE sensor_id = 'VIB-CR-040'",
         "single"),
    ],
    ("fixture", "production_overview"): [
        ("total_hauled", "SELECT sum(hauled_t) FROM marts.tonnes_by_shift", "single"),
        ("ore_loads", "SELECT sum(loads) FROM marts.tonnes_by_shift WHERE material = 'ore'", "single"),
        ("shifts", "SELECT count(DISTINCT shift_id) FROM marts.tonnes_by_shift", "single"),
        ("loads_by_crew", "SELECT crew, sum(loads) FROM marts.tonnes_by_shift "
                          "WHERE shift_kind IS DISTINCT FROM 'night' GROUP BY crew", "pairs"),
    ],
    ("fixture", "mine_vibration"): [
        ("peak_ppv", "SELECT max(peak_ppv_mm_s) FROM marts.vibration_by_zone_day", "single"),
        ("alerts_count", "SELECT count(*) FROM serving.alerts", "single"),
        ("peak_ppv_by_zone", "SELECT zone, max(peak_ppv_mm_s) FROM marts.vibration_by_zone_day "
                             "WHERE zone IS DISTINCT FROM 'crusher' GROUP BY zone", "pairs"),
        ("ppv_by_pit", "SELECT z.pit, v.day, max(v.peak_ppv_mm_s), sum(v.minutes_over_limit), count(DISTINCT z.zone) "
                       "FROM marts.vibration_by_zone_day v LEFT JOIN marts.mine_zones z ON v.zone = z.zone "
                       "GROUP BY ALL ORDER BY 1", "rows"),
    ],
}


@pytest.fixture(scope="module")
def chromium():
    problem = browser.missing_chromium()
    if problem:
        pytest.fail(problem, pytrace=False)
    with browser.chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def sites(demo_warehouse):
    """One server per project, on a free port, reading the demo's warehouse."""
    running = {key: server.start(root, demo_warehouse, port=0) for key, root in PROJECTS.items() if root.is_dir()}
    yield {key: server.url(s) for key, s in running.items()}
    for s in running.values():
        s.shutdown()


@pytest.fixture(scope="module")
def screenshot_dir(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("DASHBOARD_SCREENSHOTS") or tmp_path_factory.getbasetemp() / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def warehouse(demo_warehouse):
    con = duckdb.connect(str(demo_warehouse), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    yield con
    con.close()


def _key(x: object) -> str:
    """A drawn category as a comparable key: JS has one number type (345700.0 comes back as 345700)."""
    return repr(float(x)) if isinstance(x, (int, float)) and not isinstance(x, bool) else json.dumps(x)


def _pairs(traces: list[dict]) -> Counter:
    """The (category, value) points every trace drew; a horizontal bar's category is its y."""
    out = Counter()
    for t in traces:
        xs, ys = (t["y"], t["x"]) if t["orientation"] == "h" else (t["x"], t["y"])
        out.update((_key(x), y) for x, y in zip(xs, ys, strict=True))
    return out


def test_looker_project_is_there():
    """The tests below open every dashboard of looker/: it must exist and hold some."""
    assert list((PROJECTS["looker"] / "dashboards").glob("*.dashboard.lookml")), "no dashboards in looker/"


@pytest.mark.parametrize("project_key, name", _dashboards())
def test_dashboard_in_chromium(project_key, name, chromium, sites, warehouse, screenshot_dir, record_property):
    project = load_project(PROJECTS[project_key])
    dashboard = project.dashboards[name]
    context = chromium.new_context(viewport=browser.VIEWPORT)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
    external: list[str] = []
    local = (sites[project_key], "data:")
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(local) else None)
    try:
        browser.open_dashboard(page, f"{sites[project_key]}{name}.html")
        shot = screenshot_dir / f"{project_key}-{name}.png"
        page.screenshot(path=str(shot), full_page=True)
        record_property("screenshot", str(shot))
        print(f"screenshot: {shot}")
        shown = page.evaluate(READ_PAGE)
    finally:
        context.close()

    assert errors == [], f"{name}: console errors in Chromium: {errors}"
    assert external == [], f"{name}: the page reached outside the local server: {external}"
    assert sorted(shown) == sorted(e.name for e in dashboard.elements)
    for element in dashboard.elements:
        got = shown[element.name]
        assert got["error"] is None, f"{name}.{element.name}: {got['error']}"
        assert got["rendered"] == "yes"
        query = compile_element(project, element, name)
        rows = warehouse.execute(query.sql).fetchall()
        what = f"{name}.{element.name}"
        # the exact values in the page are the warehouse's, row for row
        assert got["data"]["rows"] == [[json_value(v) for v in r] for r in rows], what
        fields = query.fields
        if element.type == "single_value":
            i = next((k for k, f in enumerate(fields) if f.is_measure), 0)
            assert (got["text"] if rows else None) == (format_value(rows[0][i], fields[i]) if rows else None), what
        elif element.type == "looker_grid":
            assert got["headers"] == [f.label for f in fields], what
            assert got["cells"] == [[format_value(v, f) for v, f in zip(r, fields, strict=True)] for r in rows], what
        elif not rows:
            assert got["empty"], what
        else:  # a chart: the points Plotly drew
            assert got["drawn"] > 0, f"{what}: Plotly drew nothing"
            if element.type == "looker_scatter":
                expected = Counter((_key(plot_value(r[0])), plot_value(r[1])) for r in rows)
            else:
                measures = [k for k, f in enumerate(fields) if k > 0 and f.is_measure]
                expected = Counter((_key(plot_value(r[0])), plot_value(r[k])) for r in rows for k in measures)
            assert _pairs(got["traces"]) == expected, what

    for element_name, sql, how in KEY_TILES.get((project_key, name), []):
        assert element_name in shown, f"key tile {name}.{element_name} is gone from the LookML: update KEY_TILES"
        got, expected = shown[element_name], warehouse.execute(sql).fetchall()
        what = f"{name}.{element_name} against {sql}"
        if how == "single":
            value = expected[0][0]
            exact = got["value"]
            assert (Decimal(exact) if isinstance(value, Decimal) else type(value)(exact)) == value, what
        elif how == "pairs":
            assert _pairs(got["traces"]) == Counter((_key(plot_value(k)), plot_value(v)) for k, v in expected), what
        else:
            assert got["data"]["rows"] == [[json_value(v) for v in r] for r in expected], what


def test_index_links_every_dashboard(chromium, sites):
    for key, url in sites.items():
        context = chromium.new_context()
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
        page.goto(url)
        links = page.eval_on_selector_all("a[data-dashboard]", "as => as.map(a => a.dataset.dashboard)")
        context.close()
        assert sorted(links) == sorted(load_project(PROJECTS[key]).dashboards), key
        assert errors == []


def test_the_command_line_serves_and_explains(demo_warehouse, tmp_path):
    """python -m pipelines.dashboards: prints the URL, serves the pages; one-line errors otherwise."""
    fixture = str(PROJECTS["fixture"])
    process = subprocess.Popen([sys.executable, "-m", "pipelines.dashboards", "--looker", fixture, "--warehouse",
                                f"duckdb://{demo_warehouse}", "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        process.stdout.readline()
        url = process.stdout.readline().split()[0]
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url + "mine_vibration.html", timeout=60) as response:
            assert b'data-element="peak_ppv"' in response.read()
        port = url.rstrip("/").rsplit(":", 1)[1]
        taken = subprocess.run([sys.executable, "-m", "pipelines.dashboards", "--looker", fixture, "--warehouse",
                                f"duckdb://{demo_warehouse}", "--port", port], capture_output=True, text=True)
        assert taken.returncode == 2
        assert taken.stderr.strip().splitlines()[-1].startswith(f"error: port {port} is taken")
    finally:
        process.terminate()
        process.wait(timeout=30)
    missing = subprocess.run([sys.executable, "-m", "pipelines.dashboards", "--looker", fixture, "--warehouse",
                              f"duckdb://{tmp_path / 'none.duckdb'}"], capture_output=True, text=True)
    assert missing.returncode == 2
    assert missing.stderr.strip() == f"error: warehouse {tmp_path / 'none.duckdb'} not found: run `make demo` first"
    built = subprocess.run([sys.executable, "-m", "pipelines.dashboards", "--looker", fixture, "--warehouse",
                            f"duckdb://{demo_warehouse}", "--build", str(tmp_path / "site")], capture_output=True,
                           text=True)
    assert built.returncode == 0, built.stderr
    assert {p.name for p in (tmp_path / "site").iterdir()} == {"index.html", "static", "mine_vibration.html",
                                                               "production_overview.html"}
