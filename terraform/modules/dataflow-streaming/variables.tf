variable "project_id" {
  description = "Project the jobs run in."
  type        = string
}

variable "region" {
  description = "Dataflow region (the workers' subnetwork is in it)."
  type        = string
}

variable "prefix" {
  description = "Environment prefix: the jobs are <prefix>-sensors and <prefix>-machine-issues."
  type        = string
}

variable "labels" {
  description = "Labels on the jobs (and their workers)."
  type        = map(string)
  default     = {}
}

variable "templates_bucket" {
  description = "Bucket of the flex template specs: gs://<bucket>/templates/<tag>/<pipeline>.json."
  type        = string
}

variable "image" {
  description = "The pipelines' image without its tag (REGION-docker.pkg.dev/PROJECT/REPOSITORY/pipelines): the workers' SDK container."
  type        = string
}

variable "image_tag" {
  description = "Tag of the image and of its specs (gs://<templates_bucket>/templates/<tag>/<pipeline>.json) the jobs run; changing it updates the jobs in place."
  type        = string
}

variable "enabled" {
  description = "Whether the jobs exist: false for a project's first apply, before Cloud Build has pushed the image and written the specs."
  type        = bool
  default     = true
}

variable "service_account_email" {
  description = "The streaming service account the workers (and the launcher) run as."
  type        = string
}

variable "subnetwork" {
  description = "Self link of the workers' subnetwork (private IPs only: it needs Private Google Access)."
  type        = string
}

variable "temp_location" {
  description = "gs:// prefix for the jobs' temporary files."
  type        = string
}

variable "staging_location" {
  description = "gs:// prefix where the launcher stages the jobs' files."
  type        = string
}

variable "kms_key_name" {
  description = "Cloud KMS key for the jobs' state and temporary data (kms_keys.dataflow); null = Google-managed."
  type        = string
  default     = null
}

variable "subscriptions" {
  description = "The jobs' --input_subscription by source: sensor_readings, machine_issues (module.pubsub.subscriptions)."
  type        = map(string)
}

variable "alerts_topic" {
  description = "--alerts_topic of both jobs (projects/P/topics/T)."
  type        = string
}

variable "lake_location" {
  description = "--lake_location of the sensors job: gs://<lake bucket>/lake."
  type        = string
}

variable "warehouse" {
  description = "--warehouse of both jobs: bigquery://PROJECT?location=LOCATION."
  type        = string
}

variable "machine_type" {
  description = "Worker machine type (docs/streaming-sensors.md#dataflow-sizing: one n2-standard-2 carries the mine)."
  type        = string
  default     = "n2-standard-2"
}

variable "max_workers" {
  description = "Most workers per job, so a backlog after an outage drains in minutes. Changing it drains and replaces the jobs (ForceNew in the provider; docs/streaming-updates.md)."
  type        = number
  default     = 3
}

variable "extra_parameters" {
  description = "More pipeline options per job (keys sensors, machine_issues), e.g. { sensors = { dedup_shards = \"8\" } }; each must be a parameter of the template's metadata."
  type        = map(map(string))
  default     = {}
}

variable "transform_name_mapping" {
  description = "Per job, old -> new step names for an in-place update that renamed steps (Dataflow's compatibility check)."
  type        = map(map(string))
  default     = {}
}
