"""The Dataflow path, without Google Cloud: the job Beam builds, and the package workers install."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from test_bigquery_warehouse import FakeClient

from pipelines.batch import production
from pipelines.warehouse import bigquery_warehouse

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def bigquery(monkeypatch) -> FakeClient:
    """The project's BigQuery, as the recording fake of test_bigquery_warehouse (no cloud account here)."""
    client = FakeClient()
    monkeypatch.setattr(bigquery_warehouse.bigquery, "Client", lambda **kw: client)
    return client


def assert_nothing_written(client: FakeClient) -> None:
    """A dry run reads the warehouse (watermarks, run history, table schemas) and writes no row:
    no load job, no DML; at most the ops tables are made."""
    assert "load_table_from_uri" not in client.names()
    queries = [call[1] for call in client.calls if call[0] == "query"]
    assert queries and all(sql.startswith("SELECT") for sql in queries), queries
    made = [call[1]["tableReference"] for call in client.calls if call[0] == "create_table"]
    assert {table["datasetId"] for table in made} <= {"ops"}


def test_dataflow_runner_builds_a_valid_batch_job(production_url, tmp_path, minera_home, monkeypatch, bigquery):
    monkeypatch.setenv("PGPASSWORD", "s3cret-never-in-the-job")
    job_file = tmp_path / "job.json"
    outcomes = production.run([
        "--source_url", production_url, "--tables", "public.truck_loads,public.blasts",
        "--warehouse", "bigquery://minera-prod",
        "--runner", "DataflowRunner", "--project", "minera-prod", "--region", "europe-west1",
        "--temp_location", "gs://minera-tmp/tmp", "--staging_location", "gs://minera-staging/staging",
        "--rows_per_partition", "5000", "--dry_run=True", "--no_auth", "--dataflow_job_file", str(job_file),
    ])
    assert outcomes == []  # built, not submitted, nothing loaded
    job = json.loads(job_file.read_text())
    text = job_file.read_text()

    assert job["job"]["type"] == "JOB_TYPE_BATCH"
    assert {"ExtractToStaging/Partitions", "ExtractToStaging/Distribute", "ExtractToStaging/ReadPartitions",
            "ExtractToStaging/WriteStagedParquet"} <= set(job["transforms"])
    (env,) = job["environments"]
    assert env["image"].endswith("beam_python3.11_sdk:2.77.0")
    assert "workflow.tar.gz" in env["artifacts"]  # this package, built from setup.py
    options = job["options"]
    assert options["setup_file"] == str(ROOT / "setup.py")
    assert options["project"] == "minera-prod" and options["region"] == "europe-west1"
    assert "s3cret" not in text and "PGPASSWORD" not in options.values()
    assert_nothing_written(bigquery)  # the launcher planned but did not touch the raw tables or ops.load_runs
    assert not (minera_home / "warehouse.duckdb").exists()


def test_setup_py_packages_everything_a_worker_imports(tmp_path):
    """Dataflow installs the sdist of setup.py on every worker: it must carry code, catalogues, schemas."""
    subprocess.run([sys.executable, "setup.py", "-q", "sdist", "--dist-dir", str(tmp_path)], cwd=ROOT,
                   check=True, capture_output=True)
    (sdist,) = tmp_path.glob("*.tar.gz")
    names = {n.split("/", 1)[1] for n in tarfile.open(sdist).getnames() if "/" in n}
    assert {"pipelines/batch/production.py", "pipelines/sources/postgres.py", "pipelines/batch/transforms.py",
            "pipelines/catalogues/production.yaml", "schemas/ops/load_runs.json",
            "pipelines/local/production_schema.sql", "schemas/ops/dead_letter.json",
            "schemas/streaming/sensor_reading.json", "schemas/speed/sensor_minute_metrics.json",
            "pipelines/streaming/sensors.py", "pipelines/batch/rock_quality.py", "pipelines/sources/avro.py",
            "schemas/vendor/rock_quality_sample.v1.avsc", "schemas/ops/loaded_files.json",
            "pipelines/streaming/machine_issues.py", "pipelines/streaming/runner.py",
            "schemas/raw_mobile/machine_issue_events.json", "schemas/streaming/machine_issue_event.json",
            "pipelines/batch/sensor_recompute.py", "pipelines/sensor_metrics.py", "pipelines/lake.py",
            "schemas/lake/sensor_readings.json", "schemas/ops/batch_days.json"} <= names


