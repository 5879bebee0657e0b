"""Before ``terraform apply`` changes a streaming job: what apply will do to it, whether Dataflow will
accept the update, and the drain, as the exact Dataflow requests.

    terraform plan -out tfplan && terraform show -json tfplan > plan.json
    python -m pipelines.streaming.deploy plan --plan_json plan.json                 # what apply does, checked
    python -m pipelines.streaming.deploy validate --plan_json plan.json [--job J] [--dry_run]
    python -m pipelines.streaming.deploy drain --plan_json plan.json --job J [--dry_run]
    python -m pipelines.streaming.deploy steps [--write]                            # the committed step names

Terraform owns the jobs (``terraform/modules/dataflow-streaming``). On a changed image tag, parameter or
label, the google-beta provider *updates* a job: it launches the job's flex template again under the
same name with ``launchParameter.update = true`` (and ``transformNameMappings``), and Dataflow replaces
the running job by one that inherits its state, if the compatibility check passes. A change of name,
region, project, ``num_workers``, ``max_workers`` or ``enable_streaming_engine`` (ForceNew in the
provider) *replaces* it instead: the old job is drained (``on_delete = "drain"``), then a new one starts
with empty state. docs/streaming-updates.md says when to want which.

What Terraform cannot do, this does, from the plan's own values (``terraform show -json``):

- ``plan``: per job, the action apply will take and why (the plan's ``replace_paths``), the checks
  below, and the requests: the update launch exactly as the provider builds it, its graph check, the drain;
- ``validate``: sends the update launch with Dataflow's ``graph_validate_only`` experiment, which checks
  the new graph against the running job and replaces nothing;
- ``drain``: ``projects.locations.jobs.update`` with ``requestedState = JOB_STATE_DRAINING`` (the state a
  caller may request; the job then reaches ``JOB_STATE_DRAINED`` by itself), e.g. to drain before an
  apply that recreates the job;
- ``steps``: the step names of each job's graph (``steps.json``), which an update matches by name.

There is no ``update`` verb on purpose: an update sent outside Terraform leaves Terraform's state on the
replaced job (``JOB_STATE_UPDATED``, a terminal state), which the provider then forgets and relaunches
as a new job on the next apply. Requests go through google-cloud-dataflow-client (a dependency of
``apache-beam[gcp]``), REST transport, with application-default credentials; ``--dry_run`` prints them.
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines import templates

JOB_TYPE = "google_dataflow_flex_template_job"
API = "https://dataflow.googleapis.com/v1b3"
STEPS_FILE = Path(__file__).with_name("steps.json")
#: Dataflow's experiment that checks a replacement job's graph against the running job and stops there
GRAPH_VALIDATE_ONLY = "graph_validate_only"
#: what ``on_delete = "drain"`` requests (the provider's resourceDataflowJobMapRequestedState)
DRAINING = "JOB_STATE_DRAINING"
#: Terraform attribute -> ``FlexTemplateRuntimeEnvironment`` field, as the google-beta provider maps
#: them (resourceDataflowFlexJobSetupEnv); ``effective_labels`` become ``additionalUserLabels``
ENVIRONMENT = {
    "autoscaling_algorithm": "autoscalingAlgorithm", "num_workers": "numWorkers", "max_workers": "maxWorkers",
    "network": "network", "service_account_email": "serviceAccountEmail", "subnetwork": "subnetwork",
    "temp_location": "tempLocation", "staging_location": "stagingLocation", "machine_type": "machineType",
    "kms_key_name": "kmsKeyName", "ip_configuration": "ipConfiguration",
    "enable_streaming_engine": "enableStreamingEngine", "additional_experiments": "additionalExperiments",
    "sdk_container_image": "sdkContainerImage", "launcher_machine_type": "launcherMachineType",
}
#: attributes that are not part of the launch request (Terraform's own, or computed by the provider)
NOT_SENT = {"id", "job_id", "state", "type", "project", "region", "name", "container_spec_gcs_path", "parameters",
            "transform_name_mapping", "labels", "terraform_labels", "effective_labels", "on_delete",
            "skip_wait_on_job_termination", "create_ignore_already_exists", "deletion_policy", "timeouts"}
#: a parameter a streaming job must never get: its lake files are named by the run
#: (transforms.lake_file_tag), and a replacement job launched with the same run id would write its
#: first pane of an hour over the file the drained job wrote for that hour
NEVER_PASSED = {"run_id": "a replacement job with the same run id overwrites the drained job's lake files"}


class DeployError(Exception):
    """A plan this module cannot turn into requests, or a request Dataflow refused."""


@dataclass(frozen=True)
class Request:
    """One Dataflow REST call: what ``--dry_run`` prints and what :func:`send` sends."""

    method: str
    url: str
    body: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"method": self.method, "url": self.url, "body": self.body}


@dataclass
class JobChange:
    """One streaming job in a Terraform plan (``resource_changes``): its catalogue name, the actions
    apply takes, and its values before and after (``None`` where there are none)."""

    pipeline: str
    address: str
    actions: list[str]
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    after_unknown: dict[str, Any] = field(default_factory=dict)
    replace_paths: list[list[Any]] = field(default_factory=list)

    @property
    def action(self) -> str:
        """In words: no change, update in place, drain and replace, create, or drain and destroy."""
        actions = sorted(self.actions)
        if actions == ["no-op"]:
            return "no change"
        if actions == ["update"]:
            return "update in place"
        if actions == ["create", "delete"]:
            how = (self.before or {}).get("on_delete", "cancel")
            return f"{'drain' if how == 'drain' else 'CANCEL'} and replace"
        if actions == ["create"]:
            return "create"
        if actions == ["delete"]:
            return "drain and destroy" if (self.before or {}).get("on_delete") == "drain" else "CANCEL and destroy"
        return "+".join(self.actions)


def job_changes(plan: dict[str, Any]) -> dict[str, JobChange]:
    """The streaming jobs of a ``terraform show -json`` plan, by catalogue name (the ``for_each`` key)."""
    found = {}
    for change in plan.get("resource_changes", []):
        if change.get("type") != JOB_TYPE:
            continue
        key = re.search(r'\["([^"]+)"\]$', change["address"])
        pipeline = key.group(1) if key else change.get("name", "")
        if pipeline not in templates.flex_templates():
            raise DeployError(f"{change['address']}: not a streaming pipeline of the catalogue")
        body = change["change"]
        found[pipeline] = JobChange(pipeline, change["address"], list(body["actions"]), body.get("before"),
                                    body.get("after"), body.get("after_unknown") or {},
                                    list(body.get("replace_paths") or []))
    return found


def _known(change: JobChange, name: str) -> Any:
    """An attribute's planned value; refused if it is known only after apply."""
    unknown = change.after_unknown.get(name)
    if unknown is True or (isinstance(unknown, dict) and any(v is True for v in unknown.values())):
        raise DeployError(f"{change.address}: {name} is known only after apply; plan against the deployed "
                          "environment (its jobs exist) to get every value")
    return (change.after or {}).get(name)


