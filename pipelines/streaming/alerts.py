"""Alert rules of the speed layer, evaluated in bulk on Arrow tables.

``ppv_limit_alerts``: a sensor's strongest reading of a minute above the PPV limit for its
dominant frequency. The curve is configuration (``ppv_limit_curve.json``), not code.
``silent_sensor_alerts``: a sensor quiet for longer than N minutes while the mine reports.
``anomaly_alert``: Beam's RobustZScore detector, per sensor, on each minute's max PPV.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta, timezone
from importlib import resources

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: How urgent a rule's alerts are, sent as the ``severity`` attribute of each alert message
#: (``sinks.PublishAlerts``). ``critical`` wakes someone: a minute's PPV over the damage limit
#: curve, a critical machinery issue opened. ``warning`` waits for working hours: a silent sensor,
#: a statistical outlier under the limit. Terraform's critical-alerts subscription filters on
#: ``attributes.severity = "critical"``: a Pub/Sub filter cannot change without recreating the
#: subscription, so the list of critical rules lives here, with the rules, not in the filter.
RULE_SEVERITY: dict[str, str] = {
    "ppv_limit_curve": "critical",
    "critical_issue_opened": "critical",
    "silent_sensor": "warning",
    "ppv_anomaly": "warning",
}
UNKNOWN_RULE_SEVERITY = "critical"  # a rule nobody ranked yet is sent to a person, not hidden


def severity_of(rule: str | None) -> str:
    """The ``severity`` attribute of an alert of ``rule`` (see :data:`RULE_SEVERITY`)."""
    return RULE_SEVERITY.get(rule or "", UNKNOWN_RULE_SEVERITY)

ALERT_SCHEMA = pa.schema([
    ("alert_id", pa.string()), ("pipeline", pa.string()), ("rule", pa.string()), ("sensor_id", pa.string()),
    ("zone", pa.string()), ("event_time", pa.timestamp("us", tz="UTC")), ("measured_value", pa.float64()),
    ("limit_value", pa.float64()), ("unit", pa.string()), ("details", pa.string()),
    ("raised_at", pa.timestamp("us", tz="UTC")), ("machine_id", pa.string()), ("issue_id", pa.string()),
])


def alerts_table(columns: dict) -> pa.Table:
    """An ``ops.alerts`` table from the columns a rule fills; the others (another rule's) are null."""
    rows = len(next(iter(columns.values())))
    return pa.table({f.name: columns.get(f.name, pa.nulls(rows, f.type)) for f in ALERT_SCHEMA}, schema=ALERT_SCHEMA)


def load_curve(path: str | None = None) -> np.ndarray:
    """The limit curve as an (n, 2) array of (frequency Hz, PPV mm/s), sorted by frequency."""
    text = (open(path).read() if path
            else resources.files("pipelines.streaming").joinpath("ppv_limit_curve.json").read_text())
    points = np.array(json.loads(text)["points_hz_mm_s"], dtype=float)
    return points[np.argsort(points[:, 0])]


def ppv_limit(curve: np.ndarray, frequency_hz: np.ndarray) -> np.ndarray:
    """Limit at each frequency: linear between the curve's points, flat beyond its ends."""
    return np.interp(frequency_hz, curve[:, 0], curve[:, 1])


def ppv_limit_alerts(metrics: pa.Table, curve: np.ndarray, pipeline: str) -> pa.Table:
    """One alert per sensor-minute whose max PPV exceeds the limit at its dominant frequency."""
    if metrics.num_rows == 0:
        return ALERT_SCHEMA.empty_table()
    limits = ppv_limit(curve, metrics["dominant_frequency_hz"].to_numpy(zero_copy_only=False))
    over = pc.greater(metrics["max_ppv_mm_s"], pa.array(limits))
    hits = metrics.filter(over)
    if hits.num_rows == 0:
        return ALERT_SCHEMA.empty_table()
    hit_limits = limits[np.asarray(over.to_numpy(zero_copy_only=False), dtype=bool)]
    starts = hits["window_start"].to_pylist()
    sensors = hits["sensor_id"].to_pylist()
    now = datetime.now(timezone.utc)
    return alerts_table({
        "alert_id": [f"{pipeline}:ppv_limit_curve:{s}:{t:%Y%m%dT%H%M}" for s, t in zip(sensors, starts, strict=True)],
        "pipeline": [pipeline] * hits.num_rows,
        "rule": ["ppv_limit_curve"] * hits.num_rows,
        "sensor_id": hits["sensor_id"],
        "zone": hits["zone"],
        "event_time": hits["window_start"],
        "measured_value": hits["max_ppv_mm_s"],
        "limit_value": pa.array(hit_limits, pa.float64()),
        "unit": ["mm/s"] * hits.num_rows,
        "details": [f"max PPV {p:.1f} mm/s at {f:.1f} Hz over the limit {lim:.1f} mm/s"
                    for p, f, lim in zip(hits["max_ppv_mm_s"].to_pylist(), hits["dominant_frequency_hz"].to_pylist(),
                                         hit_limits, strict=True)],
        "raised_at": pa.array([now] * hits.num_rows, pa.timestamp("us", tz="UTC")),
    })


def silent_sensor_alerts(readings: pa.Table, silent_after: timedelta, pipeline: str) -> pa.Table:
    """Sensors that went quiet for longer than ``silent_after`` inside one batch of readings.

    A gap between two readings of a sensor, or between its last reading and the newest reading
    of the whole batch (the mine kept talking, this sensor did not), raises one alert.
    """
    if readings.num_rows == 0:
        return ALERT_SCHEMA.empty_table()
    # sensors as dictionary codes, not Python strings: an hour is millions of readings
    codes = pc.dictionary_encode(readings["sensor_id"]).combine_chunks()
    all_times = pc.cast(readings["event_time"], pa.int64()).to_numpy()
    order = np.lexsort((all_times, codes.indices.to_numpy()))
    sensor_codes, times = codes.indices.to_numpy()[order], all_times[order]
    limit_us = int(silent_after.total_seconds() * 1_000_000)
    newest = int(times.max())
    last_of_sensor = np.r_[sensor_codes[1:] != sensor_codes[:-1], True]
    next_time = np.r_[times[1:], newest]
    next_time[last_of_sensor] = newest  # after a sensor's last reading: the batch's newest reading
    gap = next_time - times
    hits = np.flatnonzero(gap > limit_us)
    if hits.size == 0:
        return ALERT_SCHEMA.empty_table()
    sensors = dict(zip(hits.tolist(), codes.dictionary.take(pa.array(sensor_codes[hits])).to_pylist(), strict=True))
    zones = dict(zip(hits.tolist(), readings["zone"].take(pa.array(order[hits])).to_pylist(), strict=True))
    now = datetime.now(timezone.utc)
    rows = []
    for i in hits.tolist():
        since = datetime.fromtimestamp(times[i] / 1e6, timezone.utc)
        until = datetime.fromtimestamp(next_time[i] / 1e6, timezone.utc)
        still = bool(last_of_sensor[i])
        rows.append({
            "alert_id": f"{pipeline}:silent_sensor:{sensors[i]}:{since:%Y%m%dT%H%M%S}",
            "pipeline": pipeline, "rule": "silent_sensor", "sensor_id": sensors[i], "zone": zones[i],
            "event_time": since, "measured_value": gap[i] / 60e6, "limit_value": silent_after.total_seconds() / 60,
            "unit": "minutes",
            "details": (f"no reading since {since:%H:%M:%S}" + (" (still silent at the newest reading)"
                        if still else f", next at {until:%H:%M:%S}")),
            "raised_at": now,
        })
    return pa.Table.from_pylist(rows, schema=ALERT_SCHEMA)


def anomaly_alert(keyed_result, pipeline: str) -> dict | None:
    """An ``ops.alerts`` row for an ``AnomalyResult`` labelled as an outlier (else None)."""
    sensor_id, result = keyed_result
    prediction = next(iter(result.predictions))
    if prediction.label != 1 or prediction.score is None or math.isnan(prediction.score):
        return None
    example = result.example
    return {
        "alert_id": f"{pipeline}:ppv_anomaly:{sensor_id}:{example.window_start:%Y%m%dT%H%M}",
        "pipeline": pipeline, "rule": "ppv_anomaly", "sensor_id": sensor_id, "zone": example.zone,
        "event_time": example.window_start, "measured_value": example.max_ppv_mm_s,
        "limit_value": prediction.threshold, "unit": "robust z-score",
        "details": f"max PPV {example.max_ppv_mm_s:.2f} mm/s scores {prediction.score:.1f} against the sensor's "
                   f"running median (RobustZScore, threshold {prediction.threshold})",
        "raised_at": datetime.now(timezone.utc),
    }
