"""Simulate the mine's geophones: a replay file (docs/contracts.md#replay-files) or messages on a Pub/Sub topic.

    python -m pipelines.simulate.sensors --out .local/replay/sensors.jsonl [--sensors 120] [--rate_hz 10]
        [--minutes 60] [--start 2026-11-22T10:00:00Z] [--seed 7] [--duplicate_rate 0.001]
        [--late_rate 0.001] [--malformed_rate 0.0005] [--dropout_sensors 2]
    python -m pipelines.simulate.sensors --topic projects/P/topics/sensor-readings ...

The geophones are the first ``--sensors`` lines of ``sql/seeds/sensors.csv`` (id, zone, position), the
table the warehouse's ``marts.sensors`` is seeded from: a count beyond the file is refused.

What is in it: background vibration (lognormal PPV, zone-dependent frequency, batteries
draining), blasts at :15 and :45 in north-pit-1 (bursts of 10-60 mm/s decaying over seconds
on that zone's sensors), a slow PPV drift on one sensor over the last third (a precursor of
ground movement), sensors that go silent for 10 minutes, publisher retries (same payload, new
message id), late arrivals (5 to 150 minutes), and malformed messages of every kind. The same
arguments always give the same bytes. A summary is written next to the file (``.summary.json``).
"""

from __future__ import annotations

import argparse
import base64
import csv
import heapq
import json
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

ZONES = ["north-pit-1", "north-pit-2", "north-pit-3", "south-pit-1", "south-pit-2", "crusher", "tailings-dam"]
BLAST_ZONE = "north-pit-1"
BLAST_MINUTES = (15, 45)
MALFORMED_KINDS = ["not-json", "not-utf8", "missing-field", "wrong-type", "negative-ppv", "bad-time", "empty",
                   "huge", "boolean-number", "number-out-of-range", "future-time", "control-character-id"]


#: the mine's geophones, one a line (sensor_id, zone, easting_m, northing_m): the one description of the
#: sensors, which the warehouse's marts.sensors is seeded from too
SENSORS_CSV = Path(__file__).resolve().parent.parent.parent / "sql" / "seeds" / "sensors.csv"


def sensor_ids(count: int) -> list[tuple[str, str]]:
    """The first ``count`` geophones of ``SENSORS_CSV``: (sensor_id, zone). A count beyond the file is
    refused: every sensor the simulator emits is one the warehouse knows."""
    with SENSORS_CSV.open(newline="") as f:
        rows = [(row["sensor_id"], row["zone"]) for row in csv.DictReader(f)]
    if not 0 <= count <= len(rows):
        raise ValueError(f"--sensors {count}: the mine has {len(rows)} geophones ({SENSORS_CSV}); "
                         "add lines there for more")
    return rows[:count]


def iso_ms(epoch_ms: int) -> str:
    t = datetime.fromtimestamp(epoch_ms / 1000, timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}Z"


def _malformed(kind: str, sensor: str, zone: str, when: str) -> bytes:
    base = {"sensor_id": sensor, "zone": zone, "event_time": when, "ppv_mm_s": 1.0, "frequency_hz": 20.0,
            "battery_v": 3.6}
    if kind == "not-json":
        return b'{"sensor_id": "' + sensor.encode() + b'", ppv'
    if kind == "not-utf8":
        return b"\xff\xfe" + json.dumps(base).encode("utf-16-le")
    if kind == "missing-field":
        base.pop("battery_v")
    elif kind == "wrong-type":
        base["ppv_mm_s"] = "high"
    elif kind == "negative-ppv":
        base["ppv_mm_s"] = -0.7
    elif kind == "bad-time":
        base["event_time"] = "22/11/2026 10:15"
    elif kind == "empty":
        return b""
    elif kind == "huge":
        base["description"] = "x" * 1_200_000
    elif kind == "boolean-number":  # firmware that reports a flat battery as false
        base["battery_v"] = False
    elif kind == "number-out-of-range":  # valid JSON, beyond a 64-bit float
        return json.dumps(base).encode().replace(b'"ppv_mm_s": 1.0', b'"ppv_mm_s": 1e400')
    elif kind == "future-time":  # a clock that lost its sync
        base["event_time"] = "2099" + when[4:]
    elif kind == "control-character-id":
        base["sensor_id"] = sensor + "\x00"
    return json.dumps(base).encode()


