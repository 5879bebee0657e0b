variable "project_id" {
  description = "ID of the project the transfer job runs in."
  type        = string
}

variable "name" {
  description = "Transfer job name, transferJobs/<name> (letters, digits, underscores; must start with a letter): stable names keep the job's history across applies."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z]([A-Za-z0-9_]*[A-Za-z0-9])?$", var.name))
    error_message = "name starts with a letter, ends with a letter or digit and holds letters, digits and underscores only."
  }
}

variable "description" {
  description = "What the job copies, shown in the Storage Transfer console."
  type        = string
  default     = "Daily copy of the rock-quality lab's Avro files from S3 to the landing bucket."
}

variable "source_bucket" {
  description = "Name of the lab's AWS S3 bucket (no s3:// prefix)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.source_bucket))
    error_message = "source_bucket is an S3 bucket name, without s3://."
  }
}

variable "source_prefix" {
  description = "Key prefix inside the S3 bucket to copy: empty for the whole bucket, otherwise a path ending in \"/\"."
  type        = string
  default     = ""

  validation {
    condition     = var.source_prefix == "" || (endswith(var.source_prefix, "/") && !startswith(var.source_prefix, "/"))
    error_message = "source_prefix is empty or a path like \"drops/\" (ends with /, does not start with /)."
  }
}

variable "sink_bucket" {
  description = "Name of the landing bucket the files are copied to."
  type        = string
}

variable "sink_path" {
  description = "Object prefix in the landing bucket under which the files land, ending in \"/\"."
  type        = string
  default     = "rock_quality/"

  validation {
    condition     = endswith(var.sink_path, "/") && !startswith(var.sink_path, "/")
    error_message = "sink_path is a path like \"rock_quality/\"."
  }
}

variable "credentials_secret" {
  description = "Secret Manager secret holding the AWS access key as JSON, projects/<project number>/secrets/<name> (secrets module output names.lab_aws_credentials)."
  type        = string

  validation {
    condition     = can(regex("^projects/[0-9]+/secrets/[A-Za-z0-9_-]+$", var.credentials_secret))
    error_message = "credentials_secret is projects/<project NUMBER>/secrets/<name>; Storage Transfer refuses a project ID here."
  }
}

variable "credentials_secret_id" {
  description = "The same secret as projects/<project id>/secrets/<name> (secrets module output ids.lab_aws_credentials), where the read grants are made."
  type        = string
}

variable "service_account_email" {
  description = "User-managed service account the job runs as (the platform's transfer account); it gets write access to the landing bucket and read access to the credentials secret, nothing else."
  type        = string
}

variable "start_date" {
  description = "First day the daily schedule runs, YYYY-MM-DD (a past date is fine: the job then runs from its next start time)."
  type        = string
  default     = "2026-12-01"

  validation {
    condition     = can(regex("^[0-9]{4}-[0-9]{2}-[0-9]{2}$", var.start_date))
    error_message = "start_date is YYYY-MM-DD."
  }
}

variable "start_hour_utc" {
  description = "Hour of the day (UTC) the daily run starts; pick one that leaves time before the rock-quality load DAG runs."
  type        = number
  default     = 4

  validation {
    condition     = var.start_hour_utc >= 0 && var.start_hour_utc <= 23
    error_message = "start_hour_utc is 0 to 23."
  }
}
