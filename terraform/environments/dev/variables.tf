# The platform's inputs, passed through unchanged (platform/variables.tf validates them).

variable "project_id" {
  description = "ID of the Google Cloud project the platform lives in."
  type        = string
}

variable "region" {
  description = "Region of everything regional: Dataflow, Composer, buckets, subnets, secrets, the image repository (e.g. southamerica-west1)."
  type        = string
}

variable "bigquery_location" {
  description = "Location of the BigQuery datasets (e.g. southamerica-west1); the lake bucket is in var.region, so the two must be compatible for the lake's external table."
  type        = string
}

variable "prefix" {
  description = "Start of every globally unique or per-environment name, e.g. minera-dev: buckets are <prefix>-landing and so on."
  type        = string
}

variable "labels" {
  description = "Labels set on every resource that takes labels."
  type        = map(string)
  default     = {}
}

variable "kms_keys" {
  description = "Cloud KMS key IDs (projects/P/locations/L/keyRings/R/cryptoKeys/K) per service; null means Google-managed encryption. Keys must be in the service's location."
  type = object({
    storage          = optional(string)
    bigquery         = optional(string)
    pubsub           = optional(string)
    composer         = optional(string)
    dataflow         = optional(string)
    secretmanager    = optional(string)
    artifactregistry = optional(string)
  })
  default = {}
}

variable "notification_channels" {
  description = "Cloud Monitoring notification channel IDs that alerts go to."
  type        = list(string)
  default     = []
}

variable "pii_readers" {
  description = "Members (\"group:x@y\") who may read columns that identify people."
  type        = list(string)
  default     = []
}

variable "bi_readers" {
  description = "Members who may read the serving and mart datasets (besides the BI reader service account)."
  type        = list(string)
  default     = []
}

variable "network" {
  description = "IPv4 ranges of the platform's subnets and the share of flow logs kept."
  type = object({
    dataflow_cidr     = optional(string, "10.10.0.0/20")
    composer_cidr     = optional(string, "10.10.16.0/24")
    flow_log_sampling = optional(number, 0.5)
  })
  default = {}
}

variable "composer_image_version" {
  description = "Composer 3 image of the Airflow environment, e.g. composer-3-airflow-2.10.5-build.12."
  type        = string
}

variable "composer_environment_size" {
  description = "Composer environment size: ENVIRONMENT_SIZE_SMALL, _MEDIUM or _LARGE."
  type        = string
  default     = "ENVIRONMENT_SIZE_SMALL"
}

variable "composer_resilience_mode" {
  description = "HIGH_RESILIENCE for a highly available Composer environment, null for standard."
  type        = string
  default     = null
}

variable "composer_workloads" {
  description = "CPU (vCPU), memory and storage (GB) and counts of the Airflow components; omitted components keep the composer module's small defaults."
  type = object({
    scheduler     = optional(object({ cpu = number, memory_gb = number, storage_gb = number, count = number }), { cpu = 0.5, memory_gb = 2, storage_gb = 1, count = 1 })
    triggerer     = optional(object({ cpu = number, memory_gb = number, count = number }), { cpu = 0.5, memory_gb = 1, count = 1 })
    dag_processor = optional(object({ cpu = number, memory_gb = number, storage_gb = number, count = number }), { cpu = 1, memory_gb = 4, storage_gb = 1, count = 1 })
    web_server    = optional(object({ cpu = number, memory_gb = number, storage_gb = number }), { cpu = 1, memory_gb = 2, storage_gb = 1 })
    worker        = optional(object({ cpu = number, memory_gb = number, storage_gb = number, min_count = number, max_count = number }), { cpu = 0.5, memory_gb = 2, storage_gb = 1, min_count = 1, max_count = 3 })
  })
  default = {}
}

variable "dags_start_date" {
  description = "Go-live: the first data interval of the scheduled DAGs, an ISO date (UTC); catch-up starts there and no backfill can load before it."
  type        = string
}

variable "pipelines_image_tag" {
  description = "Tag of the pipelines' container image in the platform repository that the flex templates were built with (tags are immutable)."
  type        = string
}

variable "lab_s3_bucket" {
  description = "Name of the rock-quality lab's AWS S3 bucket that Storage Transfer copies from daily."
  type        = string
}

variable "lab_s3_prefix" {
  description = "Key prefix in the lab's bucket to copy (empty for all, otherwise ending in /)."
  type        = string
  default     = ""
}

variable "transfer_start_hour_utc" {
  description = "Hour (UTC) the daily S3 copy starts."
  type        = number
  default     = 4
}

variable "erp_source_url" {
  description = "The ERP loader's source, oracle://USER@HOST[:PORT]/SERVICE, without password (the password is the erp_db_password secret)."
  type        = string
}

variable "production_source_url" {
  description = "The production loader's source, postgresql://USER@HOST[:PORT]/DB, without password (the password is the production_db_password secret)."
  type        = string
}

variable "scratch_retention_days" {
  description = "Days objects are kept in the staging and temp buckets."
  type        = number
  default     = 7
}

variable "noncurrent_version_retention_days" {
  description = "Days replaced or deleted object versions are kept in the landing, lake, quarantine and templates buckets."
  type        = number
  default     = 30
}

variable "force_destroy" {
  description = "Let terraform destroy remove buckets that still hold data (dev only)."
  type        = bool
  default     = false
}

variable "deploy_pipelines" {
  description = "Whether the pipelines' jobs exist (streaming Dataflow jobs, batch launcher Cloud Run jobs): false for the first apply, before Cloud Build has pushed the image (docs/deployment.md)."
  type        = bool
  default     = true
}

variable "deletion_protection" {
  description = "Refuse to destroy BigQuery tables and the batch launcher jobs (false only for a throw-away environment)."
  type        = bool
  default     = true
}

variable "pubsub_publishers" {
  description = "Members who may publish, per source topic: { sensor_readings = [the sensor gateway], machine_issues = [the mobile app's backend] }."
  type        = map(list(string))
  default     = {}
}

variable "alert_consumers" {
  description = "Members who pull the critical alerts (subscription sensor-alerts-critical)."
  type        = list(string)
  default     = []
}

variable "streaming_max_workers" {
  description = "Most workers per streaming job (docs/streaming-sensors.md#dataflow-sizing: one n2-standard-2 carries the mine; three drain a backlog)."
  type        = number
  default     = 3
}
