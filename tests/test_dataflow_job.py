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
            "pipelines/streaming/sensors.py"} <= names
