# Monitoring: alert policies, log-based metrics, one dashboard.

module "monitoring" {
  source = "../modules/monitoring"

  project_id            = var.project_id
  prefix                = var.prefix
  labels                = var.labels
  notification_channels = var.notification_channels

  dataflow_subscriptions       = module.pubsub.subscriptions
  dead_letter_topics           = module.pubsub.dead_letter_topics
  critical_alerts_subscription = module.pubsub.alert_subscription_names["critical"]
  streaming_job_names          = module.dataflow_streaming.job_names
  lake_bucket                  = module.buckets.names["lake"]

  backlog_age_threshold_seconds = var.monitoring_backlog_age_threshold_seconds
  system_lag_threshold_seconds  = var.monitoring_system_lag_threshold_seconds
  lake_freshness_minutes        = var.monitoring_lake_freshness_minutes
  dead_letter_window_minutes    = var.monitoring_dead_letter_window_minutes
}

output "monitoring" {
  description = "Alert policy ids, log-based metric types and the dashboard id."
  value       = module.monitoring
}
