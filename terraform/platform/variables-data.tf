# Variables of the data modules (pubsub, bigquery, dataflow-streaming); the shared ones (project_id,
# region, bigquery_location, prefix, labels, kms_keys, pii_readers, bi_readers, pipelines_image_tag)
# are in variables.tf.

variable "pubsub_publishers" {
  description = "Members who may publish, per source topic: { sensor_readings = [the sensor gateway], machine_issues = [the mobile app's backend] }."
  type        = map(list(string))
  default     = {}
}

variable "alert_consumers" {
  description = "Members who pull the critical alerts (subscription sensor-alerts-critical: alerts whose severity attribute is critical)."
  type        = list(string)
  default     = []
}

variable "dead_letter_readers" {
  description = "Members who may pull the Pub/Sub dead letters (the <topic>-dead-letter-hold subscriptions) to inspect and replay them."
  type        = list(string)
  default     = []
}

variable "models_service_account" {
  description = "Which service account builds the SQL models (the models' Cloud Run job, python -m pipelines.models / SQLMesh, runs as it): models (its own, least privilege), batch or composer. It writes staging, marts, serving and SQLMesh's datasets, reads the sources and the columns that identify people."
  type        = string
  default     = "models"
  validation {
    condition     = contains(["models", "batch", "composer"], var.models_service_account)
    error_message = "models_service_account is models, batch or composer."
  }
}

variable "bigquery_deletion_protection" {
  description = "Refuse to destroy BigQuery tables (false only for a throw-away environment)."
  type        = bool
  default     = true
}

variable "streaming_machine_type" {
  description = "Worker machine type of the streaming jobs."
  type        = string
  default     = "n2-standard-2"
}

variable "streaming_max_workers" {
  description = "Most workers per streaming job. Changing it drains and replaces the jobs (ForceNew in the provider); docs/streaming-updates.md has the in-flight alternative."
  type        = number
  default     = 3
}

variable "streaming_extra_parameters" {
  description = "More pipeline options per streaming job (keys sensors, machine_issues)."
  type        = map(map(string))
  default     = {}
}

variable "streaming_transform_name_mapping" {
  description = "Per streaming job, old -> new step names, for an in-place update that renamed steps."
  type        = map(map(string))
  default     = {}
}

variable "deploy_pipelines" {
  description = "Whether the pipelines' jobs exist (the two streaming Dataflow jobs and the batch launchers' Cloud Run jobs): false for a project's first apply, before Cloud Build has pushed the image and written its specs (docs/deployment.md)."
  type        = bool
  default     = true
}
