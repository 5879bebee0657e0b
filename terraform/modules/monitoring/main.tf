# Alert policies and one dashboard for the speed layer, the lake and the batch loaders.
#
# Every signal is a metric Google Cloud writes (Pub/Sub, Dataflow, Composer) or a log-based
# metric on a line the pipelines log; each filter below names the code line it matches, and
# tests/test_monitoring_filters.py runs that code and checks the regexes in this file against it.

locals {
  # projects/P/subscriptions/S -> S: Pub/Sub metrics label subscriptions and topics by short name
  subscription_names      = { for source, id in var.dataflow_subscriptions : source => basename(id) }
  dead_letter_topic_names = { for source, id in var.dead_letter_topics : source => basename(id) }

  user_labels = merge(var.labels, { component = "minera-monitoring" })

  # The one line the batch loaders log when a table's load fails (pipelines/batch/loader.py,
  # _commit_table): "<source table> -> <dataset.table>: FAILED, nothing committed: <error>".
  # Its success form is "<source table> -> <dataset.table>: <n> rows, ...". The group is the
  # target table (raw_erp.mseg); the dataset names the pipeline. Unanchored: in Composer the
  # line arrives inside the task log's text, after its time and level. No backslashes: the
  # regex goes into a quoted Logging filter string as it is.
  batch_failure_regex = " -> ([a-z][a-z0-9_]*[.][a-z0-9_]+): FAILED, nothing committed: "

  # What the sensor pipeline logs for each lake file (pipelines/streaming/transforms.py,
  # LAKE_FILE_WRITTEN): "lake file written: <path> (<n> rows)"; on Dataflow the worker entry's
  # jsonPayload.message.
  lake_file_regex = "^lake file written: [^ ]+/sensor_readings/dt=[0-9]{4}-[0-9]{2}-[0-9]{2}/hour=[0-9]{2}/[^ ]+[.]parquet "

  not_streaming_jobs   = join("", [for name in values(var.streaming_job_names) : " AND NOT resource.label.job_name = \"${name}\""])
  composer_environment = var.composer_environment_name == null ? "" : " AND resource.label.environment_name = \"${var.composer_environment_name}\""

  ops = "${var.project_id}.ops"
}

# ---------------------------------------------------------------------------------------------
# Log-based metrics

resource "google_logging_metric" "lake_files_written" {
  project     = var.project_id
  name        = "${var.prefix}-lake-files-written"
  description = "Parquet files the sensor pipeline wrote to the lake (one per event hour and pane)."
  filter      = "resource.type=\"dataflow_step\" AND jsonPayload.message=~\"${local.lake_file_regex}\""

  metric_descriptor {
    metric_kind  = "DELTA"
    value_type   = "INT64"
    unit         = "1"
    display_name = "Lake files written"
  }
}

resource "google_logging_metric" "batch_table_load_failures" {
  project     = var.project_id
  name        = "${var.prefix}-batch-table-load-failures"
  description = "Tables a batch loader failed to load (\"<source> -> <dataset.table>: FAILED, nothing committed: ...\"), from the launcher's log wherever it runs."
  filter      = "textPayload=~\"${local.batch_failure_regex}\" OR jsonPayload.message=~\"${local.batch_failure_regex}\""

  metric_descriptor {
    metric_kind  = "DELTA"
    value_type   = "INT64"
    unit         = "1"
    display_name = "Batch table loads failed"

    labels {
      key         = "target_table"
      value_type  = "STRING"
      description = "dataset.table the load was for (the dataset names the pipeline: raw_erp, raw_production)."
    }
  }

  label_extractors = {
    # Composer and launcher consoles deliver the line as text; a worker entry has it in
    # jsonPayload.message, where the label stays empty (the count is still right).
    target_table = "REGEXP_EXTRACT(textPayload, \"${local.batch_failure_regex}\")"
  }
}

# ---------------------------------------------------------------------------------------------
# Alert policies

