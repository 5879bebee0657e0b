"""Pub/Sub messages in bulk: envelopes, replay files, and validation against a message spec.

Both streaming pipelines share this module. A message spec (``schemas/streaming/*.json``)
lists the payload's fields with their type and rules: ``required``, ``non_empty``, ``max_length``,
``pattern`` (with ``pattern_says``), ``enum``, ``min``/``max``, ``max_ahead_of_publish_s``, and
``normalise_uuid`` (a value in UUID form, whatever its case, is stored lower-case). A batch of
envelopes becomes one Arrow table of valid records plus dead letters that keep the exact payload
bytes and the reason. Nothing is dropped.

Every timestamp that passes (a field's and the publish time) lies in 1000-01-01 .. 9999-12-31 UTC,
what every step after validation takes: BigQuery's TIMESTAMP and Python's datetime stop at years
1 and 9999, the lake's ``dt=YYYY-MM-DD`` folders and the alert ids (``strftime('%Y')``) need a
four-digit year, DuckDB's and Beam's timestamps reach much further.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from operator import attrgetter
from pathlib import Path
from typing import NamedTuple

import msgspec
import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.schema import Column, TableSchema, arrow_schema

SPECS_DIR = Path(__file__).resolve().parent.parent.parent / "schemas" / "streaming"
MAX_PAYLOAD_BYTES = 64 * 1024
_ISO_INSTANT = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$"

#: the times every step after validation takes (see above)
MIN_TIME = datetime(1000, 1, 1, tzinfo=timezone.utc)
MAX_TIME = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc)
#: no C0/C1 control character (NUL, line feed, ...): what every id must be free of (RE2 and Python ``re``)
NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f-\x9f]*$"
_UUID = r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"

_ARROW = {"STRING": pa.string(), "FLOAT64": pa.float64(), "INT64": pa.int64(),
          "TIMESTAMP": pa.timestamp("us", tz="UTC"), "BOOL": pa.bool_()}


class Envelope(NamedTuple):
    """A Pub/Sub message as received: the same shape from a subscription or a replay file.

    A named tuple, not a dataclass: millions are built per hour and it is cheaper.
    """

    message_id: str | None
    publish_time: str | None  # ISO 8601 text: parsed per batch, in Arrow, not per message
    attributes: dict
    data: bytes


@dataclass(frozen=True)
class DeadLetter:
    """A message the pipeline could not use; ``ops.dead_letter`` row (docs/contracts.md#dead-letters)."""

    pipeline: str
    received_at: datetime
    message_id: str | None
    publish_time: str | None
    attributes: str  # JSON text
    payload: bytes
    error: str

    def row(self) -> dict:
        """The ``ops.dead_letter`` row. ``publish_time`` is a TIMESTAMP column: text that is no instant
        in its range (``yesterday``, year 0) is NULL there, in DuckDB and BigQuery alike, never a
        failed write; ``error`` names what was wrong with the message."""
        return {"pipeline": self.pipeline, "received_at": self.received_at, "message_id": self.message_id,
                "publish_time": instant_or_none(self.publish_time), "attributes": self.attributes,
                "payload": self.payload, "error": self.error}


def dead_letter(pipeline: str, envelope: Envelope, error: str) -> DeadLetter:
    return DeadLetter(pipeline, datetime.now(timezone.utc), envelope.message_id, envelope.publish_time,
                      json.dumps(envelope.attributes, sort_keys=True), envelope.data, error)


#: A batch of messages as one Arrow table: what flows between transforms (cheap to encode).
ENVELOPE_SCHEMA = pa.schema([("message_id", pa.string()), ("publish_time", pa.string()),
                             ("attributes", pa.string()), ("data", pa.binary())])


def envelope_batch(envelopes: list[Envelope]) -> pa.Table:
    """Envelopes (e.g. from Pub/Sub) as an envelope batch."""
    return pa.Table.from_arrays([
        pa.array([e.message_id for e in envelopes], pa.string()),
        pa.array([e.publish_time for e in envelopes], pa.string()),
        pa.array([json.dumps(e.attributes, sort_keys=True) for e in envelopes], pa.string()),
        pa.array([e.data for e in envelopes], pa.binary()),
    ], schema=ENVELOPE_SCHEMA)


def parse_time(value: object) -> datetime:
    """An ISO 8601 instant (``Z`` or offset) as an aware UTC datetime; naive text is refused."""
    if not isinstance(value, str):
        raise ValueError(f"not a timestamp string: {value!r}"[:120])
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"timestamp without a zone: {value!r}"[:120])
    try:
        return parsed.astimezone(timezone.utc)
    except OverflowError as exc:  # 0001-01-01T00:30+01:00 is in year 0 in UTC
        raise ValueError(f"out of range in UTC: {value!r}"[:120]) from exc


