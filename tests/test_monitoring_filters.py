"""The log filters and Pub/Sub filter of terraform/modules/monitoring against what the code writes.

Each regex is read from the module's main.tf, so the Terraform and the lines it watches cannot
drift apart: the tests run the real code (the batch loader's commit, the lake writer, the alert
publisher), format its lines the way they reach Cloud Logging, and apply the filters to them.

A line reaches Cloud Logging in two shapes: from Composer or a launcher console as text
(``textPayload``: the handler's whole line, ``<time> <LEVEL> <message>``), from a Dataflow worker
as ``jsonPayload.message`` (the record's message alone). Logging's ``=~`` is an unanchored RE2
search; the regexes use no syntax where RE2 and Python's ``re`` differ.
"""

from __future__ import annotations

import io
import logging
import re
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import pyarrow as pa
import pytest

from pipelines import logs
from pipelines.batch import loader
from pipelines.batch.staging import StagedFile
from pipelines.bounds import parse_bound
from pipelines.schema import load_schema_file
from pipelines.sources.base import Window
from pipelines.streaming.alerts import RULE_SEVERITY, alerts_table
from pipelines.streaming.machine_issues import CRITICAL_RULE
from pipelines.streaming.sinks import alert_messages
from pipelines.streaming.transforms import WriteHourlyParquetFn, pack

MODULES = Path(__file__).resolve().parents[1] / "terraform" / "modules"
MODULE = MODULES / "monitoring"


def hcl_local(name: str, path: Path = MODULE / "main.tf") -> str:
    """The value of the one ``<name> = "..."`` in ``path`` (the monitoring module's main.tf), HCL escapes undone."""
    text = path.read_text()
    matches = re.findall(rf'^\s*{name}\s*=\s*"((?:[^"\\]|\\.)*)"\s*$', text, re.M)
    assert len(matches) == 1, f"not one string {name} in {path}: {matches}"
    match = re.search(rf'^\s*{name}\s*=\s*"((?:[^"\\]|\\.)*)"\s*$', text, re.M)
    value = match.group(1)
    assert "${" not in value and "%{" not in value, f"{name} must be a plain string, no template"
    return re.sub(r'\\(["\\])', r"\1", value)


@pytest.fixture
def formatted(caplog):
    """The project's own handler (``logs.configure``) writing to a buffer: lines as the launcher
    prints them. Returns (buffer, caplog) so a test sees both shapes of each line."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    logs.configure()
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(root.handlers[0].formatter)
    root.addHandler(handler)
    caplog.set_level(logging.INFO)
    yield buffer, caplog
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


class FakeWarehouse:
    def __init__(self, error: Exception | None = None):
        self.error, self.runs = error, []

    def load(self, request) -> int:
        if self.error:
            raise self.error
        return 1234

    def record_runs(self, rows: list[dict]) -> None:
        self.runs.extend(rows)


def commit(monkeypatch, warehouse: FakeWarehouse) -> None:
    """The loader's real per-table commit (``loader._commit_table``) of MSEG into raw_erp.mseg."""
    staged = StagedFile(path="gs://staging/run/mseg/part-00000.parquet", rows=1234, bytes=56_789,
                        source_table="SAPSR3.MSEG", partition=0, partitions=1)
    monkeypatch.setattr(loader.staging, "read_manifests", lambda prefix, expected: [staged])
    table = SimpleNamespace(qualified="SAPSR3.MSEG", schema=load_schema_file("ops/alerts.json"))
    plan = SimpleNamespace(
        table=table, target_table="mseg", stage_prefix="gs://staging/run/mseg", partitions=[object()],
        key_partitions=[], window=Window("CPUDT", parse_bound("2026-11-21", "date"), parse_bound("2026-11-22", "date")),
        new_watermark=parse_bound("2026-11-22", "date"),
        config=SimpleNamespace(partition_by=None, cluster_by=()), key_filter=(), schema_changes=())
    catalogue = SimpleNamespace(pipeline="erp", dataset="raw_erp")
    loader._commit_table(warehouse, catalogue, plan, "run-20261122T1000", datetime.now(timezone.utc))


