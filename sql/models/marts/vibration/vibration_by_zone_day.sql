MODEL (
  name marts.vibration_by_zone_day,
  kind INCREMENTAL_BY_TIME_RANGE (time_column day, lookback 2),
  cron '@daily',
  depends_on (marts.mine_zones),  -- the model its reference check reads
  grain (zone, day),
  audits (
    not_null(columns := (zone, day, sensors_reporting, sensor_minutes, readings, minutes_over_limit,
                         sensor_minutes_over_limit, ppv_limit_curve_alerts, silent_sensor_alerts, ppv_anomaly_alerts,
                         sensor_alerts, day_closed)),
    unique_combination_of_columns(columns := (zone, day)),
    -- a warning, not a stop: a geophone reports its zone as text, and a zone the mine's list does not have
    -- yet (a new bench, a renamed area) is still measured and counted here; the list should learn it
    reference_exists(key := zone, to := marts.mine_zones, to_key := zone, blocking := false),
    forall(criteria := (
      sensor_minutes >= sensors_reporting, readings >= sensor_minutes, peak_ppv_mm_s >= 0, peak_pct_of_limit >= 0,
      minutes_over_limit <= sensor_minutes_over_limit, sensor_minutes_over_limit <= sensor_minutes,
      sensor_alerts >= ppv_limit_curve_alerts + silent_sensor_alerts + ppv_anomaly_alerts
    ))
  )
);

