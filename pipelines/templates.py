"""How each pipeline is launched on Google Cloud, with its parameters generated from its own options.

Streaming pipelines run from Dataflow flex templates (a spec per pipeline). Batch pipelines hold a
source snapshot open through their job and commit after it, which a flex-template launcher cannot
do (it exits before the job starts): their launcher runs as a Cloud Run job of the same image,
with the same parameters as arguments (terraform/modules/batch-launchers).

    python -m pipelines.templates specs --image REGION-docker.pkg.dev/P/REPO/pipelines --tag T --out DIR
    python -m pipelines.templates launchers --out /template/launch     # in the image (Dockerfile)
    python -m pipelines.templates list                                 # the flex templates, one a line
    python -m pipelines.templates docs                                 # docs/templates.md's tables

A template's parameters are its pipeline's options: the argparse definitions of the option classes
:data:`PIPELINES` names for it, read with Beam's own parser, so a spec cannot drift from the code.
What the parser cannot say comes from the catalogue, as data: which options are required on
Google Cloud (the local stack's defaults never become a template's), which the pipeline does not
read or can only take locally (left out), and per-option regexes, parameter types and help text.

One image serves every pipeline (``Dockerfile``): workers run it as ``sdk_container_image``, so
nothing is installed at worker start. A spec cannot set the launcher's environment, so each
template's launcher image is that image plus one ``ENV FLEX_TEMPLATE_PYTHON_PY_FILE`` (no layer of
its own): ``<image>:<tag>-<pipeline>``, running ``/template/launch/<pipeline>.py``
(:func:`write_launchers`), which is ``python -m <module>``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from apache_beam.options.pipeline_options import _BeamArgumentParser

from pipelines.options import flag

#: where the image keeps the launch files (Dockerfile: ``FLEX_TEMPLATE_PYTHON_PY_FILE``)
LAUNCH_DIR = "/template/launch"

GCS = "^gs://[a-z0-9][-_.a-z0-9]*[a-z0-9](/.*)?$"
BOOLEAN = "^(true|false|True|False|TRUE|FALSE)$"


@dataclass(frozen=True)
class Param:
    """What argparse cannot say about one option: a label, help for a template user (when the
    option's own help names a local default), regexes (POSIX egrep, as Dataflow checks them) and
    Dataflow's parameter type (the console's picker)."""

    label: str | None = None
    help: str | None = None
    regexes: tuple[str, ...] = ()
    param_type: str | None = None


#: per option, wherever it appears (data: add an entry, not a branch)
PARAMS: dict[str, Param] = {
    "warehouse": Param("BigQuery warehouse", "bigquery://PROJECT or bigquery://PROJECT?location=LOCATION: the "
                       "project whose datasets the pipeline writes",
                       ("^bigquery://[a-z][-a-z0-9]{4,28}[a-z0-9](\\?location=[A-Za-z0-9-]+)?$",)),
    "source_url": Param("Source database URL", "oracle://USER@HOST:PORT/SERVICE or postgresql://USER@HOST:PORT/DB, "
                        "without a password (--source_password_secret holds it)",
                        ("^(oracle|postgresql|postgres)://([^:/@]+@)?[^:/@]+(:[0-9]+)?(/[^@]*)?$",)),
    "source_password_secret": Param("Source password secret", regexes=(
        "^projects/[^/]+/secrets/[^/]+(/versions/[^/]+)?$",)),
    "source_password_env": Param("Source password variable", regexes=("^[A-Za-z_][A-Za-z0-9_]*$",)),
    "input": Param("Input files", "glob of the Avro files to load, gs://BUCKET/PATH/** or s3://BUCKET/PATH/** "
                   "(** crosses folders)", ("^(gs|s3)://[a-z0-9][-_.a-z0-9]*[a-z0-9]/.+$",)),
    "quarantine_location": Param("Quarantine location", "gs://BUCKET/PATH where rejected files are copied "
                                 "(default: <staging_location>/quarantine)", (GCS,), "GCS_WRITE_FOLDER"),
    "lake_location": Param("Lake location", "gs://BUCKET/lake: the Parquet lake of sensor readings "
                           "(sensor_readings/dt=YYYY-MM-DD/hour=HH/)", (GCS,)),
    "input_subscription": Param("Input subscription", regexes=("^projects/[^/]+/subscriptions/[^/]+$",),
                                param_type="PUBSUB_SUBSCRIPTION"),
    "alerts_topic": Param("Alerts topic", regexes=("^projects/[^/]+/topics/[^/]+$",), param_type="PUBSUB_TOPIC"),
    "date": Param("Day (UTC)", regexes=("^[0-9]{4}-[0-9]{2}-[0-9]{2}$",)),
    "sap_client": Param("SAP client", regexes=("^[0-9]{3}$",)),
    "run_id": Param("Run id", regexes=("^[A-Za-z0-9][-_.:A-Za-z0-9]*$",)),
    "id_attribute": Param("Id attribute", regexes=("^[A-Za-z][-_.A-Za-z0-9]*$",)),
}


@dataclass(frozen=True)
class Pipeline:
    """One template: its entry module, the option classes its code views ("module:Class"), the
    options a Dataflow run cannot do without, and options left out, each with the reason."""

    module: str
    title: str
    description: str
    options: tuple[str, ...]
    required: tuple[str, ...]
    left_out: dict[str, str] = field(default_factory=dict)
    streaming: bool = False
    #: how it runs on Google Cloud: FLEX_TEMPLATE, or CLOUD_RUN_JOB for a pipeline that commits
    #: after its job (a flex-template launcher exits before the job starts; docs/templates.md)
    launched_by: str = "cloud_run_job"
    #: per-pipeline overrides of :data:`PARAMS` (e.g. a lake read here, written there)
    params: dict[str, Param] = field(default_factory=dict)


COMMON = ("pipelines.options:WarehouseOptions", "pipelines.options:RunOptions")
BATCH_LOAD = "pipelines.options:BatchLoadOptions"
STREAMING = ("pipelines.options:MessageInputOptions",)
FLEX_TEMPLATE, CLOUD_RUN_JOB = "flex_template", "cloud_run_job"
LOCAL_FILE = "a file on the launching machine: a template launch has none"
NOT_READ_BY_FILE_LOADS = "a database load's option: the file load does not read it"

#: the catalogue: one entry per pipeline. Streaming ones are flex templates
#: (gs://<templates bucket>/templates/<tag>/<name>.json); batch ones, which commit after their job,
#: run their launcher as a Cloud Run job of the same image (terraform/modules/batch-launchers).
PIPELINES: dict[str, Pipeline] = {
    "erp": Pipeline(
        "pipelines.batch.erp", "Minera: SAP ERP to raw_erp",
        "Loads SAP tables (SAP on Oracle) into BigQuery raw_erp: staged Parquet, one load job per table.",
        (*COMMON, BATCH_LOAD, "pipelines.batch.erp:ErpOptions"), ("source_url", "warehouse")),
    "production": Pipeline(
        "pipelines.batch.production", "Minera: production database to raw_production",
        "Loads the production app's PostgreSQL tables into BigQuery raw_production: staged Parquet, one load "
        "job per table.",
        (*COMMON, BATCH_LOAD), ("source_url", "warehouse"),
        params={"source_url": Param(help="postgresql://USER@HOST:PORT/DB, without a password "
                                    "(--source_password_secret holds it)",
                                    regexes=("^(postgresql|postgres)://([^:/@]+@)?[^:/@]+(:[0-9]+)?(/[^@]*)?$",))}),
    "rock_quality": Pipeline(
        "pipelines.batch.rock_quality", "Minera: rock-quality lab files to raw_vendor",
        "Loads the lab's Avro files into BigQuery raw_vendor.rock_quality_samples, each file once; bad files "
        "are quarantined and recorded in ops.rejected_files.",
        (*COMMON, BATCH_LOAD, "pipelines.batch.files.options:FileLoadOptions"), ("input", "warehouse"),
        left_out={name: NOT_READ_BY_FILE_LOADS for name in (
            "source_url", "tables", "detect_deletes", "lag_seconds", "source_password_env",
            "source_password_secret", "rows_per_partition", "max_partitions", "staging_compression", "catalogue")}),
    "sensor_recompute": Pipeline(
        "pipelines.batch.sensor_recompute", "Minera: recompute a day of sensor minute metrics",
        "Recomputes one UTC day of batch.sensor_minute_metrics from the Parquet lake and moves the batch "
        "watermark.",
        (*COMMON, "pipelines.options:LakeOptions", "pipelines.batch.sensor_recompute:RecomputeOptions"),
        ("lake_location", "warehouse"), params={"lake_location": Param(param_type="GCS_READ_FOLDER")}),
    "sensors": Pipeline(
        "pipelines.streaming.sensors", "Minera: vibration sensors (streaming)",
        "Reads sensor readings from Pub/Sub, writes the hourly Parquet lake, speed.sensor_minute_metrics, "
        "ops.alerts and ops.dead_letter.",
        (*COMMON, *STREAMING, "pipelines.options:LakeOptions", "pipelines.streaming.sensors:SensorOptions"),
        ("input_subscription", "lake_location", "warehouse"),
        left_out={"replay": LOCAL_FILE, "ppv_limit_curve": LOCAL_FILE}, streaming=True, launched_by=FLEX_TEMPLATE,
        params={"lake_location": Param(param_type="GCS_WRITE_FOLDER")}),
    "machine_issues": Pipeline(
        "pipelines.streaming.machine_issues", "Minera: machinery issues (streaming)",
        "Reads machinery issue events from Pub/Sub into raw_mobile.machine_issue_events; critical issues "
        "raise ops.alerts.",
        (*COMMON, *STREAMING, "pipelines.streaming.machine_issues:MachineIssueOptions"),
        ("input_subscription", "warehouse"), left_out={"replay": LOCAL_FILE}, streaming=True,
        launched_by=FLEX_TEMPLATE),
}


def flex_templates() -> list[str]:
    """The pipelines that run from a flex template (the streaming ones), in catalogue order."""
    return [name for name, entry in PIPELINES.items() if entry.launched_by == FLEX_TEMPLATE]


def spec_path(templates_bucket: str, tag: str, pipeline: str) -> str:
    """Where Cloud Build writes a template's spec: one folder per image tag, so a rollback is the
    earlier tag (Terraform's ``pipelines_image_tag``), never an overwritten file."""
    return f"gs://{templates_bucket}/templates/{tag}/{pipeline}.json"


def option_actions(pipeline: str) -> list[argparse.Action]:
    """The argparse definitions of every option the pipeline's option classes declare, in order,
    read by the parser Beam itself builds them on."""
    parser = _BeamArgumentParser(allow_abbrev=False)
    for ref in PIPELINES[pipeline].options:
        module, name = ref.split(":")
        getattr(importlib.import_module(module), name)._add_argparse_args(parser)
    return [action for action in parser._actions if action.option_strings and action.dest != "help"]


def parameter(action: argparse.Action, entry: Pipeline) -> dict:
    """One ``metadata.parameters`` entry: name, label, helpText, isOptional, regexes, paramType."""
    name = action.dest
    if isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction)):
        raise ValueError(f"--{name} is a store_true flag: a template passes --{name}=true, which argparse "
                         "refuses; declare it with pipelines.options.FLAG")
    extra = entry.params.get(name, Param())
    base = PARAMS.get(name, Param())
    label = extra.label or base.label or name.replace("_", " ").capitalize()
    text = extra.help or base.help or action.help or label
    regexes, param_type = list(extra.regexes or base.regexes), extra.param_type or base.param_type
    result: dict = {"name": name, "label": label}
    if action.type is flag:
        regexes, param_type = regexes or [BOOLEAN], param_type or "BOOLEAN"
    elif action.choices:
        regexes = regexes or ["^(" + "|".join(action.choices) + ")$"]
        param_type = param_type or "ENUM"
        result["enumOptions"] = [{"value": choice, "label": choice} for choice in action.choices]
    elif action.type is int:
        regexes, param_type = regexes or ["^[0-9]+$"], param_type or "NUMBER"
    elif action.type is float:
        regexes, param_type = regexes or ["^[0-9]+([.][0-9]+)?$"], param_type or "NUMBER"
    default = action.default
    if default not in (None, False) and name not in entry.required and "default" not in text:
        text = f"{text} (default: {default})"
    result["helpText"] = text
    result["isOptional"] = name not in entry.required
    if regexes:
        result["regexes"] = regexes
    if param_type:
        result["paramType"] = param_type
    return result


