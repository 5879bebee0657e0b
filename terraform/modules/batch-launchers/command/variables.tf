variable "project_id" {
  description = "Project of the Dataflow jobs (--project)."
  type        = string
}

variable "region" {
  description = "Region of the Dataflow jobs (--region)."
  type        = string
}

variable "warehouse_url" {
  description = "The launchers' --warehouse (the batch pipelines' and the models'), bigquery://PROJECT?location=LOCATION."
  type        = string
}

variable "staging_location" {
  description = "Dataflow staging and staged Parquet files (--staging_location), gs://BUCKET/PATH."
  type        = string
}

variable "temp_location" {
  description = "Dataflow temporary files (--temp_location), gs://BUCKET/PATH."
  type        = string
}

variable "service_account_email" {
  description = "Service account the Dataflow workers run as (--service_account_email)."
  type        = string
}

variable "subnetwork" {
  description = "Subnetwork of the Dataflow workers (--subnetwork), a self link or regions/R/subnetworks/S."
  type        = string
}

variable "dataflow_kms_key" {
  description = "Cloud KMS key of the Dataflow jobs (--dataflow_kms_key); null for Google-managed encryption."
  type        = string
  default     = null
}

variable "image" {
  description = "Image the Dataflow workers run (--sdk_container_image), REPOSITORY/pipelines:TAG."
  type        = string
}

variable "labels" {
  description = "Labels of every Dataflow job (--labels key=value); each job also gets pipeline=<name>."
  type        = map(string)
  default     = {}
}

variable "sources" {
  description = "The database loaders' sources: { erp = {...}, production = {...} }, each a URL without password (--source_url) and the Secret Manager secret holding the password (--source_password_secret, projects/P/secrets/S)."
  type = object({
    erp        = object({ url = string, password_secret = string })
    production = object({ url = string, password_secret = string })
  })
}

variable "rock_quality_input" {
  description = "Glob of the lab's Avro files in the landing bucket (rock_quality --input), gs://BUCKET/PATH/**.avro."
  type        = string
}

variable "quarantine_location" {
  description = "Where rejected lab files are copied (rock_quality --quarantine_location), gs://BUCKET/PATH."
  type        = string
}

variable "lake_location" {
  description = "The Parquet lake (sensor_recompute --lake_location), gs://BUCKET/lake."
  type        = string
}