-- Ground vibration per zone and UTC day (key: zone, day), for the blast engineers and the neighbours'
-- complaints: how strong it got, how often it went over the limit curve, and what the speed layer alerted.
-- From serving.sensor_minute_metrics (the batch layer's rows for a day it has closed, the speed layer's
-- before), so a day the batch layer recomputes replaces the speed layer's figures here too, and from
-- serving.alerts. Only zone-days with readings or alerts have a row.
-- sensors_reporting: sensors with a reading; sensor_minutes: sensor-minutes with readings; readings.
-- peak_ppv_mm_s: the highest max PPV of a sensor-minute; peak_sensor_id, peak_minute, peak_frequency_hz:
--   that sensor-minute (ties: the earliest strongest reading, then the sensor id) and its dominant frequency.
-- Limit: marts.sensor_minutes' limit_ppv_mm_s, marts.ppv_limit_curve at the sensor-minute's dominant
--   frequency, computed as numpy.interp computes it for the speed layer's ppv_limit_curve alert; a
--   sensor-minute is over the limit when its max PPV is strictly above it.
-- peak_pct_of_limit: the highest 100 * max PPV / limit of a sensor-minute (over 100: over the limit).
-- minutes_over_limit: minutes in which at least one sensor of the zone was over its limit;
--   sensor_minutes_over_limit: sensor-minutes over the limit.
-- Alerts: alerts of the sensor pipeline (serving.alerts, pipeline streaming.sensors) whose event_time falls
--   in the day, by the zone they name, each alert_id once (serving.alerts keeps one row of each, although
--   ops.alerts may hold it more than once: a replay, a late pane, a retried insert): ppv_limit_curve_alerts, silent_sensor_alerts,
--   ppv_anomaly_alerts, and sensor_alerts of every rule (a rule added later counts there). They are what
--   people were told at the time: a late pane's alert judged the pane's readings alone, so they can
--   differ from the minutes over the limit, which judge every reading of the minute.
-- day_closed: the batch layer has closed the day (ops.batch_days): the figures are final; FALSE: from the
--   speed layer, provisional until the day is recomputed.
-- pit: the zone's pit (marts.mine_zones), NULL for a zone the list does not have.
-- Incremental: daily intervals on day; each run also redoes the 2 days before the new one (lookback), which
-- covers the speed layer's allowed lateness (2 hours) and the batch layer closing a day after it: the
-- closed day's batch rows replace its speed figures at the next daily run. A day recomputed later than
-- that is brought in by a restatement (docs/marts/vibration.md).
WITH judged AS (  -- each sensor-minute against the limit curve: marts.sensor_minutes judges it, once
  SELECT
    zone,
    day,
    sensor_id,
    window_start,
    reading_count,
    max_ppv_mm_s,
    dominant_frequency_hz,
    dominant_at,
    limit_ppv_mm_s AS limit_mm_s
  FROM marts.sensor_minutes
  WHERE window_start BETWEEN @start_ts AND @end_ts
), by_zone AS (
  SELECT
    zone,
    day,
    COUNT(DISTINCT sensor_id) AS sensors_reporting,
    COUNT(*) AS sensor_minutes,
    SUM(reading_count) AS readings,
    MAX(max_ppv_mm_s) AS peak_ppv_mm_s,
    MAX(100 * max_ppv_mm_s / limit_mm_s) AS peak_pct_of_limit,
    COUNT(DISTINCT IF(max_ppv_mm_s > limit_mm_s, window_start, NULL)) AS minutes_over_limit,
    COUNTIF(max_ppv_mm_s > limit_mm_s) AS sensor_minutes_over_limit
  FROM judged
  GROUP BY zone, day
), peaks AS (
  SELECT
    zone,
    day,
    sensor_id AS peak_sensor_id,
    window_start AS peak_minute,
    dominant_frequency_hz AS peak_frequency_hz
  FROM judged
  WHERE TRUE
  QUALIFY ROW_NUMBER() OVER (PARTITION BY zone, day ORDER BY max_ppv_mm_s DESC, dominant_at ASC, sensor_id ASC) = 1
), alerts AS (
  SELECT
    zone,
    DATE(event_time) AS day,
    COUNTIF(rule = 'ppv_limit_curve') AS ppv_limit_curve_alerts,
    COUNTIF(rule = 'silent_sensor') AS silent_sensor_alerts,
    COUNTIF(rule = 'ppv_anomaly') AS ppv_anomaly_alerts,
    COUNT(*) AS sensor_alerts
  FROM serving.alerts  -- each alert once, in its newest state
  WHERE pipeline = 'streaming.sensors' AND event_time BETWEEN @start_ts AND @end_ts
  GROUP BY zone, DATE(event_time)
), zone_days AS (
  SELECT
    COALESCE(z.zone, a.zone) AS zone,
    COALESCE(z.day, a.day) AS day,
    z.sensors_reporting,
    z.sensor_minutes,
    z.readings,
    z.peak_ppv_mm_s,
    z.peak_pct_of_limit,
    z.minutes_over_limit,
    z.sensor_minutes_over_limit,
    a.ppv_limit_curve_alerts,
    a.silent_sensor_alerts,
    a.ppv_anomaly_alerts,
    a.sensor_alerts
  FROM by_zone AS z
  FULL OUTER JOIN alerts AS a
    ON a.zone = z.zone AND a.day = z.day
)
SELECT
  d.zone,
  d.day,
  mz.pit,
  COALESCE(d.sensors_reporting, 0) AS sensors_reporting,
  COALESCE(d.sensor_minutes, 0) AS sensor_minutes,
  COALESCE(d.readings, 0) AS readings,
  d.peak_ppv_mm_s,
  p.peak_sensor_id,
  p.peak_minute,
  p.peak_frequency_hz,
  d.peak_pct_of_limit,
  COALESCE(d.minutes_over_limit, 0) AS minutes_over_limit,
  COALESCE(d.sensor_minutes_over_limit, 0) AS sensor_minutes_over_limit,
  COALESCE(d.ppv_limit_curve_alerts, 0) AS ppv_limit_curve_alerts,
  COALESCE(d.silent_sensor_alerts, 0) AS silent_sensor_alerts,
  COALESCE(d.ppv_anomaly_alerts, 0) AS ppv_anomaly_alerts,
  COALESCE(d.sensor_alerts, 0) AS sensor_alerts,
  d.day IN (SELECT day FROM ops.batch_days WHERE target_table = 'batch.sensor_minute_metrics') AS day_closed
FROM zone_days AS d
LEFT JOIN peaks AS p
  ON p.zone = d.zone AND p.day = d.day
LEFT JOIN marts.mine_zones AS mz
  ON mz.zone = d.zone