def instant_or_none(value: str | None) -> datetime | None:
    """An ISO 8601 instant in :data:`MIN_TIME` .. :data:`MAX_TIME` as a UTC datetime, else None."""
    try:
        parsed = parse_time(value)
    except ValueError:
        return None
    return parsed if MIN_TIME <= parsed <= MAX_TIME else None


def replay_ranges(path: str, bytes_per_range: int = 16 << 20) -> list[tuple[str, int, int]]:
    """Split a replay file into byte ranges that parallel readers can take."""
    import os

    size = os.path.getsize(path)
    return [(path, start, min(start + bytes_per_range, size)) for start in range(0, max(size, 1), bytes_per_range)]


class _ReplayLine(msgspec.Struct):
    """One replay line (docs/contracts.md#replay-files); msgspec decodes ``data`` from base64 on the way.

    ``message_id`` and ``publish_time`` are required: Pub/Sub gives every message both, and
    the lateness and clock rules are judged on the publish time. ``attributes`` may be left
    out (a message without attributes) but, when given, must be an object (checked per batch).
    """

    message_id: str
    publish_time: str
    attributes: msgspec.Raw = msgspec.Raw(b"{}")  # kept as received: only dead letters show them
    data: bytes | None = None


_REPLAY_LINES = msgspec.json.Decoder(list[_ReplayLine])
_REPLAY_LINE = msgspec.json.Decoder(_ReplayLine)


def _range_lines(path: str, start: int, end: int | None) -> list[bytes]:
    """The lines that *start* in [start, end) of a file, read as one block and split in C."""
    with open(path, "rb") as f:
        if start:
            f.seek(start - 1)
            f.readline()  # the line that began before start belongs to the previous range
        position = f.tell()
        if end is not None and position >= end:
            return []
        block = f.read() if end is None else f.read(end - position)
        if block and not block.endswith(b"\n"):
            block += f.readline()  # the last line started inside the range: finish it
    lines = block.split(b"\n")
    if lines and not lines[-1]:
        lines.pop()
    return lines


#: the attributes of a dead letter made of a replay line that is not an envelope: where it was
REPLAY_LINE_ATTRIBUTES = ("replay_byte_range", "line_in_range")


