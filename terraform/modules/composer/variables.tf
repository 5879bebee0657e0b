variable "project_id" {
  description = "ID of the project that owns the environment."
  type        = string
}

variable "region" {
  description = "Region of the environment (the region Dataflow runs in)."
  type        = string
}

variable "name" {
  description = "Name of the Composer environment."
  type        = string
}

variable "image_version" {
  description = "Composer 3 image, composer-3-airflow-<airflow version>[-build.<n>] (see Google's version list; the DAGs load on Airflow 2.10+ and 3)."
  type        = string
  default     = "composer-3-airflow-2.10.5"

  validation {
    condition     = can(regex("^composer-3-airflow-[0-9]+(\\.[0-9]+){0,2}(-build\\.[0-9]+)?$", var.image_version))
    error_message = "image_version is a Composer 3 image, e.g. composer-3-airflow-2.10.5 or composer-3-airflow-2.10.5-build.12."
  }
}

variable "environment_size" {
  description = "Size of the environment's managed infrastructure (Airflow database): ENVIRONMENT_SIZE_SMALL, _MEDIUM or _LARGE."
  type        = string
  default     = "ENVIRONMENT_SIZE_SMALL"

  validation {
    condition     = contains(["ENVIRONMENT_SIZE_SMALL", "ENVIRONMENT_SIZE_MEDIUM", "ENVIRONMENT_SIZE_LARGE"], var.environment_size)
    error_message = "environment_size is ENVIRONMENT_SIZE_SMALL, ENVIRONMENT_SIZE_MEDIUM or ENVIRONMENT_SIZE_LARGE."
  }
}

variable "workloads" {
  description = "CPU (vCPU), memory and storage (GB) and counts of the Airflow components. Omitted components get the defaults shown, sized for a small environment."
  type = object({
    scheduler     = optional(object({ cpu = number, memory_gb = number, storage_gb = number, count = number }), { cpu = 0.5, memory_gb = 2, storage_gb = 1, count = 1 })
    triggerer     = optional(object({ cpu = number, memory_gb = number, count = number }), { cpu = 0.5, memory_gb = 1, count = 1 })
    dag_processor = optional(object({ cpu = number, memory_gb = number, storage_gb = number, count = number }), { cpu = 1, memory_gb = 4, storage_gb = 1, count = 1 })
    web_server    = optional(object({ cpu = number, memory_gb = number, storage_gb = number }), { cpu = 1, memory_gb = 2, storage_gb = 1 })
    worker        = optional(object({ cpu = number, memory_gb = number, storage_gb = number, min_count = number, max_count = number }), { cpu = 0.5, memory_gb = 2, storage_gb = 1, min_count = 1, max_count = 3 })
  })
  default = {}
}

variable "resilience_mode" {
  description = "HIGH_RESILIENCE for a highly available environment (prod), null for standard resilience."
  type        = string
  default     = null

  validation {
    condition     = var.resilience_mode == null || var.resilience_mode == "HIGH_RESILIENCE"
    error_message = "resilience_mode is null or HIGH_RESILIENCE."
  }
}

variable "network" {
  description = "Self link of the VPC network the environment attaches to."
  type        = string
}

variable "subnetwork" {
  description = "Self link of the subnet the environment attaches to (network module output composer_subnetwork)."
  type        = string
}

variable "service_account_email" {
  description = "The environment's own service account (holds roles/composer.worker); the DAGs run as it."
  type        = string
}

variable "composer_agent" {
  description = "E-mail of the project's Cloud Composer service agent (project-services output service_agents.composer); it gets roles/composer.ServiceAgentV2Ext, which Composer 3 needs to manage an environment with a user-managed service account."
  type        = string

  validation {
    condition     = can(regex("@cloudcomposer-accounts\\.iam\\.gserviceaccount\\.com$", var.composer_agent))
    error_message = "composer_agent is the Cloud Composer service agent's e-mail."
  }
}

variable "kms_key_name" {
  description = "Cloud KMS key ID in var.region that encrypts the environment's data (bucket, database, logs); null keeps Google-managed encryption. Fixed at creation."
  type        = string
  default     = null
}

variable "kms_service_agents" {
  description = "Service agents that must hold encrypter/decrypter on kms_key_name for Composer's CMEK (agent name => e-mail): Composer, Artifact Registry, GKE, Pub/Sub, Compute Engine and Cloud Storage. Only used when kms_key_name is set."
  type        = map(string)
  default     = {}
}

variable "env_variables" {
  description = "Environment variables set for every Airflow process: exactly the names the DAGs read (env_variable_names)."
  type        = map(string)

  validation {
    condition = alltrue([
      for name in keys(var.env_variables) :
      can(regex("^[a-zA-Z_][a-zA-Z0-9_]*$", name)) && !can(regex("^AIRFLOW__[A-Z0-9_]+__[A-Z0-9_]+$", name)) && !contains(
        ["AIRFLOW_HOME", "C_FORCE_ROOT", "CONTAINER_NAME", "DAGS_FOLDER", "GCP_PROJECT", "GCS_BUCKET", "GKE_CLUSTER_NAME",
        "SQL_DATABASE", "SQL_INSTANCE", "SQL_PASSWORD", "SQL_PROJECT", "SQL_REGION", "SQL_USER"],
        name
      )
    ])
    error_message = "Composer refuses these names: not an identifier, an AIRFLOW__SECTION__KEY override, or a reserved name (GCP_PROJECT, GCS_BUCKET, ...)."
  }
}

variable "env_variable_names" {
  description = "The names the DAGs read, from the repository's list (composer_dags/environment.json); env_variables must set exactly these."
  type        = list(string)
}

variable "airflow_config_overrides" {
  description = "Airflow configuration overrides, \"section-key\" => value."
  type        = map(string)
  default = {
    "core-dags_are_paused_at_creation" = "True"
    "core-load_examples"               = "False"
  }
}

variable "pypi_packages" {
  description = "Extra PyPI packages for the environment, name => version specifier (\"\" for any). Builds are private-only, so the packages must come from a repository the environment can reach."
  type        = map(string)
  default     = {}
}

variable "dags_dir" {
  description = "Local folder whose *.py and *.json files (at any depth) are uploaded to the environment's DAG folder."
  type        = string
}

variable "labels" {
  description = "Labels set on the environment."
  type        = map(string)
  default     = {}
}
