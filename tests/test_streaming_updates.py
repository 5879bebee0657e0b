"""Updating the streaming jobs in place, or draining and replacing them (docs/streaming-updates.md).

No Google Cloud here: the Dataflow requests ``pipelines.streaming.deploy`` builds are checked as
exact bodies and URLs, and sent through google-cloud-dataflow-client's real REST transport into a
recording HTTP session. The step names a Dataflow update matches are built from the pipelines'
graphs and compared with the committed ``steps.json``; the Terraform module's job settings are read
from the offline plan of prod (tests/terraform_offline).
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import terraform_offline
from google.auth.credentials import AnonymousCredentials
from google.cloud import dataflow_v1beta3 as dataflow

from pipelines import templates
from pipelines.streaming import deploy

ROOT = Path(__file__).resolve().parents[1]
STREAMING = templates.flex_templates()
SENSORS = 'module.platform.module.dataflow_streaming.google_dataflow_flex_template_job.this["sensors"]'
API = "https://dataflow.googleapis.com/v1b3/projects/minera-data-prod/locations/southamerica-west1"

#: the sensors job as Terraform's state holds it at image tag 1.0.0 (the prod plan's values, with what
#: only exists after apply filled in: ids, the subnetwork's self link, the subscription and topic)
DEPLOYED = {
    "additional_experiments": [], "additional_pipeline_options": None,
    "autoscaling_algorithm": "AUTOSCALING_ALGORITHM_BASIC",
    "container_spec_gcs_path": "gs://minera-prod-templates/templates/1.0.0/sensors.json",
    "create_ignore_already_exists": None, "deletion_policy": None,
    "effective_labels": {"environment": "prod", "goog-terraform-provisioned": "true", "managed-by": "terraform",
                         "platform": "minera-data"},
    "enable_streaming_engine": True, "id": "2026-12-01_08_00_00-111", "ip_configuration": "WORKER_IP_PRIVATE",
    "job_id": "2026-12-01_08_00_00-111",
    "kms_key_name": "projects/minera-security/locations/southamerica-west1/keyRings/data-platform/cryptoKeys/dataflow",
    "labels": {"environment": "prod", "managed-by": "terraform", "platform": "minera-data"},
    "launcher_machine_type": None, "machine_type": "n2-standard-2", "max_workers": 3, "name": "minera-prod-sensors",
    "network": None, "num_workers": 1, "on_delete": "drain",
    "parameters": {
        "alerts_topic": "projects/minera-data-prod/topics/sensor-alerts",
        "input_subscription": "projects/minera-data-prod/subscriptions/sensor-readings-dataflow",
        "lake_location": "gs://minera-prod-lake/lake",
        "warehouse": "bigquery://minera-data-prod?location=southamerica-west1",
    },
    "project": "minera-data-prod", "region": "southamerica-west1",
    "sdk_container_image": "southamerica-west1-docker.pkg.dev/minera-data-prod/minera-prod-pipelines/pipelines:1.0.0",
    "service_account_email": "minera-prod-streaming@minera-data-prod.iam.gserviceaccount.com",
    "skip_wait_on_job_termination": False, "staging_location": "gs://minera-prod-staging/dataflow/streaming",
    "state": "JOB_STATE_RUNNING",
    "subnetwork": "https://www.googleapis.com/compute/v1/projects/minera-data-prod/regions/southamerica-west1/"
                  "subnetworks/minera-prod-dataflow",
    "temp_location": "gs://minera-prod-temp/dataflow/streaming",
    "terraform_labels": {"environment": "prod", "goog-terraform-provisioned": "true", "managed-by": "terraform",
                         "platform": "minera-data"},
    "transform_name_mapping": {}, "type": "JOB_TYPE_STREAMING",
}


def release(**changes) -> dict:
    """The sensors job after ``pipelines_image_tag = "1.1.0"`` (and ``changes``)."""
    after = copy.deepcopy(DEPLOYED)
    after["container_spec_gcs_path"] = after["container_spec_gcs_path"].replace("/1.0.0/", "/1.1.0/")
    after["sdk_container_image"] = after["sdk_container_image"].replace(":1.0.0", ":1.1.0")
    after.update(changes)
    return after


def plan_of(after: dict | None, actions: list[str], replace_paths: list | None = None,
            after_unknown: dict | None = None) -> dict:
    """A ``terraform show -json`` plan holding the sensors job's change, as Terraform writes it."""
    change = {"actions": actions, "before": copy.deepcopy(DEPLOYED), "after": after,
              "after_unknown": after_unknown or {"id": False, "job_id": False}}
    if replace_paths:
        change["replace_paths"] = replace_paths
    return {"format_version": "1.2", "resource_changes": [{
        "address": SENSORS, "module_address": "module.platform.module.dataflow_streaming",
        "mode": "managed", "type": "google_dataflow_flex_template_job", "name": "this", "index": "sensors",
        "provider_name": "registry.terraform.io/hashicorp/google-beta", "change": change}]}


