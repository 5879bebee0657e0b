"""A dashboard element's query as DuckDB SQL, the way the contract says the local side reads it.

SELECT the fields (dimensions grouped, measures aggregated) FROM the explore's view, LEFT JOIN its
joins ON their ``sql_on``, WHERE the filters (HAVING for a measure's), GROUP BY the dimensions, ORDER
BY the sorts (else the first field), LIMIT the limit (else 500). Pure: no warehouse is needed to
compile, so the unit tests run in milliseconds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipelines.dashboards.lookml import Element, Explore, Field, LookMLError, Project

DEFAULT_LIMIT = 500
_REFERENCE = re.compile(r"\$\{([^}]*)\}")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")
_MOMENT = re.compile(r"^\d{4}-\d{2}(-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?)?$")
_TRUNCATED = {"minute": "minute", "hour": "hour", "week": "week", "month": "month"}


@dataclass(frozen=True)
class Query:
    """The SQL of one element and the fields of its result's columns, in order."""

    sql: str
    fields: tuple[Field, ...]


class _Scope:
    """The views an explore brings in (base and joins), by alias, and how their fields expand."""

    def __init__(self, project: Project, explore: Explore, where: str):
        self.project, self.explore, self.where = project, explore, where
        self.aliases = [explore.name, *(j.name for j in explore.joins)]

    def field(self, key: str) -> Field:
        view, _, name = key.partition(".")
        if not name or view not in self.aliases:
            raise LookMLError(f"{self.where}: unknown field {key} (explore {self.explore.name} has views "
                              f"{', '.join(self.aliases)})")
        fields = self.project.views[view].fields
        if name not in fields:
            raise LookMLError(f"{self.where}: unknown field {key} (view {view} has no field {name})")
        return fields[name]

    def expand(self, view: str, sql: str, depth: int = 0) -> str:
        """``${TABLE}`` → the view's alias; ``${dim}`` / ``${view.dim}`` → that dimension's SQL, expanded."""
        if depth > 10:
            raise LookMLError(f"{self.where}: view {view}: ${{...}} references loop")

        def one(found: re.Match) -> str:
            ref = found[1].strip()
            if ref == "TABLE":
                return view
            key = ref if "." in ref else f"{view}.{ref}"
            target = self.field(key)
            if target.is_measure:
                raise LookMLError(f"{self.where}: ${{{ref}}} in view {view} refers to a measure")
            return f"({self.dimension_sql(target, depth + 1)})"

        return _REFERENCE.sub(one, sql)

    def dimension_sql(self, f: Field, depth: int = 0) -> str:
        sql = self.expand(f.view, f.sql or "", depth)
        if f.timeframe in (None, "raw", "time"):
            return sql
        if f.timeframe == "date":
            return f"CAST({sql} AS DATE)"
        truncated = f"date_trunc('{_TRUNCATED[f.timeframe]}', {sql})"
        # a week or a month is a day: shown as a date, as Looker shows it
        return f"CAST({truncated} AS DATE)" if f.timeframe in ("week", "month") else truncated

    def measure_sql(self, f: Field) -> str:
        view = self.project.views[f.view]
        value = self.expand(f.view, f.sql) if f.sql else None
        key = view.primary_key
        key_sql = self.dimension_sql(key) if key else None
        fanned = f.view != self.explore.name and any(
            j.name == f.view and j.relationship == "many_to_one" for j in self.explore.joins)
        if f.type == "count":
            if key_sql:
                return f"COUNT(DISTINCT {key_sql})"
            if fanned:
                raise LookMLError(f"{self.where}: {f.key}: a count on a joined view needs a primary_key there")
            return "COUNT(*)" if f.view == self.explore.name else f"COUNT({f.view}.*)"
        if f.type == "count_distinct":
            return f"COUNT(DISTINCT {value})"
        if f.type in ("min", "max"):
            return f"{f.type.upper()}({value})"
        aggregate = {"sum": "SUM", "average": "AVG"}[f.type]
        if not fanned:
            return f"{aggregate}({value})"
        # the "one" side of a many_to_one join repeats its rows: aggregate each of its rows once,
        # as Looker's symmetric aggregates do (by the view's primary key)
        if not key_sql:
            raise LookMLError(f"{self.where}: {f.key}: a {f.type} on a joined view needs a primary_key there")
        listed = f"list_distinct(list({{'k': {key_sql}, 'v': {value}}}) FILTER (WHERE {key_sql} IS NOT NULL))"
        return f"list_{'sum' if f.type == 'sum' else 'avg'}(list_transform({listed}, x -> x.v))"


def _literal(value: str, f: Field, where: str) -> str:
    if f.timeframe or f.type in ("date", "date_time"):
        if not _MOMENT.match(value):
            raise LookMLError(f"{where}: filter on {f.key}: {value!r} is not in the local subset (a fixed date or "
                              "time like 2026-11-20 or 2026-11-20 06:00; no relative dates)")
        return "'" + value + "'"
    if f.type in ("number", "count", "count_distinct", "sum", "average", "min", "max"):
        if not _NUMBER.match(value):
            raise LookMLError(f"{where}: filter on {f.key}: {value!r} is not a number")
        return value
    return "'" + value.replace("'", "''") + "'"