def read_replay(path: str, pipeline: str, batch_size: int = 10_000, start: int = 0, end: int | None = None
                ) -> Iterator[pa.Table | DeadLetter]:
    """Envelope batches of a replay file; a line that is not an envelope is a dead letter of ``pipeline``.

    With a byte range, this reader takes every line that *starts* in [start, end), so ranges
    read side by side cover each line exactly once. A batch of lines is decoded in one msgspec
    call; only a batch holding a broken (or blank) line is decoded line by line.
    """
    lines = _range_lines(path, start, end)

    def broken(number: int, line: bytes, reason: str) -> DeadLetter:
        where = Envelope(None, None, dict(zip(REPLAY_LINE_ATTRIBUTES, (f"{start}-{end}", str(number)), strict=True)),
                         line.removesuffix(b"\r"))  # a CRLF file's CR ends the line
        return dead_letter(pipeline, where, f"not a replay envelope: {reason}"[:500])

    for first in range(0, len(lines), batch_size):
        chunk = lines[first:first + batch_size]
        joined = b"[" + b",".join(chunk) + b"]"
        kept: list[tuple[int, bytes]] | None = None  # (line number, line) of each record, if some were skipped
        try:
            records = _REPLAY_LINES.decode(joined)
        except msgspec.MsgspecError:
            records, kept = [], []
            for number, line in enumerate(chunk, start=first + 1):
                if not line.strip():
                    continue
                try:
                    records.append(_REPLAY_LINE.decode(line))
                    kept.append((number, line))
                except msgspec.MsgspecError as exc:
                    yield broken(number, line, str(exc))
        if not records:
            continue
        batch = _batch([r.message_id for r in records], [r.publish_time for r in records],
                       [bytes(r.attributes) for r in records], [r.data for r in records])
        refused = _refused_envelopes(batch, may_have_escapes=b"\\" in joined)
        for i, reason in refused.items():
            yield broken(*(kept[i] if kept is not None else (first + 1 + i, chunk[i])), reason)
        if refused:
            keep = np.ones(batch.num_rows, dtype=bool)
            keep[list(refused)] = False
            batch = batch.filter(keep)
        if batch.num_rows:
            yield batch


def _refused_envelopes(batch: pa.Table, may_have_escapes: bool) -> dict[int, str]:
    """Rows of an envelope batch that decoded but are no envelope: attributes that are not an object,
    a message id that is empty or holds a control character (a JSON escape: only looked for when
    the lines hold a backslash, which base64 data never does)."""
    refused: dict[int, str] = {}
    not_object = pc.invert(pc.starts_with(batch["attributes"], "{"))  # msgspec checked it is JSON
    for i in pc.indices_nonzero(not_object).to_pylist() if pc.any(not_object).as_py() else ():
        refused[i] = f"attributes must be an object, got {batch['attributes'][i].as_py()[:60]}"
    ids = batch["message_id"]
    wrong = pc.equal(pc.utf8_length(ids), 0)
    if may_have_escapes:
        wrong = pc.or_(wrong, pc.invert(pc.match_substring_regex(ids, NO_CONTROL_CHARACTERS)))
    for i in pc.indices_nonzero(wrong).to_pylist() if pc.any(wrong).as_py() else ():
        refused.setdefault(i, f"message_id {ids[i].as_py()[:60]!r} is empty or has a control character")
    return refused


def _batch(ids: list, published: list, attributes: list, data: list) -> pa.Table:
    """Replay columns as an envelope batch: attributes arrive as raw JSON bytes, missing data as empty."""
    try:
        attribute_texts = pa.array(attributes, pa.binary()).cast(pa.string())
    except pa.ArrowInvalid:  # not UTF-8 somewhere: keep what can be shown
        attribute_texts = pa.array([a.decode("utf-8", "replace") for a in attributes], pa.string())
    return pa.Table.from_arrays([pa.array(ids, pa.string()), pa.array(published, pa.string()), attribute_texts,
                                 pc.fill_null(pa.array(data, pa.binary()), b"")], schema=ENVELOPE_SCHEMA)


@dataclass(frozen=True)
class MessageSpec:
    """Validation rules for one kind of message, loaded from ``schemas/streaming/<name>.json``."""

    name: str
    fields: tuple[dict, ...]

    @classmethod
    def load(cls, name: str) -> MessageSpec:
        data = json.loads((SPECS_DIR / f"{name}.json").read_text())
        return cls(name, tuple(data["fields"]))

    @property
    def table_schema(self) -> TableSchema:
        """A valid record's columns: the spec's fields, then the envelope's ``message_id`` and
        ``publish_time``. What the lake's files hold (``schemas/lake/``)."""
        return TableSchema(tuple(Column(f["name"], f["type"]) for f in self.fields)
                           + (Column("message_id", "STRING"), Column("publish_time", "TIMESTAMP")))

    @property
    def arrow_schema(self) -> pa.Schema:
        return arrow_schema(self.table_schema)