#: the update launch the provider sends for the release: same name, new spec and image, update: true
UPDATE_BODY = {"launchParameter": {
    "jobName": "minera-prod-sensors",
    "containerSpecGcsPath": "gs://minera-prod-templates/templates/1.1.0/sensors.json",
    "parameters": {
        "alerts_topic": "projects/minera-data-prod/topics/sensor-alerts",
        "input_subscription": "projects/minera-data-prod/subscriptions/sensor-readings-dataflow",
        "lake_location": "gs://minera-prod-lake/lake",
        "warehouse": "bigquery://minera-data-prod?location=southamerica-west1",
    },
    "environment": {
        "additionalUserLabels": {"environment": "prod", "goog-terraform-provisioned": "true",
                                 "managed-by": "terraform", "platform": "minera-data"},
        "autoscalingAlgorithm": "AUTOSCALING_ALGORITHM_BASIC",
        "numWorkers": 1,
        "maxWorkers": 3,
        "serviceAccountEmail": "minera-prod-streaming@minera-data-prod.iam.gserviceaccount.com",
        "subnetwork": "https://www.googleapis.com/compute/v1/projects/minera-data-prod/regions/southamerica-west1/"
                      "subnetworks/minera-prod-dataflow",
        "tempLocation": "gs://minera-prod-temp/dataflow/streaming",
        "stagingLocation": "gs://minera-prod-staging/dataflow/streaming",
        "machineType": "n2-standard-2",
        "kmsKeyName": DEPLOYED["kms_key_name"],
        "ipConfiguration": "WORKER_IP_PRIVATE",
        "enableStreamingEngine": True,
        "sdkContainerImage": "southamerica-west1-docker.pkg.dev/minera-data-prod/minera-prod-pipelines/pipelines:1.1.0",
    },
    "update": True,
}}


def sensors_change(plan: dict) -> deploy.JobChange:
    return deploy.job_changes(plan)["sensors"]


# -- the requests, exactly -------------------------------------------------------------------------

def test_a_new_image_tag_is_an_update_in_place_sent_as_the_provider_sends_it():
    change = sensors_change(plan_of(release(), ["update"]))
    assert change.action == "update in place"
    request = deploy.launch_request(change)
    assert request.method == "POST"
    assert request.url == f"{API}/flexTemplates:launch"
    assert request.body == UPDATE_BODY
    assert deploy.problems(change) == []


def test_the_graph_check_is_the_same_launch_with_graph_validate_only():
    request = deploy.launch_request(sensors_change(plan_of(release(), ["update"])), validate_graph=True)
    expected = copy.deepcopy(UPDATE_BODY)
    expected["launchParameter"]["environment"]["additionalExperiments"] = ["graph_validate_only"]
    assert request.url == f"{API}/flexTemplates:launch" and request.body == expected


