"""Replay dead letters after a fix: rebuild the messages from ``ops.dead_letter`` and send them again.

    python -m pipelines.streaming.replay_dead_letters --pipeline machine_issues \\
        --where "error LIKE 'missing field%'"                                   # local: DuckDB, a replay file
    python -m pipelines.streaming.replay_dead_letters --pipeline sensors --where "..." --dry_run   # what it would send
    python -m pipelines.streaming.replay_dead_letters --pipeline machine_issues --where "..." \\
        --warehouse bigquery://minera-prod --topic projects/minera-prod/topics/machine-issues

Each selected row becomes its message again, from its columns alone (docs/contracts.md#dead-letters): the payload
byte for byte, the attributes, the message id and the publish time. Locally the messages are a
replay file that the pipeline (``pipelines.streaming.<pipeline>``) runs at once, into the same
warehouse (other arguments, e.g. ``--lake_location``, go to it); on Google Cloud they are
published to the pipeline's topic, which gives each a new message id and publish time, and the
running job takes them. A row made of a replay line that was no envelope is that line again
(locally only: it is no Pub/Sub message).

What was replayed is recorded in ``ops.dead_letter_replays`` (one row per dead letter, keyed by a
hash of its columns), so replaying the same selection again sends nothing twice. A message that
is refused again becomes a new dead letter with its new reason, replayable after the next fix.
``late`` dead letters are left out: they were valid readings that came after their window closed,
and replayed exactly they would be late again (the command says how many it left).

``--where`` is a person's SQL, so it is parsed (BigQuery syntax) and only a boolean expression over
the columns of ``ops.dead_letter`` with plain operators and a few pure functions is taken; no
subquery, no other table, no other function, no second statement. The query is rendered from the
parse tree into the warehouse's dialect and only ever reads ``ops.dead_letter``.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import logging
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from pipelines import logs
from pipelines.beam_runs import new_run_id
from pipelines.errors import ConfigError, PipelineError, WarehouseError, exit_process, main_guard
from pipelines.schema import load_schema_file
from pipelines.streaming.messages import REPLAY_LINE_ATTRIBUTES
from pipelines.warehouse import Warehouse, open_warehouse

log = logging.getLogger(__name__)

#: --pipeline -> (the pipeline's name in ops.dead_letter, its module)
PIPELINES = {"sensors": ("streaming.sensors", "pipelines.streaming.sensors"),
             "machine_issues": ("streaming.machine_issues", "pipelines.streaming.machine_issues")}
REPLAYS_TABLE = "dead_letter_replays"
LATE = "late:"
COLUMNS = tuple(c.name for c in load_schema_file("ops/dead_letter.json").columns)

#: what a --where may be made of: a boolean expression over the columns, plain operators, pure functions
_ALLOWED = (
    exp.Column, exp.Identifier, exp.Literal, exp.RawString, exp.Boolean, exp.Null, exp.Paren, exp.Tuple,
    exp.And, exp.Or, exp.Not, exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Is, exp.Like, exp.ILike,
    exp.In, exp.Between, exp.Neg, exp.Cast, exp.DataType, exp.Var, exp.Interval,
    exp.Lower, exp.Upper, exp.Length, exp.StartsWith, exp.RegexpLike, exp.CurrentTimestamp, exp.TimestampSub,
    exp.TimestampAdd, exp.JSONExtractScalar, exp.JSONPath, exp.JSONPathRoot, exp.JSONPathKey,
)


def where_condition(where: str) -> exp.Expression:
    """``--where`` as a parse tree the command accepts, or a ConfigError that names what is refused."""
    try:
        condition = sqlglot.condition(where, dialect="bigquery")
    except ParseError as exc:
        raise ConfigError(f"--where {where!r} is not one SQL condition: {' '.join(str(exc).split())[:200]}") from exc
    for node in condition.walk():
        if not isinstance(node, _ALLOWED):
            raise ConfigError(f"--where {where!r}: {node.sql('bigquery')[:60]!r} is not allowed: a condition "
                              f"on {', '.join(COLUMNS)} with comparisons, LIKE, IN, BETWEEN, IS, AND/OR/NOT, "
                              "LOWER, UPPER, LENGTH, STARTS_WITH, REGEXP_CONTAINS, JSON_VALUE, TIMESTAMP_SUB/ADD, "
                              "CURRENT_TIMESTAMP")
        if isinstance(node, exp.Column) and (node.table or node.name not in COLUMNS):
            raise ConfigError(f"--where {where!r}: {node.sql('bigquery')!r} is not a column of ops.dead_letter "
                              f"({', '.join(COLUMNS)})")
    return condition


def select_sql(warehouse: Warehouse, pipeline: str, condition: exp.Expression, late: bool = False) -> str:
    """The one query that reads dead letters: this pipeline's, matching ``condition``, late ones or the others.

    The pipeline name is one of :data:`PIPELINES`; the condition is rendered from its parse tree.
    """
    where = condition.sql(warehouse.sql_dialect, comments=False)
    late_rule = f"{'' if late else 'NOT '}STARTS_WITH(error, '{LATE}')"
    table, attributes = warehouse.table_sql("ops", "dead_letter"), warehouse.json_text_sql("attributes")
    columns = ", ".join(f"{attributes} AS attributes" if c == "attributes" else c for c in COLUMNS)
    selected = "COUNT(*)" if late else columns
    order = "" if late else "\nORDER BY received_at, message_id"
    return (f"SELECT {selected}\nFROM {table}\nWHERE pipeline = '{pipeline}' AND {late_rule}\n"
            f"  AND ({where}){order}")


@dataclass(frozen=True)
class Letter:
    """One ``ops.dead_letter`` row as read back."""

    pipeline: str
    received_at: datetime
    message_id: str | None
    publish_time: datetime | None
    attributes: str | None
    payload: bytes
    error: str

    @property
    def letter_id(self) -> str:
        """A hash of the row's columns: which row this is, the same at every read."""
        parts = [self.pipeline, _iso(self.received_at), self.message_id, _iso(self.publish_time), self.attributes,
                 base64.b64encode(self.payload).decode(), self.error]
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()

    @property
    def attribute_map(self) -> dict:
        value = json.loads(self.attributes) if self.attributes else {}
        return value if isinstance(value, dict) else {}

    @property
    def is_replay_line(self) -> bool:
        """A replay line that was no envelope: its payload is the line itself."""
        return self.message_id is None and set(REPLAY_LINE_ATTRIBUTES) <= set(self.attribute_map)

    def replay_line(self) -> bytes:
        """The message as a replay line (docs/contracts.md#replay-files): what was received, rebuilt exactly.

        A field that was missing stays missing, so the reader refuses the line as it did before.
        """
        if self.is_replay_line:
            return self.payload
        line = {"message_id": self.message_id, "publish_time": _iso(self.publish_time),
                "attributes": self.attribute_map, "data": base64.b64encode(self.payload).decode()}
        return json.dumps({k: v for k, v in line.items() if v is not None}).encode()


