# The data modules: Pub/Sub, BigQuery (datasets, tables from schemas/, policy tags, grants) and the
# two streaming Dataflow jobs, wired to the foundation's service accounts, buckets and network.

locals {
  sa        = module.service_accounts.iam_emails
  models_sa = local.sa[var.models_service_account]

  bi_readers = distinct(concat(var.bi_readers, [local.sa.bi_reader]))

  # Dataset grants: writers get WRITER (dataEditor), readers READER (dataViewer). The streaming
  # jobs write raw_mobile, speed and ops; the batch loaders raw_*, batch and ops; the model build
  # reads the sources and writes the model datasets (and ops.load_runs); BI reads serving and marts
  # only, through authorized datasets (modules/bigquery).
  writers = {
    raw_erp          = [local.sa.batch]
    raw_production   = [local.sa.batch]
    raw_vendor       = [local.sa.batch]
    raw_mobile       = [local.sa.streaming]
    speed            = [local.sa.streaming]
    batch            = [local.sa.batch]
    ops              = [local.sa.streaming, local.sa.batch, local.models_sa]
    staging          = [local.models_sa]
    marts            = [local.models_sa]
    serving          = [local.models_sa]
    sqlmesh__staging = [local.models_sa]
    sqlmesh__marts   = [local.models_sa]
    sqlmesh__serving = [local.models_sa]
    sqlmesh          = [local.models_sa]
  }
  readers = {
    raw_erp        = [local.models_sa]
    raw_production = [local.models_sa]
    raw_vendor     = [local.models_sa]
    raw_mobile     = [local.models_sa]
    speed          = [local.models_sa]
    batch          = [local.models_sa]
    marts          = local.bi_readers
    serving        = local.bi_readers
  }
  dataset_access = {
    for dataset in distinct(concat(keys(local.writers), keys(local.readers))) : dataset => {
      writers = distinct(lookup(local.writers, dataset, []))
      readers = [for m in distinct(lookup(local.readers, dataset, [])) : m if !contains(lookup(local.writers, dataset, []), m)]
    }
  }
}

module "pubsub" {
  source = "../modules/pubsub"

  project_id                = var.project_id
  labels                    = var.labels
  kms_key_name              = var.kms_keys.pubsub
  message_storage_regions   = [var.region]
  publishers                = var.pubsub_publishers
  streaming_service_account = module.service_accounts.emails.streaming
  service_agent             = module.project_services.service_agents["pubsub"]
  dead_letter_readers       = var.dead_letter_readers
  alert_subscriptions = {
    critical = {
      # the pipelines set each alert's severity (pipelines/streaming/alerts.py RULE_SEVERITY); a filter
      # cannot change without recreating the subscription, so it never names rules. Monitoring alerts
      # on this subscription's backlog.
      filter      = "attributes.severity = \"critical\""
      subscribers = var.alert_consumers
    }
  }
}

module "bigquery" {
  source = "../modules/bigquery"

  project_id          = var.project_id
  location            = var.bigquery_location
  prefix              = var.prefix
  labels              = var.labels
  kms_key_name        = var.kms_keys.bigquery
  schemas_dir         = "${path.module}/../../schemas"
  lake_uri            = local.lake_location
  deletion_protection = var.bigquery_deletion_protection
  access              = local.dataset_access
  # the model build reads raw_mobile.machine_issue_events.reported_by (marts.machine_issues)
  pii_readers = distinct(concat(var.pii_readers, [local.models_sa]))
}

module "dataflow_streaming" {
  source = "../modules/dataflow-streaming"

  project_id            = var.project_id
  region                = var.region
  prefix                = var.prefix
  labels                = var.labels
  templates_bucket      = module.buckets.names.templates
  image                 = module.artifact_registry.image
  image_tag             = var.pipelines_image_tag
  enabled               = var.deploy_pipelines
  service_account_email = module.service_accounts.emails.streaming
  subnetwork            = module.network.dataflow_subnetwork
  temp_location         = "gs://${module.buckets.names.temp}/dataflow/streaming"
  staging_location      = "gs://${module.buckets.names.staging}/dataflow/streaming"
  kms_key_name          = var.kms_keys.dataflow

  subscriptions = module.pubsub.subscriptions
  alerts_topic  = module.pubsub.topics.alerts
  lake_location = local.lake_location
  warehouse     = local.warehouse_url

  machine_type           = var.streaming_machine_type
  max_workers            = var.streaming_max_workers
  extra_parameters       = var.streaming_extra_parameters
  transform_name_mapping = var.streaming_transform_name_mapping

  # the jobs start once they can read their subscriptions and their tables exist
  depends_on = [module.pubsub, module.bigquery]
}
