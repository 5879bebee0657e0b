output "alert_policy_ids" {
  description = "Alert policy ids (projects/P/alertPolicies/N) by purpose: subscription_backlog, dead_lettered_messages, dead_letter_rows, streaming_job_failed, streaming_system_lag, lake_freshness, batch_run_failed, critical_alerts."
  value = {
    subscription_backlog   = google_monitoring_alert_policy.subscription_backlog.id
    dead_lettered_messages = google_monitoring_alert_policy.dead_lettered_messages.id
    dead_letter_rows       = google_monitoring_alert_policy.dead_letter_rows.id
    streaming_job_failed   = google_monitoring_alert_policy.streaming_job_failed.id
    streaming_system_lag   = google_monitoring_alert_policy.streaming_system_lag.id
    lake_freshness         = google_monitoring_alert_policy.lake_freshness.id
    batch_run_failed       = google_monitoring_alert_policy.batch_run_failed.id
    critical_alerts        = google_monitoring_alert_policy.critical_alerts.id
  }
}

output "log_metric_types" {
  description = "Metric types of the log-based metrics: lake_files_written, batch_table_load_failures (logging.googleapis.com/user/<name>)."
  value = {
    lake_files_written        = "logging.googleapis.com/user/${google_logging_metric.lake_files_written.name}"
    batch_table_load_failures = "logging.googleapis.com/user/${google_logging_metric.batch_table_load_failures.name}"
  }
}

output "dashboard_id" {
  description = "Id of the data platform dashboard."
  value       = google_monitoring_dashboard.platform.id
}