def _iso(value: datetime | None) -> str | None:
    """UTC RFC 3339 with microseconds and a four-digit year, or None."""
    if value is None:
        return None
    return value.astimezone(timezone.utc).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def read_letters(warehouse: Warehouse, pipeline: str, condition: exp.Expression) -> tuple[list[Letter], int]:
    """(the matching dead letters not yet replayed, in received order; the matching late ones left)."""
    try:
        rows = warehouse.query(select_sql(warehouse, pipeline, condition))
        (late,), = warehouse.query(select_sql(warehouse, pipeline, condition, late=True))
        replayed = {row[0] for row in warehouse.query(
            f"SELECT letter_id FROM {warehouse.table_sql('ops', REPLAYS_TABLE)} WHERE pipeline = '{pipeline}'")}
    except WarehouseError:
        raise
    except Exception as exc:  # noqa: BLE001 - DuckDB's errors: a missing table, a bad --where type
        raise WarehouseError(f"cannot read the dead letters of {pipeline} in {warehouse.describe()}: "
                             f"{' '.join(str(exc).split())[:300]}") from exc
    letters = [Letter(*row) for row in rows]
    return [letter for letter in letters if letter.letter_id not in replayed], late


def record(warehouse: Warehouse, replay_id: str, letters: list[Letter], sent_as: list[str | None],
           replayed_to: str, where: str) -> None:
    """One ``ops.dead_letter_replays`` row per dead letter sent, after it was sent."""
    now = datetime.now(timezone.utc)
    warehouse.insert_ops_rows(REPLAYS_TABLE, [
        {"replay_id": replay_id, "pipeline": letter.pipeline, "letter_id": letter.letter_id,
         "message_id": letter.message_id, "received_at": letter.received_at, "error": letter.error,
         "replayed_at": now, "replayed_to": replayed_to, "replayed_message_id": message_id, "where_clause": where}
        for letter, message_id in zip(letters, sent_as, strict=True)])


def write_replay_file(letters: list[Letter], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(letter.replay_line() + b"\n" for letter in letters))


def publish(publisher, topic: str, letters: list[Letter]) -> tuple[list[Letter], list[str], list[str]]:
    """Publish each letter's payload with its attributes; (sent letters, their new ids, failures).

    Every publish is waited for: the letters that went out are recorded even if others failed.
    """
    futures, failures = [], []
    for letter in letters:
        try:
            futures.append((letter, publisher.publish(topic, letter.payload, **letter.attribute_map)))
        except Exception as exc:  # noqa: BLE001 - e.g. an attribute that is not text: this one fails, not all
            failures.append(f"{letter.message_id}: {' '.join(str(exc).split())[:200]}")
    sent, ids = [], []
    for letter, future in futures:
        try:
            ids.append(future.result())
            sent.append(letter)
        except Exception as exc:  # noqa: BLE001 - any failure of one publish is reported, the rest recorded
            failures.append(f"{letter.message_id}: {' '.join(str(exc).split())[:200]}")
    return sent, ids, failures


