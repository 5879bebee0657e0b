MODEL (
  name marts.fill_factor_by_shift,
  kind INCREMENTAL_BY_TIME_RANGE (time_column shift_started_at, lookback 84),
  cron '@hourly',
  -- BigQuery: a partition per day (by default SQLMesh would make one per hourly interval)
  partitioned_by TIMESTAMP_TRUNC(shift_started_at, DAY),
  grain (shift_id, truck_model, rated_payload_t),
  audits (
    not_null(columns := (shift_id, shift_started_at, truck_model, rated_payload_t)),
    unique_combination_of_columns(columns := (shift_id, truck_model, rated_payload_t)),
    forall(criteria := (
      rated_payload_t > 0,
      loads = loads_fill_below_90 + loads_fill_90_to_100 + loads_fill_100_to_110 + loads_fill_above_110,
      loads_fill_above_120 <= loads_fill_above_110
    ))
  )
);

-- Payload against rated payload per shift and truck model (key: shift_id, truck_model,
-- rated_payload_t), from marts.truck_loads: how full the trucks were loaded. A load's fill factor is
-- its payload_t / its truck's rated payload (the production app's trucks.payload_capacity_t, the
-- fleet's figure); trucks of one model with another rating form a row of their own.
-- Bands of fill factor, compared exactly (decimals, no rounding): below 90 %, 90 % up to (not
-- including) 100 %, 100 % up to 110 % included, above 110 % (an overload, Caterpillar's 10/10/20
-- rule: at most 10 % of loads above 110 %), and, among these, above 120 % (never allowed).
-- mean_fill_pct: 100 * hauled_t / rated_t, the mean fill factor of the loads in percent.
-- Incremental: hourly intervals on shift_started_at, the last 84 hours redone each run.
SELECT
  shift_id,
  truck_model,
  rated_payload_t,
  shift_date,
  shift_kind,
  shift_started_at,
  COUNT(*) AS loads,
  COUNT(DISTINCT truck_id) AS trucks,
  SUM(payload_t) AS hauled_t,
  SUM(rated_payload_t) AS rated_t,
  100 * CAST(SUM(payload_t) AS FLOAT64) / NULLIF(CAST(SUM(rated_payload_t) AS FLOAT64), 0) AS mean_fill_pct,
  -- COUNT(IF(...)), not COUNTIF: an INT64 on both engines
  COUNT(IF(payload_t * 100 < rated_payload_t * 90, 1, NULL)) AS loads_fill_below_90,
  COUNT(IF(payload_t * 100 >= rated_payload_t * 90 AND payload_t * 100 < rated_payload_t * 100, 1, NULL))
    AS loads_fill_90_to_100,
  COUNT(IF(payload_t * 100 >= rated_payload_t * 100 AND payload_t * 100 <= rated_payload_t * 110, 1, NULL))
    AS loads_fill_100_to_110,
  COUNT(IF(payload_t * 100 > rated_payload_t * 110, 1, NULL)) AS loads_fill_above_110,
  COUNT(IF(payload_t * 100 > rated_payload_t * 120, 1, NULL)) AS loads_fill_above_120
FROM marts.truck_loads
WHERE shift_started_at BETWEEN @start_ts AND @end_ts
GROUP BY shift_id, truck_model, rated_payload_t, shift_date, shift_kind, shift_started_at
