MODEL (
  name staging.stg_erp__afko,
  kind VIEW,
  grain (MANDT, AUFNR),
  audits (
    not_null(columns := (MANDT, AUFNR)),
    unique_combination_of_columns(columns := (MANDT, AUFNR)),
    reconciles_with_load_runs(raw := 'raw_erp.afko'),
    source_is_fresh(raw := 'raw_erp.afko', level := 'warn', blocking := false),
    source_is_fresh(raw := 'raw_erp.afko', level := 'error')
  )
);

-- Order dates (SAP AFKO): basic, scheduled, release and confirmed finish dates of an order.
-- Grain: one row per order (key: MANDT, AUFNR), the latest version loaded into raw_erp.afko; a key
-- the ERP deleted after that load (recorded in raw_erp.afko__deleted) is left out.
-- Every SAP column as stored, each followed by a readable lower-case one:
--   DATS 'YYYYMMDD' -> DATE, SAP's no-date '00000000' -> NULL: GSTRP, GLTRP, GSTRS, FTRMI, GETRI
--   TIMS 'HHMMSS' -> TIME, NULL when its date is '00000000': GSUZS, GEUZI
--   numbers without leading zeros (SAP's ALPHA display; a value with letters is only trimmed), all
--     zeros or blank -> NULL: AUFNR
--   unchanged: MANDT (the SAP client)
SELECT
  MANDT,
  MANDT AS sap_client,
  AUFNR,
  NULLIF(REGEXP_REPLACE(TRIM(AUFNR), r'^0+([0-9]*)$', r'\1'), '') AS order_number,
  GSTRP,
  SAFE_CAST(NULLIF(GSTRP, '00000000') AS DATE FORMAT 'YYYYMMDD') AS basic_start_on,
  GLTRP,
  SAFE_CAST(NULLIF(GLTRP, '00000000') AS DATE FORMAT 'YYYYMMDD') AS basic_finish_on,
  GSTRS,
  SAFE_CAST(NULLIF(GSTRS, '00000000') AS DATE FORMAT 'YYYYMMDD') AS scheduled_start_on,
  GSUZS,
  IF(GSTRS = '00000000', NULL, SAFE_CAST(REGEXP_REPLACE(GSUZS, r'^(..)(..)(..)$', r'\1:\2:\3') AS TIME)) AS scheduled_start_at_time,
  FTRMI,
  SAFE_CAST(NULLIF(FTRMI, '00000000') AS DATE FORMAT 'YYYYMMDD') AS released_on,
  GETRI,
  SAFE_CAST(NULLIF(GETRI, '00000000') AS DATE FORMAT 'YYYYMMDD') AS confirmed_finish_on,
  GEUZI,
  IF(GETRI = '00000000', NULL, SAFE_CAST(REGEXP_REPLACE(GEUZI, r'^(..)(..)(..)$', r'\1:\2:\3') AS TIME)) AS confirmed_finish_at_time,
  _run_id AS loaded_run_id,
  _loaded_at AS loaded_at_warehouse
FROM raw_erp.afko AS t
WHERE NOT EXISTS (
  SELECT 1
  FROM raw_erp.afko__deleted AS d
  WHERE d.MANDT = t.MANDT AND d.AUFNR = t.AUFNR
    AND d._deleted_at > t._loaded_at
)
QUALIFY ROW_NUMBER() OVER (PARTITION BY MANDT, AUFNR ORDER BY _loaded_at DESC) = 1
