"""The LookML project (``looker/``) read into small typed objects: the one definition of every dashboard.

Only the subset in the issue-16 contract is understood (docs/dashboards.md lists it). Anything that
would change what a dashboard shows and is outside it (pivots, liquid, derived tables, dashboard
filters ...) is refused with a one-line error naming the file, so the laptop never silently shows
something Looker would not. Keys that only style Looker's own rendering (colours, axis options) are
ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import lkml
import yaml

from pipelines.errors import ConfigError

DIMENSION_TYPES = ("string", "number", "yesno", "date", "date_time")
MEASURE_TYPES = ("count", "count_distinct", "sum", "average", "min", "max")
TIMEFRAMES = ("raw", "time", "minute", "hour", "date", "week", "month")
ELEMENT_TYPES = ("single_value", "looker_column", "looker_bar", "looker_line", "looker_area", "looker_scatter",
                 "looker_grid")
GRID_COLUMNS = 24

#: keys that only describe or style a field in Looker's UI: read past
_FIELD_COSMETIC = {"label", "description", "hidden", "group_label", "group_item_label", "view_label", "tags",
                   "drill_fields", "suggestable", "suggestions", "full_suggestions", "convert_tz", "html", "link",
                   "required_access_grants", "can_filter", "order_by_field", "alias", "type"}
#: presentation keys of a dashboard element (Looker's vis settings): read past
_ELEMENT_COSMETIC_PREFIXES = ("show_", "x_axis", "y_axis", "series_", "label_", "legend", "point_", "interpolation",
                              "stacking", "limit_displayed", "hide_", "trellis", "color", "font", "value_labels",
                              "plot_", "ordering", "totals_color", "conditional_formatting", "custom_color",
                              "comparison_", "enable_conditional", "header_", "table_theme", "size_to_fit",
                              "truncate", "rows_font", "minimum_column", "cell_visualization", "single_value_title",
                              "defaults_version", "note_", "subtitle_text", "title_text", "body_text", "swap_axes",
                              "y_axes", "x_axes", "reference_lines", "trend_lines", "column_", "hidden_points",
                              "map_", "quadrants", "cluster_points", "up_color", "down_color", "total_color",
                              "groupBars", "labelSize", "showLegend", "text_tile_type", "transpose", "align")
_ELEMENT_KEYS = {"name", "title", "model", "explore", "type", "fields", "sorts", "filters", "limit", "row", "col",
                 "width", "height", "query_timezone", "listen", "pivots", "dynamic_fields", "hidden_fields",
                 "merged_queries", "fill_fields", "total", "row_total", "column_limit", "subtotals"}
_DASHBOARD_COSMETIC = {"description", "preferred_viewer", "crossfilter_enabled", "tile_size", "auto_run",
                       "refresh", "enable_viz_full_screen", "embed_style", "preferred_slug", "load_configuration",
                       "filters_location_top", "filters_bar_collapsed", "show_filters_bar", "query_timezone"}
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
_REFERENCE = re.compile(r"\$\{([^}]*)\}")
_EQUALITY = re.compile(r"^\s*\$\{(\w+)\.(\w+)\}\s*=\s*\$\{(\w+)\.(\w+)\}\s*$")


class LookMLError(ConfigError):
    """Something in ``looker/`` is outside the subset both sides of the contract keep to."""


@dataclass(frozen=True)
class Field:
    """A dimension (a dimension group's timeframe included) or a measure of a view."""

    view: str
    name: str
    category: str  # "dimension" or "measure"
    type: str  # a DIMENSION_TYPES / MEASURE_TYPES entry; a timeframe's dimension: "time" or "date"
    sql: str | None  # as written, ${TABLE} and ${...} unexpanded; a count's is None
    label: str
    value_format_name: str | None = None
    primary_key: bool = False
    timeframe: str | None = None  # set on a dimension group's field: raw, time, minute, ...

    @property
    def key(self) -> str:
        return f"{self.view}.{self.name}"

    @property
    def is_measure(self) -> bool:
        return self.category == "measure"


@dataclass(frozen=True)
class View:
    name: str
    sql_table_name: str
    fields: dict[str, Field]
    path: Path

    @property
    def primary_key(self) -> Field | None:
        return next((f for f in self.fields.values() if f.primary_key), None)


@dataclass(frozen=True)
class Join:
    name: str  # the joined view's name, also its alias
    relationship: str
    sql_on: tuple[tuple[str, str], ...]  # pairs of field keys ("view.dim", "other.dim") that must be equal


@dataclass(frozen=True)
class Explore:
    name: str  # also its base view's name
    label: str
    joins: tuple[Join, ...]
    path: Path


@dataclass(frozen=True)
class Element:
    name: str
    title: str
    type: str
    model: str
    explore: str
    fields: tuple[str, ...]
    sorts: tuple[tuple[str, bool], ...]  # (field key, descending)
    filters: tuple[tuple[str, str], ...]  # (field key, Looker filter expression)
    limit: int | None
    row: int
    col: int
    width: int
    height: int


@dataclass(frozen=True)
class Dashboard:
    name: str
    title: str
    description: str
    elements: tuple[Element, ...]
    path: Path


@dataclass(frozen=True)
class Project:
    """Everything the local side reads from ``looker/``."""

    root: Path
    name: str
    models: dict[str, dict[str, Explore]]  # model name -> explores
    views: dict[str, View]
    dashboards: dict[str, Dashboard] = field(default_factory=dict)

    def explore(self, model: str, name: str) -> Explore:
        if model not in self.models:
            raise LookMLError(f"unknown model {model!r} (the project has {', '.join(sorted(self.models))})")
        if name not in self.models[model]:
            raise LookMLError(f"model {model!r} has no explore {name!r} "
                              f"(it has {', '.join(sorted(self.models[model])) or 'none'})")
        return self.models[model][name]


def _title(name: str) -> str:
    return " ".join(w.capitalize() for w in name.split("_"))


def _where(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def _parse_lkml(path: Path, root: Path) -> dict:
    try:
        return lkml.load(path.read_text(encoding="utf-8"))
    except Exception as exc:  # noqa: BLE001 - lkml raises bare SyntaxError and friends: one line
        raise LookMLError(f"{_where(path, root)}: cannot parse: {' '.join(str(exc).split())}") from exc


def _check_keys(where: str, what: str, data: dict, allowed: set[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise LookMLError(f"{where}: {what}: {', '.join(unknown)} not in the local subset (docs/dashboards.md)")


def _no_liquid(where: str, what: str, sql: str | None) -> None:
    if sql and ("{%" in sql or "{{" in sql):
        raise LookMLError(f"{where}: {what}: liquid templating is not in the local subset")


def _load_view(data: dict, path: Path, root: Path) -> View:
    where = _where(path, root)
    name = data.get("name", "")
    for key in ("derived_table", "extends", "extension", "parameters", "filters", "sets"):
        if data.get(key):
            raise LookMLError(f"{where}: view {name}: {key} is not in the local subset")
    table = (data.get("sql_table_name") or "").strip()
    if not re.fullmatch(r"(serving|marts)\.\w+", table):
        raise LookMLError(f"{where}: view {name}: sql_table_name must be serving.<table> or marts.<table>, "
                          f"got {table!r}")
    fields: dict[str, Field] = {}

    def add(f: Field) -> None:
        if f.name in fields:
            raise LookMLError(f"{where}: view {name}: field {f.name} defined twice")
        fields[f.name] = f

    for dim in data.get("dimensions", []):
        what = f"dimension {name}.{dim.get('name')}"
        _check_keys(where, what, dim, _FIELD_COSMETIC | {"name", "sql", "primary_key", "value_format_name"})
        kind = dim.get("type", "string")
        if kind not in DIMENSION_TYPES:
            raise LookMLError(f"{where}: {what}: type {kind} not in {'|'.join(DIMENSION_TYPES)}")
        if not dim.get("sql"):
            raise LookMLError(f"{where}: {what}: needs sql")
        _no_liquid(where, what, dim["sql"])
        add(Field(name, dim["name"], "dimension", kind, dim["sql"].strip(), dim.get("label") or _title(dim["name"]),
                  dim.get("value_format_name"), dim.get("primary_key") == "yes"))
    for group in data.get("dimension_groups", []):
        what = f"dimension_group {name}.{group.get('name')}"
        _check_keys(where, what, group, _FIELD_COSMETIC | {"name", "sql", "timeframes", "datatype"})
        if group.get("type") != "time":
            raise LookMLError(f"{where}: {what}: only type: time is in the local subset")
        datatype = group.get("datatype", "timestamp")
        if datatype not in ("timestamp", "date"):
            raise LookMLError(f"{where}: {what}: datatype {datatype} not in timestamp|date")
        if not group.get("sql"):
            raise LookMLError(f"{where}: {what}: needs sql")
        _no_liquid(where, what, group["sql"])
        frames = group.get("timeframes") or list(TIMEFRAMES)
        for frame in frames:
            if frame not in TIMEFRAMES:
                raise LookMLError(f"{where}: {what}: timeframe {frame} not in {', '.join(TIMEFRAMES)}")
            label = group.get("label") or _title(group["name"])
            add(Field(name, f"{group['name']}_{frame}", "dimension", datatype, group["sql"].strip(),
                      f"{label} {_title(frame)}", None, False, frame))
    for measure in data.get("measures", []):
        what = f"measure {name}.{measure.get('name')}"
        _check_keys(where, what, measure, _FIELD_COSMETIC | {"name", "sql", "value_format_name"})
        kind = measure.get("type", "")
        if kind not in MEASURE_TYPES:
            raise LookMLError(f"{where}: {what}: type {kind or '(none)'} not in {'|'.join(MEASURE_TYPES)}")
        if kind != "count" and not measure.get("sql"):
            raise LookMLError(f"{where}: {what}: type {kind} needs sql")
        if kind == "count" and measure.get("sql"):
            raise LookMLError(f"{where}: {what}: type count takes no sql")
        _no_liquid(where, what, measure.get("sql"))
        add(Field(name, measure["name"], "measure", kind, (measure.get("sql") or "").strip() or None,
                  measure.get("label") or _title(measure["name"]), measure.get("value_format_name")))
    if sum(f.primary_key for f in fields.values()) > 1:
        raise LookMLError(f"{where}: view {name}: more than one primary_key")
    return View(name, table, fields, path)


def _load_explore(data: dict, path: Path, root: Path) -> Explore:
    where = _where(path, root)
    name = data.get("name", "")
    what = f"explore {name}"
    _check_keys(where, what, data, {"name", "label", "description", "joins", "group_label", "hidden", "tags"})
    joins = []
    for join in data.get("joins", []):
        jwhat = f"{what}: join {join.get('name')}"
        _check_keys(where, jwhat, join, {"name", "type", "relationship", "sql_on", "view_label", "fields"})
        if join.get("fields"):
            raise LookMLError(f"{where}: {jwhat}: fields is not in the local subset")
        if join.get("type", "left_outer") != "left_outer":
            raise LookMLError(f"{where}: {jwhat}: type must be left_outer")
        relationship = join.get("relationship", "many_to_one")
        if relationship not in ("many_to_one", "one_to_one"):
            raise LookMLError(f"{where}: {jwhat}: relationship must be many_to_one or one_to_one")
        pairs = []
        for part in re.split(r"\s+and\s+", (join.get("sql_on") or "").strip(), flags=re.IGNORECASE):
            found = _EQUALITY.match(part)
            if not found:
                raise LookMLError(f"{where}: {jwhat}: sql_on must be ${{a.dim}} = ${{b.dim}} [AND ...], "
                                  f"got {join.get('sql_on')!r}")
            pairs.append((f"{found[1]}.{found[2]}", f"{found[3]}.{found[4]}"))
        joins.append(Join(join["name"], relationship, tuple(pairs)))
    return Explore(name, data.get("label") or _title(name), tuple(joins), path)


def _strings(where: str, what: str, value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LookMLError(f"{where}: {what}: expected a list of field names")
    return tuple(value)


def _filter_value(value: object) -> str:
    """A YAML filter value as Looker's expression text (an unquoted ``yes`` is YAML's True)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


def _load_element(data: dict, where: str, dashboard: str) -> Element:
    name = data.get("name")
    what = f"dashboard {dashboard}: element {name}"
    if not isinstance(name, str) or not name:
        raise LookMLError(f"{where}: dashboard {dashboard}: every element needs a name")
    cosmetic = {k for k in data if k.startswith(_ELEMENT_COSMETIC_PREFIXES)}
    _check_keys(where, what, data, _ELEMENT_KEYS | cosmetic)
    for key in ("listen", "pivots", "dynamic_fields", "hidden_fields", "merged_queries", "fill_fields"):
        if data.get(key):
            raise LookMLError(f"{where}: {what}: {key} is not in the local subset")
    kind = data.get("type")
    if kind not in ELEMENT_TYPES:
        raise LookMLError(f"{where}: {what}: type {kind} not in {', '.join(ELEMENT_TYPES)}")
    for key in ("model", "explore"):
        if not isinstance(data.get(key), str):
            raise LookMLError(f"{where}: {what}: needs {key}")
    fields = _strings(where, what, data.get("fields"))
    if not fields:
        raise LookMLError(f"{where}: {what}: needs fields")
    sorts = []
    for sort in _strings(where, what, data.get("sorts")):
        parts = sort.split()
        if len(parts) not in (1, 2) or (len(parts) == 2 and parts[1].lower() not in ("asc", "desc")):
            raise LookMLError(f"{where}: {what}: bad sort {sort!r} (view.field [asc|desc])")
        sorts.append((parts[0], len(parts) == 2 and parts[1].lower() == "desc"))
    filters = data.get("filters") or {}
    if not isinstance(filters, dict):
        raise LookMLError(f"{where}: {what}: filters must be a mapping field: expression")
    limit = data.get("limit")
    if limit is not None and (not isinstance(limit, int) or limit <= 0):
        raise LookMLError(f"{where}: {what}: limit must be a positive integer")
    place = {}
    for key, default in (("row", None), ("col", 0), ("width", 8), ("height", 6)):
        value = data.get(key, default)
        if value is not None and (not isinstance(value, int) or value < 0):
            raise LookMLError(f"{where}: {what}: {key} must be a whole number >= 0")
        place[key] = value
    if place["width"] < 1 or place["height"] < 1 or place["col"] + place["width"] > GRID_COLUMNS:
        raise LookMLError(f"{where}: {what}: col + width must fit in {GRID_COLUMNS} columns, width and height >= 1")
    return Element(name, str(data.get("title") or _title(name)), kind, data["model"], data["explore"], fields,
                   tuple(sorts), tuple((str(k), _filter_value(v)) for k, v in filters.items()), limit,
                   place["row"] if place["row"] is not None else -1, place["col"], place["width"], place["height"])


def _load_dashboards(path: Path, root: Path) -> list[Dashboard]:
    where = _where(path, root)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise LookMLError(f"{where}: not valid YAML: {' '.join(str(exc).split())}") from exc
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not data:
        raise LookMLError(f"{where}: expected a list of dashboards (- dashboard: name ...)")
    out = []
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("dashboard"), str):
            raise LookMLError(f"{where}: each entry needs dashboard: <name>")
        name = item["dashboard"]
        _check_keys(where, f"dashboard {name}", item,
                    _DASHBOARD_COSMETIC | {"dashboard", "title", "layout", "elements", "filters", "extends"})
        for key in ("filters", "extends"):
            if item.get(key):
                raise LookMLError(f"{where}: dashboard {name}: {key} is not in the local subset")
        if item.get("layout", "newspaper") != "newspaper":
            raise LookMLError(f"{where}: dashboard {name}: layout must be newspaper")
        elements = [_load_element(e if isinstance(e, dict) else {}, where, name) for e in item.get("elements") or []]
        if not elements:
            raise LookMLError(f"{where}: dashboard {name}: no elements")
        seen = set()
        for element in elements:
            if element.name in seen:
                raise LookMLError(f"{where}: dashboard {name}: element name {element.name} used twice")
            seen.add(element.name)
        bottom = max((e.row + e.height for e in elements if e.row >= 0), default=0)
        placed = []
        for element in elements:  # an element without a row goes below the others, as Looker places it
            if element.row < 0:
                element = Element(**{**element.__dict__, "row": bottom})
                bottom += element.height
            placed.append(element)
        out.append(Dashboard(name, str(item.get("title") or _title(name)), str(item.get("description") or ""),
                             tuple(placed), path))
    return out


def _include(root: Path, pattern: str, where: str) -> list[Path]:
    if not pattern.startswith("/"):
        raise LookMLError(f"{where}: include {pattern!r}: write it from the project root (\"/views/...\")")
    return sorted(p for p in root.glob(pattern.lstrip("/")) if p.is_file())


def load_project(root: Path | str) -> Project:
    """Reads ``root`` (a ``looker/`` folder): manifest, models with their includes, views, dashboards."""
    root = Path(root)
    manifest = root / "manifest.lkml"
    if not manifest.is_file():
        raise LookMLError(f"{_where(manifest, root)}: not found: is {root} a LookML project?")
    project_name = _parse_lkml(manifest, root).get("project_name")
    if not project_name:
        raise LookMLError(f"{_where(manifest, root)}: needs project_name")
    model_files = sorted((root / "models").glob("*.model.lkml"))
    if not model_files:
        raise LookMLError(f"{_where(root / 'models', root)}: no *.model.lkml")
    views: dict[str, View] = {}
    models: dict[str, dict[str, Explore]] = {}
    dashboards: dict[str, Dashboard] = {}
    for model_file in model_files:
        where = _where(model_file, root)
        data = _parse_lkml(model_file, root)
        model = model_file.name.removesuffix(".model.lkml")
        if not data.get("connection"):
            raise LookMLError(f"{where}: needs connection")
        if data.get("week_start_day", "monday") != "monday":  # DuckDB's date_trunc('week') starts on Monday
            raise LookMLError(f"{where}: week_start_day must be monday (Looker's default) in the local subset")
        for key in ("named_value_formats",):
            if data.get(key):
                raise LookMLError(f"{where}: {key} is not in the local subset")
        for path in (p for pattern in data.get("includes", []) for p in _include(root, pattern, where)):
            if path.name.endswith(".view.lkml"):
                for view_data in _parse_lkml(path, root).get("views", []):
                    view = _load_view(view_data, path, root)
                    if view.name in views and views[view.name].path != path:
                        raise LookMLError(f"{_where(path, root)}: view {view.name} also defined in "
                                          f"{_where(views[view.name].path, root)}")
                    views[view.name] = view
            elif path.name.endswith(".dashboard.lookml"):
                for dashboard in _load_dashboards(path, root):
                    if dashboard.name in dashboards and dashboards[dashboard.name].path != path:
                        raise LookMLError(f"{_where(path, root)}: dashboard {dashboard.name} also defined in "
                                          f"{_where(dashboards[dashboard.name].path, root)}")
                    dashboards[dashboard.name] = dashboard
            else:
                raise LookMLError(f"{where}: include {path.name}: only views and dashboards are in the local subset")
        explores = {}
        for explore_data in data.get("explores", []):
            explore = _load_explore(explore_data, model_file, root)
            for view in (explore.name, *(j.name for j in explore.joins)):
                if view not in views:
                    raise LookMLError(f"{where}: explore {explore.name}: no view {view} is included")
            explores[explore.name] = explore
        models[model] = explores
    for path in sorted((root / "dashboards").glob("*.dashboard.lookml")):
        if not any(d.path == path for d in dashboards.values()):
            raise LookMLError(f"{_where(path, root)}: not included by any model")
    return Project(root, project_name, models, views, dashboards)
