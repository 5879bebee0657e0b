MODEL (
  name marts.sensor_health_by_day,
  kind INCREMENTAL_BY_TIME_RANGE (time_column day, lookback 2),
  cron '@daily',
  depends_on (marts.mine_zones),  -- the model its reference check reads
  grain (sensor_id, day),
  audits (
    not_null(columns := (sensor_id, day, zone, minutes_with_readings, readings, first_minute, last_minute,
                         silent_periods, silent_minutes, longest_silence_minutes, min_battery_v, day_closed)),
    unique_combination_of_columns(columns := (sensor_id, day)),
    -- a warning, not a stop: see marts.vibration_by_zone_day (a zone the mine's list does not have yet)
    reference_exists(key := zone, to := marts.mine_zones, to_key := zone, blocking := false),
    forall(criteria := (
      minutes_with_readings BETWEEN 1 AND 1440, readings >= minutes_with_readings, first_minute <= last_minute,
      silent_periods >= 0, silent_minutes <= 1440 - minutes_with_readings,
      longest_silence_minutes <= 1440 - minutes_with_readings, silent_minutes >= 5 * silent_periods,
      min_battery_v >= 0
    ))
  )
);

-- The geophones' health per sensor and UTC day (key: sensor_id, day), for the people who keep them
-- running: how much of the day a sensor reported, when it went quiet, and its battery. From
-- serving.sensor_minute_metrics (batch rows for a closed day, speed rows before), so a recomputed day
-- replaces the speed layer's figures. A sensor has a row for each day it sent at least one reading: a
-- sensor silent all day has none that day; its last row shows the silence up to midnight.
-- zone: the sensor's zone at its last minute of the day.
-- minutes_with_readings: minutes of the day with at least one reading (of 1440); readings: their count.
-- first_minute, last_minute: the first and last of those minutes (their starts).
-- Silent periods: a silent period is at least @silent_after_minutes consecutive whole minutes of the day
--   without a reading: between two minutes with readings, or from midnight to the first one, or from the
--   last one to midnight (a silence across midnight counts in both days, each its own part).
--   @silent_after_minutes is the speed layer's --silent_after_minutes default (5): its silent_sensor
--   alert judges the time between readings within an hour; this mart counts whole silent minutes of the day.
--   silent_periods: how many; silent_minutes: the minutes in them; longest_silence_minutes: the longest
--   run of minutes without a reading, whatever its length.
-- min_battery_v: the lowest battery voltage reported that day; min_battery_change_v: it minus the day
--   before's (NULL when the sensor sent nothing the day before); battery_slope_v_per_day: the trend within
--   the day, the least-squares slope of each minute's lowest voltage against the time of day, in volts per
--   day (COVAR_POP / VAR_POP; NULL for a day of one minute).
-- day_closed: the batch layer has closed the day: the figures are final.
-- Incremental: daily intervals on day, lookback 2, as marts.vibration_by_zone_day; each interval also
-- reads the day before it, for min_battery_change_v.
@DEF(silent_after_minutes, 5);

WITH per_minute AS (
  -- one row per sensor and minute (a sensor that changed zone within a minute has a row per zone there)
  SELECT
    sensor_id,
    DATE(window_start) AS day,
    window_start,
    MOD(DIV(UNIX_MICROS(window_start), 60000000), 1440) AS minute_of_day,
    MAX(zone) AS zone,
    SUM(reading_count) AS readings,
    MIN(min_battery_v) AS min_battery_v
  FROM serving.sensor_minute_metrics
  WHERE window_start BETWEEN TIMESTAMP_SUB(TIMESTAMP(@start_ts), INTERVAL 1 DAY) AND @end_ts
  GROUP BY sensor_id, DATE(window_start), window_start
), with_gaps AS (
  -- silence_before: whole minutes without a reading before this one, since the last one (or since midnight)
  SELECT
    *,
    minute_of_day - COALESCE(LAG(minute_of_day) OVER (PARTITION BY sensor_id, day ORDER BY minute_of_day), -1) - 1
      AS silence_before
  FROM per_minute
), per_day AS (
  SELECT
    sensor_id,
    day,
    MAX_BY(zone, window_start) AS zone,
    COUNT(*) AS minutes_with_readings,
    SUM(readings) AS readings,
    MIN(window_start) AS first_minute,
    MAX(window_start) AS last_minute,
    COUNTIF(silence_before >= @silent_after_minutes) AS silent_gaps,
    SUM(IF(silence_before >= @silent_after_minutes, silence_before, 0)) AS silent_gap_minutes,
    MAX(silence_before) AS longest_gap,
    1439 - MAX(minute_of_day) AS silence_after,
    MIN(min_battery_v) AS min_battery_v,
    COVAR_POP(minute_of_day / 1440, min_battery_v) / NULLIF(VAR_POP(minute_of_day / 1440), 0)
      AS battery_slope_v_per_day
  FROM with_gaps
  GROUP BY sensor_id, day
)
SELECT
  d.sensor_id,
  d.day,
  d.zone,
  d.minutes_with_readings,
  d.readings,
  d.first_minute,
  d.last_minute,
  d.silent_gaps + IF(d.silence_after >= @silent_after_minutes, 1, 0) AS silent_periods,
  d.silent_gap_minutes + IF(d.silence_after >= @silent_after_minutes, d.silence_after, 0) AS silent_minutes,
  GREATEST(d.longest_gap, d.silence_after) AS longest_silence_minutes,
  d.min_battery_v,
  d.min_battery_v - before.min_battery_v AS min_battery_change_v,
  d.battery_slope_v_per_day,
  d.day IN (SELECT day FROM ops.batch_days WHERE target_table = 'batch.sensor_minute_metrics') AS day_closed
FROM per_day AS d
LEFT JOIN per_day AS before
  ON before.sensor_id = d.sensor_id AND DATE_DIFF(d.day, before.day, DAY) = 1
WHERE d.day BETWEEN @start_date AND @end_date
