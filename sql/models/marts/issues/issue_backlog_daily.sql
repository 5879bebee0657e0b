MODEL (
  name marts.issue_backlog_daily,
  kind FULL,
  grain (snapshot_date, max_severity, age_bucket),
  audits (
    not_null(columns := (snapshot_date, as_of, max_severity, severity_rank, age_bucket, bucket_order, open_issues,
                         acknowledged_issues, unacknowledged_issues)),
    unique_combination_of_columns(columns := (snapshot_date, max_severity, age_bucket)),
    accepted_values(column := max_severity, is_in := ('low', 'medium', 'high', 'critical')),
    reference_exists(key := age_bucket, to := marts.issue_age_buckets, to_key := age_bucket),
    forall(criteria := (
      open_issues >= 0,
      acknowledged_issues + unacknowledged_issues = open_issues,
      (open_issues = 0) = (oldest_age_hours IS NULL),
      oldest_age_hours IS NULL OR oldest_age_hours >= 0,
      snapshot_date < CURRENT_DATE()
    ))
  )
);

-- The open backlog of machinery issues at the end of each UTC day, by severity and age
-- (key: snapshot_date, max_severity, age_bucket): a daily series a dashboard filters by date.
-- As of: the end of snapshot_date, 24:00 UTC (as_of); the days run from the first issue's day to the
-- day before the build (complete days only: the current backlog is serving.machine_issues).
-- In the backlog at as_of: an issue opened before as_of and not resolved before it (opened_at < as_of
-- and resolved_at NULL or >= as_of), on the clock time_to_resolve_minutes uses: from the first report
-- to the resolution, reopened periods included, as the issues are known at the build
-- (marts.machine_issues): an issue resolved and reopened later counts as open on the days in between
-- (it was not fixed), and a late event can change past days: the table is rebuilt whole (kind FULL).
-- max_severity: the highest severity the issue was given (a later escalation counts on earlier days too).
-- age_bucket: as_of - opened_at, in the buckets of marts.issue_age_buckets.
-- Every day has a row for each severity and bucket, zeros included (4 x 6 rows a day).
-- Columns: open_issues; acknowledged_issues (acknowledged before as_of at least once),
-- unacknowledged_issues; oldest_age_hours (FLOAT64, the oldest open issue's age, NULL when none).
WITH issues AS (
  SELECT issue_id, max_severity, opened_at, acknowledged_at, resolved_at, opened_date
  FROM marts.machine_issues
),

-- complete UTC days only: up to the day before the build's
bounds AS (
  SELECT DATE_SUB(CURRENT_DATE(), INTERVAL 1 DAY) AS last_day
),

days AS (
  SELECT snapshot_date, TIMESTAMP(DATE_ADD(snapshot_date, INTERVAL 1 DAY)) AS as_of
  FROM bounds
  CROSS JOIN UNNEST(GENERATE_DATE_ARRAY((SELECT MIN(opened_date) FROM issues), bounds.last_day)) AS snapshot_date
),

severities AS (
  SELECT max_severity, severity_rank
  FROM UNNEST([
    STRUCT('low' AS max_severity, 1 AS severity_rank),
    STRUCT('medium' AS max_severity, 2 AS severity_rank),
    STRUCT('high' AS max_severity, 3 AS severity_rank),
    STRUCT('critical' AS max_severity, 4 AS severity_rank)
  ])
),

-- each issue on each day it is open at the day's end: from its opening day to the day before its
-- resolution's day (resolved at 10:00 on the 5th: open at the end of the 4th, not of the 5th)
open_days AS (
  SELECT
    issues.issue_id,
    issues.max_severity,
    days.snapshot_date,
    TIMESTAMP_DIFF(days.as_of, issues.opened_at, MICROSECOND) / 3600000000 AS age_hours,
    issues.acknowledged_at < days.as_of AS acknowledged
  FROM issues
  CROSS JOIN bounds
  CROSS JOIN UNNEST(GENERATE_DATE_ARRAY(
    issues.opened_date,
    LEAST(COALESCE(DATE_SUB(DATE(issues.resolved_at), INTERVAL 1 DAY), bounds.last_day), bounds.last_day)
  )) AS open_date
  JOIN days ON days.snapshot_date = open_date
),

counted AS (
  SELECT
    open_days.snapshot_date,
    open_days.max_severity,
    buckets.age_bucket,
    COUNT(*) AS open_issues,
    COUNT(IF(open_days.acknowledged, open_days.issue_id, NULL)) AS acknowledged_issues,
    MAX(open_days.age_hours) AS oldest_age_hours
  FROM open_days
  JOIN marts.issue_age_buckets AS buckets
    ON open_days.age_hours >= buckets.from_hours
    AND (buckets.to_hours IS NULL OR open_days.age_hours < buckets.to_hours)
  GROUP BY 1, 2, 3
)

SELECT
  days.snapshot_date,
  days.as_of,
  severities.max_severity,
  severities.severity_rank,
  buckets.age_bucket,
  buckets.bucket_order,
  COALESCE(counted.open_issues, 0) AS open_issues,
  COALESCE(counted.acknowledged_issues, 0) AS acknowledged_issues,
  COALESCE(counted.open_issues - counted.acknowledged_issues, 0) AS unacknowledged_issues,
  counted.oldest_age_hours
FROM days
CROSS JOIN severities
CROSS JOIN marts.issue_age_buckets AS buckets
LEFT JOIN counted
  ON counted.snapshot_date = days.snapshot_date
  AND counted.max_severity = severities.max_severity
  AND counted.age_bucket = buckets.age_bucket
