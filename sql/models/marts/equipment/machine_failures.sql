MODEL (
  name marts.machine_failures,
  kind FULL,
  grain (machine_id, failed_at),
  audits (
    not_null(columns := (machine_id, failed_at, repair_started_at, repair_source, is_open)),
    unique_combination_of_columns(columns := (machine_id, failed_at)),
    accepted_values(column := repair_source, is_in := ('status_log', 'erp', 'mobile_app')),
    -- phones' clocks may disagree (staging.stg_mobile__machine_issues keeps that): only the app's own
    -- times may end before they start
    forall(criteria := (
      failed_at <= repair_started_at,
      is_open = (repair_ended_at IS NULL),
      status_log_records + erp_notifications + mobile_issues > 0,
      repair_source = 'mobile_app' OR repair_ended_at >= repair_started_at
    )),
    -- a warning, not a stop: the ERP, loaded daily, may not know a machine the apps already report
    reference_exists(key := machine_id, to := marts.machines, to_key := machine_id, blocking := false)
  )
);

@DEF(mine_time_zone, 'America/Santiago');  -- the ERP's dates and times are the mine's local time
@DEF(open_report_us, 3600000000);  -- an open ERP notification or app issue joins reports within an hour

-- Machine failures (key: machine_id, failed_at): breakdowns as the three systems report them, each
-- failure once.
-- Reports of a failure, by source:
--   status_log  the production app's equipment_status intervals in state down_unplanned; one still
--               going on lasts until now
--   erp         SAP breakdown notifications (QMIH.MSAUS 'X', client 100): malfunction start (AUSVN,
--               AUZTV; else the notification's date and time QMDAT, MZEIT) to malfunction end (AUSBS,
--               AUZTB; none while it goes on), local times of the mine (America/Santiago) made UTC.
--               The machine: the equipment's fleet number (EQUI.TIDNR) or, for a component (an
--               engine), the fleet number of the equipment it was installed under (EQUZ.HEQUI) that
--               day. A notification on equipment without a fleet number is no machine failure.
--   mobile_app  operators' issues (staging.stg_mobile__machine_issues) that reached severity high or
--               critical (low and medium issues do not stop a machine): opened_at to resolved_at
-- The same failure in two or three systems: reports of one machine whose times overlap (or touch) are
-- one failure. An ERP notification or an app issue without an end reaches one hour past its start (the
-- time to report the same failure in another system): both are often left open long after the machine
-- runs again, so they never stretch a failure further nor join later ones to it.
-- Columns:
--   failed_at           the earliest start of its reports
--   repair_started_at, repair_ended_at, repair_h: downtime from the most precise source that reported
--                       the failure (repair_source): the status log, else the ERP, else the app; from the
--                       first start to the last end of that source's reports; repair_ended_at and
--                       repair_h NULL while one of them is open (is_open)
--   status_log_records, erp_notifications, mobile_issues: its reports in each system; first_status_id,
--   erp_notification_number, erp_order_number (the maintenance order of the notification, QMEL.AUFNR),
--   mobile_issue_id: the earliest report of each system, to look it up
--   machine_class       the ERP's class (EQUI.EQART); NULL for a machine the ERP does not know
WITH equipment AS (
  SELECT MANDT, EQUNR, technical_id
  FROM staging.stg_erp__equi
  WHERE MANDT = '100'
),

erp_reports AS (
  SELECT
    h.MANDT,
    h.EQUNR,
    h.notification_number,
    q.order_number,
    IF(h.malfunction_start_on IS NULL, q.notified_on, h.malfunction_start_on) AS start_on,
    TIMESTAMP(DATETIME(
      IF(h.malfunction_start_on IS NULL, q.notified_on, h.malfunction_start_on),
      IF(h.malfunction_start_on IS NULL, q.notified_at_time, h.malfunction_start_at_time)
    ), @mine_time_zone) AS started_at,
    TIMESTAMP(DATETIME(h.malfunction_end_on, h.malfunction_end_at_time), @mine_time_zone) AS ended_at
  FROM staging.stg_erp__qmih AS h
  LEFT JOIN staging.stg_erp__qmel AS q ON q.MANDT = h.MANDT AND q.QMNUM = h.QMNUM
  WHERE h.MANDT = '100' AND h.is_breakdown AND h.equipment_number IS NOT NULL
),

