variable "project_id" {
  description = "ID of the project that owns the buckets."
  type        = string
}

variable "prefix" {
  description = "Start of every bucket name (bucket names are global): \"<prefix>-landing\" and so on."
  type        = string
}

variable "location" {
  description = "Location of every bucket; the region Dataflow runs in, so that no job reads or writes across regions and BigQuery in the same location can read the lake."
  type        = string
}

variable "labels" {
  description = "Labels set on every bucket."
  type        = map(string)
  default     = {}
}

variable "kms_key_name" {
  description = "Cloud KMS key ID (projects/P/locations/L/keyRings/R/cryptoKeys/K) that encrypts every bucket by default; null keeps Google-managed encryption. When set, the project's Cloud Storage service agent gets encrypter/decrypter on it."
  type        = string
  default     = null
}

variable "scratch_retention_days" {
  description = "Days after which objects in the scratch buckets (staging, temp) are deleted."
  type        = number
  default     = 7

  validation {
    condition     = var.scratch_retention_days >= 1
    error_message = "scratch_retention_days is at least 1."
  }
}

variable "noncurrent_version_retention_days" {
  description = "Days a replaced or deleted object version is kept in the versioned buckets (landing, lake, quarantine, templates) before it is deleted."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_retention_days >= 1
    error_message = "noncurrent_version_retention_days is at least 1."
  }
}

variable "access_log_retention_days" {
  description = "Days the usage (access) logs of the platform buckets are kept in the access-log bucket."
  type        = number
  default     = 90
}

variable "force_destroy" {
  description = "Let terraform destroy delete buckets that still hold objects (dev only; keep false where data matters)."
  type        = bool
  default     = false
}

variable "iam" {
  description = "Bucket-level grants, additive: bucket key (landing, lake, staging, temp, templates, quarantine) => role => members."
  type        = map(map(list(string)))
  default     = {}

  validation {
    condition     = alltrue([for bucket in keys(var.iam) : contains(["landing", "lake", "staging", "temp", "templates", "quarantine"], bucket)])
    error_message = "iam keys are bucket keys: landing, lake, staging, temp, templates, quarantine."
  }
}