def metadata(pipeline: str) -> dict:
    """The template's ``metadata`` (what ``gcloud dataflow flex-template build --metadata-file`` takes)."""
    entry = PIPELINES[pipeline]
    actions = option_actions(pipeline)
    names = {action.dest for action in actions}
    unknown = (set(entry.required) | set(entry.left_out)) - names
    if unknown:
        raise ValueError(f"catalogue entry {pipeline} names options its classes do not declare: {sorted(unknown)}")
    result = {"name": entry.title, "description": entry.description, "streaming": entry.streaming,
              "parameters": [parameter(a, entry) for a in actions if a.dest not in entry.left_out]}
    if entry.streaming:
        result["supportsExactlyOnce"] = True
    return result


def template_parameters(pipeline: str) -> set[str]:
    """The parameter names a launch of ``pipeline``'s template may pass (DAGs and Terraform check
    theirs against it). Dataflow's own settings (temp and staging locations, network, service
    account, worker image...) are launch environment, not template parameters."""
    return {p["name"] for p in metadata(pipeline)["parameters"]}


def required_parameters(pipeline: str) -> set[str]:
    """The parameters every launch of ``pipeline``'s template must pass."""
    return set(PIPELINES[pipeline].required)


def launcher_image(image: str, tag: str, pipeline: str) -> str:
    """The template's launcher image: the one image, with this pipeline's launch file as the
    launcher's ``FLEX_TEMPLATE_PYTHON_PY_FILE`` (Dockerfile target ``template``)."""
    return f"{image}:{tag}-{pipeline}"


