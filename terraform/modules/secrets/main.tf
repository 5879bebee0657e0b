# Secret Manager secrets the platform reads at run time. Terraform creates the secret (its name,
# replication, encryption and who may read it) but never a version: values are added by a person
# with gcloud (README), so they appear in no Terraform file, plan or state.

locals {
  accessor_grants = merge([
    for secret, members in var.accessors : {
      for member in members : "${secret}/${member}" => { secret = secret, member = member }
    }
  ]...)
}

resource "google_kms_crypto_key_iam_member" "secretmanager_agent" {
  for_each = var.kms_key_name == null ? toset([]) : toset(["secretmanager"])

  crypto_key_id = var.kms_key_name
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = "serviceAccount:${var.secretmanager_agent}"

  lifecycle {
    precondition {
      condition     = var.secretmanager_agent != null
      error_message = "A CMEK for secrets needs secretmanager_agent, the Secret Manager service agent."
    }
  }
}

resource "google_secret_manager_secret" "secrets" {
  for_each = var.secrets

  project   = var.project_id
  secret_id = each.key
  labels    = var.labels
  annotations = {
    description = each.value
  }

  replication {
    user_managed {
      replicas {
        location = var.region

        dynamic "customer_managed_encryption" {
          for_each = var.kms_key_name == null ? [] : [var.kms_key_name]
          content {
            kms_key_name = customer_managed_encryption.value
          }
        }
      }
    }
  }

  depends_on = [google_kms_crypto_key_iam_member.secretmanager_agent]
}

resource "google_secret_manager_secret_iam_member" "accessors" {
  for_each = local.accessor_grants

  project   = var.project_id
  secret_id = google_secret_manager_secret.secrets[each.value.secret].secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = each.value.member
}
