MODEL (
  name marts.sensor_minutes,
  kind VIEW,
  grain (sensor_id, zone, window_start),
  audits (
    not_null(columns := (sensor_id, zone, window_start, max_ppv_mm_s, dominant_frequency_hz, limit_ppv_mm_s,
                         exceeds_limit)),
    unique_combination_of_columns(columns := (sensor_id, zone, window_start)),
    forall(criteria := (limit_ppv_mm_s > 0, pct_of_limit >= 0, exceeds_limit = (max_ppv_mm_s > limit_ppv_mm_s))),
    -- a warning, not a stop: a geophone not yet in sql/seeds/sensors.csv is still measured (no position)
    reference_exists(key := sensor_id, to := marts.sensors, to_key := sensor_id, blocking := false)
  )
);

-- Each sensor-minute against the PPV limit curve, with the sensor's position (key: sensor_id, zone,
-- window_start), for the per-sensor trend (its PPV and its limit line), the scatter of peak PPV against
-- dominant frequency, and the map. The rows and columns of serving.sensor_minute_metrics (each minute from
-- one layer), plus:
-- limit_ppv_mm_s: marts.ppv_limit_curve at the minute's dominant frequency, linear between the curve's points
--   and flat outside, as marts.vibration_by_zone_day computes it; exceeds_limit: max PPV strictly above it;
--   pct_of_limit: 100 * max PPV / limit.
-- easting_m, northing_m: where the sensor stands (marts.sensors); NULL for a sensor the list does not have.
-- A view: the serving view under it switches a day from the speed layer to the batch layer when the batch
-- layer closes it, and this follows at once.
WITH curve AS (
  SELECT
    frequency_hz AS from_hz,
    limit_mm_s AS from_mm_s,
    LEAD(frequency_hz) OVER (ORDER BY frequency_hz) AS to_hz,
    LEAD(limit_mm_s) OVER (ORDER BY frequency_hz) AS to_mm_s,
    frequency_hz = MIN(frequency_hz) OVER () AS is_first
  FROM marts.ppv_limit_curve
), judged AS (
  SELECT
    m.*,
    IF(m.dominant_frequency_hz < c.from_hz OR c.to_hz IS NULL, c.from_mm_s,
       (c.to_mm_s - c.from_mm_s) / (c.to_hz - c.from_hz) * (m.dominant_frequency_hz - c.from_hz) + c.from_mm_s)
      AS limit_ppv_mm_s
  FROM serving.sensor_minute_metrics AS m
  JOIN curve AS c
    ON (c.is_first AND m.dominant_frequency_hz < c.from_hz)
    OR (m.dominant_frequency_hz >= c.from_hz AND (c.to_hz IS NULL OR m.dominant_frequency_hz < c.to_hz))
)
SELECT
  j.sensor_id,
  j.zone,
  j.window_start,
  DATE(j.window_start) AS day,
  j.reading_count,
  j.max_ppv_mm_s,
  j.rms_ppv_mm_s,
  j.mean_frequency_hz,
  j.dominant_frequency_hz,
  j.dominant_at,
  j.min_battery_v,
  j.layer,
  j.limit_ppv_mm_s,
  100 * j.max_ppv_mm_s / j.limit_ppv_mm_s AS pct_of_limit,
  j.max_ppv_mm_s > j.limit_ppv_mm_s AS exceeds_limit,
  s.easting_m,
  s.northing_m
FROM judged AS j
LEFT JOIN marts.sensors AS s
  ON s.sensor_id = j.sensor_id