def spec(pipeline: str, image: str, tag: str) -> dict:
    """The flex-template spec the launcher reads, as ``gcloud dataflow flex-template build`` writes
    it; its workers run the same image (``defaultEnvironment.sdkContainerImage``)."""
    return {"image": launcher_image(image, tag, pipeline), "sdkInfo": {"language": "PYTHON"},
            "metadata": metadata(pipeline), "defaultEnvironment": {"sdkContainerImage": f"{image}:{tag}"}}


def launch_file(pipeline: str) -> str:
    """The launch file's text: ``python -m <module>``, the pipeline's documented entry."""
    module = PIPELINES[pipeline].module
    return (f'"""Flex-template launch of {pipeline}: python -m {module} (generated by pipelines.templates)."""\n\n'
            f"import runpy\n\nrunpy.run_module({module!r}, run_name=\"__main__\", alter_sys=True)\n")


def write_launchers(out: Path) -> list[Path]:
    """One launch file per flex template, ``<out>/<pipeline>.py`` (the Dockerfile writes them to :data:`LAUNCH_DIR`)."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for pipeline in flex_templates():
        path = out / f"{pipeline}.py"
        path.write_text(launch_file(pipeline))
        written.append(path)
    return written


def write_specs(out: Path, image: str, tag: str) -> list[Path]:
    """``<out>/<pipeline>.json`` for every flex template (Cloud Build copies them to :func:`spec_path`)."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for pipeline in flex_templates():
        path = out / f"{pipeline}.json"
        path.write_text(json.dumps(spec(pipeline, image, tag), indent=2) + "\n")
        written.append(path)
    return written


