"""The shared pipeline options (``pipelines/options.py``) and table catalogues (``pipelines/catalogue.py``)
on their own: what the command-line tests (tests/test_dataflow_job.py, tests/test_production_failures.py)
see through a subprocess, checked here by calling the functions."""

from __future__ import annotations

import argparse

import pytest
from apache_beam.options.pipeline_options import PipelineOptions

from pipelines.catalogue import Catalogue
from pipelines.errors import ConfigError
from pipelines.options import FLAG, LOCAL_RUNNER, SETUP_PY, apply_runner_defaults, check_dataflow, flag

DATAFLOW = ["--runner", "DataflowRunner", "--project", "minera-prod", "--region", "europe-west1",
            "--temp_location", "gs://minera-tmp/tmp", "--warehouse", "bigquery://minera-prod"]


# -- on/off options ------------------------------------------------------------------------------

def test_an_on_off_option_takes_no_value_or_true_or_false_as_a_flex_template_passes_it():
    assert [flag(v) for v in ("true", "Yes", " 1 ", "false", "NO", "0")] == [True, True, True, False, False, False]
    with pytest.raises(argparse.ArgumentTypeError, match="expected true or false, got 'maybe'"):
        flag("maybe")
    parser = argparse.ArgumentParser()
    parser.add_argument("--full_refresh", **FLAG)
    assert [parser.parse_args(a).full_refresh for a in ([], ["--full_refresh"], ["--full_refresh=true"],
                                                         ["--full_refresh=false"])] == [False, True, True, False]


# -- the runner --------------------------------------------------------------------------------------

def test_the_local_runner_keeps_the_threads_a_person_asked_for():
    given = ["--direct_num_workers=3", "--direct_running_mode=in_memory"]
    options = PipelineOptions(given)
    apply_runner_defaults(options, given)
    assert (options.get_all_options()["runner"], options.get_all_options()["direct_num_workers"],
            options.get_all_options()["direct_running_mode"]) == (LOCAL_RUNNER, 3, "in_memory")


def test_a_dataflow_job_ships_setup_py_unless_its_worker_image_has_the_package():
    without_image = PipelineOptions(DATAFLOW)
    apply_runner_defaults(without_image, DATAFLOW)
    assert without_image.get_all_options()["setup_file"] == str(SETUP_PY)
    assert without_image.get_all_options()["runner"] == "DataflowRunner"
    image = DATAFLOW + ["--sdk_container_image", "europe-docker.pkg.dev/p/r/worker:1"]
    with_image = PipelineOptions(image)
    apply_runner_defaults(with_image, image)
    assert with_image.get_all_options()["setup_file"] is None


# -- a Dataflow run never falls back to this machine --------------------------------------------------

def refusal(argv: list[str], **checks) -> str:
    with pytest.raises(ConfigError) as refused:
        check_dataflow(PipelineOptions(argv), **checks)
    return str(refused.value)


def test_every_missing_dataflow_setting_is_named_in_one_message():
    """What ``python -m pipelines.batch.erp --runner DataflowRunner`` prints (tests/test_dataflow_job.py)."""
    message = refusal(["--runner", "DataflowRunner"], given={"--source_url": None},
                      gcs_paths={"--staging_location": None})
    assert message == ("a Dataflow run needs --project, --region, --source_url; --temp_location on gs:// (got none); "
                       "--staging_location on gs:// (got none: a local folder); --warehouse bigquery://PROJECT "
                       "(got none: the local DuckDB file): it never falls back to this machine's stack")


def test_only_the_wrong_settings_are_named():
    message = refusal(["--runner", "DataflowRunner", "--project", "p", "--region", "r", "--temp_location", "/tmp/t",
                       "--warehouse", "duckdb:///w.duckdb"],
                      given={"--source_url": "postgresql://loader@10.20.0.5/production"},
                      gcs_paths={"--staging_location": "gs://minera-staging/s"})
    assert "--temp_location on gs:// (got /tmp/t)" in message
    assert "--warehouse bigquery://PROJECT (got duckdb:///w.duckdb)" in message
    assert "--project" not in message and "--source_url" not in message and "--staging_location" not in message


def test_inputs_may_be_on_s3_and_local_only_options_are_refused():
    assert "--input" not in refusal(DATAFLOW + ["--template_location", "gs://t/x"], inputs={"--input": "s3://lab/x"})
    message = refusal(DATAFLOW, inputs={"--input": "/landing/*.avro"}, local_only={"--replay": "r.jsonl"})
    assert message == ("a Dataflow run needs --input on gs:// or s3:// (got /landing/*.avro); no --replay (a local "
                       "file; Dataflow reads the cloud): it never falls back to this machine's stack")


def test_a_template_launch_is_refused_unless_the_pipeline_exits_on_submit():
    argv = DATAFLOW + ["--template_location", "gs://minera-templates/t.json"]
    assert "no --template_location (a flex-template launch)" in refusal(argv)
    check_dataflow(PipelineOptions(argv), exits_on_submit=True)  # a streaming job: nothing to say
    check_dataflow(PipelineOptions(DATAFLOW), inputs={"--input": "gs://lab/*.avro"}, local_only={"--replay": None})


def test_other_runners_are_not_checked():
    check_dataflow(PipelineOptions([]), given={"--source_url": None}, gcs_paths={"--staging_location": None})


# -- catalogues ----------------------------------------------------------------------------------------

def write(tmp_path, text: str) -> str:
    path = tmp_path / "c.yaml"
    path.write_text("pipeline: batch.x\ndataset: raw_x\ntables:\n" + text)
    return str(path)


def test_a_catalogue_file_with_a_mistake_is_refused_naming_table_and_key(tmp_path):
    with pytest.raises(ConfigError, match="unknown table catalogue 'nonesuch'"):
        Catalogue.load("nonesuch")
    path = write(tmp_path, "  public.a:\n    cursor: updated_at\n    partiton_by: day\n")
    with pytest.raises(ConfigError, match=rf"catalogue {path}: table public.a: unknown keys \['partiton_by'\]"):
        Catalogue.load(path)
    path = write(tmp_path, "  public.a:\n    target: Raw-A\n")
    with pytest.raises(ConfigError, match=f"catalogue {path}: table public.a: target 'Raw-A' must be lower-case"):
        Catalogue.load(path)


def test_a_catalogue_file_loads_with_its_defaults(tmp_path):
    catalogue = Catalogue.load(write(tmp_path, "  public.a:\n    cursor: updated_at\n    cluster_by: [id]\n"
                                               "  public.b:\n"))
    assert (catalogue.pipeline, catalogue.dataset, catalogue.lag_seconds, catalogue.names()) == \
        ("batch.x", "raw_x", 0, ["public.a", "public.b"])
    assert (catalogue.get("public.a").cursor, catalogue.get("public.a").cluster_by) == ("updated_at", ("id",))
    assert (catalogue.get("public.b").cursor, catalogue.get("public.b").listed) == (None, True)


def test_a_table_is_found_by_its_schema_in_any_case_but_its_exact_name():
    erp = Catalogue.load("erp")
    listed = erp.names()[0]
    schema, _, table = listed.rpartition(".")
    assert erp.get(f"{schema.upper()}.{table}") is erp.get(listed)
    other = erp.get(f"{schema}.{table.swapcase()}")  # another table: the defaults
    assert (other.name, other.listed, other.cursor) == (f"{schema}.{table.swapcase()}", False, None)