def test_renamed_steps_travel_as_transform_name_mappings():
    mapping = {"DropRetries": "DropRepeatedReadings"}  # hypothetical rename of a stateful composite
    change = sensors_change(plan_of(release(transform_name_mapping={"DropRetries": "MinuteMetrics"}), ["update"]))
    body = deploy.launch_request(change).body["launchParameter"]
    assert body["transformNameMappings"] == {"DropRetries": "MinuteMetrics"}
    # a mapping to a step the new graph does not have is a typo, caught before the launch
    typo = sensors_change(plan_of(release(transform_name_mapping=mapping), ["update"]))
    assert deploy.problems(typo) == ["sensors: transform_name_mapping 'DropRetries' -> 'DropRepeatedReadings': "
                                     "no step 'DropRepeatedReadings' in steps.json"]


def test_a_forcenew_change_is_a_drain_and_replace_and_its_drain_request():
    # max_workers is ForceNew in the provider: the plan replaces the job (drains it first)
    change = sensors_change(plan_of(release(max_workers=5), ["delete", "create"], [["max_workers"]]))
    report = deploy.describe(change)
    assert report["action"] == "drain and replace" and report["replaced_because"] == ["max_workers"]
    assert report["requests"] == {"drain (terraform apply sends it first)": {
        "method": "PUT", "url": f"{API}/jobs/2026-12-01_08_00_00-111",
        "body": {"requestedState": "JOB_STATE_DRAINING"}}}
    assert deploy.drain_request("p", "r", "j").as_dict() == {
        "method": "PUT", "url": "https://dataflow.googleapis.com/v1b3/projects/p/locations/r/jobs/j",
        "body": {"requestedState": "JOB_STATE_DRAINING"}}


def test_what_would_lose_data_or_fail_late_is_reported():
    cancel = sensors_change(plan_of(release(on_delete="cancel"), ["update"]))
    assert deploy.problems(cancel) == ["sensors: on_delete is 'cancel': a replacement would cancel the job and lose "
                                       "what it buffered (windows not yet fired)"]
    params = {**DEPLOYED["parameters"], "run_id": "fixed", "replay": "/tmp/x.jsonl"}
    run_id = sensors_change(plan_of(release(parameters=params), ["update"]))
    assert deploy.problems(run_id) == [
        "sensors: parameter replay is not one of the template's",
        "sensors: parameter run_id: a replacement job with the same run id overwrites the drained job's lake files"]
    renamed = sensors_change(plan_of(release(name="minera-prod-sensors-v2"), ["delete", "create"], [["name"]]))
    assert "sensors: the job name changes: monitoring and the update match jobs by name" in deploy.problems(renamed)
    # a replacement destroys with the policy Terraform's state holds (the job's "before")
    replaced = plan_of(release(), ["delete", "create"], [["max_workers"]])
    replaced["resource_changes"][0]["change"]["before"]["on_delete"] = "cancel"
    assert sensors_change(replaced).action == "CANCEL and replace"


def test_a_value_known_only_after_apply_is_refused_with_the_reason():
    change = sensors_change(plan_of(release(), ["update"], after_unknown={"subnetwork": True}))
    with pytest.raises(deploy.DeployError, match="subnetwork is known only after apply"):
        deploy.launch_request(change)
    unmapped = sensors_change(plan_of(release(launch_options={"x": "y"}), ["update"]))
    with pytest.raises(deploy.DeployError, match=r"\['launch_options'\] set, which this module does not send"):
        deploy.launch_request(unmapped)


# -- sent through the client library's REST transport ----------------------------------------------

class _Response:
    def __init__(self, status: int, body: dict, method: str, url: str):
        self.status_code, self.content = status, json.dumps(body).encode()
        self.text, self.headers, self.reason = self.content.decode(), {}, ""
        self.request = SimpleNamespace(method=method, url=url)

    def json(self) -> dict:
        return json.loads(self.content)


