variable "project_id" {
  description = "ID of the project that owns the repository."
  type        = string
}

variable "location" {
  description = "Region of the repository; the region Dataflow runs in, so that workers pull the image without crossing regions."
  type        = string
}

variable "repository_id" {
  description = "Repository ID (lower-case letters, digits, hyphens)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]([a-z0-9-]*[a-z0-9])?$", var.repository_id))
    error_message = "repository_id is lower-case letters, digits and hyphens, starting with a letter."
  }
}

variable "image_name" {
  description = "Name of the pipelines' container image inside the repository (flex templates and Dataflow workers use it)."
  type        = string
  default     = "pipelines"
}

variable "kms_key_name" {
  description = "Cloud KMS key ID in var.location that encrypts the repository; null keeps Google-managed encryption. When set, the Artifact Registry service agent gets encrypter/decrypter on it. Cannot be changed after creation."
  type        = string
  default     = null
}

variable "artifactregistry_agent" {
  description = "E-mail of the project's Artifact Registry service agent (project-services output service_agents.artifactregistry); only used when kms_key_name is set."
  type        = string
  default     = null
}

variable "readers" {
  description = "Members that may pull images (roles/artifactregistry.reader on this repository only)."
  type        = list(string)
  default     = []
}

variable "untagged_retention_days" {
  description = "Days after which untagged image versions (superseded builds) are deleted."
  type        = number
  default     = 30
}

variable "labels" {
  description = "Labels set on the repository."
  type        = map(string)
  default     = {}
}
