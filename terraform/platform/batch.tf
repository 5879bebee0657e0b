# The batch pipelines' launchers: one Cloud Run job each, running python -m pipelines.batch.<name>
# from the pipelines' image as the batch service account (docs/decisions/0002-batch-launchers.md),
# and one for the models, python -m pipelines.models. Composer starts an execution per run with
# the run's own arguments (window, tables, day).

locals {
  # Where batch runs stage and keep temporary files (the DAGs' STAGING_LOCATION, TEMP_LOCATION and
  # QUARANTINE_LOCATION hold the same paths).
  batch_staging_location    = "gs://${module.buckets.names["staging"]}/staging"
  batch_temp_location       = "gs://${module.buckets.names["temp"]}/tmp"
  batch_quarantine_location = "gs://${module.buckets.names["quarantine"]}/files"
}

module "batch_launchers" {
  source = "../modules/batch-launchers"

  project_id  = module.project_services.project_id
  region      = var.region
  name_prefix = "${var.prefix}-batch"
  image       = local.pipelines_image

  sources = {
    erp        = { url = var.erp_source_url, password_secret = module.secrets.ids["erp_db_password"] }
    production = { url = var.production_source_url, password_secret = module.secrets.ids["production_db_password"] }
  }
  rock_quality_input  = "gs://${module.buckets.names["landing"]}/${local.rock_quality_dir}**.avro"
  quarantine_location = local.batch_quarantine_location
  lake_location       = local.lake_location
  resources           = var.batch_launcher_resources

  service_account_email = module.service_accounts.emails["batch"]
  subnetwork            = module.network.dataflow_subnetwork
  warehouse_url         = local.warehouse_url
  staging_location      = local.batch_staging_location
  temp_location         = local.batch_temp_location
  dataflow_kms_key      = var.kms_keys.dataflow
  encryption_key        = var.kms_keys.dataflow
  executors             = [module.service_accounts.iam_emails["composer"]]
  labels                = var.labels
  deletion_protection   = var.batch_launchers_deletion_protection
  enabled               = var.deploy_pipelines

  # the models' job runs as the account that builds the models (its dataset grants: platform/data.tf)
  models_service_account_email = module.service_accounts.emails[var.models_service_account]
}