resource "google_monitoring_alert_policy" "subscription_backlog" {
  project               = var.project_id
  display_name          = "${var.prefix}: streaming input backlog older than ${var.backlog_age_threshold_seconds}s"
  combiner              = "OR"
  severity              = "ERROR"
  notification_channels = var.notification_channels
  user_labels           = merge(local.user_labels, { severity = "error" })

  dynamic "conditions" {
    for_each = local.subscription_names
    content {
      display_name = "${conditions.value}: oldest unacked message age > ${var.backlog_age_threshold_seconds}s"
      condition_threshold {
        filter          = "resource.type = \"pubsub_subscription\" AND metric.type = \"pubsub.googleapis.com/subscription/oldest_unacked_message_age\" AND resource.label.subscription_id = \"${conditions.value}\""
        comparison      = "COMPARISON_GT"
        threshold_value = var.backlog_age_threshold_seconds
        duration        = "300s"
        aggregations {
          alignment_period   = "60s"
          per_series_aligner = "ALIGN_MAX"
        }
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    subject   = "Streaming input backlog is getting old"
    content   = <<-EOT
      The Dataflow job reading this subscription is not keeping up, or is not running.

      1. Is the job running? `gcloud dataflow jobs list --project ${var.project_id} --status active`
         (jobs: ${join(", ", values(var.streaming_job_names))}). If it is not, see the "streaming job failed" runbook.
      2. If it runs: the job's page, Job metrics, shows system lag, throughput per step and worker count.
         A stuck step (one bundle retried again and again) shows in the worker logs:
         `gcloud logging read 'resource.type="dataflow_step" severity>=ERROR' --project ${var.project_id} --freshness 1h`
      3. Backlog now: `gcloud pubsub subscriptions describe <subscription>` and the dashboard "${var.prefix}: data platform".
    EOT
  }
}

resource "google_monitoring_alert_policy" "dead_lettered_messages" {
  project               = var.project_id
  display_name          = "${var.prefix}: Pub/Sub dead-lettered messages of the streaming inputs"
  combiner              = "OR"
  severity              = "ERROR"
  notification_channels = var.notification_channels
  user_labels           = merge(local.user_labels, { severity = "error" })

  dynamic "conditions" {
    for_each = local.subscription_names
    content {
      display_name = "${conditions.value}: messages forwarded to the dead-letter topic"
      condition_threshold {
        filter          = "resource.type = \"pubsub_subscription\" AND metric.type = \"pubsub.googleapis.com/subscription/dead_letter_message_count\" AND resource.label.subscription_id = \"${conditions.value}\""
        comparison      = "COMPARISON_GT"
        threshold_value = 0
        duration        = "0s"
        aggregations {
          alignment_period   = "300s"
          per_series_aligner = "ALIGN_SUM"
        }
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    subject   = "Messages were dead-lettered by Pub/Sub"
    content   = <<-EOT
      Pub/Sub gave up delivering messages to the Dataflow job (too many delivery attempts) and moved
      them to the dead-letter topic (${join(", ", values(local.dead_letter_topic_names))}). The job acknowledges
      every message it reads, bad ones included (those go to ${local.ops}.dead_letter), so this means the job
      failed on them repeatedly or was down with a short ack deadline.

      1. Check the job and its worker errors (see "streaming job failed").
      2. Look at the dead-lettered messages on the dead-letter topic's subscription:
         `gcloud pubsub subscriptions pull <dead-letter subscription> --limit 10 --project ${var.project_id}` (without --auto-ack).
      3. Once the job is healthy, republish them to the input topic (they keep their payload and attributes).
    EOT
  }
}

resource "google_monitoring_alert_policy" "dead_letter_rows" {
  project               = var.project_id
  display_name          = "${var.prefix}: new rows for ops.dead_letter"
  combiner              = "OR"
  severity              = "WARNING"
  notification_channels = var.notification_channels
  user_labels           = merge(local.user_labels, { severity = "warning" })

  conditions {
    display_name = "dead_letters counter of a streaming job grew in ${var.dead_letter_window_minutes} min"
    # The Beam counter messages/dead_letters (pipelines/streaming/transforms.py ValidateFn), which
    # Dataflow exports as job/user_counter: a gauge of the running total, so its growth is a
    # PromQL delta. A PromQL policy takes a single condition, hence this policy of its own.
    condition_prometheus_query_language {
      query               = "sum by (job_name) (delta({\"__name__\"=\"dataflow.googleapis.com/job/user_counter\", \"monitored_resource\"=\"dataflow_job\", \"metric_name\"=~\".*dead_letters\", \"job_name\"=~\"${join("|", values(var.streaming_job_names))}\"}[${var.dead_letter_window_minutes}m])) > 0"
      duration            = "0s"
      evaluation_interval = "60s"
    }
  }

  documentation {
    mime_type = "text/markdown"
    subject   = "Messages were refused and written to ops.dead_letter"
    content   = <<-EOT
      A streaming job refused messages (not JSON, a missing field, a wrong type, an impossible value,
      or later than the allowed lateness) and wrote them to `${local.ops}.dead_letter`, with the reason in `error`.

      1. What and why: `` bq query --use_legacy_sql=false 'SELECT pipeline, error, COUNT(*) AS n, MIN(received_at) AS first
         FROM `${local.ops}.dead_letter` WHERE received_at > TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 1 HOUR)
         GROUP BY 1, 2 ORDER BY n DESC' ``
      2. A producer sends bad data: tell its owner (sensor firmware, the mobile app). A rule of ours is wrong: fix it and deploy.
      3. After the fix, replay them: `python -m pipelines.streaming.replay_dead_letters --pipeline <sensors|machine_issues>
         --where "error LIKE '...'" --warehouse bigquery://${var.project_id} --topic <input topic id>` (try `--dry_run` first).
    EOT
  }
}

resource "google_monitoring_alert_policy" "streaming_job_failed" {
  project               = var.project_id
  display_name          = "${var.prefix}: streaming Dataflow job failed"
  combiner              = "OR"
  severity              = "CRITICAL"
  notification_channels = var.notification_channels
  user_labels           = merge(local.user_labels, { severity = "critical" })

  dynamic "conditions" {
    for_each = var.streaming_job_names
    content {
      display_name = "${conditions.value}: job/is_failed"
      condition_threshold {
        filter          = "resource.type = \"dataflow_job\" AND metric.type = \"dataflow.googleapis.com/job/is_failed\" AND resource.label.job_name = \"${conditions.value}\""
        comparison      = "COMPARISON_GT"
        threshold_value = 0
        duration        = "0s"
        aggregations {
          alignment_period   = "60s"
          per_series_aligner = "ALIGN_MAX"
        }
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    subject   = "A streaming Dataflow job failed"
    content   = <<-EOT
      The job stopped: nothing reaches the lake, speed.sensor_minute_metrics, ${local.ops}.alerts or
      raw_mobile.machine_issue_events until it runs again. Pub/Sub keeps the messages (7 days), so nothing is lost yet.

      1. Why: `gcloud dataflow jobs list --project ${var.project_id} --status all --filter "name~(${join("|", values(var.streaming_job_names))})"`,
         then `gcloud logging read 'resource.type="dataflow_step" AND resource.labels.job_id="<job id>" AND severity>=ERROR' --project ${var.project_id} --limit 50`.
      2. Fix the cause (a bad image tag, a schema change, permissions), then start the job again:
         `terraform apply` in terraform/environments/<env> recreates it from its flex template.
      3. Watch the backlog age fall on the dashboard "${var.prefix}: data platform".
    EOT
  }
}

resource "google_monitoring_alert_policy" "streaming_system_lag" {
  project               = var.project_id
  display_name          = "${var.prefix}: streaming job system lag above ${var.system_lag_threshold_seconds}s"
  combiner              = "OR"
  severity              = "ERROR"
  notification_channels = var.notification_channels
  user_labels           = merge(local.user_labels, { severity = "error" })

  dynamic "conditions" {
    for_each = var.streaming_job_names
    content {
      display_name = "${conditions.value}: job/system_lag > ${var.system_lag_threshold_seconds}s for 5 min"
      condition_threshold {
        filter          = "resource.type = \"dataflow_job\" AND metric.type = \"dataflow.googleapis.com/job/system_lag\" AND resource.label.job_name = \"${conditions.value}\""
        comparison      = "COMPARISON_GT"
        threshold_value = var.system_lag_threshold_seconds
        duration        = "300s"
        aggregations {
          alignment_period   = "60s"
          per_series_aligner = "ALIGN_MAX"
        }
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    subject   = "A streaming job is falling behind"
    content   = <<-EOT
      Elements wait longer than ${var.system_lag_threshold_seconds}s in the job: alerts and minute metrics arrive late.

      1. The job's page, Job metrics: which stage lags, how many workers (did autoscaling reach its maximum?).
      2. Worker errors retried in a loop show in
         `gcloud logging read 'resource.type="dataflow_step" AND severity>=WARNING' --project ${var.project_id} --freshness 30m`.
      3. BigQuery refusing rows shows as "BigQuery refused a row of ..." in those logs.
      4. More capacity: raise the job's max workers in Terraform and apply (an in-place update keeps its state).
    EOT
  }
}

resource "google_monitoring_alert_policy" "lake_freshness" {
  project               = var.project_id
  display_name          = "${var.prefix}: no new lake file for ${var.lake_freshness_minutes} min"
  combiner              = "OR"
  severity              = "ERROR"
  notification_channels = var.notification_channels
  user_labels           = merge(local.user_labels, { severity = "error" })

  conditions {
    display_name = "lake files written absent for ${var.lake_freshness_minutes} min"
    condition_absent {
      filter   = "metric.type = \"logging.googleapis.com/user/${google_logging_metric.lake_files_written.name}\""
      duration = "${var.lake_freshness_minutes * 60}s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM" # one series: a replaced job's old series going quiet is no alarm
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    subject   = "The lake receives no new Parquet files"
    content   = <<-EOT
      The sensor pipeline writes one file per event hour (gs://${var.lake_bucket}/lake/sensor_readings/dt=YYYY-MM-DD/hour=HH/)
      when its watermark passes the hour; none has been written for ${var.lake_freshness_minutes} minutes.
      The batch layer's recomputation and batch.sensor_readings depend on these files.

      1. Newest files: `gcloud storage ls -l "gs://${var.lake_bucket}/lake/sensor_readings/dt=$(date -u +%F)/**" | sort -k2 | tail`
      2. Is the sensor job running (${lookup(var.streaming_job_names, "sensors", "sensors")}) and is its watermark moving?
         See "streaming job failed" and "system lag"; a stuck watermark holds every hour back.
      3. Are readings arriving? The backlog of ${lookup(local.subscription_names, "sensor_readings", "the sensor subscription")} on the dashboard;
         no messages at all is a problem at the mine (gateway, network), not in the pipeline.
    EOT
  }
}

resource "google_monitoring_alert_policy" "batch_run_failed" {
  project               = var.project_id
  display_name          = "${var.prefix}: batch load failed"
  combiner              = "OR"
  severity              = "ERROR"
  notification_channels = var.notification_channels
  user_labels           = merge(local.user_labels, { severity = "error" })

  conditions {
    display_name = "a table load FAILED, nothing committed"
    condition_threshold {
      filter          = "metric.type = \"logging.googleapis.com/user/${google_logging_metric.batch_table_load_failures.name}\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["metric.label.target_table"]
      }
    }
  }

  conditions {
    display_name = "a Composer DAG run failed"
    condition_threshold {
      filter          = "resource.type = \"cloud_composer_workflow\" AND metric.type = \"composer.googleapis.com/workflow/run_count\" AND metric.label.state = \"failed\"${local.composer_environment}"
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_SUM"
      }
    }
  }

  conditions {
    display_name = "a batch Dataflow job failed"
    condition_threshold {
      filter          = "resource.type = \"dataflow_job\" AND metric.type = \"dataflow.googleapis.com/job/is_failed\"${local.not_streaming_jobs}"
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period   = "60s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    subject   = "A batch load failed"
    content   = <<-EOT
      A loader (erp, production, rock_quality, sensor_recompute) failed a table or a whole run. Nothing half-loaded is
      visible: a failed table keeps its previous rows and watermark, and the next run reads the same window again.

      1. Which and why: `` bq query --use_legacy_sql=false 'SELECT run_id, pipeline, table_name, target_table, error, started_at
         FROM `${local.ops}.load_runs` WHERE status = "failed" AND started_at > TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)
         ORDER BY started_at DESC' ``
      2. The log line: `gcloud logging read 'textPayload:"FAILED, nothing committed" OR jsonPayload.message:"FAILED, nothing committed"' --project ${var.project_id} --freshness 1d`;
         a failed DAG run: the task log in the Airflow UI; a failed Dataflow job: `gcloud dataflow jobs list --status failed --project ${var.project_id}`.
      3. Rock-quality files refused are in `${local.ops}.rejected_files` (copies under the quarantine bucket).
      4. After the fix, clear the failed task in Airflow (or rerun the DAG for that date): the run is idempotent.
    EOT
  }
}

resource "google_monitoring_alert_policy" "critical_alerts" {
  project               = var.project_id
  display_name          = "${var.prefix}: critical alert raised (ops.alerts)"
  combiner              = "OR"
  severity              = "CRITICAL"
  notification_channels = var.notification_channels
  user_labels           = merge(local.user_labels, { severity = "critical" })

  conditions {
    display_name = "critical alerts waiting in ${var.critical_alerts_subscription}"
    condition_threshold {
      filter          = "resource.type = \"pubsub_subscription\" AND metric.type = \"pubsub.googleapis.com/subscription/num_undelivered_messages\" AND resource.label.subscription_id = \"${var.critical_alerts_subscription}\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period   = "60s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }

  alert_strategy {
    auto_close = "86400s"
  }

  documentation {
    mime_type = "text/markdown"
    subject   = "Critical alert: PPV over the limit curve, or a critical machine issue opened"
    content   = <<-EOT
      The speed layer raised an alert marked critical (rules ppv_limit_curve and critical_issue_opened): a
      sensor-minute's peak particle velocity over the DIN 4150-3 limit at its frequency, or an operator opened a
      critical machinery issue. Each is a row of `${local.ops}.alerts` and a message waiting in
      ${var.critical_alerts_subscription}.

      1. What: `gcloud pubsub subscriptions pull ${var.critical_alerts_subscription} --project ${var.project_id} --limit 20`
         (attributes rule, sensor_id, zone, machine_id, alert_id), or
         `` bq query --use_legacy_sql=false 'SELECT rule, sensor_id, zone, machine_id, details, event_time FROM `${local.ops}.alerts`
         WHERE rule IN ("ppv_limit_curve", "critical_issue_opened") AND raised_at > TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 1 HOUR)' ``
      2. Vibration over the limit: tell the blasting / geotechnical supervisor of the zone. Critical issue: the shift supervisor of the machine.
      3. Handled: acknowledge them so the incident closes: `gcloud pubsub subscriptions seek ${var.critical_alerts_subscription}
         --time "$(date -u +%FT%TZ)" --project ${var.project_id}` (or pull them with --auto-ack).
    EOT
  }
}

# ---------------------------------------------------------------------------------------------
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
    ["Critical alerts waiting to be handled", "resource.type = \"pubsub_subscription\" AND metric.type = \"pubsub.googleapis.com/subscription/num_undelivered_messages\" AND resource.label.subscription_id = \"${var.critical_alerts_subscription}\"", "ALIGN_MAX", "REDUCE_NONE", [], "60s", []],
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