@pytest.mark.slow
def test_dataflow_runner_builds_a_valid_streaming_job(tmp_path, minera_home):
    """The speed layer on Dataflow: Pub/Sub in, BigQuery streaming inserts and an alerts topic out."""
    from pipelines.streaming import sensors

    job_file = tmp_path / "job.json"
    summary = sensors.run([
        "--input_subscription", "projects/minera-prod/subscriptions/vibration-readings",
        "--lake_location", "gs://minera-lake/lake", "--warehouse", "bigquery://minera-prod",
        "--alerts_topic", "projects/minera-prod/topics/ground-alerts",
        "--runner", "DataflowRunner", "--streaming", "--project", "minera-prod", "--region", "europe-west1",
        "--temp_location", "gs://minera-tmp/tmp", "--dry_run=True", "--no_auth",
        "--dataflow_job_file", str(job_file),
    ])
    assert summary is None  # built, not submitted: there is nothing to count
    job = json.loads(job_file.read_text())
    steps = job["steps"]

    assert job["job"]["type"] == "JOB_TYPE_STREAMING"
    read = steps["ReadMessages/ReadFromPubSub/Read"]
    assert read["urn"] == "beam:transform:pubsub_read:v1"
    assert read["payload"] == {"subscription": "projects/minera-prod/subscriptions/vibration-readings",
                               "timestamp_attribute": "event_time", "with_attributes": True}
    writes = {name.split("/")[0]: step for name, step in steps.items()
              if step["urn"] == "beam:transform:write_to_big_query:v0"}
    assert {step: w["display_data"]["table"] for step, w in writes.items()} == {
        "WriteMetrics": "minera-prod:speed.sensor_minute_metrics", "WriteAlerts": "minera-prod:ops.alerts",
        "WriteReadDeadLetters": "minera-prod:ops.dead_letter",
        "WriteValidateDeadLetters": "minera-prod:ops.dead_letter"}
    for step in writes:
        inserts = steps[f"{step}/WriteToBigQuery/_StreamToBigQuery/StreamInsertRows/ParDo(BigQueryWriteFn)"]
        assert inserts["display_data"]["retry_strategy"] == "RETRY_ON_TRANSIENT_ERROR"
        assert inserts["display_data"]["create_disposition"] == "CREATE_IF_NEEDED"
        assert inserts["display_data"]["write_disposition"] == "WRITE_APPEND"
    assert "'field': 'event_time'" in steps["WriteAlerts/WriteToBigQuery/_StreamToBigQuery/StreamInsertRows/"
                                           "ParDo(BigQueryWriteFn)"]["display_data"]["additional_bq_parameters"]
    (publish,) = [step for step in steps.values() if step["urn"] == "beam:transform:pubsub_write:v1"]
    assert publish["payload"] == {"topic": "projects/minera-prod/topics/ground-alerts"}
    assert "PublishAlerts/ToPubsubMessages" in job["transforms"]
    assert job["options"]["streaming"] is True
    text = job_file.read_text().lower()
    assert "duckdb" not in text and "appendtoduckdb" not in text


@pytest.mark.slow
def test_streaming_job_passes_the_id_attribute_to_dataflow(tmp_path, minera_home):
    """``--id_attribute`` becomes the Pub/Sub read's id attribute (Dataflow de-duplicates by it)."""
    from pipelines.streaming import sensors

    job_file = tmp_path / "job.json"
    sensors.run([
        "--input_subscription", "projects/minera-prod/subscriptions/vibration-readings",
        "--lake_location", "gs://minera-lake/lake", "--warehouse", "bigquery://minera-prod?location=EU",
        "--id_attribute", "reading_id", "--runner", "DataflowRunner", "--streaming", "--project", "minera-prod",
        "--region", "europe-west1", "--temp_location", "gs://minera-tmp/tmp", "--dry_run=True", "--no_auth",
        "--dataflow_job_file", str(job_file),
    ])
    steps = json.loads(job_file.read_text())["steps"]
    assert steps["ReadMessages/ReadFromPubSub/Read"]["payload"]["id_attribute"] == "reading_id"
    assert not [s for s in steps.values() if s["urn"] == "beam:transform:pubsub_write:v1"]  # no topic, no publish


