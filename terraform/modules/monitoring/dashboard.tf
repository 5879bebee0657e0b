# One dashboard: the signals the alert policies watch, side by side, built from HCL.

locals {
  dataflow_jobs_filter = "resource.type = \"dataflow_job\" AND (${join(" OR ", [for name in values(var.streaming_job_names) : "resource.label.job_name = \"${name}\""])})"
  dataflow_subs_filter = "resource.type = \"pubsub_subscription\" AND (${join(" OR ", [for name in values(local.subscription_names) : "resource.label.subscription_id = \"${name}\""])})"
  dead_topics_filter   = "resource.type = \"pubsub_topic\" AND (${join(" OR ", [for name in values(local.dead_letter_topic_names) : "resource.label.topic_id = \"${name}\""])})"

  # title, filter, aligner, reducer, group by, alignment period, threshold lines
  charts = [
    ["Backlog age of the streaming inputs (s)", "metric.type = \"pubsub.googleapis.com/subscription/oldest_unacked_message_age\" AND ${local.dataflow_subs_filter}", "ALIGN_MAX", "REDUCE_NONE", [], "60s", [var.backlog_age_threshold_seconds]],
    ["Undelivered messages of the streaming inputs", "metric.type = \"pubsub.googleapis.com/subscription/num_undelivered_messages\" AND ${local.dataflow_subs_filter}", "ALIGN_MAX", "REDUCE_NONE", [], "60s", []],
    ["System lag of the streaming jobs (s)", "metric.type = \"dataflow.googleapis.com/job/system_lag\" AND ${local.dataflow_jobs_filter}", "ALIGN_MAX", "REDUCE_NONE", [], "60s", [var.system_lag_threshold_seconds]],
    ["Streaming job failed (1 = failed)", "metric.type = \"dataflow.googleapis.com/job/is_failed\" AND ${local.dataflow_jobs_filter}", "ALIGN_MAX", "REDUCE_NONE", [], "60s", []],
    ["Rows bound for ops.dead_letter (running total per job)", "metric.type = \"dataflow.googleapis.com/job/user_counter\" AND metric.label.metric_name = monitoring.regex.full_match(\".*dead_letters\") AND ${local.dataflow_jobs_filter}", "ALIGN_MAX", "REDUCE_SUM", ["resource.label.job_name"], "60s", []],
    ["Messages Pub/Sub dead-lettered (per 5 min)", "metric.type = \"pubsub.googleapis.com/subscription/dead_letter_message_count\" AND ${local.dataflow_subs_filter}", "ALIGN_SUM", "REDUCE_NONE", [], "300s", []],
    ["Publish requests to the dead-letter topics (per 5 min)", "metric.type = \"pubsub.googleapis.com/topic/send_request_count\" AND ${local.dead_topics_filter}", "ALIGN_SUM", "REDUCE_SUM", ["resource.label.topic_id"], "300s", []],
    ["Lake files written (per hour)", "metric.type = \"logging.googleapis.com/user/${google_logging_metric.lake_files_written.name}\"", "ALIGN_SUM", "REDUCE_SUM", [], "3600s", []],
    ["Batch table loads failed (per hour)", "metric.type = \"logging.googleapis.com/user/${google_logging_metric.batch_table_load_failures.name}\"", "ALIGN_SUM", "REDUCE_SUM", ["metric.label.target_table"], "3600s", []],
    ["Composer DAG runs by state (per hour)", "resource.type = \"cloud_composer_workflow\" AND metric.type = \"composer.googleapis.com/workflow/run_count\"${local.composer_environment}", "ALIGN_SUM", "REDUCE_SUM", ["metric.label.state"], "3600s", []],
    ["Critical alerts waiting to be handled", "resource.type = \"pubsub_subscription\" AND metric.type = \"pubsub.googleapis.com/subscription/num_undelivered_messages\" AND resource.label.subscription_id = \"${google_pubsub_subscription.critical_alerts.name}\"", "ALIGN_MAX", "REDUCE_NONE", [], "60s", []],
  ]

  dashboard = {
    displayName = "${var.prefix}: data platform"
    mosaicLayout = {
      columns = 12
      tiles = [
        for i, chart in local.charts : {
          xPos   = (i % 2) * 6
          yPos   = floor(i / 2) * 4
          width  = 6
          height = 4
          widget = {
            title = chart[0]
            xyChart = {
              dataSets = [{
                plotType = "LINE"
                timeSeriesQuery = {
                  timeSeriesFilter = {
                    filter = chart[1]
                    aggregation = {
                      alignmentPeriod    = chart[5]
                      perSeriesAligner   = chart[2]
                      crossSeriesReducer = chart[3]
                      groupByFields      = chart[4]
                    }
                  }
                }
              }]
              thresholds = [for value in chart[6] : { value = value, color = "RED", direction = "ABOVE" }]
            }
          }
        }
      ]
    }
  }
}

resource "google_monitoring_dashboard" "platform" {
  project        = var.project_id
  dashboard_json = jsonencode(local.dashboard)
}
