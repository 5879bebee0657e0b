MODEL (
  name staging.stg_erp__qmih,
  kind VIEW,
  depends_on (staging.stg_erp__equi),  -- the models its reference checks read
  grain (MANDT, QMNUM),
  audits (
    not_null(columns := (MANDT, QMNUM)),
    unique_combination_of_columns(columns := (MANDT, QMNUM)),
    -- a warning, not a stop: tables read by change-date windows (ending at the start of today)
    -- trail the ones read whole each run, so a reference to today's new object is filled by the next run
    reference_exists(key := IF(equipment_number IS NULL, NULL, CONCAT(MANDT, '|', EQUNR)), to := staging.stg_erp__equi, to_key := CONCAT(MANDT, '|', EQUNR), blocking := false),
    reconciles_with_load_runs(raw := 'raw_erp.qmih'),
    source_is_fresh(raw := 'raw_erp.qmih', level := 'warn', blocking := false),
    source_is_fresh(raw := 'raw_erp.qmih', level := 'error')
  )
);

-- Notification maintenance data (SAP QMIH): the technical object and the breakdown.
-- Grain: one row per notification (key: MANDT, QMNUM), the latest version loaded into raw_erp.qmih;
-- a key the ERP deleted after that load (recorded in raw_erp.qmih__deleted) is left out.
-- Every SAP column as stored, each followed by a readable lower-case one:
--   DATS 'YYYYMMDD' -> DATE, SAP's no-date '00000000' -> NULL: AUSVN, AUSBS
--   TIMS 'HHMMSS' -> TIME, NULL when its date is '00000000': AUZTV, AUZTB
--   numbers without leading zeros (SAP's ALPHA display; a value with letters is only trimmed), all
--     zeros or blank -> NULL: QMNUM, EQUNR, ILOAN
--   codes and texts trimmed, SAP's blank ' ' -> NULL: IWERK, INGRP
--   flags -> BOOL: MSAUS
--   unchanged: MANDT (the SAP client)
-- MSAUS 'X' becomes is_breakdown. A malfunction still going on has no end date (NULL).
SELECT
  MANDT,
  MANDT AS sap_client,
  QMNUM,
  NULLIF(REGEXP_REPLACE(TRIM(QMNUM), r'^0+([0-9]*)$', r'\1'), '') AS notification_number,
  EQUNR,
  NULLIF(REGEXP_REPLACE(TRIM(EQUNR), r'^0+([0-9]*)$', r'\1'), '') AS equipment_number,
  ILOAN,
  NULLIF(REGEXP_REPLACE(TRIM(ILOAN), r'^0+([0-9]*)$', r'\1'), '') AS location_assignment,
  IWERK,
  NULLIF(TRIM(IWERK), '') AS planning_plant,
  INGRP,
  NULLIF(TRIM(INGRP), '') AS planner_group,
  MSAUS,
  MSAUS = 'X' AS is_breakdown,
  AUSVN,
  SAFE_CAST(NULLIF(AUSVN, '00000000') AS DATE FORMAT 'YYYYMMDD') AS malfunction_start_on,
  AUZTV,
  IF(AUSVN = '00000000', NULL, SAFE_CAST(REGEXP_REPLACE(AUZTV, r'^(..)(..)(..)$', r'\1:\2:\3') AS TIME)) AS malfunction_start_at_time,
  AUSBS,
  SAFE_CAST(NULLIF(AUSBS, '00000000') AS DATE FORMAT 'YYYYMMDD') AS malfunction_end_on,
  AUZTB,
  IF(AUSBS = '00000000', NULL, SAFE_CAST(REGEXP_REPLACE(AUZTB, r'^(..)(..)(..)$', r'\1:\2:\3') AS TIME)) AS malfunction_end_at_time,
  _run_id AS loaded_run_id,
  _loaded_at AS loaded_at_warehouse
FROM raw_erp.qmih AS t
WHERE NOT EXISTS (
  SELECT 1
  FROM raw_erp.qmih__deleted AS d
  WHERE d.MANDT = t.MANDT AND d.QMNUM = t.QMNUM
    AND d._deleted_at > t._loaded_at
)
QUALIFY ROW_NUMBER() OVER (PARTITION BY MANDT, QMNUM ORDER BY _loaded_at DESC) = 1