def launch_request(change: JobChange, *, validate_graph: bool = False) -> Request:
    """The ``flexTemplates.launch`` the provider sends to update the job (``update: true``), from the
    plan's values; with ``validate_graph``, Dataflow's ``graph_validate_only`` experiment is added, so
    the launch checks the new graph against the running job and replaces nothing."""
    if change.after is None:
        raise DeployError(f"{change.address}: the plan destroys the job; there is nothing to launch")
    values = change.after
    unmapped = sorted(k for k, v in values.items()
                      if k not in ENVIRONMENT and k not in NOT_SENT and v not in (None, "", [], {}, False))
    if unmapped:
        raise DeployError(f"{change.address}: {unmapped} set, which this module does not send; "
                          "compare with the provider's launch request before using it")
    environment: dict[str, Any] = {}
    labels = next((values[k] for k in ("effective_labels", "terraform_labels", "labels")
                   if values.get(k) and change.after_unknown.get(k) is not True), None)
    if labels:
        environment["additionalUserLabels"] = dict(sorted(labels.items()))
    for attribute, name in ENVIRONMENT.items():
        value = _known(change, attribute)
        if value not in (None, "", [], 0, False):  # the provider's client omits empty fields
            environment[name] = sorted(value) if isinstance(value, list) else value
    if validate_graph:
        environment["additionalExperiments"] = sorted({*environment.get("additionalExperiments", []),
                                                       GRAPH_VALIDATE_ONLY})
    parameter: dict[str, Any] = {
        "jobName": _known(change, "name"),
        "containerSpecGcsPath": _known(change, "container_spec_gcs_path"),
        "parameters": dict(sorted((_known(change, "parameters") or {}).items())),
        "environment": environment,
        "update": True,
    }
    mapping = _known(change, "transform_name_mapping") or {}
    if mapping:
        parameter["transformNameMappings"] = dict(sorted(mapping.items()))
    project, region = _known(change, "project"), _known(change, "region")
    return Request("POST", f"{API}/projects/{project}/locations/{region}/flexTemplates:launch",
                   {"launchParameter": parameter})


