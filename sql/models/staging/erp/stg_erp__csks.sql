MODEL (
  name staging.stg_erp__csks,
  kind VIEW,
  grain (MANDT, KOKRS, KOSTL, DATBI),
  audits (
    not_null(columns := (MANDT, KOKRS, KOSTL, DATBI)),
    unique_combination_of_columns(columns := (MANDT, KOKRS, KOSTL, DATBI)),
    reconciles_with_load_runs(raw := 'raw_erp.csks'),
    source_is_fresh(raw := 'raw_erp.csks', level := 'warn', blocking := false),
    source_is_fresh(raw := 'raw_erp.csks', level := 'error')
  )
);

-- Cost center master (SAP CSKS), one row per validity period.
-- Grain: one row per cost center validity period (key: MANDT, KOKRS, KOSTL, DATBI), the latest
-- version loaded into raw_erp.csks; a key the ERP deleted after that load (recorded in
-- raw_erp.csks__deleted) is left out.
-- Every SAP column as stored, each followed by a readable lower-case one:
--   DATS 'YYYYMMDD' -> DATE, SAP's no-date '00000000' -> NULL: DATBI, DATAB, ERSDA
--   numbers without leading zeros (SAP's ALPHA display; a value with letters is only trimmed), all
--     zeros or blank -> NULL: KOSTL
--   codes and texts trimmed, SAP's blank ' ' -> NULL: KOKRS, KOSAR, VERAK, BUKRS, WAERS
--   unchanged: MANDT (the SAP client)
-- SAP's open end '99991231' stays DATE 9999-12-31. KOSAR F production, H service, V administration.
SELECT
  MANDT,
  MANDT AS sap_client,
  KOKRS,
  NULLIF(TRIM(KOKRS), '') AS controlling_area,
  KOSTL,
  NULLIF(REGEXP_REPLACE(TRIM(KOSTL), r'^0+([0-9]*)$', r'\1'), '') AS cost_center,
  DATBI,
  SAFE_CAST(NULLIF(DATBI, '00000000') AS DATE FORMAT 'YYYYMMDD') AS valid_to,
  DATAB,
  SAFE_CAST(NULLIF(DATAB, '00000000') AS DATE FORMAT 'YYYYMMDD') AS valid_from,
  ERSDA,
  SAFE_CAST(NULLIF(ERSDA, '00000000') AS DATE FORMAT 'YYYYMMDD') AS created_on,
  KOSAR,
  NULLIF(TRIM(KOSAR), '') AS cost_center_category,
  VERAK,
  NULLIF(TRIM(VERAK), '') AS person_responsible,
  BUKRS,
  NULLIF(TRIM(BUKRS), '') AS company_code,
  WAERS,
  NULLIF(TRIM(WAERS), '') AS currency,
  _run_id AS loaded_run_id,
  _loaded_at AS loaded_at_warehouse
FROM raw_erp.csks AS t
WHERE NOT EXISTS (
  SELECT 1
  FROM raw_erp.csks__deleted AS d
  WHERE d.MANDT = t.MANDT AND d.KOKRS = t.KOKRS AND d.KOSTL = t.KOSTL AND d.DATBI = t.DATBI
    AND d._deleted_at > t._loaded_at
)
QUALIFY ROW_NUMBER() OVER (PARTITION BY MANDT, KOKRS, KOSTL, DATBI ORDER BY _loaded_at DESC) = 1