_TIMESTAMP = pa.timestamp("us", tz="UTC")
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _cast_isolating(strings: pa.Array, to: pa.DataType, offset: int = 0) -> tuple[pa.Array, list[int]]:
    """Cast in bulk; when a few values refuse (month 13), halve until they are found.

    Returns the cast column (null where refused) and the refused positions: a batch with
    one bad value costs about two bulk casts, not a Python parse of every value.
    """
    try:
        return pc.cast(strings, to), []
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        if len(strings) == 1:
            return pa.nulls(1, to), [offset]
    middle = len(strings) // 2
    left, left_refused = _cast_isolating(strings.slice(0, middle), to, offset)
    right, right_refused = _cast_isolating(strings.slice(middle), to, offset + middle)
    return pa.concat_arrays([left, right]), left_refused + right_refused


def _column(rule: dict, values: list, bad: dict[int, str]) -> pa.Array:
    """One payload field as an Arrow column. Every value is of the rule's JSON type or None (the
    struct decoder and :func:`_typed` see to that); a timestamp that is no instant lands in ``bad``."""
    name, kind = rule["name"], rule["type"]
    if kind != "TIMESTAMP":
        return pa.array(values, _ARROW[kind], from_pandas=False)
    strings = pa.array(values, pa.string())
    # well-formed ISO 8601 instants are cast in bulk; only the rest are parsed one by one
    well_formed = pc.fill_null(pc.match_substring_regex(strings, _ISO_INSTANT), False)
    column, refused = _cast_isolating(pc.if_else(well_formed, strings, pa.scalar(None, pa.string())), _TIMESTAMP)
    odd = pc.indices_nonzero(pc.and_(pc.invert(well_formed), pc.is_valid(strings))).to_pylist() + refused
    if not odd:
        return column
    micros = pc.fill_null(pc.cast(column, pa.int64()), 0).to_numpy().copy()
    valid = pc.is_valid(column).to_numpy(zero_copy_only=False).copy()
    for i in odd:
        try:
            parsed = parse_time(values[i])
        except ValueError as exc:
            bad.setdefault(i, f"{name} is not a valid timestamp: {exc}")
            continue
        micros[i] = (parsed - _EPOCH) // timedelta(microseconds=1)
        valid[i] = True
    return pa.array(micros, pa.int64(), mask=~valid).cast(_TIMESTAMP)


class _OutOfRange(str):
    """A JSON number no 64-bit float holds (``1e400``), kept as its text to say so."""


_JSON_TYPES = {"STRING": (str,), "FLOAT64": (int, float), "INT64": (int,), "TIMESTAMP": (str,), "BOOL": (bool,)}
_NOUNS = {"STRING": "a string", "FLOAT64": "a number", "INT64": "an integer", "TIMESTAMP": "a timestamp string",
          "BOOL": "true or false"}
_JSON_NAMES = {bool: "bool", int: "int", float: "float", str: "str", list: "list", dict: "object",
               _OutOfRange: "number out of range"}
_FLOAT64_MAX = 1.7976931348623157e308
_LIMITS = {"FLOAT64": (-_FLOAT64_MAX, _FLOAT64_MAX), "INT64": (-(1 << 63), (1 << 63) - 1)}


