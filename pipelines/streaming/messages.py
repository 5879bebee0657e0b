"""Pub/Sub messages in bulk: envelopes, replay files, and validation against a message spec.

Both streaming pipelines share this module. A message spec (``schemas/streaming/*.json``)
lists the payload's fields with type, required, non-empty, range and enum rules; a batch of
envelopes becomes one Arrow table of valid records plus dead letters that keep the exact
payload bytes and the reason. Nothing is dropped.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import orjson
import pyarrow as pa

SPECS_DIR = Path(__file__).resolve().parent.parent.parent / "schemas" / "streaming"
MAX_PAYLOAD_BYTES = 64 * 1024

_ARROW = {"STRING": pa.string(), "FLOAT64": pa.float64(), "INT64": pa.int64(),
          "TIMESTAMP": pa.timestamp("us", tz="UTC"), "BOOL": pa.bool_()}


@dataclass(frozen=True)
class Envelope:
    """A Pub/Sub message as received: the same shape from a subscription or a replay file."""

    message_id: str | None
    publish_time: datetime | None
    attributes: dict
    data: bytes


@dataclass(frozen=True)
class DeadLetter:
    """A message the pipeline could not use; ``ops.dead_letter`` row (DESIGN.md 4.5)."""

    pipeline: str
    received_at: datetime
    message_id: str | None
    publish_time: datetime | None
    attributes: str  # JSON text
    payload: bytes
    error: str

    def row(self) -> dict:
        return {"pipeline": self.pipeline, "received_at": self.received_at, "message_id": self.message_id,
                "publish_time": self.publish_time, "attributes": self.attributes, "payload": self.payload,
                "error": self.error}


def dead_letter(pipeline: str, envelope: Envelope, error: str) -> DeadLetter:
    return DeadLetter(pipeline, datetime.now(timezone.utc), envelope.message_id, envelope.publish_time,
                      json.dumps(envelope.attributes, sort_keys=True), envelope.data, error)


def parse_time(value: object) -> datetime:
    """An ISO 8601 instant (``Z`` or offset) as an aware UTC datetime; naive text is refused."""
    if not isinstance(value, str):
        raise ValueError(f"not a timestamp string: {value!r}"[:120])
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"timestamp without a zone: {value!r}"[:120])
    return parsed.astimezone(timezone.utc)


def envelope_from_replay_line(line: bytes | str) -> Envelope:
    """One replay-file line (DESIGN.md 4.4). Raises ValueError on a broken line."""
    record = orjson.loads(line)
    publish = record.get("publish_time")
    return Envelope(
        message_id=record.get("message_id"),
        publish_time=parse_time(publish) if publish else None,
        attributes=record.get("attributes") or {},
        data=base64.b64decode(record.get("data") or "", validate=True),
    )


def read_replay(path: str, batch_size: int = 10_000) -> Iterator[list[Envelope] | DeadLetter]:
    """Envelopes of a replay file in batches; a line that is not an envelope is a dead letter."""
    batch: list[Envelope] = []
    with open(path, "rb") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                batch.append(envelope_from_replay_line(line))
            except (ValueError, TypeError) as exc:
                broken = Envelope(None, None, {"replay_line": str(number)}, line.rstrip(b"\n"))
                yield dead_letter("replay", broken, f"not a replay envelope: {exc}"[:500])
                continue
            if len(batch) >= batch_size:
                yield batch
                batch = []
    if batch:
        yield batch


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
    def arrow_schema(self) -> pa.Schema:
        return pa.schema([pa.field(f["name"], _ARROW[f["type"]]) for f in self.fields]
                         + [pa.field("message_id", pa.string()),
                            pa.field("publish_time", pa.timestamp("us", tz="UTC"))])

    def check(self, payload: dict) -> list:
        """The payload's values in field order, or ValueError saying what is wrong."""
        if not isinstance(payload, dict):
            raise ValueError("payload is not a JSON object")
        values = []
        for rule in self.fields:
            name = rule["name"]
            value = payload.get(name)
            if value is None:
                if rule.get("required"):
                    raise ValueError(f"missing field {name}")
                values.append(None)
                continue
            kind = rule["type"]
            if kind == "STRING":
                if not isinstance(value, str):
                    raise ValueError(f"{name} must be a string, got {type(value).__name__}")
                if rule.get("non_empty") and not value.strip():
                    raise ValueError(f"{name} is empty")
                if "enum" in rule and value not in rule["enum"]:
                    raise ValueError(f"{name} {value!r} is not one of {', '.join(rule['enum'])}"[:200])
            elif kind in ("FLOAT64", "INT64"):
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise ValueError(f"{name} must be a number, got {type(value).__name__}")
                if value != value or value in (float("inf"), float("-inf")):
                    raise ValueError(f"{name} is not a finite number")
                if "min" in rule and value < rule["min"]:
                    raise ValueError(f"{name} {value} is below {rule['min']}")
                if "max" in rule and value > rule["max"]:
                    raise ValueError(f"{name} {value} is above {rule['max']}")
            elif kind == "TIMESTAMP":
                try:
                    value = parse_time(value)
                except ValueError as exc:
                    raise ValueError(f"{name} is not a valid timestamp: {exc}") from exc
            values.append(value)
        return values


def validate_batch(spec: MessageSpec, pipeline: str, envelopes: list[Envelope]
                   ) -> tuple[pa.Table, list[DeadLetter]]:
    """Valid records as one Arrow table (spec fields + message_id, publish_time), and dead letters."""
    columns: list[list] = [[] for _ in range(len(spec.fields) + 2)]
    rejected: list[DeadLetter] = []
    for envelope in envelopes:
        data = envelope.data
        if not data:
            rejected.append(dead_letter(pipeline, envelope, "empty payload"))
            continue
        if len(data) > MAX_PAYLOAD_BYTES:
            rejected.append(dead_letter(pipeline, envelope, f"payload of {len(data)} bytes exceeds "
                                                            f"{MAX_PAYLOAD_BYTES}"))
            continue
        try:
            payload = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            reason = "payload is not UTF-8" if "utf-8" in str(exc).lower() else "payload is not valid JSON"
            rejected.append(dead_letter(pipeline, envelope, f"{reason}: {str(exc)[:200]}"))
            continue
        try:
            values = spec.check(payload)
        except ValueError as exc:
            rejected.append(dead_letter(pipeline, envelope, str(exc)))
            continue
        for column, value in zip(columns, values, strict=False):
            column.append(value)
        columns[-2].append(envelope.message_id)
        columns[-1].append(envelope.publish_time)
    schema = spec.arrow_schema
    table = pa.Table.from_arrays([pa.array(c, type=f.type) for c, f in zip(columns, schema, strict=True)],
                                 schema=schema)
    return table, rejected
