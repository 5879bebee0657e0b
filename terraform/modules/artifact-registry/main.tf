# The Docker repository for the pipelines' image (one image serves every flex template and is
# the Dataflow workers' SDK container). Tags are immutable so that a template spec always
# launches the build it was made for.

resource "google_kms_crypto_key_iam_member" "artifactregistry_agent" {
  for_each = var.kms_key_name == null ? toset([]) : toset(["artifactregistry"])

  crypto_key_id = var.kms_key_name
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = "serviceAccount:${var.artifactregistry_agent}"

  lifecycle {
    precondition {
      condition     = var.artifactregistry_agent != null
      error_message = "A CMEK for the repository needs artifactregistry_agent, the Artifact Registry service agent."
    }
  }
}

resource "google_artifact_registry_repository" "docker" {
  project       = var.project_id
  location      = var.location
  repository_id = var.repository_id
  description   = "Container image of the Minera pipelines (flex templates, Dataflow workers)."
  format        = "DOCKER"
  kms_key_name  = var.kms_key_name
  labels        = var.labels

  docker_config {
    immutable_tags = true
  }

  cleanup_policies {
    id     = "delete-untagged"
    action = "DELETE"
    condition {
      tag_state  = "UNTAGGED"
      older_than = "${var.untagged_retention_days * 86400}s"
    }
  }

  depends_on = [google_kms_crypto_key_iam_member.artifactregistry_agent]
}

resource "google_artifact_registry_repository_iam_member" "readers" {
  for_each = toset(var.readers)

  project    = var.project_id
  location   = google_artifact_registry_repository.docker.location
  repository = google_artifact_registry_repository.docker.name
  role       = "roles/artifactregistry.reader"
  member     = each.value
}
