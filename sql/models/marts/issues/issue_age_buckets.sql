MODEL (
  name marts.issue_age_buckets,
  kind FULL,
  grain age_bucket,
  audits (
    not_null(columns := (age_bucket, bucket_order, from_hours)),
    unique_combination_of_columns(columns := (age_bucket)),
    unique_combination_of_columns(columns := (bucket_order)),
    forall(criteria := (from_hours >= 0, to_hours IS NULL OR to_hours > from_hours))
  )
);

-- The age buckets of open machinery issues (key: age_bucket), defined once for every model and
-- dashboard that groups the backlog by age (marts.issue_backlog_daily, serving.machine_issues).
-- An issue of age h hours (from opened_at to the time the backlog is taken) is in the bucket with
-- from_hours <= h < to_hours; to_hours is NULL for the last, open-ended bucket. bucket_order sorts them.
-- The bounds follow the maintenance planner's horizons: within the shift's first hours, within the
-- day, within a few days, within the week, within the month, older.
SELECT bucket_order, age_bucket, from_hours, to_hours
FROM UNNEST([
  STRUCT(1 AS bucket_order, '0-4h' AS age_bucket, 0 AS from_hours, 4 AS to_hours),
  STRUCT(2 AS bucket_order, '4-24h' AS age_bucket, 4 AS from_hours, 24 AS to_hours),
  STRUCT(3 AS bucket_order, '1-3d' AS age_bucket, 24 AS from_hours, 72 AS to_hours),
  STRUCT(4 AS bucket_order, '3-7d' AS age_bucket, 72 AS from_hours, 168 AS to_hours),
  STRUCT(5 AS bucket_order, '7-30d' AS age_bucket, 168 AS from_hours, 720 AS to_hours),
  STRUCT(6 AS bucket_order, '30d+' AS age_bucket, 720 AS from_hours, CAST(NULL AS INT64) AS to_hours)
])
