# Variables of the batch launchers (batch.tf); the shared ones (project_id, region, prefix, labels,
# kms_keys, pipelines_image_tag, erp_source_url, production_source_url) are in variables.tf.

variable "batch_launcher_resources" {
  description = "Per launcher (erp, production, rock_quality, sensor_recompute, models), overrides of its CPU (\"1\", \"2\"), memory (\"2Gi\"), task timeout (\"43200s\", at most 7 days) and retries; omitted fields keep modules/batch-launchers' defaults."
  type = map(object({
    cpu         = optional(string)
    memory      = optional(string)
    timeout     = optional(string)
    max_retries = optional(number)
  }))
  default = {}
}

variable "batch_launchers_deletion_protection" {
  description = "Refuse terraform destroy (and replacement) of the launchers' Cloud Run jobs (the batch pipelines' and the models')."
  type        = bool
  default     = true
}