def _typed(rule: dict, value: object, i: int, bad: dict[int, str]) -> object:
    """A slow-path payload value if it is of the rule's JSON type, else None and the reason in ``bad``.

    Exact classes: ``true`` is not a number (Python's bool is an int, and Arrow would make it 1.0).
    A number beyond the type's range is refused with its text, never rounded to infinity.
    """
    if value is None:
        return None
    name, kind = rule["name"], rule["type"]
    if kind in _LIMITS and (value.__class__ is _OutOfRange or (
            value.__class__ is int and not _LIMITS[kind][0] <= value <= _LIMITS[kind][1])):
        bad.setdefault(i, f"{name} {str(value)[:40]} is out of range of a 64-bit "
                          f"{'float' if kind == 'FLOAT64' else 'integer'}")
        return None
    if value.__class__ not in _JSON_TYPES[kind]:
        got = _JSON_NAMES.get(value.__class__, type(value).__name__)
        bad.setdefault(i, f"{name} is not a valid timestamp: not a timestamp string: {value!r}"[:200]
                       if kind == "TIMESTAMP" else f"{name} must be {_NOUNS[kind]}, got {got}")
        return None
    return float(value) if kind == "FLOAT64" else value


def _time_range_reason(name: str) -> str:
    return f"{name} is out of range: times from {MIN_TIME.date().isoformat()} to {MAX_TIME.date().isoformat()} UTC " \
           "are taken"


def _rule_violations(rule: dict, column: pa.Array, bad: dict[int, str]) -> None:
    """Vectorised required / non-empty / length / pattern / enum / range checks; offending rows land in ``bad``.

    Text rules are checked on the column's distinct values (a batch of readings holds a few
    hundred sensor ids, not 20,000) and mapped back to the rows.
    """
    name, kind = rule["name"], rule["type"]
    if rule.get("required"):
        _flag(pc.is_null(column), lambda i: f"missing field {name}", bad)
    if kind == "STRING":
        _text_violations(rule, column, bad)
    elif kind in ("FLOAT64", "INT64"):
        _flag(pc.invert(pc.is_finite(pc.cast(column, pa.float64()))), lambda i: f"{name} is not a finite number", bad)
        if "min" in rule:
            _flag(pc.less(column, rule["min"]), lambda i: f"{name} {column[i].as_py()} is below {rule['min']}", bad)
        if "max" in rule:
            _flag(pc.greater(column, rule["max"]), lambda i: f"{name} {column[i].as_py()} is above {rule['max']}", bad)
    elif kind == "TIMESTAMP":  # no as_py() here: a year-0 time has no Python datetime
        micros = pc.cast(column, pa.int64())
        outside = pc.or_(pc.less(micros, _micros(MIN_TIME)), pc.greater(micros, _micros(MAX_TIME)))
        _flag(outside, lambda i: _time_range_reason(name), bad)


def _text_violations(rule: dict, column: pa.Array, bad: dict[int, str]) -> None:
    """Text rules, judged once per distinct value; each check gives a mask and a reason for a value."""
    name = rule["name"]
    distinct = pc.unique(column)
    checks = []
    if rule.get("non_empty"):
        checks.append((pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(distinct)), 0), lambda v: f"{name} is empty"))
    if "enum" in rule:
        allowed = ", ".join(rule["enum"])
        checks.append((pc.invert(pc.is_in(distinct, pa.array(rule["enum"]))),
                       lambda v: f"{name} is not one of {allowed}"))
    if "max_length" in rule:
        checks.append((pc.greater(pc.utf8_length(distinct), rule["max_length"]),
                       lambda v: f"{name} is longer than {rule['max_length']} characters"))
    if "pattern" in rule:  # a full match, e.g. free of control characters
        says = rule.get("pattern_says", "in the expected form")
        checks.append((pc.invert(pc.match_substring_regex(distinct, rule["pattern"])),
                       lambda v: f"{name} {v if len(v) <= 60 else v[:57] + '...'!r} is not {says}"))
    for mask, reason in checks:
        mask = pc.fill_null(mask, False)
        if pc.any(mask).as_py():
            rows = pc.is_in(column, value_set=distinct.filter(mask))
            _flag(rows, lambda i, reason=reason: reason(column[i].as_py()), bad)


