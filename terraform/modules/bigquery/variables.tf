variable "project_id" {
  description = "Project that holds the datasets."
  type        = string
}

variable "location" {
  description = "BigQuery location of every dataset and of the policy-tag taxonomy, e.g. southamerica-west1."
  type        = string
}

variable "prefix" {
  description = "Environment prefix (e.g. minera-dev): names the taxonomy, unique per project and location."
  type        = string
}

variable "labels" {
  description = "Labels on every dataset and table."
  type        = map(string)
  default     = {}
}

variable "kms_key_name" {
  description = "Cloud KMS key for every dataset's tables (kms_keys.bigquery); null = Google-managed. The BigQuery service agent needs roles/cloudkms.cryptoKeyEncrypterDecrypter on it."
  type        = string
  default     = null
}

variable "schemas_dir" {
  description = "The repository's schemas/ folder: layout.json (the tables), their schema files, lake/*.json (external tables) and the lake tables' generated columns."
  type        = string
}

variable "lake_uri" {
  description = "The lake's gs:// prefix, the pipelines' --lake_location (gs://<lake bucket>/lake)."
  type        = string
  validation {
    condition     = startswith(var.lake_uri, "gs://")
    error_message = "lake_uri is a gs:// prefix."
  }
}

variable "deletion_protection" {
  description = "Refuse to destroy tables (and never delete a dataset's contents with it)."
  type        = bool
  default     = true
}

variable "max_time_travel_hours" {
  description = "Time travel window of every dataset, in hours (48 to 168)."
  type        = number
  default     = 168
}

variable "access" {
  description = "Dataset-level grants: dataset name -> { readers, writers } as IAM members (user:, group:, serviceAccount:, domain:). Readers get READER (dataViewer), writers WRITER (dataEditor)."
  type = map(object({
    readers = optional(list(string), [])
    writers = optional(list(string), [])
  }))
  default = {}
}

variable "pii_readers" {
  description = "Members who may read the columns that identify people (Fine-Grained Reader on the policy tag); everyone else gets an access error on those columns."
  type        = list(string)
  default     = []
}