def generate(sensors: int = 120, rate_hz: int = 10, minutes: int = 60, start: datetime | None = None,
             seed: int = 7, duplicate_rate: float = 0.001, late_rate: float = 0.001,
             malformed_rate: float = 0.0005, dropout_sensors: int = 2, summary: dict | None = None
             ) -> Iterator[tuple[int, str, bytes, str]]:
    """(publish_ms, message_id, data, event_time) in publish order; ``summary`` gets the counts."""
    start = start or datetime(2026, 11, 22, 10, 0, tzinfo=timezone.utc)
    rng = np.random.default_rng(seed)
    ids = sensor_ids(sensors)
    zone_freq = {z: 8.0 + 7.0 * i for i, z in enumerate(ZONES)}
    base_ppv = rng.lognormal(-0.9, 0.3, sensors)
    battery0 = rng.uniform(3.55, 3.75, sensors)
    drift_index = sensors // 3 if sensors > 3 else 0
    silent = {int(i) for i in rng.choice(sensors, size=min(dropout_sensors, sensors), replace=False)}
    silent_from = start + timedelta(minutes=minutes * 0.4)
    silent_to = silent_from + timedelta(minutes=10)
    counts = {"valid": 0, "retries": 0, "late": 0, "malformed": 0, "messages": 0}
    late_queue: list[tuple[int, str, bytes, str]] = []
    start_ms = int(start.timestamp() * 1000)
    step_ms = 1000 // rate_hz
    sequence = 0
    for tick in range(minutes * 60 * rate_hz):
        now_ms = start_ms + tick * step_ms
        now = start + timedelta(milliseconds=tick * step_ms)
        minute_of_hour = now.minute
        seconds_into_blast = min(abs((minute_of_hour - m) * 60 + now.second) for m in BLAST_MINUTES)
        noise = rng.lognormal(0.0, 0.25, sensors)
        freq_noise = rng.normal(0.0, 1.5, sensors)
        for s, (sensor, zone) in enumerate(ids):
            if s in silent and silent_from <= now < silent_to:
                continue
            ppv = base_ppv[s] * noise[s]
            if zone == BLAST_ZONE and minute_of_hour in BLAST_MINUTES and now.second < 8:
                ppv += 45.0 * np.exp(-seconds_into_blast / 2.0)
            if s == drift_index and tick > (minutes * 60 * rate_hz) * 2 // 3:
                ppv *= 1.0 + 9.0 * (tick / (minutes * 60 * rate_hz) - 2 / 3)  # x4 by the end
            event = iso_ms(now_ms)
            sequence += 1
            message_id = f"{seed}-{sequence}"
            draw = rng.random()
            if draw < malformed_rate:
                kind = MALFORMED_KINDS[counts["malformed"] % len(MALFORMED_KINDS)]
                counts["malformed"] += 1
                counts[f"malformed:{kind}"] = counts.get(f"malformed:{kind}", 0) + 1
                yield now_ms + 120, message_id, _malformed(kind, sensor, zone, event), event
                continue
            data = (f'{{"sensor_id":"{sensor}","zone":"{zone}","event_time":"{event}",'
                    f'"ppv_mm_s":{ppv:.3f},"frequency_hz":{zone_freq[zone] + freq_noise[s]:.2f},'
                    f'"battery_v":{battery0[s] - 0.05 * tick / (3600 * rate_hz):.3f}}}').encode()
            counts["valid"] += 1
            if draw < malformed_rate + late_rate:
                delay_ms = int(rng.uniform(5, 150) * 60_000)
                counts["late"] += 1
                if delay_ms > 120 * 60_000:
                    counts["late_beyond_2h"] = counts.get("late_beyond_2h", 0) + 1
                heapq.heappush(late_queue, (now_ms + delay_ms, message_id, data, event))
                continue
            yield now_ms + 120, message_id, data, event
            if draw > 1 - duplicate_rate:
                counts["retries"] += 1
                sequence += 1
                yield now_ms + 2_500, f"{seed}-{sequence}", data, event
        while late_queue and late_queue[0][0] <= now_ms:
            yield heapq.heappop(late_queue)
    while late_queue:
        yield heapq.heappop(late_queue)
    counts["messages"] = counts["valid"] + counts["retries"] + counts["malformed"]
    if summary is not None:
        summary.update(counts)