def _flag(mask: pa.Array, reason, bad: dict[int, str]) -> None:
    """Rows where ``mask`` is true get ``reason(row)`` in ``bad``, unless they already have one."""
    mask = pc.fill_null(mask, False)
    if pc.any(mask).as_py():
        for i in pc.indices_nonzero(mask).to_pylist():
            if i not in bad:
                bad[i] = reason(i)


def _micros(t: datetime) -> int:
    return (t - _EPOCH) // timedelta(microseconds=1)


def _normalised(rule: dict, column: pa.Array) -> pa.Array:
    """``normalise_uuid``: a value in UUID form is stored lower-case (an iOS app writes upper case)."""
    if not rule.get("normalise_uuid"):
        return column
    return pc.if_else(pc.fill_null(pc.match_substring_regex(column, _UUID), False), pc.utf8_lower(column), column)


class _Blank:
    """Stands in for a record that did not decode: every field is None."""

    def __getattr__(self, name: str) -> None:
        return None


_BLANK = _Blank()
_STRUCT_TYPES = {"STRING": str, "FLOAT64": float, "INT64": int, "TIMESTAMP": str, "BOOL": bool}
_DECODERS: dict[str, msgspec.json.Decoder] = {}


def _struct_decoder(spec: MessageSpec) -> msgspec.json.Decoder:
    """A msgspec decoder into a struct of the spec's fields: required ones must be there, not null,
    and of their JSON type (bool is not a number); text, ranges and times are checked in Arrow."""
    if spec.name not in _DECODERS:
        fields = [(f["name"], _STRUCT_TYPES[f["type"]]) if f.get("required")
                  else (f["name"], _STRUCT_TYPES[f["type"]] | None, None) for f in spec.fields]
        _DECODERS[spec.name] = msgspec.json.Decoder(msgspec.defstruct(f"{spec.name}_record", fields, kw_only=True))
    return _DECODERS[spec.name]


def _refuse_constant(text: str) -> None:
    raise ValueError(f"{text} is not JSON")


def _number(text: str) -> float | _OutOfRange:
    value = float(text)
    return value if abs(value) <= _FLOAT64_MAX else _OutOfRange(text)


def _payload_or_reason(data: bytes, i: int, bad: dict[int, str]) -> dict:
    """The slow path: the payload as a dict, or ``{}`` with the reason in ``bad``.

    orjson refuses a number beyond a 64-bit float (``1e400``), which is valid JSON: such a
    payload is read again keeping the number's text, so the reason names the field.
    """
    try:
        payload = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if "infinity" not in str(exc):
            reason = "payload is not UTF-8" if "utf-8" in str(exc).lower() else "payload is not valid JSON"
            bad[i] = f"{reason}: {str(exc)[:200]}"
            return {}
        try:
            payload = json.loads(data, parse_float=_number, parse_constant=_refuse_constant)
        except ValueError as again:
            bad[i] = f"payload is not valid JSON: {str(again)[:200]}"
            return {}
    if not isinstance(payload, dict):
        bad[i] = "payload is not a JSON object"
        return {}
    return payload


_PUBLISH_TIME = {"name": "publish_time", "type": "TIMESTAMP"}


