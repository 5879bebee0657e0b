"""The sensor simulator: deterministic, realistic, and every message accounted for by the pipeline."""

from __future__ import annotations

import base64
import json
import math
from datetime import datetime

import duckdb
import pytest

from pipelines.simulate import sensors as sim
from pipelines.streaming import sensors


def write(tmp_path, name: str = "r.jsonl", **kwargs) -> tuple:
    path = tmp_path / name
    args = dict(sensors=14, rate_hz=2, minutes=50, malformed_rate=0.004, late_rate=0.004, duplicate_rate=0.004)
    args.update(kwargs)
    return path, sim.write_replay(str(path), **args)


def test_same_arguments_same_bytes(tmp_path):
    a, _ = write(tmp_path, "a.jsonl", minutes=3)
    b, _ = write(tmp_path, "b.jsonl", minutes=3)
    assert a.read_bytes() == b.read_bytes()
    c, _ = write(tmp_path, "c.jsonl", minutes=3, seed=8)
    assert a.read_bytes() != c.read_bytes()


@pytest.mark.slow
def test_a_realistic_mine(tmp_path):
    path, summary = write(tmp_path)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(lines) == summary["messages"]
    published = [line["publish_time"] for line in lines]
    assert published == sorted(published)  # in publish order
    readings = []
    for line in lines:
        try:
            readings.append(json.loads(base64.b64decode(line["data"])))
        except (ValueError, UnicodeDecodeError):
            continue
    blasts = [r for r in readings if isinstance(r.get("ppv_mm_s"), float) and 10 < r["ppv_mm_s"] < math.inf]
    assert blasts and {r["zone"] for r in blasts} == {sim.BLAST_ZONE}
    assert {r["event_time"][14:16] for r in blasts} <= {"15", "45"}
    drift_sensor = sim.sensor_ids(14)[14 // 3][0]
    drift = [r["ppv_mm_s"] for r in readings if r.get("sensor_id") == drift_sensor
             and isinstance(r.get("ppv_mm_s"), float) and math.isfinite(r["ppv_mm_s"])]  # not the 1e400 kind
    assert sum(drift[-50:]) / 50 > 2 * sum(drift[:50]) / 50  # the precursor trend
    kinds = {k for k in summary if k.startswith("malformed:")}
    assert kinds == {f"malformed:{k}" for k in sim.MALFORMED_KINDS}
    late = [line for line in lines
            if (datetime.fromisoformat(line["publish_time"].replace("Z", "+00:00"))
                - datetime.fromisoformat(line["attributes"]["event_time"].replace("Z", "+00:00"))).total_seconds()
            > 300]
    assert len(late) == summary["late"] > 0
    payloads = [line["data"] for line in lines]
    assert len(payloads) - len(set(payloads)) >= summary["retries"] > 0  # retries: same payload, new id
    assert len({line["message_id"] for line in lines}) == len(lines)


@pytest.mark.slow
def test_every_simulated_message_is_accounted_for(tmp_path):
    path, summary = write(tmp_path)
    warehouse = tmp_path / "w.duckdb"
    result = sensors.run(["--replay", str(path), "--lake_location", str(tmp_path / "lake"),
                          "--warehouse", f"duckdb://{warehouse}"])
    assert result.received == summary["messages"]
    assert result.balanced
    assert result.duplicates_dropped == summary["retries"]
    assert result.dead_letters == summary["malformed"] + summary.get("late_beyond_2h", 0)
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("SELECT count(*) FROM ops.dead_letter").fetchone()[0] == result.dead_letters
    # the two dropout sensors went quiet for 10 minutes: one silent-sensor alert each, nobody else
    silent = con.execute("SELECT sensor_id, measured_value FROM ops.alerts WHERE rule = 'silent_sensor'").fetchall()
    assert len(silent) == 2 and len({s for s, _ in silent}) == 2
    assert all(10 <= minutes < 10.1 for _, minutes in silent)
    blasts = con.execute("SELECT DISTINCT zone, minute(event_time) FROM ops.alerts WHERE rule = 'ppv_limit_curve'"
                         ).fetchall()
    assert blasts and {z for z, _ in blasts} == {sim.BLAST_ZONE} and {m for _, m in blasts} <= {15, 45}
    # RobustZScore per sensor: the blasts, and the drift sensor's precursor in the run's last third
    anomalies = con.execute("SELECT sensor_id, zone, minute(event_time) FROM ops.alerts WHERE rule = 'ppv_anomaly'"
                            ).fetchall()
    drift_sensor = sim.sensor_ids(14)[14 // 3][0]
    drift = [m for s, _, m in anomalies if s == drift_sensor]
    assert drift and min(drift) >= 50 * 2 // 3
    blast_hits = [(s, m) for s, z, m in anomalies if z == sim.BLAST_ZONE and m in (15, 45)]
    assert blast_hits  # a blast early in the run may fall in the warm-up, the later one does not
    # the online detector sees a batch replay's minutes in no fixed order: allow a stray outlier or two
    others = [a for a in anomalies if a[0] != drift_sensor and (a[1], a[2]) not in
              {(sim.BLAST_ZONE, 15), (sim.BLAST_ZONE, 45)}]
    assert len(others) <= 3, others


def test_publishes_the_same_messages_to_a_topic(tmp_path, publisher):
    summary = sim.publish(publisher, "projects/p/topics/sensor-readings", sensors=3, rate_hz=1, minutes=2)
    assert len(publisher.sent) == summary["messages"]
    topic, data, attributes = publisher.sent[0]
    payload = json.loads(data)
    assert topic == "projects/p/topics/sensor-readings" and attributes == {"event_time": payload["event_time"]}


def test_the_sensors_are_the_mines_reference_table():
    """The simulator's geophones are the first lines of sql/seeds/sensors.csv (marts.sensors is seeded from
    it): each stands in the box of the zone it reports, and a count beyond the file is refused."""
    import csv

    from pipelines.local.mine import ZONES

    with sim.SENSORS_CSV.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) >= 120 and len({r["sensor_id"] for r in rows}) == len(rows)
    boxes = {z.name: z for z in ZONES}
    for row in rows:
        zone = boxes[row["zone"]]
        assert zone.contains(float(row["easting_m"]), float(row["northing_m"])), row
        assert row["sensor_id"].startswith(f"VIB-{zone.code}-"), row
    assert sim.sensor_ids(120) == [(r["sensor_id"], r["zone"]) for r in rows[:120]]
    assert {zone for _, zone in sim.sensor_ids(len(rows))} == set(sim.ZONES) == set(boxes)
    with pytest.raises(ValueError, match=f"the mine has {len(rows)} geophones"):
        sim.sensor_ids(len(rows) + 1)
