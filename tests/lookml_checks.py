"""Checks of the LookML project in ``looker/`` without a Looker instance (issue 16).

Each check returns a list of problems, one sentence each, naming the file and the thing that is wrong
(an empty list: nothing found). ``tests/test_looker_project.py`` runs them on the project and on broken
copies of it. What is checked, against the subset of LookML the project keeps to (/tmp/i16 contract,
``looker/README.md``):

- every ``.lkml`` file parses with ``lkml``, every ``.dashboard.lookml`` file is YAML;
- every view's ``sql_table_name`` is a table of the warehouse the models build, and every ``${TABLE}.column``
  a column of it (read from the warehouse's ``information_schema``, not from a list kept by hand);
- every ``${field}`` a view's SQL refers to is a field of that view;
- every explore's base and joined views exist, and its ``sql_on`` is equalities of dimensions that exist
  on both sides, joined by AND;
- every dashboard element names the model, an explore, and fields (also in sorts and filters) of the views
  of that explore, with a chart type and filter expressions of the subset;
- every SQL fragment (``sql``, ``sql_on``) parses as BigQuery SQL and as DuckDB SQL once ``${...}`` are
  replaced by identifiers.

Running the dashboards' queries is the local renderer's job: the tests compile every element with
``pipelines.dashboards.query`` (one compiler, the one the local pages use) and run it on the demo's warehouse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import lkml
import sqlglot
import yaml

LOOKER_DIR = Path(__file__).resolve().parent.parent / "looker"
MODEL = "minera"

TIMEFRAMES = {"raw", "time", "minute", "hour", "date", "week", "month"}
DIMENSION_TYPES = {"string", "number", "yesno", "date", "date_time"}
MEASURE_TYPES = {"count", "count_distinct", "sum", "average", "min", "max"}
CHART_TYPES = {"single_value", "looker_column", "looker_bar", "looker_line", "looker_area", "looker_scatter",
               "looker_grid"}
FILTER = re.compile(r"^(-?[^,<>=]+(,[^,<>=]+)*|-?NULL|(>|>=|<|<=)-?\d+(\.\d+)?|yes|no)$")
REFERENCE = re.compile(r"\$\{([A-Za-z_][\w]*)(?:\.([A-Za-z_][\w]*))?\}")
TABLE_COLUMN = re.compile(r"\$\{TABLE\}\.([A-Za-z_]\w*)")


@dataclass
class Field:
    name: str  # as dashboards name it: view.field (a timeframe: view.group_timeframe)
    view: str
    kind: str  # dimension | measure
    type: str
    sql: str | None
    timeframe: str | None = None
    datatype: str | None = None


@dataclass
class View:
    name: str
    path: Path
    table: str | None
    fields: dict[str, Field] = field(default_factory=dict)  # short name -> field
    raw: dict = field(default_factory=dict)


@dataclass
class Project:
    root: Path
    views: dict[str, View] = field(default_factory=dict)
    explores: dict[str, dict] = field(default_factory=dict)
    model_path: Path | None = None
    model: dict = field(default_factory=dict)
    dashboards: dict[str, tuple[Path, dict]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # what loading found (parse errors, duplicates)

    def explore_views(self, explore: str) -> list[str]:
        spec = self.explores[explore]
        return [spec.get("from", explore)] + [j["name"] for j in spec.get("joins", [])]

    def field(self, qualified: str) -> Field | None:
        view, _, name = qualified.partition(".")
        return self.views[view].fields.get(name) if view in self.views else None


def _rel(project: Project, path: Path) -> str:
    return str(path.relative_to(project.root.parent)) if path.is_relative_to(project.root.parent) else str(path)


def _view_fields(view: View, spec: dict, problems: list[str], where: str) -> None:
    for dim in spec.get("dimensions", []):
        view.fields[dim["name"]] = Field(f"{view.name}.{dim['name']}", view.name, "dimension",
                                         dim.get("type", "string"), dim.get("sql"))
    for group in spec.get("dimension_groups", []):
        frames = group.get("timeframes", [])
        for frame in frames:
            if frame not in TIMEFRAMES:
                problems.append(f"{where}: dimension_group {group['name']}: timeframe {frame!r} is not one of "
                                f"{sorted(TIMEFRAMES)}")
            name = f"{group['name']}_{frame}"
            view.fields[name] = Field(f"{view.name}.{name}", view.name, "dimension", group.get("type", "time"),
                                      group.get("sql"), frame, group.get("datatype", "timestamp"))
    for measure in spec.get("measures", []):
        name = measure["name"]
        if name in view.fields:
            problems.append(f"{where}: measure {name} has the name of a dimension")
        view.fields[name] = Field(f"{view.name}.{name}", view.name, "measure", measure.get("type", "count"),
                                  measure.get("sql"))


def load_project(root: Path = LOOKER_DIR) -> Project:
    """Every file of the project, parsed; what does not parse is a problem of the project."""
    project = Project(root)
    for path in sorted(root.rglob("*.lkml")):
        try:
            parsed = lkml.load(path.read_text())
        except SyntaxError as error:  # what lkml raises on a file it cannot parse
            project.problems.append(f"{_rel(project, path)}: lkml cannot parse it: {error}")
            continue
        for spec in parsed.get("views", []):
            where = f"{_rel(project, path)} view {spec['name']}"
            if spec["name"] in project.views:
                project.problems.append(f"{where}: a second view of that name "
                                        f"(first in {_rel(project, project.views[spec['name']].path)})")
                continue
            view = View(spec["name"], path, (spec.get("sql_table_name") or "").strip() or None, raw=spec)
            _view_fields(view, spec, project.problems, where)
            project.views[view.name] = view
        if path.name.endswith(".model.lkml"):
            project.model_path, project.model = path, parsed
            for explore in parsed.get("explores", []):
                project.explores[explore["name"]] = explore
    for path in sorted(root.rglob("*.dashboard.lookml")):
        try:
            documents = yaml.safe_load(path.read_text())
        except yaml.YAMLError as error:
            project.problems.append(f"{_rel(project, path)}: not YAML: {error}")
            continue
        if not isinstance(documents, list) or not all(isinstance(d, dict) and "dashboard" in d for d in documents):
            project.problems.append(f"{_rel(project, path)}: not a list of dashboards (- dashboard: name)")
            continue
        for dashboard in documents:
            project.dashboards[dashboard["dashboard"]] = (path, dashboard)
    return project


def check_layout(project: Project) -> list[str]:
    """Looker's usual layout: a manifest, one model with the connection and includes, views, dashboards."""
    problems = list(project.problems)
    manifest = project.root / "manifest.lkml"
    if not manifest.exists() or lkml.load(manifest.read_text()).get("project_name") != MODEL:
        problems.append(f"looker/manifest.lkml: missing, or project_name is not {MODEL!r}")
    if project.model_path is None or project.model_path.name != f"{MODEL}.model.lkml":
        problems.append(f"looker/models/{MODEL}.model.lkml: missing")
        return problems
    if project.model.get("connection") != "minera_bigquery":
        problems.append(f"{_rel(project, project.model_path)}: connection is not 'minera_bigquery'")
    includes = project.model.get("includes", [])
    for wanted in ("/views/**/*.view.lkml", "/dashboards/*.dashboard.lookml"):
        if wanted not in includes:
            problems.append(f"{_rel(project, project.model_path)}: does not include {wanted}")
    for view in project.views.values():
        dataset = view.path.parent.name
        if view.path.name != f"{view.name}.view.lkml" or view.table != f"{dataset}.{view.name}":
            problems.append(f"{_rel(project, view.path)}: view {view.name} should be in views/<dataset>/"
                            f"<table>.view.lkml and read <dataset>.<table> (it reads {view.table})")
    return problems


