MODEL (
  name marts.equipment_availability,
  kind INCREMENTAL_BY_TIME_RANGE (time_column day, lookback 3),
  cron '@daily',
  grain (machine_id, day),
  audits (
    not_null(columns := (machine_id, day)),
    unique_combination_of_columns(columns := (machine_id, day)),
    forall(criteria := (
      reversed_records = 0,
      running_s >= 0, idle_s >= 0, down_planned_s >= 0, down_unplanned_s >= 0,
      unrecorded_s >= 0, recorded_s <= calendar_s,
      availability_pct BETWEEN 0 AND 100
    )),
    -- warnings, not stops: the dispatch app may record two states of one machine at once (the
    -- latest-started one counts, see below), and the ERP, loaded daily, may not know a new machine yet
    forall(criteria := (overlapping_s = 0), blocking := false),
    reference_exists(key := machine_id, to := marts.machines, to_key := machine_id, blocking := false)
  )
);

-- Availability per machine and UTC day (key: machine_id, day), from the production app's
-- equipment_status intervals (running, idle, down_planned, down_unplanned; an interval without an end
-- is still going on). Machines: those the app records (haul trucks, shovels, metered crushers).
-- Each interval is cut at UTC midnights. At any instant a machine is in the state of the interval
-- covering it that started last (then the higher status_id): a new status supersedes an older one it
-- overlaps; overlapping_s says how much of the day two or more intervals covered.
--   calendar_s      86,400: a UTC day (days are built once over; the current day is not built)
--   running_s, idle_s, down_planned_s, down_unplanned_s: seconds of the day in each state
--   recorded_s      seconds some interval covers; unrecorded_s = calendar_s - recorded_s (no record)
--   available_s     calendar_s - down_planned_s - down_unplanned_s (unrecorded time counts as available)
--   availability_pct 100 * available_s / calendar_s
--   reversed_records intervals of the machine starting that day that end before they start: their
--                   time cannot be counted; a blocking check names them
-- A machine has a row for each day some interval of it covers (or a reversed one starts).
-- machine_class: the ERP's class (EQUI.EQART, marts.machines); NULL for a machine the ERP does not know.
-- Incremental: daily intervals on day; each run redoes the last 3 days (lookback), so intervals
-- that end, or are entered or corrected, up to 3 days late count.
WITH intervals AS (
  SELECT
    status_id,
    equipment_id AS machine_id,
    equipment_state,
    started_at,
    -- an interval still going on lasts to the end of the run's range
    COALESCE(ended_at, TIMESTAMP_ADD(@end_dt, INTERVAL 1 MICROSECOND)) AS ended_at
  FROM staging.stg_production__equipment_status
  WHERE started_at <= @end_dt AND (ended_at IS NULL OR ended_at > @start_dt)
),

pieces AS (
  SELECT
    i.status_id,
    i.machine_id,
    i.equipment_state,
    i.started_at,
    day,
    GREATEST(i.started_at, TIMESTAMP(day)) AS piece_start,
    LEAST(i.ended_at, TIMESTAMP(DATE_ADD(day, INTERVAL 1 DAY))) AS piece_end
  FROM intervals AS i
  CROSS JOIN UNNEST(GENERATE_DATE_ARRAY(
    GREATEST(DATE(i.started_at), @start_date),
    LEAST(DATE(TIMESTAMP_SUB(i.ended_at, INTERVAL 1 MICROSECOND)), @end_date)
  )) AS day
  WHERE i.ended_at > i.started_at
),

bounds AS (
  SELECT machine_id, day, piece_start AS at FROM pieces
  UNION DISTINCT
  SELECT machine_id, day, piece_end AS at FROM pieces
),

segments AS (
  SELECT machine_id, day, at AS segment_start, LEAD(at) OVER (PARTITION BY machine_id, day ORDER BY at) AS segment_end
  FROM bounds
),

covered AS (
  SELECT
    g.machine_id,
    g.day,
    TIMESTAMP_DIFF(g.segment_end, g.segment_start, MICROSECOND) AS length_us,
    p.equipment_state,
    COUNT(*) OVER (PARTITION BY g.machine_id, g.day, g.segment_start) AS covering,
    ROW_NUMBER() OVER (PARTITION BY g.machine_id, g.day, g.segment_start ORDER BY p.started_at DESC, p.status_id DESC)
      AS recency
  FROM segments AS g
  JOIN pieces AS p
    ON p.machine_id = g.machine_id AND p.day = g.day
    AND p.piece_start <= g.segment_start AND p.piece_end >= g.segment_end
  WHERE g.segment_end IS NOT NULL
),

days AS (
  SELECT
    machine_id,
    day,
    SUM(length_us) AS recorded_us,
    SUM(IF(equipment_state = 'running', length_us, 0)) AS running_us,
    SUM(IF(equipment_state = 'idle', length_us, 0)) AS idle_us,
    SUM(IF(equipment_state = 'down_planned', length_us, 0)) AS down_planned_us,
    SUM(IF(equipment_state = 'down_unplanned', length_us, 0)) AS down_unplanned_us,
    SUM(IF(covering > 1, length_us, 0)) AS overlapping_us
  FROM covered
  WHERE recency = 1
  GROUP BY machine_id, day
),

reversed AS (
  SELECT equipment_id AS machine_id, DATE(started_at) AS day, COUNT(*) AS reversed_records
  FROM staging.stg_production__equipment_status
  WHERE ended_at < started_at AND DATE(started_at) BETWEEN @start_date AND @end_date
  GROUP BY 1, 2
),

machine_days AS (
  SELECT
    COALESCE(d.machine_id, r.machine_id) AS machine_id,
    COALESCE(d.day, r.day) AS day,
    COALESCE(d.recorded_us, 0) AS recorded_us,
    COALESCE(d.running_us, 0) AS running_us,
    COALESCE(d.idle_us, 0) AS idle_us,
    COALESCE(d.down_planned_us, 0) AS down_planned_us,
    COALESCE(d.down_unplanned_us, 0) AS down_unplanned_us,
    COALESCE(d.overlapping_us, 0) AS overlapping_us,
    COALESCE(r.reversed_records, 0) AS reversed_records
  FROM days AS d
  FULL OUTER JOIN reversed AS r ON r.machine_id = d.machine_id AND r.day = d.day
)

SELECT
  d.machine_id,
  d.day,
  m.machine_class,
  86400 AS calendar_s,
  d.running_us / 1000000 AS running_s,
  d.idle_us / 1000000 AS idle_s,
  d.down_planned_us / 1000000 AS down_planned_s,
  d.down_unplanned_us / 1000000 AS down_unplanned_s,
  d.recorded_us / 1000000 AS recorded_s,
  (86400000000 - d.recorded_us) / 1000000 AS unrecorded_s,
  (86400000000 - d.down_planned_us - d.down_unplanned_us) / 1000000 AS available_s,
  100 * (86400000000 - d.down_planned_us - d.down_unplanned_us) / 86400000000 AS availability_pct,
  d.overlapping_us / 1000000 AS overlapping_s,
  d.reversed_records
FROM machine_days AS d
LEFT JOIN marts.machines AS m ON m.machine_id = d.machine_id AND m.is_current