def drain_request(project: str, region: str, job_id: str) -> Request:
    """``projects.locations.jobs.update`` asking a running job to drain: it stops pulling from its
    subscription, finishes what it read, closes its windows, and ends ``JOB_STATE_DRAINED``."""
    return Request("PUT", f"{API}/projects/{project}/locations/{region}/jobs/{job_id}", {"requestedState": DRAINING})


def running_job_drain_request(change: JobChange) -> Request:
    """The drain of the job Terraform's state holds (the plan's ``before``)."""
    before = change.before or {}
    if not before.get("job_id"):
        raise DeployError(f"{change.address}: no job in Terraform's state to drain")
    return drain_request(before["project"], before["region"], before["job_id"])


# -- step names ------------------------------------------------------------------------------------

def graph_arguments(pipeline: str) -> list[str]:
    """Options that give a job the graph it has on Dataflow (what Terraform passes: Pub/Sub in,
    BigQuery out, the alerts topic): the values are placeholders, the graph depends on which are set."""
    values = {"input_subscription": "projects/minera-data/subscriptions/input",
              "warehouse": "bigquery://minera-data", "alerts_topic": "projects/minera-data/topics/alerts",
              "lake_location": "gs://minera-lake/lake"}
    given = templates.required_parameters(pipeline) | {"alerts_topic"}
    return [f"--{name}={values[name]}" for name in sorted(given)] + ["--streaming"]


def step_names(pipeline: str, argv: list[str] | None = None) -> list[str]:
    """Every step name of the job's graph, as its Dataflow job has them (the transforms' full names
    in the pipeline proto), built without running anything."""
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions

    from pipelines.options import warehouse_url

    options = PipelineOptions(graph_arguments(pipeline) if argv is None else argv)
    graph = beam.Pipeline(options=options)
    importlib.import_module(templates.PIPELINES[pipeline].module).build_job(graph, options, warehouse_url(options))
    proto = graph.to_runner_api()
    roots = set(proto.root_transform_ids)
    return sorted(t.unique_name for tid, t in proto.components.transforms.items() if tid not in roots)


def committed_steps() -> dict[str, list[str]]:
    """``steps.json``: the step names each deployed job is expected to have. A test keeps it equal to
    the code, so renaming a step is a deliberate change of this file (and of the update's mapping)."""
    return json.loads(STEPS_FILE.read_text())


def steps_text() -> str:
    return json.dumps({p: step_names(p) for p in templates.flex_templates()}, indent=1) + "\n"


def mapping_problems(pipeline: str, mapping: dict[str, str]) -> list[str]:
    """A ``transform_name_mapping`` maps old step-name prefixes to new ones: each new one must lead
    somewhere in the committed graph, or the mapping is a typo Dataflow would report only at launch."""
    steps = committed_steps()[pipeline]
    return [f"{pipeline}: transform_name_mapping {old!r} -> {new!r}: no step {new!r} in steps.json"
            for old, new in mapping.items()
            if new and not any(s == new or s.startswith(new + "/") for s in steps)]


# -- checks ----------------------------------------------------------------------------------------

def problems(change: JobChange) -> list[str]:
    """What would make this apply lose data or fail late: parameters the template does not take or
    lacks, a run id, a job that would be cancelled (not drained), a name change, a bad mapping."""
    found: list[str] = []
    after = change.after or {}
    if change.after is not None:
        passed = set(after.get("parameters") or {}) | set(change.after_unknown.get("parameters") or {})
        extra = passed - templates.template_parameters(change.pipeline)
        missing = templates.required_parameters(change.pipeline) - passed
        found += [f"{change.pipeline}: parameter {p} is not one of the template's" for p in sorted(extra)]
        found += [f"{change.pipeline}: required parameter {p} is missing" for p in sorted(missing)]
        found += [f"{change.pipeline}: parameter {p}: {why}" for p, why in NEVER_PASSED.items() if p in passed]
        if after.get("on_delete") != "drain":
            found.append(f"{change.pipeline}: on_delete is {after.get('on_delete')!r}: a replacement would "
                         "cancel the job and lose what it buffered (windows not yet fired)")
        if after.get("skip_wait_on_job_termination"):
            found.append(f"{change.pipeline}: skip_wait_on_job_termination: the new job would start while the "
                         "old one drains, under the same name")
        found += mapping_problems(change.pipeline, after.get("transform_name_mapping") or {})
    if change.before and change.after and change.before.get("name") != change.after.get("name"):
        found.append(f"{change.pipeline}: the job name changes: monitoring and the update match jobs by name")
    return found


