MODEL (
  name staging.stg_erp__qmel,
  kind VIEW,
  grain (MANDT, QMNUM),
  audits (
    not_null(columns := (MANDT, QMNUM)),
    unique_combination_of_columns(columns := (MANDT, QMNUM)),
    reconciles_with_load_runs(raw := 'raw_erp.qmel'),
    source_is_fresh(raw := 'raw_erp.qmel', level := 'warn', blocking := false),
    source_is_fresh(raw := 'raw_erp.qmel', level := 'error')
  )
);

-- Notification header (SAP QMEL): maintenance requests (M1) and malfunction reports (M2).
-- Grain: one row per notification (key: MANDT, QMNUM), the latest version loaded into raw_erp.qmel;
-- a key the ERP deleted after that load (recorded in raw_erp.qmel__deleted) is left out.
-- Every SAP column as stored, each followed by a readable lower-case one:
--   DATS 'YYYYMMDD' -> DATE, SAP's no-date '00000000' -> NULL: ERDAT, AEDAT, QMDAT, STRMN, LTRMN
--   TIMS 'HHMMSS' -> TIME, NULL when its date is '00000000': ERZEIT, MZEIT
--   numbers without leading zeros (SAP's ALPHA display; a value with letters is only trimmed), all
--     zeros or blank -> NULL: QMNUM, AUFNR
--   codes and texts trimmed, SAP's blank ' ' -> NULL: QMART, QMTXT, ERNAM, QMNAM, PRIOK, OBJNR
--   unchanged: MANDT (the SAP client)
-- The equipment and location of a notification are in QMIH (stg_erp__qmih), not here.
SELECT
  MANDT,
  MANDT AS sap_client,
  QMNUM,
  NULLIF(REGEXP_REPLACE(TRIM(QMNUM), r'^0+([0-9]*)$', r'\1'), '') AS notification_number,
  QMART,
  NULLIF(TRIM(QMART), '') AS notification_type,
  QMTXT,
  NULLIF(TRIM(QMTXT), '') AS notification_description,
  ERNAM,
  NULLIF(TRIM(ERNAM), '') AS created_by,
  ERDAT,
  SAFE_CAST(NULLIF(ERDAT, '00000000') AS DATE FORMAT 'YYYYMMDD') AS created_on,
  ERZEIT,
  IF(ERDAT = '00000000', NULL, SAFE_CAST(REGEXP_REPLACE(ERZEIT, r'^(..)(..)(..)$', r'\1:\2:\3') AS TIME)) AS created_at_time,
  AEDAT,
  SAFE_CAST(NULLIF(AEDAT, '00000000') AS DATE FORMAT 'YYYYMMDD') AS changed_on,
  QMDAT,
  SAFE_CAST(NULLIF(QMDAT, '00000000') AS DATE FORMAT 'YYYYMMDD') AS notified_on,
  MZEIT,
  IF(QMDAT = '00000000', NULL, SAFE_CAST(REGEXP_REPLACE(MZEIT, r'^(..)(..)(..)$', r'\1:\2:\3') AS TIME)) AS notified_at_time,
  QMNAM,
  NULLIF(TRIM(QMNAM), '') AS reported_by,
  PRIOK,
  NULLIF(TRIM(PRIOK), '') AS priority,
  STRMN,
  SAFE_CAST(NULLIF(STRMN, '00000000') AS DATE FORMAT 'YYYYMMDD') AS required_start_on,
  LTRMN,
  SAFE_CAST(NULLIF(LTRMN, '00000000') AS DATE FORMAT 'YYYYMMDD') AS required_end_on,
  AUFNR,
  NULLIF(REGEXP_REPLACE(TRIM(AUFNR), r'^0+([0-9]*)$', r'\1'), '') AS order_number,
  OBJNR,
  NULLIF(TRIM(OBJNR), '') AS object_number,
  _run_id AS loaded_run_id,
  _loaded_at AS loaded_at_warehouse
FROM raw_erp.qmel AS t
WHERE NOT EXISTS (
  SELECT 1
  FROM raw_erp.qmel__deleted AS d
  WHERE d.MANDT = t.MANDT AND d.QMNUM = t.QMNUM
    AND d._deleted_at > t._loaded_at
)
QUALIFY ROW_NUMBER() OVER (PARTITION BY MANDT, QMNUM ORDER BY _loaded_at DESC) = 1
