# Variables of the monitoring part (terraform/modules/monitoring). notification_channels is a
# platform variable (variables.tf); these are the thresholds.

variable "monitoring_backlog_age_threshold_seconds" {
  description = "Alert when the oldest unacknowledged message of a streaming input subscription is older than this (seconds)."
  type        = number
  default     = 600
}

variable "monitoring_system_lag_threshold_seconds" {
  description = "Alert when a streaming job's system lag stays above this for 5 minutes (seconds)."
  type        = number
  default     = 300
}

variable "monitoring_lake_freshness_minutes" {
  description = "Alert when the sensor pipeline wrote no lake file for this many minutes (files are hourly: keep it above 60)."
  type        = number
  default     = 120
}

variable "monitoring_dead_letter_window_minutes" {
  description = "Window over which new rows bound for ops.dead_letter open an incident (minutes)."
  type        = number
  default     = 10
}