def describe(change: JobChange) -> dict[str, Any]:
    """``plan``'s report of one job: action, why, problems, and the requests (those it can build)."""
    report: dict[str, Any] = {"job": change.pipeline, "address": change.address, "action": change.action}
    if change.replace_paths:
        report["replaced_because"] = ["/".join(str(p) for p in path) for path in change.replace_paths]
    report["problems"] = problems(change)
    requests: dict[str, Any] = {}
    try:
        if change.action == "update in place":
            requests["update (sent by terraform apply)"] = launch_request(change).as_dict()
            requests["validate (this module's validate)"] = launch_request(change, validate_graph=True).as_dict()
        if change.action.endswith("replace") or change.action.endswith("destroy"):
            requests["drain (terraform apply sends it first)"] = running_job_drain_request(change).as_dict()
    except DeployError as exc:
        report["problems"].append(str(exc))
    report["requests"] = requests
    return report


# -- sending ---------------------------------------------------------------------------------------

def send(request: Request, credentials: Any = None) -> dict[str, Any]:
    """Sends one request with google-cloud-dataflow-client's REST transport; returns the response as
    JSON (a launch answers ``{"job": {...}}``, an update the job). Enum values travel as numbers
    (the library's encoding, ``$alt=json;enum-encoding=int``); the names are what this module builds."""
    from google.api_core import exceptions
    from google.cloud import dataflow_v1beta3 as dataflow

    path = re.match(r".*/projects/([^/]+)/locations/([^/]+)/(flexTemplates:launch|jobs/([^/]+))$", request.url)
    if path is None:
        raise DeployError(f"not a Dataflow request this module builds: {request.url}")
    project, region, _, job_id = path.groups()
    try:
        if job_id is None:
            client = dataflow.FlexTemplatesServiceClient(credentials=credentials, transport="rest")
            message = dataflow.LaunchFlexTemplateRequest.from_json(
                json.dumps({"projectId": project, "location": region, **request.body}))
            response = client.launch_flex_template(request=message)
        else:
            client = dataflow.JobsV1Beta3Client(credentials=credentials, transport="rest")
            message = dataflow.UpdateJobRequest.from_json(
                json.dumps({"projectId": project, "location": region, "jobId": job_id, "job": request.body}))
            response = client.update_job(request=message)
    except exceptions.GoogleAPICallError as exc:
        raise DeployError(f"Dataflow refused {request.method} {request.url}: {exc.message}") from exc
    return json.loads(type(response).to_json(response, use_integers_for_enums=False))


# -- command line ----------------------------------------------------------------------------------

def _chosen(plan_json: Path, job: str | None) -> list[JobChange]:
    changes = job_changes(json.loads(plan_json.read_text()))
    if job is not None and job not in changes:
        raise DeployError(f"--job {job}: not in the plan (it has {sorted(changes)})")
    return [changes[job]] if job else list(changes.values())


def main(argv: list[str] | None = None) -> int:
    """The command line (module docstring); prints JSON, exits 1 on a problem or a refused request."""
    parser = argparse.ArgumentParser(prog="python -m pipelines.streaming.deploy", description=__doc__.split("\n")[0])
    verbs = parser.add_subparsers(dest="verb", required=True)
    for verb, text in (("plan", "what apply will do to each job, checked, with its requests"),
                       ("validate", "send the update launch with graph_validate_only (replaces nothing)"),
                       ("drain", "ask a job to drain")):
        sub = verbs.add_parser(verb, help=text)
        sub.add_argument("--plan_json", type=Path, required=True, help="terraform show -json of a saved plan")
        sub.add_argument("--job", choices=templates.flex_templates(), required=verb == "drain")
        if verb != "plan":
            sub.add_argument("--dry_run", action="store_true", help="print the requests, send nothing")
    steps = verbs.add_parser("steps", help="the step names of each job's graph (steps.json)")
    steps.add_argument("--write", action="store_true", help=f"rewrite {STEPS_FILE.name}")
    args = parser.parse_args(argv)
    try:
        if args.verb == "steps":
            text = steps_text()
            if args.write:
                STEPS_FILE.write_text(text)
            print(text, end="")
            return 0
        changes = _chosen(args.plan_json, args.job)
        if args.verb == "plan":
            reports = [describe(c) for c in changes]
            print(json.dumps(reports, indent=2))
            return 1 if any(r["problems"] for r in reports) else 0
        if args.verb == "validate":
            wanted = [launch_request(c, validate_graph=True) for c in changes if c.action == "update in place"]
            if not wanted:
                raise DeployError("no job is updated in place by this plan: nothing to validate")
        else:
            wanted = [running_job_drain_request(c) for c in changes]
        for request in wanted:
            print(json.dumps(request.as_dict(), indent=2))
            if not args.dry_run:
                print(json.dumps(send(request), indent=2))
    except DeployError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
