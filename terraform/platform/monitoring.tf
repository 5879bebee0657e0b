# Monitoring: alert policies, log-based metrics, the critical-alerts subscription, one dashboard.

locals {
  monitoring_streaming_job_names = coalesce(var.streaming_job_names, {
    sensors        = "${var.prefix}-sensors"
    machine_issues = "${var.prefix}-machine-issues"
  })
}

module "monitoring" {
  source = "../modules/monitoring"

  project_id            = var.project_id
  prefix                = var.prefix
  labels                = var.labels
  notification_channels = var.notification_channels

  dataflow_subscriptions = module.pubsub.subscriptions
  dead_letter_topics     = module.pubsub.dead_letter_topics
  alerts_topic           = module.pubsub.topics["alerts"]
  streaming_job_names    = local.monitoring_streaming_job_names
  lake_bucket            = module.buckets.names["lake"]

  backlog_age_threshold_seconds = var.monitoring_backlog_age_threshold_seconds
  system_lag_threshold_seconds  = var.monitoring_system_lag_threshold_seconds
  lake_freshness_minutes        = var.monitoring_lake_freshness_minutes
  dead_letter_window_minutes    = var.monitoring_dead_letter_window_minutes
}

output "monitoring" {
  description = "Alert policy ids, log-based metric types, the critical-alerts subscription and the dashboard id."
  value       = module.monitoring
}