class RecordingSession:
    """Stands in for google-auth's ``AuthorizedSession`` in the library's REST transport."""

    def __init__(self, status: int = 200, body: dict | None = None):
        self.calls: list[tuple[str, str, dict, dict]] = []
        self.status, self.body = status, body or {}

    def __getattr__(self, method: str):
        def call(url, **kwargs):
            self.calls.append((method.upper(), url, dict(kwargs.get("params") or {}), json.loads(kwargs["data"])))
            return _Response(self.status, self.body, method.upper(), url)
        return call


@pytest.fixture
def http(monkeypatch):
    def install(status: int = 200, body: dict | None = None) -> RecordingSession:
        session = RecordingSession(status, body)
        for service in ("flex_templates_service", "jobs_v1_beta3"):
            module = __import__(f"google.cloud.dataflow_v1beta3.services.{service}.transports.rest",
                                fromlist=["AuthorizedSession"])
            monkeypatch.setattr(module, "AuthorizedSession", lambda *a, **k: session)
        return session
    return install


def test_send_posts_the_launch_to_the_flex_templates_url(http):
    session = http(body={"job": {"id": "2026-12-02_09_00_00-222", "name": "minera-prod-sensors"}})
    request = deploy.launch_request(sensors_change(plan_of(release(), ["update"])), validate_graph=True)
    response = deploy.send(request, credentials=AnonymousCredentials())
    assert response["job"]["id"] == "2026-12-02_09_00_00-222"
    ((method, url, params, wire),) = session.calls
    assert (method, url) == ("POST", request.url)
    assert params == {"$alt": "json;enum-encoding=int"}  # the library sends enum values as numbers
    expected = copy.deepcopy(request.body)
    environment = expected["launchParameter"]["environment"]
    environment["autoscalingAlgorithm"] = dataflow.AutoscalingAlgorithm.AUTOSCALING_ALGORITHM_BASIC.value
    environment["ipConfiguration"] = dataflow.WorkerIPAddressConfiguration.WORKER_IP_PRIVATE.value
    assert wire == expected


def test_send_puts_the_drain_on_the_job_url(http):
    session = http(body={"id": "2026-12-01_08_00_00-111", "currentState": "JOB_STATE_DRAINING"})
    request = deploy.drain_request("minera-data-prod", "southamerica-west1", "2026-12-01_08_00_00-111")
    assert deploy.send(request, credentials=AnonymousCredentials())["currentState"] == "JOB_STATE_DRAINING"
    assert session.calls == [("PUT", f"{API}/jobs/2026-12-01_08_00_00-111", {"$alt": "json;enum-encoding=int"},
                              {"requestedState": dataflow.JobState.JOB_STATE_DRAINING.value})]


def test_a_refused_request_is_one_line_naming_it(http):
    http(status=400, body={"error": {"code": 400, "message": "Invalid value at 'launch_parameter'",
                                     "status": "INVALID_ARGUMENT"}})
    request = deploy.drain_request("minera-data-prod", "southamerica-west1", "j1")
    with pytest.raises(deploy.DeployError, match=r"refused PUT .*/jobs/j1: Invalid value at 'launch_parameter'"):
        deploy.send(request, credentials=AnonymousCredentials())


# -- the command line --------------------------------------------------------------------------------

