MODEL (
  name marts.cycle_times_by_shift,
  kind INCREMENTAL_BY_TIME_RANGE (time_column shift_started_at, lookback 84),
  cron '@hourly',
  -- BigQuery: a partition per day (by default SQLMesh would make one per hourly interval)
  partitioned_by TIMESTAMP_TRUNC(shift_started_at, DAY),
  grain (shift_id, truck_id),
  audits (
    not_null(columns := (shift_id, shift_started_at, truck_id, truck_model)),
    unique_combination_of_columns(columns := (shift_id, truck_id)),
    forall(criteria := (
      loads > 0,
      cycles <= loads,
      min_cycle_time_s <= p50_cycle_time_s,
      p50_cycle_time_s <= p90_cycle_time_s,
      p90_cycle_time_s <= max_cycle_time_s,
      min_cycle_time_s > 0
    ))
  )
);

-- Truck cycle times per shift and truck (key: shift_id, truck_id), from marts.truck_loads'
-- cycle_time_s (seconds from loading to the truck's next loading, as the production app records it).
-- loads: the truck's loads in the shift; cycles: those with a cycle time (a load still hauling has
-- none yet). mean, p50 and p90 are over the cycles, in seconds: exact percentiles with linear
-- interpolation (BigQuery PERCENTILE_CONT, DuckDB QUANTILE_CONT: the same definition, so the same
-- values on both engines; never APPROX_QUANTILES). All NULL when the truck has no cycle yet.
-- Incremental: hourly intervals on shift_started_at, the last 84 hours redone each run.
WITH loads AS (
  SELECT
    *,
    PERCENTILE_CONT(cycle_time_s, 0.5) OVER (PARTITION BY shift_id, truck_id) AS p50_cycle_time_s,
    PERCENTILE_CONT(cycle_time_s, 0.9) OVER (PARTITION BY shift_id, truck_id) AS p90_cycle_time_s
  FROM marts.truck_loads
  WHERE shift_started_at BETWEEN @start_ts AND @end_ts
)

SELECT
  shift_id,
  truck_id,
  truck_model,
  shift_date,
  shift_kind,
  shift_started_at,
  COUNT(*) AS loads,
  COUNT(cycle_time_s) AS cycles,
  SUM(payload_t) AS hauled_t,
  AVG(cycle_time_s) AS mean_cycle_time_s,
  MAX(p50_cycle_time_s) AS p50_cycle_time_s,
  MAX(p90_cycle_time_s) AS p90_cycle_time_s,
  MIN(cycle_time_s) AS min_cycle_time_s,
  MAX(cycle_time_s) AS max_cycle_time_s
FROM loads
GROUP BY shift_id, truck_id, truck_model, shift_date, shift_kind, shift_started_at
