variable "project_id" {
  description = "ID of the project that owns the secrets."
  type        = string
}

variable "region" {
  description = "The one region every secret's payload is replicated to (user-managed replication)."
  type        = string
}

variable "secrets" {
  description = "Secrets to create, secret ID => what it holds. Only the secret is created: versions (the values) are added by hand with gcloud, never through Terraform."
  type        = map(string)
  default = {
    erp_db_password        = "Password of the SAP/Oracle read-only user the ERP loader connects as."
    production_db_password = "Password of the PostgreSQL read-only user the production loader connects as."
    lab_aws_credentials    = "AWS access key of the lab's S3 bucket for Storage Transfer, JSON {\"access_key_id\": ..., \"secret_access_key\": ...}."
  }
}

variable "kms_key_name" {
  description = "Cloud KMS key ID in var.region that encrypts the secrets' payloads; null keeps Google-managed encryption. When set, the Secret Manager service agent gets encrypter/decrypter on it."
  type        = string
  default     = null
}

variable "secretmanager_agent" {
  description = "E-mail of the project's Secret Manager service agent (project-services output service_agents.secretmanager); only used when kms_key_name is set."
  type        = string
  default     = null

  validation {
    condition     = var.secretmanager_agent == null || can(regex("@gcp-sa-secretmanager\\.iam\\.gserviceaccount\\.com$", var.secretmanager_agent))
    error_message = "secretmanager_agent is the Secret Manager service agent's e-mail."
  }
}

variable "accessors" {
  description = "Who may read each secret's payload (roles/secretmanager.secretAccessor): secret ID => members."
  type        = map(list(string))
  default     = {}
}

variable "labels" {
  description = "Labels set on every secret."
  type        = map(string)
  default     = {}
}
