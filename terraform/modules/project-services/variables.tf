variable "project_id" {
  description = "ID of the project whose APIs are enabled."
  type        = string
}

variable "services" {
  description = "APIs to enable, as service names (\"dataflow.googleapis.com\"). They stay enabled when this module is destroyed: other workloads in the project may use them."
  type        = list(string)
}

variable "service_identities" {
  description = "Services whose service agent is created explicitly (gcloud beta services identity create): those that must hold a KMS grant before their first use creates the agent."
  type        = list(string)
  default = [
    "artifactregistry.googleapis.com",
    "composer.googleapis.com",
    "pubsub.googleapis.com",
    "secretmanager.googleapis.com",
  ]

  validation {
    condition     = alltrue([for s in var.service_identities : endswith(s, ".googleapis.com")])
    error_message = "Each service identity is a service name ending in .googleapis.com."
  }
}
