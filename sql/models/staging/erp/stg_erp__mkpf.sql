MODEL (
  name staging.stg_erp__mkpf,
  kind VIEW,
  grain (MANDT, MBLNR, MJAHR),
  audits (
    not_null(columns := (MANDT, MBLNR, MJAHR)),
    unique_combination_of_columns(columns := (MANDT, MBLNR, MJAHR)),
    reconciles_with_load_runs(raw := 'raw_erp.mkpf'),
    source_is_fresh(raw := 'raw_erp.mkpf', level := 'warn', blocking := false),
    source_is_fresh(raw := 'raw_erp.mkpf', level := 'error')
  )
);

-- Material document header (SAP MKPF): one goods movement posting.
-- Grain: one row per material document (key: MANDT, MBLNR, MJAHR), the latest version loaded into
-- raw_erp.mkpf; a key the ERP deleted after that load (recorded in raw_erp.mkpf__deleted) is left
-- out.
-- Every SAP column as stored, each followed by a readable lower-case one:
--   DATS 'YYYYMMDD' -> DATE, SAP's no-date '00000000' -> NULL: BLDAT, BUDAT, CPUDT
--   TIMS 'HHMMSS' -> TIME, NULL when its date is '00000000': CPUTM
--   numbers without leading zeros (SAP's ALPHA display; a value with letters is only trimmed), all
--     zeros or blank -> NULL: MBLNR
--   years -> INT64, '0000' or blank -> NULL: MJAHR
--   codes and texts trimmed, SAP's blank ' ' -> NULL: VGART, BLART, USNAM, XBLNR
--   unchanged: MANDT (the SAP client)
-- MJAHR (NUMC 4) becomes an INT64 year. VGART WA is a goods issue, WE a goods receipt.
SELECT
  MANDT,
  MANDT AS sap_client,
  MBLNR,
  NULLIF(REGEXP_REPLACE(TRIM(MBLNR), r'^0+([0-9]*)$', r'\1'), '') AS material_document_number,
  MJAHR,
  SAFE_CAST(NULLIF(TRIM(MJAHR), '0000') AS INT64) AS material_document_year,
  VGART,
  NULLIF(TRIM(VGART), '') AS transaction_type,
  BLART,
  NULLIF(TRIM(BLART), '') AS document_type,
  BLDAT,
  SAFE_CAST(NULLIF(BLDAT, '00000000') AS DATE FORMAT 'YYYYMMDD') AS document_date,
  BUDAT,
  SAFE_CAST(NULLIF(BUDAT, '00000000') AS DATE FORMAT 'YYYYMMDD') AS posting_date,
  CPUDT,
  SAFE_CAST(NULLIF(CPUDT, '00000000') AS DATE FORMAT 'YYYYMMDD') AS entered_on,
  CPUTM,
  IF(CPUDT = '00000000', NULL, SAFE_CAST(REGEXP_REPLACE(CPUTM, r'^(..)(..)(..)$', r'\1:\2:\3') AS TIME)) AS entered_at_time,
  USNAM,
  NULLIF(TRIM(USNAM), '') AS entered_by,
  XBLNR,
  NULLIF(TRIM(XBLNR), '') AS reference_document,
  _run_id AS loaded_run_id,
  _loaded_at AS loaded_at_warehouse
FROM raw_erp.mkpf AS t
WHERE NOT EXISTS (
  SELECT 1
  FROM raw_erp.mkpf__deleted AS d
  WHERE d.MANDT = t.MANDT AND d.MBLNR = t.MBLNR AND d.MJAHR = t.MJAHR
    AND d._deleted_at > t._loaded_at
)
QUALIFY ROW_NUMBER() OVER (PARTITION BY MANDT, MBLNR, MJAHR ORDER BY _loaded_at DESC) = 1
