MODEL (
  name marts.crusher_throughput_by_shift,
  kind INCREMENTAL_BY_TIME_RANGE (time_column shift_started_at, lookback 84),
  cron '@hourly',
  -- BigQuery: a partition per day (by default SQLMesh would make one per hourly interval)
  partitioned_by TIMESTAMP_TRUNC(shift_started_at, DAY),
  grain (shift_id, crusher_id),
  audits (
    not_null(columns := (shift_id, shift_started_at, crusher_id)),
    unique_combination_of_columns(columns := (shift_id, crusher_id)),
    forall(criteria := (
      crushed_t >= 0,
      measured_s > 0,
      measured_s <= shift_s,
      unmeasured_s >= 0
    ))
  )
);

@DEF(max_hold_us, 3600000000);  -- a reading stands for at most the hour after it

-- Crusher throughput per shift and crusher (key: shift_id, crusher_id), from the production app's
-- crusher_throughput readings (tonnes per hour at measured_at).
-- A reading's rate holds from its time until the crusher's next reading, for at most one hour and
-- never beyond now; time no reading covers is unmeasured (a crusher that stopped reporting). A
-- reading from the end of the previous shift covers the start of this one.
--   crushed_t            tonnes: the sum over readings of rate * the time it holds within the shift
--   measured_s           seconds of the shift some reading covers; unmeasured_s the rest of shift_s
--   mean_throughput_t_h  crushed_t / measured hours: the time-weighted mean rate (NULL: none measured)
--   samples, max_throughput_t_h, mean_power_kw: the readings taken within the shift (NULL: none)
-- A crusher with no reading covering any time of the shift has no row for it.
-- Incremental: hourly intervals on shift_started_at, the last 84 hours redone each run.
WITH shifts AS (
  SELECT shift_id, shift_date, shift_kind, starts_at, ends_at
  FROM staging.stg_production__shifts
  WHERE starts_at BETWEEN @start_ts AND @end_ts
),

readings AS (
  SELECT
    crusher_id,
    measured_at,
    throughput_t_h,
    power_kw,
    LEAST(
      COALESCE(LEAD(measured_at) OVER (PARTITION BY crusher_id ORDER BY measured_at),
               TIMESTAMP_ADD(measured_at, INTERVAL @max_hold_us MICROSECOND)),
      TIMESTAMP_ADD(measured_at, INTERVAL @max_hold_us MICROSECOND),
      CURRENT_TIMESTAMP()
    ) AS held_until
  FROM staging.stg_production__crusher_throughput
  WHERE measured_at >= TIMESTAMP_SUB((SELECT MIN(starts_at) FROM shifts), INTERVAL @max_hold_us MICROSECOND)
    AND measured_at < (SELECT MAX(ends_at) FROM shifts)
),

held AS (
  SELECT
    s.shift_id,
    s.shift_date,
    s.shift_kind,
    s.starts_at,
    s.ends_at,
    r.crusher_id,
    r.throughput_t_h,
    r.power_kw,
    r.measured_at >= s.starts_at AS is_in_shift,
    GREATEST(TIMESTAMP_DIFF(LEAST(r.held_until, s.ends_at), GREATEST(r.measured_at, s.starts_at), MICROSECOND), 0)
      AS held_us
  FROM shifts AS s
  JOIN readings AS r ON r.measured_at < s.ends_at AND r.held_until > s.starts_at
)

SELECT
  shift_id,
  crusher_id,
  shift_date,
  shift_kind,
  starts_at AS shift_started_at,
  TIMESTAMP_DIFF(ends_at, starts_at, MICROSECOND) / 1000000 AS shift_s,
  SUM(held_us) / 1000000 AS measured_s,
  (TIMESTAMP_DIFF(ends_at, starts_at, MICROSECOND) - SUM(held_us)) / 1000000 AS unmeasured_s,
  SUM(CAST(throughput_t_h AS FLOAT64) * held_us) / 3600000000 AS crushed_t,
  SUM(CAST(throughput_t_h AS FLOAT64) * held_us) / NULLIF(SUM(held_us), 0) AS mean_throughput_t_h,
  COUNT(IF(is_in_shift, 1, NULL)) AS samples,
  MAX(IF(is_in_shift, throughput_t_h, NULL)) AS max_throughput_t_h,
  AVG(IF(is_in_shift, power_kw, NULL)) AS mean_power_kw
FROM held
GROUP BY shift_id, shift_date, shift_kind, starts_at, ends_at, crusher_id
HAVING SUM(held_us) > 0
