# A small configuration that exercises the offline harness (tests/test_terraform_offline.py): both
# providers, a data source, for_each, nested blocks, references, a GCS backend to be overridden, and
# on purpose one unhardened bucket and one subscription without a dead-letter policy for checkov.

terraform {
  required_version = ">= 1.9"
  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 7.0, < 9.0"
    }
    google-beta = {
      source  = "hashicorp/google-beta"
      version = ">= 7.0, < 9.0"
    }
  }
  backend "gcs" {}
}

provider "google" {
  project = var.project_id
  region  = var.region
}

provider "google-beta" {
  project = var.project_id
  region  = var.region
}

data "google_project" "this" {}

data "google_compute_zones" "available" {}

resource "google_storage_bucket" "hardened" {
  for_each = toset(var.buckets)

  name                        = "${var.prefix}-${each.key}"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  labels                      = merge(var.labels, { project_number = data.google_project.this.number })

  versioning {
    enabled = true
  }

  logging {
    log_bucket = google_storage_bucket.logs.name
  }
}

resource "google_storage_bucket" "logs" {
  # checkov:skip=CKV_GCP_62:the log sink of the other buckets does not log itself
  name                        = "${var.prefix}-logs"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  versioning {
    enabled = true
  }
}

# Unhardened on purpose: no uniform access, no public access prevention, no versioning, no logging.
resource "google_storage_bucket" "unhardened" {
  name     = "${var.prefix}-unhardened"
  location = var.region
}

resource "google_pubsub_topic" "readings" {
  name   = "readings"
  labels = var.labels
}

resource "google_pubsub_topic" "readings_dead_letter" {
  name = "readings-dead-letter"
}

resource "google_pubsub_subscription" "readings" {
  name  = "readings"
  topic = google_pubsub_topic.readings.id

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.readings_dead_letter.id
    max_delivery_attempts = 5
  }
}

resource "google_pubsub_subscription" "readings_dead_letter" {
  # checkov:skip=CKV2_MINERA_1:holds the dead letters themselves; a dead-letter topic of its own would loop
  name  = "readings-dead-letter"
  topic = google_pubsub_topic.readings_dead_letter.id
}

# No dead-letter policy on purpose.
resource "google_pubsub_subscription" "no_dead_letter" {
  name  = "no-dead-letter"
  topic = google_pubsub_topic.readings.id
}

resource "google_dataflow_flex_template_job" "job" {
  provider                = google-beta
  name                    = "${var.prefix}-job"
  container_spec_gcs_path = "gs://${google_storage_bucket.hardened["templates"].name}/templates/job.json"
  parameters = {
    subscription = google_pubsub_subscription.readings.id
    zone         = data.google_compute_zones.available.names[0]
  }
}

output "bucket_names" {
  value = { for k, b in google_storage_bucket.hardened : k => b.name }
}