def warehouse_columns(con) -> dict[str, set[str]]:
    """``dataset.table`` -> its columns, for the serving and marts datasets of a DuckDB warehouse."""
    columns: dict[str, set[str]] = {}
    for schema, table, column in con.execute(
            "SELECT table_schema, table_name, column_name FROM information_schema.columns "
            "WHERE table_schema IN ('serving', 'marts')").fetchall():
        columns.setdefault(f"{schema}.{table}", set()).add(column)
    return columns


def check_views(project: Project, columns: dict[str, set[str]]) -> list[str]:
    """Each view's table and every column its SQL reads exist in the warehouse; its ${field}s exist; its
    types are the subset's; a view has at most one primary key."""
    problems = []
    for view in project.views.values():
        where = f"{_rel(project, view.path)} view {view.name}"
        if view.table not in columns:
            problems.append(f"{where}: table {view.table} does not exist in the warehouse")
            continue
        keys = [d["name"] for d in view.raw.get("dimensions", []) if d.get("primary_key") == "yes"]
        if len(keys) > 1:
            problems.append(f"{where}: more than one primary_key ({', '.join(keys)})")
        for spec in view.raw.get("dimensions", []) + view.raw.get("dimension_groups", []) + view.raw.get(
                "measures", []):
            kind = "measure" if spec in view.raw.get("measures", []) else "dimension"
            kind = "dimension_group" if spec in view.raw.get("dimension_groups", []) else kind
            label = f"{where}: {kind} {spec['name']}"
            sql = spec.get("sql")
            if kind == "dimension" and spec.get("type", "string") not in DIMENSION_TYPES:
                problems.append(f"{label}: type {spec.get('type')} is not one of {sorted(DIMENSION_TYPES)}")
            if kind == "measure" and spec.get("type") not in MEASURE_TYPES:
                problems.append(f"{label}: type {spec.get('type')} is not one of {sorted(MEASURE_TYPES)}")
            if kind == "dimension_group" and (spec.get("type") != "time"
                                              or spec.get("datatype") not in ("timestamp", "date")):
                problems.append(f"{label}: a time group with datatype timestamp or date only")
            if sql is None:
                if not (kind == "measure" and spec.get("type") == "count"):
                    problems.append(f"{label}: has no sql")
                continue
            if "{{" in sql or "{%" in sql:
                problems.append(f"{label}: liquid is not in the subset")
            for column in TABLE_COLUMN.findall(sql):
                if column not in columns[view.table]:
                    problems.append(f"{label}: column {column} does not exist in {view.table}")
            for first, second in REFERENCE.findall(sql):
                if first == "TABLE":
                    continue
                if second or first not in view.fields:
                    problems.append(f"{label}: refers to ${{{first}{'.' + second if second else ''}}}, "
                                    f"not a field of view {view.name}")
        for unsupported in ("derived_table", "parameters", "filters"):
            if view.raw.get(unsupported):
                problems.append(f"{where}: {unsupported} are not in the subset")
    return problems


