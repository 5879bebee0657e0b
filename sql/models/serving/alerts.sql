MODEL (
  name serving.alerts,
  kind VIEW,
  grain alert_id,
  audits (
    not_null(columns := (alert_id, pipeline, rule, event_time, raised_at, first_raised_at, raised_count)),
    unique_combination_of_columns(columns := (alert_id)),
    forall(criteria := (raised_count >= 1, first_raised_at <= raised_at)),
    -- a new rule is legitimate (the speed layer gained one): a warning, so the dashboards learn it
    accepted_values(column := rule, is_in := ('ppv_limit_curve', 'silent_sensor', 'ppv_anomaly',
                                              'critical_issue_opened'), blocking := false)
  )
);

-- The speed layer's alerts for dashboards: each alert once (key: alert_id), in its newest state.
-- ops.alerts is appended to by the streaming pipelines (pipelines/streaming/alerts.py,
-- machine_issues.py), and an alert_id (pipeline, rule, sensor or issue, window: stable on purpose)
-- can be there more than once: a replay of the same messages, a late pane that recomputed the minute
-- (a new measured_value), a silent sensor still silent at the next batch (new details), a streaming
-- insert retried. Its state is the row's columns; the newest state is the row raised last (raised_at),
-- ties (the same moment) broken by the higher measured_value, then by details, so every read picks the
-- same row.
-- A view straight over the table the speed layer writes: an alert is here the moment it is raised.
-- Columns: ops.alerts' (schemas/ops/alerts.json) from the newest row; raised_at: when that state was
-- raised; first_raised_at: when the alert was first raised (when people were first told);
-- raised_count: rows of ops.alerts with this alert_id.
SELECT
  alert_id,
  pipeline,
  rule,
  sensor_id,
  zone,
  machine_id,
  issue_id,
  event_time,
  measured_value,
  limit_value,
  unit,
  details,
  raised_at,
  MIN(raised_at) OVER (PARTITION BY alert_id) AS first_raised_at,
  COUNT(*) OVER (PARTITION BY alert_id) AS raised_count
FROM ops.alerts
WHERE TRUE
QUALIFY ROW_NUMBER() OVER (
  PARTITION BY alert_id ORDER BY raised_at DESC, measured_value DESC, details DESC
) = 1