def test_the_batch_failure_filter_matches_a_failed_table_and_not_a_loaded_one(monkeypatch, formatted):
    buffer, caplog = formatted
    regex = re.compile(hcl_local("batch_failure_regex"))

    commit(monkeypatch, FakeWarehouse(RuntimeError("BigQuery: quota exceeded\nsecond line")))
    failed_text = buffer.getvalue().strip().splitlines()
    failed_messages = [r.getMessage() for r in caplog.records]
    assert len(failed_text) == 1 and "ERROR" in failed_text[0]
    for line in failed_text + failed_messages:  # textPayload and jsonPayload.message
        match = regex.search(line)
        assert match, line
        assert match.group(1) == "raw_erp.mseg"  # the label extractor's value

    buffer.seek(0)
    buffer.truncate()
    caplog.clear()
    commit(monkeypatch, FakeWarehouse())
    loaded_text = buffer.getvalue().strip().splitlines()
    assert len(loaded_text) == 1 and "SAPSR3.MSEG -> raw_erp.mseg: 1,234 rows" in loaded_text[0]
    for line in loaded_text + [r.getMessage() for r in caplog.records]:
        assert not regex.search(line), line


def test_the_batch_failure_filter_ignores_the_run_summary_and_other_errors():
    regex = re.compile(hcl_local("batch_failure_regex"))
    for line in ("run 20261122T1000: 3 of 4 tables loaded, 1,234 rows in 2.0s (617 rows/s)",
                 "error: 1 of 4 tables failed: SAPSR3.MSEG: FAILED (staged files kept under gs://x)",
                 "gs://landing/lab/a.avro: REJECTED (corrupt): not an Avro file"):
        assert not regex.search(line)


def test_the_lake_freshness_filter_matches_each_lake_file_written(tmp_path, formatted):
    buffer, caplog = formatted
    regex = re.compile(hcl_local("lake_file_regex"))
    hour = datetime(2026, 11, 22, 10, tzinfo=timezone.utc)
    readings = pa.table({"sensor_id": ["VIB-N3-017", "VIB-N3-001"], "zone": ["north-pit-3"] * 2,
                         "event_time": pa.array([hour, hour], pa.timestamp("us", tz="UTC")),
                         "ppv_mm_s": [2.31, 0.4], "frequency_hz": [18.5, 9.0], "battery_v": [3.6, 3.7]})
    fn = WriteHourlyParquetFn(str(tmp_path / "lake"), "sensor_readings", ["sensor_id", "event_time"], "run-t1")
    fn.setup()
    (path,) = list(fn.process((int(hour.timestamp()), [pack(readings)]), pane=None))

    assert path.endswith("sensor_readings/dt=2026-11-22/hour=10/run-t1-00000.parquet")
    (message,) = [r.getMessage() for r in caplog.records if "lake file written" in r.getMessage()]
    assert regex.search(message)  # a Dataflow worker's jsonPayload.message
    assert regex.search(f"lake file written: gs://minera-dev-lake/lake{path.split('/lake', 1)[1]} (2 rows)")
    assert not regex.search(f"lake file written: {path}.tmp (2 rows)")  # never a temporary file


def test_the_critical_alerts_subscription_takes_the_critical_rules_only():
    # the platform's `critical` alert subscription, whose backlog the monitoring module alerts on
    critical = hcl_local("filter", MODULES.parent / "platform" / "data.tf")
    attribute, value = re.fullmatch(r'attributes\.(\w+) = "(\w+)"', critical).groups()
    schema = load_schema_file("ops/alerts.json")
    now = datetime(2026, 11, 22, 10, 15, tzinfo=timezone.utc)
    rules = ["ppv_limit_curve", "silent_sensor", "ppv_anomaly", CRITICAL_RULE, "a_rule_nobody_ranked"]
    table = alerts_table({"alert_id": [f"a{i}" for i in range(len(rules))], "rule": rules,
                          "pipeline": ["test"] * len(rules),
                          "raised_at": pa.array([now] * len(rules), pa.timestamp("us", tz="UTC"))})
    taken = [m.attributes["rule"] for m in alert_messages(table, schema) if m.attributes.get(attribute) == value]
    assert taken == ["ppv_limit_curve", CRITICAL_RULE, "a_rule_nobody_ranked"]


def test_every_rule_the_pipelines_raise_has_a_severity():
    assert set(RULE_SEVERITY) == {"ppv_limit_curve", "silent_sensor", "ppv_anomaly", CRITICAL_RULE}
    assert set(RULE_SEVERITY.values()) <= {"critical", "warning"}