def check_explores(project: Project) -> list[str]:
    """Each explore's views exist; each join's sql_on is equalities of dimensions, both sides real."""
    problems = []
    where_model = _rel(project, project.model_path) if project.model_path else "model"
    for name, explore in project.explores.items():
        where = f"{where_model} explore {name}"
        base = explore.get("from", name)
        if base not in project.views:
            problems.append(f"{where}: no view {base}")
            continue
        known = {base}
        for join in explore.get("joins", []):
            label = f"{where} join {join['name']}"
            if join["name"] not in project.views:
                problems.append(f"{label}: no view {join['name']}")
                continue
            if join.get("type", "left_outer") != "left_outer" or join.get("relationship") not in (
                    "many_to_one", "one_to_one"):
                problems.append(f"{label}: type left_outer and relationship many_to_one or one_to_one only")
            sql_on = join.get("sql_on", "")
            pairs = [p.strip() for p in re.split(r"\s+AND\s+", sql_on.strip(), flags=re.IGNORECASE)]
            sides_seen = set()
            for pair in pairs:
                match = re.fullmatch(r"\$\{(\w+)\.(\w+)\}\s*=\s*\$\{(\w+)\.(\w+)\}", pair)
                if not match:
                    problems.append(f"{label}: sql_on part {pair!r} is not ${{a.x}} = ${{b.y}}")
                    continue
                for view, dim in (match.group(1, 2), match.group(3, 4)):
                    sides_seen.add(view)
                    f = project.field(f"{view}.{dim}")
                    if view not in known | {join["name"]}:
                        problems.append(f"{label}: sql_on names view {view}, not in the explore before this join")
                    elif f is None or f.kind != "dimension":
                        problems.append(f"{label}: sql_on key {view}.{dim} is not a dimension of view {view}")
            if join["name"] not in sides_seen:
                problems.append(f"{label}: sql_on does not use the joined view's key")
            known.add(join["name"])
    return problems


