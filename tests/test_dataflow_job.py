"""The Dataflow path, without Google Cloud: the job Beam builds, and the package workers install."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from pathlib import Path

import duckdb

from pipelines.batch import production

ROOT = Path(__file__).resolve().parent.parent


def test_dataflow_runner_builds_a_valid_batch_job(production_url, tmp_path, minera_home, monkeypatch):
    monkeypatch.setenv("PGPASSWORD", "s3cret-never-in-the-job")
    job_file = tmp_path / "job.json"
    warehouse = tmp_path / "w.duckdb"
    outcomes = production.run([
        "--source_url", production_url, "--tables", "public.truck_loads,public.blasts",
        "--warehouse", f"duckdb://{warehouse}",
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
    # the launcher planned but did not touch the warehouse's raw tables
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw_production'"
                       ).fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM ops.load_runs").fetchone()[0] == 0


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
            "schemas/raw_mobile/machine_issue_events.json", "schemas/streaming/machine_issue_event.json"} <= names


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


def test_dataflow_runner_builds_a_valid_file_load_job(tmp_path, minera_home):
    """The lab files on Dataflow: the launcher lists and reads headers, workers stage; nothing loads in a dry run."""
    from pipelines.batch import rock_quality
    from pipelines.simulate import rock_quality as lab

    lab.generate(tmp_path / "landing", files=2, samples=10, broken=["empty"])
    job_file = tmp_path / "job.json"
    warehouse = tmp_path / "w.duckdb"
    outcomes = rock_quality.run([
        "--input", f"{tmp_path / 'landing'}/**.avro", "--warehouse", f"duckdb://{warehouse}",
        "--runner", "DataflowRunner", "--project", "minera-prod", "--region", "europe-west1",
        "--temp_location", "gs://minera-tmp/tmp", "--staging_location", "gs://minera-staging/staging",
        "--dry_run=True", "--no_auth", "--dataflow_job_file", str(job_file),
    ])
    assert outcomes == []
    job = json.loads(job_file.read_text())
    assert job["job"]["type"] == "JOB_TYPE_BATCH"
    assert {"StageLandedFiles/Files", "StageLandedFiles/Spread", "StageLandedFiles/Stage"} <= set(job["transforms"])
    assert job["options"]["setup_file"] == str(ROOT / "setup.py")
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw_vendor'"
                       ).fetchone()[0] == 0
    for table in ("loaded_files", "rejected_files", "load_runs"):  # not even the empty file is recorded
        assert con.execute(f"SELECT count(*) FROM ops.{table}").fetchone()[0] == 0
