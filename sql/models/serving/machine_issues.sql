MODEL (
  name serving.machine_issues,
  kind VIEW,
  grain issue_id,
  audits (
    not_null(columns := (issue_id, status, current_severity, opened_at)),
    unique_combination_of_columns(columns := (issue_id)),
    forall(criteria := (is_open = (age_hours IS NOT NULL), is_open = (age_bucket IS NOT NULL)))
  )
);

-- Machinery issues for dashboards: one row per issue (key: issue_id), its current state
-- (marts.machine_issues, as of its built_at: the last build), and for an open issue its age now.
-- age_hours: FLOAT64 hours from opened_at to the time the view is read (CURRENT_TIMESTAMP() of the
-- query, so it never goes stale between builds); NULL once resolved (time_to_resolve_minutes says how
-- long it took); negative for a few minutes when the reporter's phone clock is ahead (kept, not hidden).
-- age_bucket, bucket_order: that age in marts.issue_age_buckets (a negative age in the first bucket);
-- NULL once resolved.
-- The open backlog by severity and age now: the rows with is_open, grouped by current_severity (or
-- max_severity) and age_bucket; its history by day is marts.issue_backlog_daily.
-- The other columns are marts.machine_issues'.
WITH issues AS (
  SELECT
    *,
    IF(is_open, TIMESTAMP_DIFF(CURRENT_TIMESTAMP(), opened_at, MICROSECOND) / 3600000000, NULL) AS age_hours
  FROM marts.machine_issues
)

SELECT
  issues.*,
  buckets.age_bucket,
  buckets.bucket_order
FROM issues
LEFT JOIN marts.issue_age_buckets AS buckets
  ON GREATEST(issues.age_hours, 0) >= buckets.from_hours
  AND (buckets.to_hours IS NULL OR GREATEST(issues.age_hours, 0) < buckets.to_hours)
