MODEL (
  name marts.equipment_reliability,
  kind FULL,
  grain (machine_id, month),
  audits (
    not_null(columns := (machine_id, month, machine_class, calendar_h, downtime_h, failures)),
    unique_combination_of_columns(columns := (machine_id, month)),
    forall(criteria := (
      calendar_h > 0,
      downtime_h >= 0,
      downtime_h <= calendar_h,
      closed_failures <= failures,
      availability_pct BETWEEN 0 AND 100
    ))
  )
);

-- MTBF and MTTR per machine and month (key: machine_id, month: the first day of a UTC month), from
-- marts.machine_failures (the status log, the ERP and the mobile app together, each failure once) and
-- marts.equipment_availability.
-- Machines: every machine of the ERP (marts.machines), and any other that a failure or the status log
-- names (machine_class 'UNKNOWN': the ERP's equipment master, client 100, does not know it).
-- Months: from the first month with a failure or a status record to the current month.
--   calendar_h        hours of the month, up to now for the current month
--   failures          failures that started in the month (failed_at); open_failures, closed_failures
--   repair_h          repair hours of the closed failures that started in the month
--   downtime_h        hours of the month the machine was down for a failure (its repair time, cut at
--                     the month's ends; an open failure from the status log is down until now, an open
--                     one known only from the ERP or the app counts no time: its end is unknown)
--   mtbf_h            (calendar_h - downtime_h) / failures: mean hours up between failures; NULL without one
--   mttr_h            repair_h / closed_failures: mean hours to repair; NULL without a closed failure
--   status_days, available_h, availability_pct: the days of the month with status records
--                     (marts.equipment_availability), their available hours and 100 * available_h /
--                     (24 * status_days); 0 and NULL for a machine without status records
-- Planned downtime is not taken off MTBF's up time: only the status log knows it, for some machines.
WITH machines AS (
  SELECT machine_id, machine_class FROM marts.machines WHERE is_current
  UNION ALL
  SELECT DISTINCT machine_id, 'UNKNOWN' AS machine_class
  FROM (
    SELECT machine_id FROM marts.machine_failures
    UNION DISTINCT
    SELECT machine_id FROM marts.equipment_availability
  ) AS named
  WHERE machine_id NOT IN (SELECT machine_id FROM marts.machines)
),

span AS (
  SELECT
    DATE_TRUNC(LEAST(COALESCE(f.first_day, a.first_day), COALESCE(a.first_day, f.first_day)), MONTH) AS first_month,
    DATE_TRUNC(GREATEST(CURRENT_DATE(), COALESCE(f.last_day, CURRENT_DATE()), COALESCE(a.last_day, CURRENT_DATE())), MONTH)
      AS last_month
  FROM (SELECT MIN(DATE(failed_at)) AS first_day, MAX(DATE(failed_at)) AS last_day FROM marts.machine_failures) AS f
  CROSS JOIN (SELECT MIN(day) AS first_day, MAX(day) AS last_day FROM marts.equipment_availability) AS a
),

months AS (
  SELECT
    month,
    TIMESTAMP(month) AS month_start,
    LEAST(TIMESTAMP(DATE_ADD(month, INTERVAL 1 MONTH)), CURRENT_TIMESTAMP()) AS month_end
  FROM span
  CROSS JOIN UNNEST(GENERATE_DATE_ARRAY(span.first_month, span.last_month, INTERVAL 1 MONTH)) AS month
),

downtime AS (
  SELECT
    machine_id,
    failed_at,
    DATE_TRUNC(DATE(failed_at), MONTH) AS failure_month,
    repair_started_at,
    -- an open failure: the status log says the machine is still down; the ERP or the app only that it failed
    COALESCE(repair_ended_at, IF(repair_source = 'status_log', CURRENT_TIMESTAMP(), repair_started_at)) AS down_until,
    is_open,
    repair_h
  FROM marts.machine_failures
),

per_month AS (
  SELECT
    m.machine_id,
    mo.month,
    ANY_VALUE(TIMESTAMP_DIFF(mo.month_end, mo.month_start, MICROSECOND)) AS calendar_us,
    COUNT(IF(d.failure_month = mo.month, 1, NULL)) AS failures,
    COUNT(IF(d.failure_month = mo.month AND d.is_open, 1, NULL)) AS open_failures,
    SUM(IF(d.failure_month = mo.month AND NOT d.is_open, d.repair_h, 0)) AS repair_h,
    SUM(GREATEST(COALESCE(TIMESTAMP_DIFF(LEAST(d.down_until, mo.month_end), GREATEST(d.repair_started_at, mo.month_start),
                                         MICROSECOND), 0), 0)) AS downtime_us
  FROM machines AS m
  CROSS JOIN months AS mo
  LEFT JOIN downtime AS d
    ON d.machine_id = m.machine_id
    AND (d.failure_month = mo.month OR (d.repair_started_at < mo.month_end AND d.down_until > mo.month_start))
  GROUP BY m.machine_id, mo.month
),

status AS (
  SELECT machine_id, DATE_TRUNC(day, MONTH) AS month, COUNT(*) AS status_days, SUM(available_s) AS available_s
  FROM marts.equipment_availability
  GROUP BY 1, 2
)

SELECT
  p.machine_id,
  p.month,
  m.machine_class,
  p.calendar_us / 3600000000 AS calendar_h,
  p.failures,
  p.open_failures,
  p.failures - p.open_failures AS closed_failures,
  p.repair_h,
  p.downtime_us / 3600000000 AS downtime_h,
  IF(p.failures = 0, NULL, (p.calendar_us - p.downtime_us) / 3600000000 / p.failures) AS mtbf_h,
  IF(p.failures = p.open_failures, NULL, p.repair_h / (p.failures - p.open_failures)) AS mttr_h,
  COALESCE(s.status_days, 0) AS status_days,
  COALESCE(s.available_s, 0) / 3600 AS available_h,
  100 * s.available_s / (86400 * s.status_days) AS availability_pct
FROM per_month AS p
JOIN machines AS m ON m.machine_id = p.machine_id
LEFT JOIN status AS s ON s.machine_id = p.machine_id AND s.month = p.month
