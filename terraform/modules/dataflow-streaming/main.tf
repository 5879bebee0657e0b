# The two streaming jobs of the speed layer, launched from their flex templates.

locals {
  jobs = {
    sensors = {
      template = "sensors"
      name     = "${var.prefix}-sensors"
      parameters = {
        input_subscription = var.subscriptions["sensor_readings"]
        lake_location      = var.lake_location
        warehouse          = var.warehouse
        alerts_topic       = var.alerts_topic
      }
    }
    machine_issues = {
      template = "machine_issues"
      name     = "${var.prefix}-machine-issues"
      parameters = {
        input_subscription = var.subscriptions["machine_issues"]
        warehouse          = var.warehouse
        alerts_topic       = var.alerts_topic
      }
    }
  }
}

resource "google_dataflow_flex_template_job" "this" {
  provider = google-beta
  # off for the first apply of a project: the image and its specs are built after the registry
  # and the templates bucket exist (docs/deployment.md)
  for_each = var.enabled ? local.jobs : {}

  project = var.project_id
  region  = var.region
  name    = each.value.name
  # one folder of specs per image tag (pipelines.templates.spec_path): a rollback is an earlier tag
  container_spec_gcs_path = "gs://${var.templates_bucket}/templates/${var.image_tag}/${each.value.template}.json"
  parameters              = merge(each.value.parameters, lookup(var.extra_parameters, each.key, {}))
  transform_name_mapping  = lookup(var.transform_name_mapping, each.key, {})
  labels                  = var.labels

  sdk_container_image     = "${var.image}:${var.image_tag}"
  service_account_email   = var.service_account_email
  subnetwork              = var.subnetwork
  ip_configuration        = "WORKER_IP_PRIVATE"
  enable_streaming_engine = true
  machine_type            = var.machine_type
  num_workers             = 1
  max_workers             = var.max_workers
  # the launch API's enum (FlexTemplateRuntimeEnvironment.autoscalingAlgorithm), not Beam's option
  # value: "THROUGHPUT_BASED" is refused with a 400 (hashicorp/terraform-provider-google#17570);
  # Beam's --autoscaling_algorithm=THROUGHPUT_BASED is this same algorithm
  autoscaling_algorithm = "AUTOSCALING_ALGORITHM_BASIC"
  temp_location         = var.temp_location
  staging_location      = var.staging_location
  kms_key_name          = var.kms_key_name

  # destroy (or a replacement) drains: what was read is written before the job stops; and Terraform
  # waits for JOB_STATE_DRAINED before it launches the replacement under the same name
  # (skip_wait_on_job_termination stays false). docs/streaming-updates.md
  on_delete = "drain"

  lifecycle {
    precondition {
      condition     = alltrue([for k in ["sensor_readings", "machine_issues"] : contains(keys(var.subscriptions), k)])
      error_message = "subscriptions needs the keys sensor_readings and machine_issues."
    }
  }
}