def validate_batch(spec: MessageSpec, pipeline: str, batch: pa.Table, late_after: timedelta | None = None,
                   time_field: str = "event_time") -> tuple[pa.Table, list[DeadLetter]]:
    """Valid records as one Arrow table (spec fields + message_id, publish_time), and dead letters.

    JSON is decoded per message (msgspec, into the spec's struct), every rule is checked per
    column with Arrow compute; only rejected messages cost Python work of their own.
    """
    bad: dict[int, str] = {}
    datas = batch["data"].to_pylist()
    sizes = pc.fill_null(pc.binary_length(batch["data"]), 0).to_numpy()
    for i in np.flatnonzero(sizes == 0).tolist():
        bad[i] = "empty payload"
    for i in np.flatnonzero(sizes > MAX_PAYLOAD_BYTES).tolist():
        bad[i] = f"payload of {sizes[i]} bytes exceeds {MAX_PAYLOAD_BYTES}"
    # the usual message decodes straight into the spec's struct; any other takes the slow path,
    # which finds what is wrong with it
    for i in bad:
        datas[i] = None  # not decoded at all
    decode = _struct_decoder(spec).decode
    records: list = []
    slow: dict[int, dict] = {}
    for i, data in enumerate(datas):
        try:
            records.append(decode(data))
        except (msgspec.MsgspecError, TypeError, UnicodeDecodeError):  # bad UTF-8 inside a string
            records.append(_BLANK)
            slow[i] = {} if i in bad else _payload_or_reason(data, i, bad)
    columns = []
    for rule in spec.fields:
        name = rule["name"]
        values = list(map(attrgetter(name), records))
        for i, payload in slow.items():
            values[i] = _typed(rule, payload.get(name), i, bad)
        column = _column(rule, values, bad)
        _rule_violations(rule, column, bad)
        columns.append(_normalised(rule, column))
    columns.append(batch["message_id"].combine_chunks())
    published = _column(_PUBLISH_TIME, batch["publish_time"].to_pylist(), bad)
    _rule_violations(_PUBLISH_TIME, published, bad)
    columns.append(published)
    table = pa.Table.from_arrays(columns, schema=spec.arrow_schema)
    for rule in spec.fields:
        if "max_ahead_of_publish_s" in rule:
            _ahead_rows(table, rule["name"], rule["max_ahead_of_publish_s"], bad)
    if late_after is not None:
        _late_rows(table, time_field, late_after, bad)
    if not bad:
        return table, []
    keep = np.ones(batch.num_rows, dtype=bool)
    keep[list(bad)] = False
    return table.filter(keep), dead_letters(pipeline, batch, bad)


def _ahead_rows(table: pa.Table, time_field: str, allowed_s: float, bad: dict[int, str]) -> None:
    """An event time further ahead of its publish time than ``allowed_s``: a device clock that is
    wrong, an impossible value (the message cannot have been published before it happened)."""
    ahead = pc.subtract(table[time_field], table["publish_time"])
    wrong = pc.fill_null(pc.greater(ahead, pa.scalar(timedelta(seconds=allowed_s), pa.duration("us"))), False)
    if not pc.any(wrong).as_py():
        return
    for i in pc.indices_nonzero(wrong).to_pylist():
        seconds = ahead[i].as_py().total_seconds()
        bad.setdefault(i, f"{time_field} is {seconds:.0f}s after its publish time (a wrong device clock?), "
                          f"allowed {allowed_s:.0f}s")


def _late_rows(table: pa.Table, time_field: str, late_after: timedelta, bad: dict[int, str]) -> None:
    """Messages published more than ``late_after`` after their event time are 'late'.

    Judged on publish time, so the replay path and Pub/Sub decide alike.
    """
    lag = pc.subtract(table["publish_time"], table[time_field])
    late = pc.fill_null(pc.greater(lag, pa.scalar(late_after, pa.duration("us"))), False)
    if not pc.any(late).as_py():
        return
    allowed = late_after.total_seconds()
    for i in pc.indices_nonzero(late).to_pylist():
        lag_s = lag[i].as_py().total_seconds()
        bad.setdefault(i, f"late: published {lag_s:.0f}s after event time, allowed {allowed:.0f}s")


def dead_letters(pipeline: str, batch: pa.Table, reasons: dict[int, str]) -> list[DeadLetter]:
    """Dead letters for rows of an envelope batch, each with its reason."""
    if not reasons:
        return []
    rows = sorted(reasons)
    picked = batch.take(pa.array(rows, pa.int64())).to_pylist()
    now = datetime.now(timezone.utc)
    return [DeadLetter(pipeline, now, r["message_id"], r["publish_time"], r["attributes"], r["data"], reasons[i])
            for i, r in zip(rows, picked, strict=True)]