def test_the_command_line_plans_and_dry_runs_without_sending(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(deploy, "send", lambda *a, **k: pytest.fail("a dry run sent a request"))
    plan_json = tmp_path / "plan.json"
    plan_json.write_text(json.dumps(plan_of(release(), ["update"])))
    assert deploy.main(["plan", "--plan_json", str(plan_json)]) == 0
    (report,) = json.loads(capsys.readouterr().out)
    assert report["action"] == "update in place" and report["problems"] == []
    assert report["requests"]["update (sent by terraform apply)"]["body"] == UPDATE_BODY
    assert deploy.main(["validate", "--plan_json", str(plan_json), "--dry_run"]) == 0
    sent = json.loads(capsys.readouterr().out)
    assert sent["body"]["launchParameter"]["environment"]["additionalExperiments"] == ["graph_validate_only"]
    assert deploy.main(["drain", "--plan_json", str(plan_json), "--job", "sensors", "--dry_run"]) == 0
    assert json.loads(capsys.readouterr().out)["body"] == {"requestedState": "JOB_STATE_DRAINING"}
    plan_json.write_text(json.dumps(plan_of(release(on_delete="cancel"), ["update"])))
    assert deploy.main(["plan", "--plan_json", str(plan_json)]) == 1


# -- step names: what an update matches ----------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("pipeline", STREAMING)
def test_step_names_are_explicit_stable_and_the_committed_ones(pipeline):
    names = deploy.step_names(pipeline)
    assert len(names) == len(set(names))
    assert names == deploy.step_names(pipeline), "a step is named anew at each construction (random or counter)"
    generated = [n for n in names if "<lambda" in n or re.search(r"\.py:\d+", n)]
    assert not generated, f"steps labelled with a line of source, renamed by any edit or upgrade: {generated}"
    assert names == deploy.committed_steps()[pipeline], (
        "the job's step names changed: a running job updated to this code loses the state of renamed steps, "
        "or the update is refused. If intended, rewrite steps.json (python -m pipelines.streaming.deploy steps "
        "--write) and follow docs/streaming-updates.md (transform_name_mapping, or drain and replace)")


def test_the_stateful_steps_have_names_an_update_can_match():
    steps = deploy.committed_steps()
    stateful = {"sensors": ["DropRetries/DropRepeats", "GroupHour", "MinuteMetrics/GroupMinute",
                            "PpvAnomalies/AfterWarmUp"],
                "machine_issues": ["DropRetries/DropRepeats"]}
    for pipeline, names in stateful.items():
        assert set(names) <= set(steps[pipeline]), pipeline
    # Beam's AnomalyDetection would add 6 random hex digits; ours are derived from the step's path
    (learn,) = [n for n in steps["sensors"] if n.endswith("/ParDo(_ScoreAndLearnDoFn)")]
    assert learn.startswith("PpvAnomalies/RobustZScore/RunOneDetector/Score and Learn (RobustZScore:")


@pytest.mark.slow
def test_steps_json_is_what_the_graph_command_prints(capsys):
    assert deploy.main(["steps"]) == 0
    assert capsys.readouterr().out == deploy.STEPS_FILE.read_text()


# -- the Terraform module, as Terraform plans it -------------------------------------------------------

@pytest.fixture(scope="module")
def prod_jobs() -> dict[str, deploy.JobChange]:
    plan = terraform_offline.plan(ROOT / "terraform" / "environments" / "prod", "terraform.tfvars")
    return deploy.job_changes(plan)


@pytest.mark.slow
def test_the_module_drains_waits_and_keeps_the_names(prod_jobs):
    assert set(prod_jobs) == set(STREAMING)
    for pipeline, change in prod_jobs.items():
        after = change.after
        assert after["on_delete"] == "drain", pipeline
        assert not after["skip_wait_on_job_termination"], pipeline  # wait for DRAINED before relaunching
        assert after["name"] == f"minera-prod-{pipeline.replace('_', '-')}"
        assert "run_id" not in after["parameters"], pipeline


@pytest.mark.slow
def test_the_module_launches_with_values_the_launch_api_accepts(prod_jobs):
    """The request the provider builds from the module's values parses as the API's own message:
    an enum value the API does not have (e.g. Beam's THROUGHPUT_BASED) fails here, not at apply."""
    for pipeline, change in prod_jobs.items():
        filled = deploy.JobChange(change.pipeline, change.address, ["update"], None,
                                  {**change.after, "subnetwork": DEPLOYED["subnetwork"],
                                   "parameters": {**change.after["parameters"],
                                                  **{k: DEPLOYED["parameters"][k]
                                                     for k in change.after_unknown.get("parameters", {})}}},
                                  {})
        request = deploy.launch_request(filled)
        assert deploy.problems(filled) == [], pipeline
        dataflow.LaunchFlexTemplateRequest.from_json(json.dumps(request.body))  # raises on a bad enum value