reports AS (
  SELECT
    equipment_id AS machine_id,
    'status_log' AS source,
    1 AS precedence,
    CAST(status_id AS STRING) AS report_id,
    CAST(NULL AS STRING) AS order_number,
    started_at,
    ended_at,
    COALESCE(ended_at, CURRENT_TIMESTAMP()) AS reach
  FROM staging.stg_production__equipment_status
  WHERE equipment_state = 'down_unplanned'

  UNION ALL

  SELECT
    COALESCE(superior.technical_id, e.technical_id) AS machine_id,
    'erp' AS source,
    2 AS precedence,
    r.notification_number AS report_id,
    r.order_number,
    r.started_at,
    r.ended_at,
    GREATEST(COALESCE(r.ended_at, TIMESTAMP_ADD(r.started_at, INTERVAL @open_report_us MICROSECOND)), r.started_at)
      AS reach
  FROM erp_reports AS r
  JOIN equipment AS e ON e.MANDT = r.MANDT AND e.EQUNR = r.EQUNR
  LEFT JOIN staging.stg_erp__equz AS z
    ON z.MANDT = r.MANDT AND z.EQUNR = r.EQUNR AND r.start_on BETWEEN z.valid_from AND z.valid_to
    AND z.superior_equipment_number IS NOT NULL
  LEFT JOIN equipment AS superior ON superior.MANDT = z.MANDT AND superior.EQUNR = z.HEQUI
  WHERE COALESCE(superior.technical_id, e.technical_id) IS NOT NULL

  UNION ALL

  SELECT
    machine_id,
    'mobile_app' AS source,
    3 AS precedence,
    issue_id AS report_id,
    CAST(NULL AS STRING) AS order_number,
    opened_at AS started_at,
    resolved_at AS ended_at,
    GREATEST(COALESCE(resolved_at, TIMESTAMP_ADD(opened_at, INTERVAL @open_report_us MICROSECOND)), opened_at)
      AS reach
  FROM staging.stg_mobile__machine_issues
  WHERE max_severity IN ('high', 'critical')
),

chained AS (
  SELECT
    *,
    -- a report starts a new failure unless it starts before (or when) an earlier one reaches
    MAX(reach) OVER (PARTITION BY machine_id ORDER BY started_at, precedence, report_id
                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS earlier_reach
  FROM reports
),

numbered AS (
  SELECT
    *,
    SUM(IF(earlier_reach IS NULL OR started_at > earlier_reach, 1, 0)) OVER (
      PARTITION BY machine_id ORDER BY started_at, precedence, report_id
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS failure_number
  FROM chained
),

ranked AS (
  SELECT
    *,
    MIN(precedence) OVER (PARTITION BY machine_id, failure_number) AS best,
    ROW_NUMBER() OVER (PARTITION BY machine_id, failure_number, source ORDER BY started_at, report_id) = 1
      AS is_first_of_source
  FROM numbered
),

failures AS (
  SELECT
    machine_id,
    MIN(started_at) AS failed_at,
    MIN(IF(precedence = best, started_at, NULL)) AS repair_started_at,
    IF(LOGICAL_OR(precedence = best AND ended_at IS NULL), NULL, MAX(IF(precedence = best, ended_at, NULL)))
      AS repair_ended_at,
    LOGICAL_OR(precedence = best AND ended_at IS NULL) AS is_open,
    CASE MIN(best) WHEN 1 THEN 'status_log' WHEN 2 THEN 'erp' ELSE 'mobile_app' END AS repair_source,
    COUNT(IF(source = 'status_log', 1, NULL)) AS status_log_records,
    COUNT(IF(source = 'erp', 1, NULL)) AS erp_notifications,
    COUNT(IF(source = 'mobile_app', 1, NULL)) AS mobile_issues,
    MAX(IF(source = 'status_log' AND is_first_of_source, report_id, NULL)) AS first_status_id,
    MAX(IF(source = 'erp' AND is_first_of_source, report_id, NULL)) AS erp_notification_number,
    MAX(IF(source = 'erp' AND is_first_of_source, order_number, NULL)) AS erp_order_number,
    MAX(IF(source = 'mobile_app' AND is_first_of_source, report_id, NULL)) AS mobile_issue_id
  FROM ranked
  GROUP BY machine_id, failure_number
)

SELECT
  f.machine_id,
  f.failed_at,
  m.machine_class,
  f.repair_source,
  f.repair_started_at,
  f.repair_ended_at,
  TIMESTAMP_DIFF(f.repair_ended_at, f.repair_started_at, MICROSECOND) / 3600000000 AS repair_h,
  f.is_open,
  f.status_log_records,
  f.erp_notifications,
  f.mobile_issues,
  CAST(f.first_status_id AS INT64) AS first_status_id,
  f.erp_notification_number,
  f.erp_order_number,
  f.mobile_issue_id
FROM failures AS f
LEFT JOIN marts.machines AS m ON m.machine_id = f.machine_id AND m.is_current
