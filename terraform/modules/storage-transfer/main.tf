# A daily Storage Transfer Service job that copies the lab's S3 files into the landing bucket.
# The AWS access key stays in Secret Manager (credentials_secret): it is in no Terraform file,
# plan or state. The job runs as a user-managed service account that can write to the landing
# bucket only, instead of the project-wide Storage Transfer service agent.

data "google_storage_transfer_project_service_account" "agent" {
  project = var.project_id
}

locals {
  start = split("-", var.start_date)
  # The service agent reads the secret (the API names "GoogleServiceAccount" as the reader) and,
  # for a job with a user-managed account, mints that account's tokens.
  secret_readers = {
    agent           = data.google_storage_transfer_project_service_account.agent.member
    service_account = "serviceAccount:${var.service_account_email}"
  }
}

# Write what the transfer needs on the sink: bucket metadata, list, create, and delete (to
# replace an object whose source changed). Legacy bucket roles are the documented set for this.
resource "google_storage_bucket_iam_member" "sink_writer" {
  bucket = var.sink_bucket
  role   = "roles/storage.legacyBucketWriter"
  member = "serviceAccount:${var.service_account_email}"
}

resource "google_secret_manager_secret_iam_member" "credentials_reader" {
  for_each = local.secret_readers

  secret_id = var.credentials_secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = each.value
}

resource "google_service_account_iam_member" "agent_token_creator" {
  service_account_id = "projects/${var.project_id}/serviceAccounts/${var.service_account_email}"
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = data.google_storage_transfer_project_service_account.agent.member
}

resource "google_storage_transfer_job" "s3_to_landing" {
  project         = var.project_id
  name            = "transferJobs/${var.name}"
  description     = var.description
  status          = "ENABLED"
  service_account = var.service_account_email

  transfer_spec {
    aws_s3_data_source {
      bucket_name        = var.source_bucket
      path               = var.source_prefix
      credentials_secret = var.credentials_secret
    }

    gcs_data_sink {
      bucket_name = var.sink_bucket
      path        = var.sink_path
    }

    # Copy what is new or changed; never delete at the lab's end or in landing (the loader
    # records which files it loaded, and landing keeps versions).
    transfer_options {
      overwrite_when                            = "DIFFERENT"
      delete_objects_from_source_after_transfer = false
      delete_objects_unique_in_sink             = false
    }
  }

  schedule {
    schedule_start_date {
      year  = tonumber(local.start[0])
      month = tonumber(local.start[1])
      day   = tonumber(local.start[2])
    }
    start_time_of_day {
      hours   = var.start_hour_utc
      minutes = 0
      seconds = 0
      nanos   = 0
    }
    repeat_interval = "86400s"
  }

  logging_config {
    log_actions       = ["FIND", "COPY"]
    log_action_states = ["SUCCEEDED", "FAILED"]
  }

  depends_on = [
    google_storage_bucket_iam_member.sink_writer,
    google_secret_manager_secret_iam_member.credentials_reader,
    google_service_account_iam_member.agent_token_creator,
  ]
}