@dataclass
class ReplaySummary:
    """What a replay did: letters sent, left (already replayed or late) and, locally, the run's counts."""

    replay_id: str
    selected: int
    late_left: int
    sent: int
    replayed_to: str
    run: object = None  # the pipeline's RunSummary, locally


def replay(name: str, where: str, warehouse: Warehouse, topic: str | None = None, out: str | None = None,
           pipeline_args: list[str] | None = None, dry_run: bool = False, publisher=None,
           warehouse_url: str | None = None) -> ReplaySummary:
    """Replay the dead letters of pipeline ``name`` (``sensors``, ``machine_issues``) matching ``where``."""
    if name not in PIPELINES:
        raise ConfigError(f"--pipeline {name!r}: one of {', '.join(PIPELINES)}")
    pipeline, module = PIPELINES[name]
    condition = where_condition(where)
    cloud = not warehouse.local
    if cloud and not topic:
        raise ConfigError("a BigQuery warehouse's dead letters go back through the pipeline's topic: "
                          "give --topic projects/P/topics/T")
    if not cloud and topic:
        raise ConfigError("--topic is for a BigQuery warehouse; locally the dead letters are replayed from a file")
    warehouse.ensure_ops((REPLAYS_TABLE,))
    letters, late = read_letters(warehouse, pipeline, condition)
    replay_id = new_run_id(datetime.now(timezone.utc))
    if late:
        log.info("%d late dead letter(s) match and are left: they came after their window closed and would be "
                 "late again", late)
    if cloud:
        lines = [letter for letter in letters if letter.is_replay_line]
        if lines:
            log.warning("%d dead letter(s) are replay lines that were no envelope: they are no Pub/Sub message "
                        "and are left", len(lines))
        letters = [letter for letter in letters if not letter.is_replay_line]
    target = topic or str(Path(out) if out else _default_file(pipeline, letters))
    summary = ReplaySummary(replay_id, len(letters), late, 0, target)
    if dry_run or not letters:
        log.info("%s: %d dead letter(s) to replay%s", pipeline, len(letters),
                 " (dry run: nothing sent)" if dry_run else "")
        return summary
    if cloud:
        if publisher is None:
            from google.cloud import pubsub_v1

            publisher = pubsub_v1.PublisherClient()
        sent, ids, failures = publish(publisher, topic, letters)
        record(warehouse, replay_id, sent, ids, topic, where)
        summary.sent = len(sent)
        if failures:
            raise PipelineError(f"replay {replay_id}: {len(failures)} of {len(letters)} message(s) could not be "
                                f"published ({failures[0]}); the {len(sent)} sent are recorded, rerun to send the rest")
    else:
        write_replay_file(letters, Path(target))
        from importlib import import_module

        run = import_module(module).run([
            "--replay", target, "--warehouse", warehouse_url or warehouse.describe(), *(pipeline_args or [])])
        record(warehouse, replay_id, letters, [letter.message_id for letter in letters], target, where)
        summary.sent, summary.run = len(letters), run
    log.info("replay %s: %d dead letter(s) of %s sent to %s%s", replay_id, summary.sent, pipeline, target,
             "" if summary.run is None else f" (written {summary.run.written}, refused again "
             f"{summary.run.dead_letters}, duplicates {summary.run.duplicates_dropped})")
    return summary


def _default_file(pipeline: str, letters: list[Letter]) -> Path:
    """Named by the letters it holds: a replay that failed part-way and is run again writes the same
    file, so the sensor pipeline's lake files (named by replay file) are replaced, not doubled."""
    from pipelines.local import stack

    selection = hashlib.sha256("".join(sorted(letter.letter_id for letter in letters)).encode()).hexdigest()[:16]
    return stack.home() / "replay" / "dead_letters" / f"{pipeline}-{selection}.jsonl"


def run(argv: list[str] | None = None) -> ReplaySummary:
    parser = argparse.ArgumentParser(prog="python -m pipelines.streaming.replay_dead_letters",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--pipeline", required=True, choices=sorted(PIPELINES))
    parser.add_argument("--where", required=True, help="SQL condition on the columns of ops.dead_letter")
    parser.add_argument("--warehouse", default=None, help="duckdb:///path or bigquery://PROJECT (default: local)")
    parser.add_argument("--topic", default=None, help="projects/P/topics/T: the pipeline's topic (BigQuery only)")
    parser.add_argument("--out", default=None, help="the replay file to write (local; default under .local/replay)")
    parser.add_argument("--dry_run", action="store_true", help="count what would be replayed; send nothing")
    args, pipeline_args = parser.parse_known_args(argv)
    if args.warehouse is None:
        from pipelines.local import stack

        args.warehouse = stack.default_warehouse_url()
    warehouse = open_warehouse(args.warehouse)
    return replay(args.pipeline, args.where, warehouse, args.topic, args.out, pipeline_args, args.dry_run,
                  warehouse_url=args.warehouse)


def main(argv: list[str] | None = None) -> int:
    logs.configure()
    return main_guard(run, sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    exit_process(main())
