# One environment = one call of the platform. dev and prod have identical .tf files and differ
# only by terraform.tfvars and backend.hcl.

module "platform" {
  source = "../../platform"

  project_id            = var.project_id
  region                = var.region
  bigquery_location     = var.bigquery_location
  prefix                = var.prefix
  labels                = var.labels
  kms_keys              = var.kms_keys
  notification_channels = var.notification_channels
  pii_readers           = var.pii_readers
  bi_readers            = var.bi_readers
  network               = var.network

  composer_image_version    = var.composer_image_version
  composer_environment_size = var.composer_environment_size
  composer_resilience_mode  = var.composer_resilience_mode
  composer_workloads        = var.composer_workloads
  dags_start_date           = var.dags_start_date

  pipelines_image_tag     = var.pipelines_image_tag
  lab_s3_bucket           = var.lab_s3_bucket
  lab_s3_prefix           = var.lab_s3_prefix
  transfer_start_hour_utc = var.transfer_start_hour_utc
  erp_source_url          = var.erp_source_url
  production_source_url   = var.production_source_url

  scratch_retention_days            = var.scratch_retention_days
  noncurrent_version_retention_days = var.noncurrent_version_retention_days
  force_destroy                     = var.force_destroy

  deploy_pipelines                    = var.deploy_pipelines
  bigquery_deletion_protection        = var.deletion_protection
  batch_launchers_deletion_protection = var.deletion_protection
  pubsub_publishers                   = var.pubsub_publishers
  alert_consumers                     = var.alert_consumers
  streaming_max_workers               = var.streaming_max_workers
}
