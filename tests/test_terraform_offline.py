"""The offline Terraform harness itself (tests/terraform_offline): validate, plan and checkov, offline.

The fixture (tests/terraform_fixtures/platform) is valid; each invalid case is the fixture with one
edit, written to a temporary folder, so every assertion names the one mistake Terraform must catch.
Nothing here skips: a missing tool (``make tools``) is a failure.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import terraform_offline as tfo

pytestmark = pytest.mark.slow  # Terraform's offline tools (make tools)

FIXTURE = Path(__file__).parent / "terraform_fixtures" / "platform"


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    """The fixture with ``old`` replaced by ``new`` in main.tf (which must contain ``old`` once)."""
    copy = tmp_path / "platform"
    shutil.copytree(FIXTURE, copy)
    main = copy / "main.tf"
    text = main.read_text()
    assert text.count(old) == 1, f"the fixture must contain {old!r} exactly once"
    main.write_text(text.replace(old, new))
    return copy


def _errors(diagnostics: list[dict]) -> list[str]:
    return [f"{d['summary']}: {d.get('detail', '')}" for d in diagnostics]


def test_tools_are_installed():
    """Fails, not skips, on a machine where `make tools` has not run."""
    assert tfo.PROVIDER_PYTHON.exists(), tfo.PROVIDER_PYTHON
    assert tfo.CHECKOV.exists(), tfo.CHECKOV
    assert tfo.terraform_command()


def test_schema_is_google_8_7():
    google, beta = tfo.schema("google"), tfo.schema("google-beta")
    bucket = google["resource_schemas"]["google_storage_bucket"]["block"]
    assert bucket["attributes"]["name"] == {"type": "string", "required": True}
    assert bucket["attributes"]["self_link"]["computed"]
    assert bucket["block_types"]["versioning"]["max_items"] == 1
    assert "google_dataflow_flex_template_job" in beta["resource_schemas"]
    assert "google_dataflow_flex_template_job" not in google["resource_schemas"]
    assert google["data_source_schemas"]["google_project"]["block"]["attributes"]["number"]["computed"]


def test_valid_configuration_validates_clean():
    assert tfo.validate(FIXTURE) == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            'name     = "${var.prefix}-unhardened"',
            'name     = "${var.prefix}-unhardened"\n  colour   = "red"',
            'Unsupported argument: An argument named "colour" is not expected here.',
            id="unknown-argument",
        ),
        pytest.param(
            '  name  = "no-dead-letter"\n',
            "",
            'Missing required argument: The argument "name" is required, but no definition was found.',
            id="missing-required-argument",
        ),
        pytest.param(
            "uniform_bucket_level_access = true\n  public_access_prevention    = \"enforced\"\n\n  versioning {\n"
            "    enabled = true\n  }\n}\n\n# Unhardened",
            "uniform_bucket_level_access = { on = true }\n  public_access_prevention    = \"enforced\"\n\n"
            "  versioning {\n    enabled = true\n  }\n}\n\n# Unhardened",
            'Incorrect attribute value type: Inappropriate value for attribute "uniform_bucket_level_access": '
            "bool required",
            id="wrong-type",
        ),
        pytest.param(
            "topic = google_pubsub_topic.readings.id\n\n  dead_letter_policy",
            "topic = google_pubsub_topic.sensor_readings.id\n\n  dead_letter_policy",
            'Reference to undeclared resource: A managed resource "google_pubsub_topic" "sensor_readings" has '
            "not been declared in the root module.",
            id="broken-reference",
        ),
        pytest.param(
            "  versioning {\n    enabled = true\n  }\n\n  logging",
            "  versioning {\n    enabled = true\n  }\n  versioning {\n    enabled = false\n  }\n\n  logging",
            'Too many versioning blocks: No more than 1 "versioning" blocks are allowed',
            id="too-many-blocks",
        ),
        pytest.param(
            "resource \"google_dataflow_flex_template_job\" \"job\" {\n  provider                = google-beta\n",
            "resource \"google_dataflow_flex_template_job\" \"job\" {\n",
            'Invalid resource type: The provider hashicorp/google does not support resource type '
            '"google_dataflow_flex_template_job".',
            id="beta-only-resource-on-google",
        ),
    ],
)
def test_validate_catches(tmp_path, old, new, expected):
    errors = _errors(tfo.validate(_broken(tmp_path, old, new)))
    assert any(e.startswith(expected) for e in errors), errors


def test_validate_points_at_the_line(tmp_path):
    (diag,) = tfo.validate(_broken(tmp_path, 'name   = "readings"\n', 'name   = "readings"\n  colour = 1\n'))
    line = (FIXTURE / "main.tf").read_text().splitlines().index('  name   = "readings"') + 2
    assert diag["range"]["filename"] == "main.tf"
    assert diag["range"]["start"]["line"] == line


def test_validate_leaves_the_configuration_untouched():
    before = sorted(p.name for p in FIXTURE.iterdir())
    tfo.validate(FIXTURE)
    assert sorted(p.name for p in FIXTURE.iterdir()) == before
    assert not (FIXTURE / ".terraform").exists()


@pytest.fixture(scope="module")
def planned() -> dict:
    return tfo.plan(FIXTURE, "terraform.tfvars")


def _changes(plan: dict) -> dict[str, dict]:
    return {r["address"]: r for r in plan["resource_changes"]}


def test_plan_creates_every_resource_for_each_expanded(planned):
    changes = _changes(planned)
    assert {a for a, r in changes.items() if r["change"]["actions"] == ["create"]} == {
        'google_storage_bucket.hardened["landing"]',
        'google_storage_bucket.hardened["templates"]',
        "google_storage_bucket.logs",
        "google_storage_bucket.unhardened",
        "google_pubsub_topic.readings",
        "google_pubsub_topic.readings_dead_letter",
        "google_pubsub_subscription.readings",
        "google_pubsub_subscription.readings_dead_letter",
        "google_pubsub_subscription.no_dead_letter",
        "google_dataflow_flex_template_job.job",
    }
    assert changes["google_dataflow_flex_template_job.job"]["provider_name"].endswith("hashicorp/google-beta")


def test_plan_has_planned_values_and_unknowns(planned):
    bucket = _changes(planned)['google_storage_bucket.hardened["landing"]']["change"]
    after, unknown = bucket["after"], bucket["after_unknown"]
    assert after["name"] == "minera-test-landing"
    assert after["location"] == "southamerica-west1"
    assert after["uniform_bucket_level_access"] is True
    assert after["versioning"] == [{"enabled": True}]
    assert after["logging"] == [{"log_bucket": "minera-test-logs", "log_object_prefix": None}]
    assert after["project"] == "minera-test"  # the provider's project, as the real provider plans it
    assert unknown["self_link"] is True and unknown["id"] is True and "self_link" not in after
    job = _changes(planned)["google_dataflow_flex_template_job.job"]["change"]
    assert job["after"]["container_spec_gcs_path"] == "gs://minera-test-templates/templates/job.json"
    assert job["after_unknown"]["parameters"] == {"subscription": True}  # a computed id, unknown


def test_plan_reads_data_sources_as_placeholders(planned):
    labels = _changes(planned)['google_storage_bucket.hardened["landing"]']["change"]["after"]["labels"]
    assert labels == {"env": "test", "project_number": "<data.google_project.number>"}
    data = {r["address"]: r["values"] for r in planned["prior_state"]["values"]["root_module"]["resources"]}
    assert data["data.google_project.this"]["number"] == "<data.google_project.number>"
    assert data["data.google_compute_zones.available"]["project"] == "minera-test"  # the provider's
    assert data["data.google_compute_zones.available"]["names"] == ["<data.google_compute_zones.names[0]>"]
    job = _changes(planned)["google_dataflow_flex_template_job.job"]["change"]["after"]
    assert job["parameters"]["zone"] == "<data.google_compute_zones.names[0]>"


def test_plan_outputs(planned):
    assert planned["planned_values"]["outputs"]["bucket_names"]["value"] == {
        "landing": "minera-test-landing",
        "templates": "minera-test-templates",
    }


def test_plan_reports_errors(tmp_path):
    config = _broken(tmp_path, "# No dead-letter policy on purpose.", "# No dead-letter policy on purpose.")
    (config / "terraform.tfvars").unlink()
    with pytest.raises(tfo.TerraformError, match="No value for required variable"):
        tfo.plan(config)
    assert tfo.plan(config, variables={"project_id": "p", "region": "r", "prefix": "x"})["resource_changes"]


@pytest.fixture(scope="module")
def checkov_report() -> dict:
    return tfo.checkov(FIXTURE)


def _failed(report: dict) -> set[tuple[str, str]]:
    return {(c["check_id"], c["resource"]) for c in report["results"]["failed_checks"]}


def test_checkov_fails_the_unhardened_bucket(checkov_report):
    failed = _failed(checkov_report)
    for check in ("CKV_GCP_29", "CKV_GCP_62", "CKV_GCP_78", "CKV_GCP_114"):
        assert (check, "google_storage_bucket.unhardened") in failed
    assert not {c for c, r in failed if r.startswith("google_storage_bucket.hardened")}


def test_checkov_custom_policy_wants_a_dead_letter_policy(checkov_report):
    failed = _failed(checkov_report)
    assert ("CKV2_MINERA_1", "google_pubsub_subscription.no_dead_letter") in failed
    assert ("CKV2_MINERA_1", "google_pubsub_subscription.readings") not in failed
    skipped = {(c["check_id"], c["resource"]) for c in checkov_report["results"]["skipped_checks"]}
    assert ("CKV2_MINERA_1", "google_pubsub_subscription.readings_dead_letter") in skipped