def filter_sql(f: Field, expression: str, sql: str, where: str) -> str:
    """One Looker filter expression as a SQL condition on ``sql`` (the field's expression).

    ``value``, ``a,b`` (any of), ``-value`` / ``-a,-b`` (none of; NULL passes, as in Looker), ``NULL``,
    ``-NULL``, ``>5 >=5 <5 <=5``, and ``yes``/``no`` on a yesno dimension. ``^,`` is a literal comma.
    """
    text = expression.strip()
    if f.type == "yesno":
        if text.lower() == "yes":
            return f"({sql}) IS TRUE"
        if text.lower() == "no":
            return f"({sql}) IS NOT TRUE"
        raise LookMLError(f"{where}: filter on {f.key}: a yesno field takes yes or no, got {expression!r}")
    if text.upper() == "NULL":
        return f"({sql}) IS NULL"
    if text.upper() == "-NULL":
        return f"({sql}) IS NOT NULL"
    found = re.fullmatch(r"(>=|<=|>|<)\s*(.+)", text)
    if found:
        return f"({sql}) {found[1]} {_literal(found[2].strip(), f, where)}"
    if not text or any(c in text for c in "%[]") or re.fullmatch(r"(?i)-?(NOT NULL|EMPTY)", text):
        raise LookMLError(f"{where}: filter on {f.key}: {expression!r} is not in the local subset "
                          "(value, a,b, -value, NULL, -NULL, >n, >=n, <n, <=n, yes/no)")
    parts = [p.replace("\0", ",").strip() for p in text.replace("^,", "\0").split(",")]
    negated = [p.startswith("-") for p in parts]
    if any(negated) and not all(negated):
        raise LookMLError(f"{where}: filter on {f.key}: {expression!r} mixes values and -values")
    values = [_literal(p[1:] if p.startswith("-") else p, f, where) for p in parts]
    if all(negated):
        inside = f"({sql}) <> {values[0]}" if len(values) == 1 else f"({sql}) NOT IN ({', '.join(values)})"
        return f"({inside} OR ({sql}) IS NULL)"
    return f"({sql}) = {values[0]}" if len(values) == 1 else f"({sql}) IN ({', '.join(values)})"


def compile_element(project: Project, element: Element, dashboard: str = "") -> Query:
    """The element's query as DuckDB SQL (session time zone UTC), with its result columns' fields."""
    where = f"{dashboard + ': ' if dashboard else ''}element {element.name}"
    scope = _Scope(project, project.explore(element.model, element.explore), where)
    fields = tuple(scope.field(key) for key in element.fields)
    if len(set(element.fields)) != len(fields):
        raise LookMLError(f"{where}: a field is listed twice")
    selects, dims = [], []
    for position, f in enumerate(fields, start=1):
        sql = scope.measure_sql(f) if f.is_measure else scope.dimension_sql(f)
        selects.append(f'{sql} AS "{f.key}"')
        if not f.is_measure:
            dims.append(position)
    lines = [f"SELECT {', '.join(selects)}"]
    base = project.views[scope.explore.name]
    lines.append(f"FROM {base.sql_table_name} AS {base.name}")
    for join in scope.explore.joins:
        conditions = []
        for left, right in join.sql_on:
            a, b = scope.field(left), scope.field(right)
            conditions.append(f"({scope.dimension_sql(a)}) = ({scope.dimension_sql(b)})")
        lines.append(f"LEFT JOIN {project.views[join.name].sql_table_name} AS {join.name} "
                     f"ON {' AND '.join(conditions)}")
    wheres, havings = [], []
    for key, expression in element.filters:
        f = scope.field(key)
        sql = scope.measure_sql(f) if f.is_measure else scope.dimension_sql(f)
        (havings if f.is_measure else wheres).append(filter_sql(f, expression, sql, where))
    if wheres:
        lines.append("WHERE " + " AND ".join(wheres))
    if dims:  # only dimensions: still grouped, one row per distinct combination, as Looker does
        lines.append("GROUP BY " + ", ".join(map(str, dims)))
    if havings:
        lines.append("HAVING " + " AND ".join(havings))
    order = []
    for key, descending in element.sorts or ((element.fields[0], False),):
        if key not in element.fields:
            raise LookMLError(f"{where}: sort on {key}, which is not one of the element's fields")
        # BigQuery's (and so Looker's) NULL placement: first when ascending, last when descending
        order.append(f"{element.fields.index(key) + 1} {'DESC NULLS LAST' if descending else 'ASC NULLS FIRST'}")
    sorted_positions = {element.fields.index(k) + 1 for k, _ in (element.sorts or ((element.fields[0], False),))}
    # ties broken by the other dimensions, so a LIMIT cuts the same rows every time
    order += [f"{p} ASC NULLS FIRST" for p in dims if p not in sorted_positions]
    lines.append("ORDER BY " + ", ".join(order))
    lines.append(f"LIMIT {element.limit or DEFAULT_LIMIT}")
    return Query("\n".join(lines), fields)
