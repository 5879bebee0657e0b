variable "project_id" {
  description = "Project that holds the pipelines, their logs and metrics, and the alert policies."
  type        = string
}

variable "prefix" {
  description = "Start of the names this module gives (log-based metrics, the critical-alerts subscription, the dashboard), e.g. \"minera-dev\"."
  type        = string
}

variable "labels" {
  description = "Labels set on the critical-alerts subscription and, as user labels, on every alert policy."
  type        = map(string)
  default     = {}
}

variable "notification_channels" {
  description = "Cloud Monitoring notification channel ids (projects/P/notificationChannels/N) every policy notifies; empty: incidents are opened in the console only."
  type        = list(string)
  default     = []
}

variable "dataflow_subscriptions" {
  description = "The streaming jobs' input subscriptions by source (sensor_readings, machine_issues) -> subscription id (projects/P/subscriptions/S): module.pubsub.subscriptions."
  type        = map(string)
}

variable "dead_letter_topics" {
  description = "Dead-letter topics of those subscriptions by source -> topic id (projects/P/topics/T): module.pubsub.dead_letter_topics. Charted on the dashboard."
  type        = map(string)
}

variable "critical_alerts_subscription" {
  description = "Name of the subscription on the alerts topic that holds the alerts marked critical (module.pubsub.alert_subscription_names[\"critical\"]): its backlog is the critical-alert signal."
  type        = string
}

variable "streaming_job_names" {
  description = "Dataflow job names of the streaming jobs by pipeline (sensors, machine_issues). Names, not ids: an updated job keeps its name and gets a new id."
  type        = map(string)
}

variable "lake_bucket" {
  description = "Lake bucket name (module.buckets.names[\"lake\"]); the sensor pipeline writes gs://<lake_bucket>/lake/sensor_readings/dt=.../hour=.../*.parquet. Named in the runbooks."
  type        = string
}

variable "composer_environment_name" {
  description = "Cloud Composer environment whose failed DAG runs count as failed batch runs; null: every environment of the project."
  type        = string
  default     = null
}

variable "backlog_age_threshold_seconds" {
  description = "Alert when the oldest unacknowledged message of a Dataflow subscription is older than this (seconds)."
  type        = number
  default     = 600

  validation {
    condition     = var.backlog_age_threshold_seconds >= 60
    error_message = "backlog_age_threshold_seconds must be at least 60."
  }
}

variable "system_lag_threshold_seconds" {
  description = "Alert when a streaming job's system lag (job/system_lag) stays above this (seconds)."
  type        = number
  default     = 300

  validation {
    condition     = var.system_lag_threshold_seconds >= 30
    error_message = "system_lag_threshold_seconds must be at least 30."
  }
}

variable "lake_freshness_minutes" {
  description = "Alert when no Parquet file was written to the lake for this many minutes. The sensor pipeline writes one file per event hour when the watermark passes it (plus late panes), so keep it above 60 plus the usual lag."
  type        = number
  default     = 120

  validation {
    condition     = var.lake_freshness_minutes >= 65 && var.lake_freshness_minutes <= 1410
    error_message = "lake_freshness_minutes must be between 65 (files are hourly) and 1410 (23.5 h, the longest metric-absence window)."
  }
}

variable "dead_letter_window_minutes" {
  description = "Window over which new rows bound for ops.dead_letter are counted; any in the window opens an incident."
  type        = number
  default     = 10

  validation {
    condition     = var.dead_letter_window_minutes >= 5 && var.dead_letter_window_minutes <= 1440
    error_message = "dead_letter_window_minutes must be between 5 and 1440."
  }
}
