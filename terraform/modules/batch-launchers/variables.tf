variable "project_id" {
  description = "Project of the Cloud Run jobs and of the Dataflow jobs they launch."
  type        = string
}

variable "region" {
  description = "Region of the Cloud Run jobs and of the Dataflow jobs they launch."
  type        = string
}

variable "name_prefix" {
  description = "Start of each job's name: <name_prefix>-<pipeline, underscores as hyphens>."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,40}$", var.name_prefix))
    error_message = "name_prefix is a lower-case letter then up to 40 lower-case letters, digits and hyphens (job names are at most 63 characters)."
  }
}

variable "sources" {
  description = "The database loaders' sources, each a URL without password (--source_url: oracle://USER@HOST:PORT/SERVICE for erp, postgresql://USER@HOST:PORT/DB for production) and the Secret Manager secret holding the password (--source_password_secret, projects/P/secrets/S)."
  type = object({
    erp        = object({ url = string, password_secret = string })
    production = object({ url = string, password_secret = string })
  })

  validation {
    condition = alltrue([
      for source in [var.sources.erp, var.sources.production] :
      !can(regex("^[a-z]+://[^/@]*:[^/@]*@", source.url)) && !strcontains(source.url, "password=")
      && can(regex("^projects/[^/]+/secrets/[^/]+(/versions/[^/]+)?$", source.password_secret))
    ])
    error_message = "Source URLs carry no password, and password_secret is projects/P/secrets/S[/versions/V]."
  }
}

variable "rock_quality_input" {
  description = "Glob of the lab's Avro files in the landing bucket (rock_quality --input), gs://BUCKET/PATH/**.avro."
  type        = string

  validation {
    condition     = startswith(var.rock_quality_input, "gs://")
    error_message = "rock_quality_input is a gs:// glob."
  }
}

variable "quarantine_location" {
  description = "gs:// prefix where rejected lab files are copied (rock_quality --quarantine_location)."
  type        = string

  validation {
    condition     = startswith(var.quarantine_location, "gs://")
    error_message = "quarantine_location is a gs:// prefix."
  }
}

variable "lake_location" {
  description = "The Parquet lake, gs://BUCKET/lake (sensor_recompute --lake_location)."
  type        = string

  validation {
    condition     = startswith(var.lake_location, "gs://")
    error_message = "lake_location is a gs:// prefix."
  }
}

variable "resources" {
  description = "Per launcher (erp, production, rock_quality, sensor_recompute, models), overrides of its CPU (\"1\"), memory (\"2Gi\"), task timeout (\"43200s\", at most 7 days) and retries; omitted fields keep the module's defaults (main.tf)."
  type = map(object({
    cpu         = optional(string)
    memory      = optional(string)
    timeout     = optional(string)
    max_retries = optional(number)
  }))
  default = {}

  validation {
    condition     = alltrue([for name in keys(var.resources) : contains(["erp", "production", "rock_quality", "sensor_recompute", "models"], name)])
    error_message = "resources keys are erp, production, rock_quality, sensor_recompute and models."
  }

  validation {
    condition     = alltrue([for r in values(var.resources) : r.timeout == null || (can(regex("^[0-9]+s$", r.timeout)) && try(tonumber(trimsuffix(r.timeout, "s")) <= 604800, false))])
    error_message = "Each timeout is a number of seconds like \"3600s\", at most 604800s (7 days)."
  }
}

variable "image" {
  description = "The pipelines' image with its tag (<region>-docker.pkg.dev/<project>/<repo>/pipelines:<tag>): the launcher runs it, and the Dataflow workers too (--sdk_container_image)."
  type        = string
}

variable "service_account_email" {
  description = "Batch service account: the batch pipelines' launchers run as it, and so do their Dataflow workers (--service_account_email)."
  type        = string
}

variable "models_service_account_email" {
  description = "Service account the models job runs as (python -m pipelines.models): it runs BigQuery query jobs, reads the sources and writes the model datasets; it launches no Dataflow job."
  type        = string
}

variable "subnetwork" {
  description = "Self link of the subnet the launcher's Direct VPC egress and the Dataflow workers use (private access to the source databases)."
  type        = string
}

variable "network_tags" {
  description = "Network tags of the launcher's Direct VPC egress interface, for firewall rules towards the sources."
  type        = list(string)
  default     = []
}

variable "warehouse_url" {
  description = "The launchers' --warehouse (the batch pipelines' and the models'): bigquery://PROJECT?location=LOCATION."
  type        = string

  validation {
    condition     = startswith(var.warehouse_url, "bigquery://")
    error_message = "warehouse_url is bigquery://PROJECT?location=LOCATION."
  }
}

variable "staging_location" {
  description = "gs:// prefix for Dataflow staging and the staged Parquet files the loads read (--staging_location)."
  type        = string

  validation {
    condition     = startswith(var.staging_location, "gs://")
    error_message = "staging_location is a gs:// prefix."
  }
}

variable "temp_location" {
  description = "gs:// prefix for Dataflow's temporary files (--temp_location)."
  type        = string

  validation {
    condition     = startswith(var.temp_location, "gs://")
    error_message = "temp_location is a gs:// prefix."
  }
}

variable "dataflow_kms_key" {
  description = "Cloud KMS key of the Dataflow jobs (--dataflow_kms_key); null for Google-managed encryption."
  type        = string
  default     = null
}

variable "encryption_key" {
  description = "Cloud KMS key of the Cloud Run jobs (CMEK); null for Google-managed encryption. The Cloud Run service agent needs cryptoKeyEncrypterDecrypter on it."
  type        = string
  default     = null
}

variable "executors" {
  description = "Members (\"serviceAccount:...\") that may start executions with per-run arguments (Composer): roles/run.jobsExecutorWithOverrides and roles/run.viewer on these jobs only."
  type        = list(string)
  default     = []
}

variable "labels" {
  description = "Labels of the Cloud Run jobs and of the Dataflow jobs they launch (each also gets pipeline=<name>)."
  type        = map(string)
  default     = {}
}

variable "deletion_protection" {
  description = "Refuse terraform destroy (and replacement) of the jobs."
  type        = bool
  default     = true
}

variable "enabled" {
  description = "Whether the jobs exist: false for a project's first apply, before Cloud Build has pushed the image."
  type        = bool
  default     = true
}
