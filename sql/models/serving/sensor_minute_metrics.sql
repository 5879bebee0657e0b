MODEL (
  name serving.sensor_minute_metrics,
  kind VIEW,
  grain (sensor_id, zone, window_start),
  audits (
    not_null(columns := (sensor_id, zone, window_start, reading_count, max_ppv_mm_s, rms_ppv_mm_s,
                         mean_frequency_hz, dominant_frequency_hz, min_battery_v, computed_at, layer, panes)),
    -- no overlap: a minute served by both layers, or twice by one, would be two rows
    unique_combination_of_columns(columns := (sensor_id, zone, window_start)),
    accepted_values(column := layer, is_in := ('batch', 'speed')),
    forall(criteria := (
      reading_count > 0, max_ppv_mm_s >= 0, rms_ppv_mm_s >= 0, mean_frequency_hz >= 0, dominant_frequency_hz >= 0,
      min_battery_v >= 0, panes >= 1, layer = 'speed' OR panes = 1
    )),
    -- a warning, not a stop: the speed layer can legitimately write a row for a day the batch layer has
    -- already closed (a backlog processed late, a replay of an old file); the view serves the batch
    -- rows, which lack those readings until the day is recomputed. The warning names them.
    speed_rows_after_their_day_closed(blocking := false)
  )
);

-- The sensors' minute metrics as dashboards read them (key: sensor_id, zone, window_start): one row per
-- sensor, zone and event-time minute with readings, from exactly one layer, switched per UTC day:
--   * a day the batch layer has closed (a row in ops.batch_days for batch.sensor_minute_metrics) comes
--     from batch.sensor_minute_metrics: every reading of the day's lake files, recomputed whole;
--   * any other day comes from speed.sensor_minute_metrics, its rows combined per minute (below).
-- So no minute is in both (no overlap) and every minute is in one (no gap). A day recomputed again is
-- replaced whole in the batch table (its ops.batch_days row too): still one row per minute.
-- Days are compared as days since 1970-01-01 (UNIX_MICROS / UNIX_DATE), not with DATE(): the UTC day
-- whatever the reading session's time zone (a DuckDB opened by hand may not be in UTC).
-- Speed rows: the speed layer writes a row per minute and pane of its windows (source = the lake file
-- tag of the replay file or subscription run, pane_index = the window's pane: 0 on time, 1, 2, ... late
-- panes holding only their late readings). Per (sensor, zone, minute, source, pane) the row computed
-- last is kept (computed_at): a replay run again, or a retried insert, writes the same pane again. The
-- panes kept (of any sources: two replay files covering a minute are both real readings) are combined:
--   reading_count  sum;  max_ppv_mm_s  max;  min_battery_v  min;  computed_at  the latest;
--   rms_ppv_mm_s   sqrt(sum(rms² * n) / sum(n)): the sum of squares of every reading, over their count;
--   mean_frequency_hz  sum(mean * n) / sum(n);
--   dominant_frequency_hz, dominant_at  of the pane with the strongest reading: highest max_ppv_mm_s, then
--     earliest dominant_at, then highest frequency, the batch layer's own tie-breaks
--     (pipelines/sensor_metrics.py), so they equal what the batch layer computes from the same readings.
--   A minute of one pane is served as written. RMS and mean of several panes may differ from the batch
--   layer's in the last bits (sums in another order): docs/serving.md gives the bound.
-- Rows written before source and pane_index existed (NULL: a local warehouse only) count as one pane per
-- minute, the latest.
-- layer: 'batch' or 'speed'; panes: speed rows combined (1 for a batch row).
WITH closed_days AS (
  SELECT DISTINCT UNIX_DATE(day) AS unix_day
  FROM ops.batch_days
  WHERE target_table = 'batch.sensor_minute_metrics'
), batch_rows AS (
  SELECT
    sensor_id,
    zone,
    window_start,
    reading_count,
    max_ppv_mm_s,
    rms_ppv_mm_s,
    mean_frequency_hz,
    dominant_frequency_hz,
    min_battery_v,
    computed_at,
    dominant_at,
    'batch' AS layer,
    1 AS panes
  FROM batch.sensor_minute_metrics
  WHERE DIV(UNIX_MICROS(window_start), 86400000000) IN (SELECT unix_day FROM closed_days)
), speed_panes AS (
  SELECT
    sensor_id,
    zone,
    window_start,
    reading_count,
    max_ppv_mm_s,
    rms_ppv_mm_s,
    mean_frequency_hz,
    dominant_frequency_hz,
    min_battery_v,
    computed_at,
    dominant_at
  FROM speed.sensor_minute_metrics
  WHERE DIV(UNIX_MICROS(window_start), 86400000000) NOT IN (SELECT unix_day FROM closed_days)
  QUALIFY ROW_NUMBER() OVER (
    PARTITION BY sensor_id, zone, window_start, source, pane_index ORDER BY computed_at DESC, reading_count DESC
  ) = 1
), ranked_panes AS (
  SELECT
    *,
    ROW_NUMBER() OVER (
      PARTITION BY sensor_id, zone, window_start
      ORDER BY max_ppv_mm_s DESC, dominant_at ASC, dominant_frequency_hz DESC
    ) AS strength_rank
  FROM speed_panes
), speed_rows AS (
  SELECT
    sensor_id,
    zone,
    window_start,
    SUM(reading_count) AS reading_count,
    MAX(max_ppv_mm_s) AS max_ppv_mm_s,
    IF(COUNT(*) = 1, MAX(rms_ppv_mm_s),
       SQRT(SUM(rms_ppv_mm_s * rms_ppv_mm_s * reading_count) / SUM(reading_count))) AS rms_ppv_mm_s,
    IF(COUNT(*) = 1, MAX(mean_frequency_hz), SUM(mean_frequency_hz * reading_count) / SUM(reading_count))
      AS mean_frequency_hz,
    MAX(IF(strength_rank = 1, dominant_frequency_hz, NULL)) AS dominant_frequency_hz,
    MIN(min_battery_v) AS min_battery_v,
    MAX(computed_at) AS computed_at,
    MAX(IF(strength_rank = 1, dominant_at, NULL)) AS dominant_at,
    'speed' AS layer,
    COUNT(*) AS panes
  FROM ranked_panes
  GROUP BY sensor_id, zone, window_start
)
SELECT * FROM batch_rows
UNION ALL
SELECT * FROM speed_rows;

AUDIT (name speed_rows_after_their_day_closed);
-- Speed rows computed after the batch layer closed their UTC day (ops.batch_days.recomputed_at): the
-- view does not serve them (the day is served from batch.sensor_minute_metrics), and the batch rows do
-- not hold their readings unless the lake file came in before the recomputation read the lake. Recompute
-- the day (python -m pipelines.batch.sensor_recompute --date DAY): its rows then count every reading.
SELECT
  d.day AS day_to_recompute,
  s.sensor_id,
  s.window_start,
  s.source,
  s.pane_index,
  s.computed_at,
  d.recomputed_at AS day_closed_at
FROM speed.sensor_minute_metrics AS s
JOIN ops.batch_days AS d
  ON d.target_table = 'batch.sensor_minute_metrics'
  AND DIV(UNIX_MICROS(s.window_start), 86400000000) = UNIX_DATE(d.day)
WHERE s.computed_at > d.recomputed_at;
