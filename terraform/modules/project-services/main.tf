# The project's APIs, and the service agents that other modules grant roles to (KMS keys,
# Composer's ServiceAgentV2Ext). Agent e-mails follow Google's fixed formats from the project
# number; the ones that must exist before a grant are created explicitly.

resource "google_project_service" "enabled" {
  for_each = toset(var.services)

  project            = var.project_id
  service            = each.value
  disable_on_destroy = false
}

# Read at plan time (the Resource Manager API is on in every project), so that the agent e-mails
# below are known when other modules key grants on them.
data "google_project" "this" {
  project_id = var.project_id
}

# BigQuery's encryption agent exists once asked for: this data source asks (and creates it).
data "google_bigquery_default_service_account" "this" {
  project = var.project_id

  depends_on = [google_project_service.enabled]
}

resource "google_project_service_identity" "agents" {
  for_each = toset(var.service_identities)
  provider = google-beta

  project = var.project_id
  service = each.value

  depends_on = [google_project_service.enabled]
}

locals {
  number = data.google_project.this.number

  # Google's service-agent formats; an explicitly created identity's own e-mail wins.
  service_agent_formats = {
    artifactregistry = "service-${local.number}@gcp-sa-artifactregistry.iam.gserviceaccount.com"
    bigquery         = "bq-${local.number}@bigquery-encryption.iam.gserviceaccount.com"
    composer         = "service-${local.number}@cloudcomposer-accounts.iam.gserviceaccount.com"
    compute          = "service-${local.number}@compute-system.iam.gserviceaccount.com"
    dataflow         = "service-${local.number}@dataflow-service-producer-prod.iam.gserviceaccount.com"
    gke              = "service-${local.number}@container-engine-robot.iam.gserviceaccount.com"
    pubsub           = "service-${local.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
    run              = "service-${local.number}@serverless-robot-prod.iam.gserviceaccount.com"
    secretmanager    = "service-${local.number}@gcp-sa-secretmanager.iam.gserviceaccount.com"
    storage          = "service-${local.number}@gs-project-accounts.iam.gserviceaccount.com"
    storagetransfer  = "project-${local.number}@storage-transfer-service.iam.gserviceaccount.com"
  }
  created_agents = {
    for service, identity in google_project_service_identity.agents :
    trimsuffix(service, ".googleapis.com") => identity.email
  }
  service_agents = merge(local.service_agent_formats, local.created_agents,
  { bigquery = data.google_bigquery_default_service_account.this.email })
}
