MODEL (
  name staging.stg_mobile__machine_issues,
  kind VIEW,
  grain issue_id,
  audits (
    not_null(columns := (issue_id)),
    unique_combination_of_columns(columns := (issue_id)),
    accepted_values(column := status, is_in := ('open', 'acknowledged', 'resolved'))
  )
);

-- Machinery issues reported from the operators' mobile app (Pub/Sub topic machine-issues, docs/contracts.md#pubsub-messages).
-- Grain: one row per issue (key: issue_id), its current state, from its events in
-- raw_mobile.machine_issue_events (one row per valid event the streaming pipeline wrote; invalid
-- messages are in ops.dead_letter, not here).
-- Dedup: streaming inserts are at least once and the pipeline's own de-duplication is best effort, so
-- an event (event_id) may be in raw more than once: the first published copy is kept (publish_time,
-- a copy without one last, then _loaded_at, then message_id); events_count counts distinct event_ids.
-- Ordering: events arrive out of order, so an issue's events are taken in event order, never in
-- arrival order: event_time (the phone's clock), then publish_time (an event without one first), then
-- event_id as a deterministic tie-break. The last event in this order is the latest event: an
-- acknowledged that happened before the resolved but was published after it does not reopen the issue.
-- Clock skew: the phones' clocks disagree, by seconds or minutes. Where they cannot be right, publish
-- time (Pub/Sub's one clock) and the lifecycle settle the order, so skew never makes a phantom reopen:
--   1. nothing comes before an issue's first opened event: an event timed before it comes right after it
--      if it was published after it, or timed at most 5 minutes before it (an event timed earlier and
--      published earlier stays first: the original opened event was lost, this one reports it again);
--   2. a resolved event comes after every event of its issue that was published before it and timed at
--      most 5 minutes after it: the resolver had seen those events, only a clock put them later.
--   5 minutes is the skew the message spec allows a clock ahead of publish time (max_ahead_of_publish_s).
-- Status, for a maintenance planner (is the fault still to be dealt with, and has anyone taken it?):
--   'resolved'      a resolved event comes after the last opened or updated event;
--   'acknowledged'  not resolved, and acknowledged since it was opened (since it was last reopened);
--   'open'          not resolved, and not acknowledged (not since it was last reopened).
--   An updated event keeps the issue acknowledged if it was, else open; an opened event on an issue
--   that is open (reported again) counts as an update.
-- Reopened: an opened or updated event after a resolved one reopens the issue (the fault is back, or
--   the operator says it is not fixed): it is open again, 'open' until acknowledged again, resolved_at
--   NULL until a resolved event follows; reopened_count and last_reopened_at say so. An acknowledged
--   event after the resolved one does not reopen it (a late acknowledgement or a phone clock ahead).
-- Columns:
--   issue_id; machine_id and category: the latest event's (an update may correct them);
--   machine_type from the fleet prefix of machine_id: HT haul truck, SH shovel, DR drill, CR crusher,
--     CV conveyor, anything else other; status, is_open (status is not resolved); current_severity: the
--     latest event's; max_severity: the highest of any event (low < medium < high < critical);
--   opened_at: the event_time of the (first) opened event; if none arrived (dead-lettered), of the
--     first event, and opened_event_missing is TRUE; first_reported_by: the reporter of that event;
--   description: the latest non-NULL one; acknowledged_at: the first acknowledged event's event_time;
--   resolved_at: if the status is resolved, the event_time of the first resolved event after the last
--     opened or updated one, else NULL;
--   time_to_acknowledge_minutes, time_to_resolve_minutes: FLOAT64 minutes from opened_at to
--     acknowledged_at / resolved_at (the whole time, reopened periods included), NULL while there is
--     none; negative when the phones' clocks disagree (kept, not hidden); TIMESTAMP_DIFF in
--     microseconds / 60000000: exact fractions, and no DST hour whatever the session's time zone;
--   reopened_count, last_reopened_at (the event_time of the latest reopening, kept once resolved again);
--   last_event_type; events_count: distinct event_ids; last_event_at: the latest event_time;
--   last_published_at: the latest publish_time (of the kept copies).
WITH events AS (
  SELECT *
  FROM raw_mobile.machine_issue_events
  WHERE TRUE
  QUALIFY ROW_NUMBER() OVER (
    PARTITION BY event_id ORDER BY publish_time IS NULL, publish_time, _loaded_at, message_id
  ) = 1
),

-- rule 2: the latest phone time a resolved event must follow (TIMESTAMP_DIFF: no arithmetic near year 9999)
resolutions AS (
  SELECT r.event_id, MAX(e.event_time) AS seen_until
  FROM events AS r
  JOIN events AS e
    ON e.issue_id = r.issue_id AND e.publish_time < r.publish_time
    AND TIMESTAMP_DIFF(e.event_time, r.event_time, MICROSECOND) BETWEEN 1 AND 300000000
  WHERE r.event_type = 'resolved'
  GROUP BY r.event_id
),

clocked AS (
  SELECT
    events.*,
    COALESCE(resolutions.seen_until, events.event_time) AS clock_time,
    MIN(IF(events.event_type = 'opened', events.event_time, NULL)) OVER (PARTITION BY events.issue_id)
      AS first_opened_time
  FROM events
  LEFT JOIN resolutions ON resolutions.event_id = events.event_id
),

openings AS (
  SELECT
    *,
    event_type = 'opened' AND event_time = first_opened_time AS is_first_opening,
    MIN(IF(event_type = 'opened' AND event_time = first_opened_time, publish_time, NULL))
      OVER (PARTITION BY issue_id) AS first_opened_published
  FROM clocked
),

sequenced AS (
  SELECT
    *,
    ROW_NUMBER() OVER (PARTITION BY issue_id ORDER BY
      -- rule 1: an event timed before the first opening that comes after it takes its time, opening first
      IF(clock_time < first_opened_time AND (publish_time > first_opened_published
           OR TIMESTAMP_DIFF(first_opened_time, clock_time, MICROSECOND) <= 300000000),
         first_opened_time, clock_time),
      is_first_opening DESC, publish_time, event_id) AS seq,
    event_type IN ('opened', 'updated') AS is_report,
    CASE severity WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 WHEN 'critical' THEN 4 END
      AS severity_rank
  FROM openings
),

episodes AS (
  SELECT
    *,
    -- resolved events so far: the events between two resolved ones share an episode number
    COUNTIF(event_type = 'resolved') OVER (
      PARTITION BY issue_id ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS episode,
    COUNTIF(event_type = 'resolved') OVER (PARTITION BY issue_id) AS resolved_events,
    MAX(IF(is_report, seq, NULL)) OVER (PARTITION BY issue_id) AS last_report_seq,
    MIN(IF(event_type = 'opened', seq, NULL)) OVER (PARTITION BY issue_id) AS first_opened_seq,
    MAX(seq) OVER (PARTITION BY issue_id) AS last_seq,
    ROW_NUMBER() OVER (PARTITION BY issue_id, description IS NULL ORDER BY seq DESC) AS description_recency
  FROM sequenced
),

flagged AS (
  SELECT
    *,
    -- opened or updated events so far in the episode: the first one after a resolved reopens the issue
    COUNTIF(is_report) OVER (
      PARTITION BY issue_id, episode ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS episode_reports
  FROM episodes
),

issues AS (
  SELECT
    issue_id,
    MAX(IF(seq = last_seq, machine_id, NULL)) AS machine_id,
    MAX(IF(seq = last_seq, category, NULL)) AS category,
    MAX(IF(seq = last_seq, event_type, NULL)) AS last_event_type,
    MAX(IF(seq = last_seq, severity, NULL)) AS current_severity,
    MAX(severity_rank) AS max_severity_rank,
    MAX(IF(seq = COALESCE(first_opened_seq, 1), event_time, NULL)) AS opened_at,
    COUNTIF(event_type = 'opened') = 0 AS opened_event_missing,
    MAX(IF(seq = COALESCE(first_opened_seq, 1), reported_by, NULL)) AS first_reported_by,
    MAX(IF(description IS NOT NULL AND description_recency = 1, description, NULL)) AS description,
    MIN(IF(event_type = 'acknowledged', event_time, NULL)) AS acknowledged_at,
    MIN(IF(event_type = 'resolved' AND seq > COALESCE(last_report_seq, 0), event_time, NULL)) AS resolved_at,
    -- acknowledged in the current episode (the last one when open), after its reopening if any
    LOGICAL_OR(
      event_type = 'acknowledged' AND episode = resolved_events AND (episode = 0 OR episode_reports > 0)
    ) AS acknowledged_since_opened,
    -- COUNT, not COUNTIF: an INT64 (DuckDB's COUNT_IF would give a HUGEINT)
    COUNT(IF(is_report AND episode > 0 AND episode_reports = 1, event_id, NULL)) AS reopened_count,
    MAX(IF(is_report AND episode > 0 AND episode_reports = 1, event_time, NULL)) AS last_reopened_at,
    COUNT(DISTINCT event_id) AS events_count,
    MAX(event_time) AS last_event_at,
    MAX(publish_time) AS last_published_at
  FROM flagged
  GROUP BY issue_id
)

SELECT
  issue_id,
  machine_id,
  CASE
    WHEN STARTS_WITH(machine_id, 'HT-') THEN 'haul truck'
    WHEN STARTS_WITH(machine_id, 'SH-') THEN 'shovel'
    WHEN STARTS_WITH(machine_id, 'DR-') THEN 'drill'
    WHEN STARTS_WITH(machine_id, 'CR-') THEN 'crusher'
    WHEN STARTS_WITH(machine_id, 'CV-') THEN 'conveyor'
    ELSE 'other'
  END AS machine_type,
  category,
  CASE
    WHEN resolved_at IS NOT NULL THEN 'resolved'
    WHEN acknowledged_since_opened THEN 'acknowledged'
    ELSE 'open'
  END AS status,
  resolved_at IS NULL AS is_open,
  current_severity,
  CASE max_severity_rank WHEN 1 THEN 'low' WHEN 2 THEN 'medium' WHEN 3 THEN 'high' WHEN 4 THEN 'critical' END
    AS max_severity,
  opened_at,
  opened_event_missing,
  first_reported_by,
  description,
  acknowledged_at,
  resolved_at,
  TIMESTAMP_DIFF(acknowledged_at, opened_at, MICROSECOND) / 60000000 AS time_to_acknowledge_minutes,
  TIMESTAMP_DIFF(resolved_at, opened_at, MICROSECOND) / 60000000 AS time_to_resolve_minutes,
  reopened_count,
  last_reopened_at,
  last_event_type,
  events_count,
  last_event_at,
  last_published_at
FROM issues