def test_dataflow_runner_builds_a_valid_file_load_job(tmp_path, minera_home, bigquery, s3_server, s3_client):
    """The lab files on Dataflow: the launcher lists and reads headers, workers stage; nothing loads in a dry run."""
    from pipelines.batch import rock_quality
    from pipelines.simulate import rock_quality as lab

    landing = tmp_path / "landing"
    s3_client.create_bucket(Bucket="andes-lab-exports")
    for g in lab.generate(landing, files=2, samples=10, broken=["empty"]):
        s3_client.upload_file(str(g.path), "andes-lab-exports", "rq/" + g.path.relative_to(landing).as_posix())
    job_file = tmp_path / "job.json"
    outcomes = rock_quality.run([
        "--input", "s3://andes-lab-exports/rq/**.avro", "--s3_endpoint_url", s3_server,
        "--settle_seconds", "0",  # uploaded a moment ago, and finished: S3 shows an object only when whole
        "--warehouse", "bigquery://minera-prod",
        "--runner", "DataflowRunner", "--project", "minera-prod", "--region", "europe-west1",
        "--temp_location", "gs://minera-tmp/tmp", "--staging_location", "gs://minera-staging/staging",
        "--dry_run=True", "--no_auth", "--dataflow_job_file", str(job_file),
    ])
    assert outcomes == []
    job = json.loads(job_file.read_text())
    assert job["job"]["type"] == "JOB_TYPE_BATCH"
    assert {"StageLandedFiles/Files", "StageLandedFiles/Spread", "StageLandedFiles/Stage"} <= set(job["transforms"])
    assert job["options"]["setup_file"] == str(ROOT / "setup.py")
    assert_nothing_written(bigquery)  # not even the empty file is recorded


# -- a Dataflow run never falls back to the laptop's stack (issue 12, point 7) ------------------------

@pytest.mark.slow
def test_the_command_users_type_names_every_missing_dataflow_setting_before_anything_runs(tmp_path):
    """``python -m pipelines.batch.erp --runner DataflowRunner``: one line naming what is missing; no
    local stack started, no local warehouse or staging folder made."""
    from test_production_failures import assert_one_line_error, cli_env

    home = tmp_path / "home"
    proc = subprocess.run([sys.executable, "-m", "pipelines.batch.erp", "--runner", "DataflowRunner"], cwd=ROOT,
                          env=cli_env(home), capture_output=True, text=True, timeout=120)
    assert_one_line_error(proc, 2, "a Dataflow run needs --project, --region, --source_url;",
                          "--temp_location on gs:// (got none)", "--warehouse bigquery://PROJECT (got none",
                          "--staging_location on gs:// (got none", "never falls back to this machine")
    assert not home.exists()

    proc = subprocess.run([sys.executable, "-m", "pipelines.batch.production", "--runner", "DataflowRunner",
                           "--project", "minera-prod", "--region", "europe-west1", "--temp_location", "/tmp/t",
                           "--source_url", "postgresql://loader@10.20.0.5/production", "--warehouse",
                           f"duckdb://{tmp_path / 'w.duckdb'}", "--staging_location", "gs://minera-staging/s"],
                          cwd=ROOT, env=cli_env(home), capture_output=True, text=True, timeout=120)
    last = assert_one_line_error(proc, 2, "--temp_location on gs:// (got /tmp/t)",
                                 f"--warehouse bigquery://PROJECT (got duckdb://{tmp_path / 'w.duckdb'})")
    assert "--project" not in last and "--source_url" not in last and "--staging_location" not in last
    assert not home.exists() and not (tmp_path / "w.duckdb").exists()


def test_the_file_loader_on_dataflow_refuses_local_input_and_warehouse(tmp_path, minera_home):
    from pipelines.batch import rock_quality
    from pipelines.errors import ConfigError

    with pytest.raises(ConfigError) as refused:
        rock_quality.run(["--runner", "DataflowRunner", "--project", "minera-prod", "--region", "europe-west1",
                          "--temp_location", "gs://minera-tmp/tmp", "--input", str(tmp_path / "landing/*.avro"),
                          "--warehouse", f"duckdb://{tmp_path / 'w.duckdb'}"])
    message = str(refused.value)
    assert f"--input on gs:// or s3:// (got {tmp_path / 'landing/*.avro'})" in message
    assert "--warehouse bigquery://PROJECT" in message and "--staging_location on gs:// (got none" in message
    assert not minera_home.exists() and not (tmp_path / "w.duckdb").exists()