def check_dashboards(project: Project) -> list[str]:
    """Each element: the model, an explore, fields of that explore's views, a chart type and filters of the
    subset, a unique name; no relative dates."""
    problems = []
    for name, (path, dashboard) in project.dashboards.items():
        where = f"{_rel(project, path)} dashboard {name}"
        if path.name != f"{name}.dashboard.lookml":
            problems.append(f"{where}: the file should be {name}.dashboard.lookml")
        for key in ("title", "elements"):
            if not dashboard.get(key):
                problems.append(f"{where}: has no {key}")
        if dashboard.get("filters"):
            problems.append(f"{where}: dashboard-level filters are not in the subset")
        seen = set()
        for element in dashboard.get("elements") or []:
            label = f"{where} element {element.get('name')}"
            if element.get("name") in seen or not element.get("name"):
                problems.append(f"{label}: element names must be present and unique")
            seen.add(element.get("name"))
            if element.get("model") != MODEL:
                problems.append(f"{label}: model is {element.get('model')!r}, not {MODEL!r}")
            if element.get("type") not in CHART_TYPES:
                problems.append(f"{label}: type {element.get('type')!r} is not one of {sorted(CHART_TYPES)}")
            explore = element.get("explore")
            if explore not in project.explores:
                problems.append(f"{label}: no explore {explore!r} in the model")
                continue
            views = project.explore_views(explore)
            fields = element.get("fields") or []
            if not fields:
                problems.append(f"{label}: no fields")
            sorts = [s.split()[0] for s in element.get("sorts") or []]
            for s in element.get("sorts") or []:
                if len(s.split()) > 2 or (len(s.split()) == 2 and s.split()[1] not in ("asc", "desc")):
                    problems.append(f"{label}: sort {s!r} is not 'field [asc|desc]'")
            filters = element.get("filters") or {}
            for qualified in list(fields) + sorts + list(filters):
                view = qualified.partition(".")[0]
                if view not in views:
                    problems.append(f"{label}: field {qualified} is not in explore {explore} "
                                    f"(views {', '.join(views)})")
                elif project.field(qualified) is None:
                    problems.append(f"{label}: field {qualified} does not exist in view {view}")
            for qualified in sorts:
                if qualified not in fields:
                    problems.append(f"{label}: sorts by {qualified}, which is not one of its fields")
            for qualified, expression in filters.items():
                if not isinstance(expression, str) or not FILTER.match(expression.strip()):
                    problems.append(f"{label}: filter {qualified}: {expression!r} is not a supported expression")
                elif re.search(r"\b(day|days|week|weeks|month|months|ago|today|yesterday|last|this)\b",
                               expression, re.IGNORECASE):
                    problems.append(f"{label}: filter {qualified}: {expression!r} is a relative date")
            dims = [f for f in fields if (project.field(f) or Field("", "", "measure", "", None)).kind == "dimension"]
            if element.get("type") != "looker_grid" and len(dims[1:]) > 1:
                problems.append(f"{label}: a chart takes its first field and at most one further dimension")
            if element.get("type") == "single_value" and not any(
                    (project.field(f) or Field("", "", "dimension", "", None)).kind == "measure" for f in fields):
                problems.append(f"{label}: a single_value shows a measure, and has none")
            for key in ("row", "col", "width", "height"):
                if not isinstance(element.get(key), int):
                    problems.append(f"{label}: {key} is not a whole number")
    return problems


def _identifiers(fragment: str) -> str:
    """A LookML SQL fragment with its ${TABLE} and ${x.y} / ${x} as plain identifiers."""
    fragment = fragment.replace("${TABLE}", "t")
    return REFERENCE.sub(lambda m: f"{m.group(1)}.{m.group(2)}" if m.group(2) else m.group(1), fragment)


def sql_fragments(project: Project) -> list[tuple[str, str, str]]:
    """(where, kind, fragment) of every sql and sql_on of the project; kind: expression or condition."""
    out = []
    for view in project.views.values():
        for spec in view.raw.get("dimensions", []) + view.raw.get("dimension_groups", []) + view.raw.get(
                "measures", []):
            if spec.get("sql"):
                out.append((f"{_rel(project, view.path)} {view.name}.{spec['name']}", "expression", spec["sql"]))
    for name, explore in project.explores.items():
        for join in explore.get("joins", []):
            out.append((f"explore {name} join {join['name']}", "condition", join.get("sql_on", "")))
    return out


def check_sql(project: Project) -> list[str]:
    """Every fragment parses as BigQuery SQL and as DuckDB SQL (with identifiers for the ${...})."""
    problems = []
    for where, kind, fragment in sql_fragments(project):
        text = _identifiers(fragment.strip())
        statement = f"SELECT {text} FROM t" if kind == "expression" else f"SELECT 1 FROM a JOIN b ON {text}"
        for dialect in ("bigquery", "duckdb"):
            try:
                sqlglot.parse_one(statement, read=dialect)
            except sqlglot.errors.ParseError as error:
                problems.append(f"{where}: does not parse as {dialect} SQL: {str(error).splitlines()[0]}")
    return problems


def check_all(project: Project, columns: dict[str, set[str]] | None = None) -> list[str]:
    """Every check (the warehouse's ones when ``columns`` is given)."""
    problems = check_layout(project) + check_explores(project) + check_dashboards(project) + check_sql(project)
    return problems + (check_views(project, columns) if columns is not None else [])


# ---- a dashboard element as the DuckDB query the contract describes (to run it on the demo warehouse) ----