def write_replay(path: str, **kwargs) -> dict:
    """Write a replay file (one JSON envelope a line, in publish order); returns the summary."""
    summary: dict = {}
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    buffered: list[tuple[int, str]] = []
    with out.open("w") as f:
        for publish_ms, message_id, data, event in generate(summary=summary, **kwargs):
            buffered.append((publish_ms, replay_line(publish_ms, message_id, data, event)))
            if len(buffered) >= 50_000:
                buffered.sort(key=lambda b: b[0])
                keep = [b for b in buffered if b[0] > buffered[-1][0] - 5_000]
                f.writelines(b[1] for b in buffered[: len(buffered) - len(keep)])
                buffered = keep
        buffered.sort(key=lambda b: b[0])
        f.writelines(b[1] for b in buffered)
    Path(str(out) + ".summary.json").write_text(json.dumps(summary, indent=2, sort_keys=True))
    return summary


def replay_line(publish_ms: int, message_id: str, data: bytes, event_time: str) -> str:
    """One replay line (docs/contracts.md#replay-files), written directly: the simulators make millions."""
    return (f'{{"message_id":"{message_id}","publish_time":"{iso_ms(publish_ms)}",'
            f'"attributes":{{"event_time":"{event_time}"}},"data":"{base64.b64encode(data).decode()}"}}\n')


def publish_messages(publisher, topic: str, messages) -> None:
    """Publish ``(publish_ms, message_id, data, event_time)`` messages with their ``event_time``
    attribute (``publisher``: a PublisherClient), then wait until every one is accepted."""
    futures = [publisher.publish(topic, data, event_time=event) for _, _, data, event in messages]
    for future in futures:
        future.result()


def publish(publisher, topic: str, **kwargs) -> dict:
    """Publish the simulated messages to a Pub/Sub topic (``publisher``: a PublisherClient)."""
    summary: dict = {}
    publish_messages(publisher, topic, generate(summary=summary, **kwargs))
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.simulate.sensors", description=__doc__.split("\n")[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--out", help="replay file to write")
    target.add_argument("--topic", help="projects/P/topics/T to publish to")
    parser.add_argument("--sensors", type=int, default=120)
    parser.add_argument("--rate_hz", type=int, default=10)
    parser.add_argument("--minutes", type=int, default=60)
    parser.add_argument("--start", default="2026-11-22T10:00:00Z")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--duplicate_rate", type=float, default=0.001)
    parser.add_argument("--late_rate", type=float, default=0.001)
    parser.add_argument("--malformed_rate", type=float, default=0.0005)
    parser.add_argument("--dropout_sensors", type=int, default=2)
    args = parser.parse_args(argv)
    try:
        sensor_ids(args.sensors)
    except ValueError as error:
        parser.error(str(error))
    kwargs = dict(sensors=args.sensors, rate_hz=args.rate_hz, minutes=args.minutes,
                  start=datetime.fromisoformat(args.start.replace("Z", "+00:00")), seed=args.seed,
                  duplicate_rate=args.duplicate_rate, late_rate=args.late_rate,
                  malformed_rate=args.malformed_rate, dropout_sensors=args.dropout_sensors)
    if args.out:
        summary = write_replay(args.out, **kwargs)
    else:
        from google.cloud import pubsub_v1

        summary = publish(pubsub_v1.PublisherClient(), args.topic, **kwargs)
    print(json.dumps(summary, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