def docs_tables() -> str:
    """The parameter tables of ``docs/templates.md`` (a test keeps the page equal to this)."""
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    parts = []
    for pipeline, entry in PIPELINES.items():
        how = "streaming, flex template" if entry.launched_by == FLEX_TEMPLATE else "batch, Cloud Run job"
        parts.append(f"### {pipeline}\n\n`python -m {entry.module}` ({how}): "
                     f"{entry.description}\n\n| parameter | required | what |\n|---|---|---|")
        for p in metadata(pipeline)["parameters"]:
            parts.append(f"| `{p['name']}` | {'' if p['isOptional'] else 'yes'} | {cell(p['helpText'])} |")
        if entry.left_out:
            left = ", ".join(f"`{name}`" for name in entry.left_out)
            parts.append(f"\nNot parameters: {left} ({'; '.join(sorted(set(entry.left_out.values())))}).")
        parts.append("")
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.templates", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    specs = commands.add_parser("specs", help="write <pipeline>.json flex-template specs")
    specs.add_argument("--image", required=True, help="REGION-docker.pkg.dev/PROJECT/REPOSITORY/pipelines")
    specs.add_argument("--tag", required=True, help="the image's tag")
    specs.add_argument("--out", required=True, type=Path)
    launchers = commands.add_parser("launchers", help="write the image's <pipeline>.py launch files")
    launchers.add_argument("--out", type=Path, default=Path(LAUNCH_DIR))
    commands.add_parser("list", help="the flex templates (streaming pipelines), one a line")
    commands.add_parser("docs", help="the parameter tables of docs/templates.md")
    args = parser.parse_args(argv)
    if args.command == "specs":
        paths = write_specs(args.out, args.image, args.tag)
    elif args.command == "launchers":
        paths = write_launchers(args.out)
    else:
        print("\n".join(flex_templates()) if args.command == "list" else docs_tables())
        return 0
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
