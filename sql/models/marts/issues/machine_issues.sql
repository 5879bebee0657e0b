MODEL (
  name marts.machine_issues,
  kind FULL,
  grain issue_id,
  audits (
    not_null(columns := (issue_id, machine_id, machine_type, category, status, is_open, current_severity,
                         max_severity, opened_at, opened_date, events_count, last_event_at, built_at)),
    unique_combination_of_columns(columns := (issue_id)),
    accepted_values(column := status, is_in := ('open', 'acknowledged', 'resolved')),
    accepted_values(column := current_severity, is_in := ('low', 'medium', 'high', 'critical')),
    accepted_values(column := max_severity, is_in := ('low', 'medium', 'high', 'critical')),
    forall(criteria := (
      events_count >= 1,
      reopened_count >= 0,
      is_open = (status <> 'resolved'),
      is_open = (resolved_at IS NULL),
      (reopened_count = 0) = (last_reopened_at IS NULL),
      acknowledged_at IS NULL OR status <> 'open' OR reopened_count > 0
    ))
  )
);

-- Machinery issues, one row per issue (key: issue_id): its current state, as the operators' app
-- reported it (staging.stg_mobile__machine_issues: events de-duplicated and put in event order,
-- clock skew settled; see that model for each column's rule). A table, so that a failing check
-- stops what serving.machine_issues shows.
-- Rebuilt whole on every build (kind FULL): an issue's state depends on all of its events, and a
-- late event (a phone out of coverage) can change an issue opened weeks ago; docs/marts/issues.md
-- gives the cost with months of history.
-- Added here: opened_date (the UTC day of opened_at, for filtering) and built_at (the build's time:
-- the state shown is the one the events loaded by then give).
SELECT
  issue_id,
  machine_id,
  machine_type,
  category,
  status,
  is_open,
  current_severity,
  max_severity,
  opened_at,
  DATE(opened_at) AS opened_date,
  opened_event_missing,
  first_reported_by,
  description,
  acknowledged_at,
  resolved_at,
  time_to_acknowledge_minutes,
  time_to_resolve_minutes,
  reopened_count,
  last_reopened_at,
  last_event_type,
  events_count,
  last_event_at,
  last_published_at,
  CURRENT_TIMESTAMP() AS built_at
FROM staging.stg_mobile__machine_issues