@pytest.mark.parametrize("pipeline", ["sensors", "machine_issues"])
def test_a_streaming_job_on_dataflow_takes_no_replay_file_local_lake_or_duckdb(pipeline, tmp_path, minera_home):
    import importlib

    from pipelines.errors import ConfigError

    replay = tmp_path / "replay.jsonl"
    replay.write_text("")
    module = importlib.import_module(f"pipelines.streaming.{pipeline}")
    with pytest.raises(ConfigError) as refused:
        module.run(["--replay", str(replay), "--runner", "DataflowRunner", "--streaming", "--project", "minera-prod",
                    "--region", "europe-west1", "--temp_location", "gs://minera-tmp/tmp"])
    message = str(refused.value)
    assert "no --replay (a local file; Dataflow reads the cloud)" in message
    assert "--warehouse bigquery://PROJECT (got none: the local DuckDB file)" in message
    assert ("--lake_location on gs:// (got none: a local folder)" in message) == (pipeline == "sensors")
    assert not minera_home.exists()


# -- the batch layer's recomputation on Dataflow ---------------------------------------------------------

def fake_gcs(monkeypatch, objects: dict[str, int]) -> None:
    """Cloud Storage listings (``FileSystems.match`` on gs://) answered from ``objects`` (path -> size),
    by Beam's own glob rules; other paths go to the real file systems."""
    import re

    from apache_beam.io.filesystem import FileMetadata, FileSystem, MatchResult
    from apache_beam.io.filesystems import FileSystems

    real = FileSystems.match

    def match(patterns, limits=None):
        if not all(p.startswith("gs://") for p in patterns):
            return real(patterns, limits)
        results = []
        for i, pattern in enumerate(patterns):
            found = [FileMetadata(path, size) for path, size in sorted(objects.items())
                     if re.match(FileSystem.translate_pattern(pattern), path)]
            results.append(MatchResult(pattern, found[:limits[i]] if limits else found))
        return results

    monkeypatch.setattr(FileSystems, "match", staticmethod(match))


@pytest.mark.slow
def test_dataflow_runner_builds_a_valid_recompute_job(tmp_path, minera_home, bigquery, monkeypatch, caplog):
    """The batch layer on Dataflow: the launcher lists the day's files in the gs:// lake, the workers
    read them; a dry run builds the job and writes no row."""
    from pipelines.batch import sensor_recompute

    lake = "gs://minera-lake/lake/sensor_readings"
    fake_gcs(monkeypatch, {f"{lake}/dt=2026-11-22/hour={h:02d}/run-r1-00000.parquet": 40_000_000 for h in range(24)}
             | {f"{lake}/dt=2026-11-23/hour=00/run-r1-00000.parquet": 1_000_000})
    job_file = tmp_path / "job.json"
    caplog.set_level("INFO", logger="pipelines.batch.sensor_recompute")
    done = sensor_recompute.run([
        "--date", "2026-11-22", "--lake_location", "gs://minera-lake/lake", "--warehouse", "bigquery://minera-prod",
        "--runner", "DataflowRunner", "--project", "minera-prod", "--region", "europe-west1",
        "--temp_location", "gs://minera-tmp/tmp", "--staging_location", "gs://minera-staging/staging",
        "--dry_run=True", "--no_auth", "--dataflow_job_file", str(job_file),
    ])
    assert done is None  # built, not submitted: nothing replaced
    job = json.loads(job_file.read_text())
    assert job["job"]["type"] == "JOB_TYPE_BATCH"
    assert {"LakeFiles", "RowGroups", "Spread", "ReadReadings", "MinuteMetrics/MinutePartials",
            "MinuteMetrics/GroupMinute", "MinuteMetrics/Metrics", "StageMetrics"} <= set(job["transforms"])
    assert job["options"]["setup_file"] == str(ROOT / "setup.py")
    assert "2026-11-22 from 24 lake file(s) (960.0 MB) under gs://minera-lake/lake/sensor_readings" in caplog.text
    assert_nothing_written(bigquery)
    assert not (minera_home / "warehouse.duckdb").exists()


def test_the_recompute_on_dataflow_refuses_a_local_lake_and_staging(tmp_path, minera_home):
    from pipelines.batch import sensor_recompute
    from pipelines.errors import ConfigError

    with pytest.raises(ConfigError) as refused:
        sensor_recompute.run(["--runner", "DataflowRunner", "--project", "minera-prod", "--region", "europe-west1",
                              "--temp_location", "gs://minera-tmp/tmp", "--warehouse", "bigquery://minera-prod",
                              "--lake_location", str(tmp_path / "lake")])
    message = str(refused.value)
    assert f"--lake_location on gs:// (got {tmp_path / 'lake'})" in message
    assert "--staging_location on gs:// (got none: a local folder)" in message
    assert not minera_home.exists()
