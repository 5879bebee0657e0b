# The platform's Cloud Storage buckets. All have uniform bucket-level access and enforced public
# access prevention. Buckets whose data must survive a mistake (a bad overwrite, a delete) keep
# versions for a while; scratch buckets instead delete what they hold after a few days. Every
# bucket's usage log goes to one access-log bucket.

locals {
  # Data that must survive a mistake: versioned, old versions expire.
  kept = {
    landing    = "Files as they arrive from outside (the lab's Avro drops), before they are loaded."
    lake       = "The sensor-reading lake: hourly Parquet under lake/ (the pipelines' --lake_location)."
    quarantine = "Rejected files and messages, kept for a person to inspect and replay."
    templates  = "Dataflow flex template specs: templates/<pipeline>.json."
  }
  # Scratch: objects are deleted after var.scratch_retention_days.
  scratch = {
    staging = "Parquet staged by batch loads before their BigQuery load job; Dataflow staging files."
    temp    = "Dataflow temporary files."
  }
  kms_grant = var.kms_key_name == null ? [] : ["storage"]

  iam_members = merge([
    for bucket, roles in var.iam : merge([
      for role, members in roles : {
        for member in members : "${bucket}/${role}/${member}" => { bucket = bucket, role = role, member = member }
      }
    ]...)
  ]...)
}

data "google_storage_project_service_account" "gcs" {
  project = var.project_id
}

# The Cloud Storage service agent encrypts and decrypts objects with the bucket's default key.
resource "google_kms_crypto_key_iam_member" "storage_agent" {
  for_each = toset(local.kms_grant)

  crypto_key_id = var.kms_key_name
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = data.google_storage_project_service_account.gcs.member
}

resource "google_storage_bucket" "access_logs" {
  # checkov:skip=CKV_GCP_62:this is the access-log bucket; logging its own access would loop
  # checkov:skip=CKV_GCP_78:logs are written once and expire; versions would only add cost
  project                     = var.project_id
  name                        = "${var.prefix}-access-logs"
  location                    = var.location
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.force_destroy
  labels                      = merge(var.labels, { purpose = "access-logs" })

  lifecycle_rule {
    action {
      type = "Delete"
    }
    condition {
      age = var.access_log_retention_days
    }
  }

  dynamic "encryption" {
    for_each = var.kms_key_name == null ? [] : [var.kms_key_name]
    content {
      default_kms_key_name = encryption.value
    }
  }

  depends_on = [google_kms_crypto_key_iam_member.storage_agent]
}

# Cloud Storage writes usage logs as this Google group.
resource "google_storage_bucket_iam_member" "access_log_writer" {
  bucket = google_storage_bucket.access_logs.name
  role   = "roles/storage.objectCreator"
  member = "group:cloud-storage-analytics@google.com"
}

resource "google_storage_bucket" "kept" {
  for_each = local.kept

  project                     = var.project_id
  name                        = "${var.prefix}-${each.key}"
  location                    = var.location
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.force_destroy
  labels                      = merge(var.labels, { purpose = each.key })

  versioning {
    enabled = true
  }

  lifecycle_rule {
    action {
      type = "Delete"
    }
    condition {
      days_since_noncurrent_time = var.noncurrent_version_retention_days
      with_state                 = "ARCHIVED"
    }
  }

  logging {
    log_bucket        = google_storage_bucket.access_logs.name
    log_object_prefix = "${var.prefix}-${each.key}"
  }

  dynamic "encryption" {
    for_each = var.kms_key_name == null ? [] : [var.kms_key_name]
    content {
      default_kms_key_name = encryption.value
    }
  }

  depends_on = [google_kms_crypto_key_iam_member.storage_agent]
}

resource "google_storage_bucket" "scratch" {
  # checkov:skip=CKV_GCP_78:scratch data is deleted after a few days by design; versions would keep it
  for_each = local.scratch

  project                     = var.project_id
  name                        = "${var.prefix}-${each.key}"
  location                    = var.location
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.force_destroy
  labels                      = merge(var.labels, { purpose = each.key })

  lifecycle_rule {
    action {
      type = "Delete"
    }
    condition {
      age = var.scratch_retention_days
    }
  }

  # Should versioning ever be turned on here, replaced versions are not kept either.
  lifecycle_rule {
    action {
      type = "Delete"
    }
    condition {
      days_since_noncurrent_time = 1
      with_state                 = "ARCHIVED"
    }
  }

  logging {
    log_bucket        = google_storage_bucket.access_logs.name
    log_object_prefix = "${var.prefix}-${each.key}"
  }

  dynamic "encryption" {
    for_each = var.kms_key_name == null ? [] : [var.kms_key_name]
    content {
      default_kms_key_name = encryption.value
    }
  }

  depends_on = [google_kms_crypto_key_iam_member.storage_agent]
}

locals {
  buckets = merge(google_storage_bucket.kept, google_storage_bucket.scratch)
}

resource "google_storage_bucket_iam_member" "grants" {
  for_each = local.iam_members

  bucket = local.buckets[each.value.bucket].name
  role   = each.value.role
  member = each.value.member
}
