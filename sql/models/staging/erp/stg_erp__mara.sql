MODEL (
  name staging.stg_erp__mara,
  kind VIEW,
  grain (MANDT, MATNR),
  audits (
    not_null(columns := (MANDT, MATNR)),
    unique_combination_of_columns(columns := (MANDT, MATNR)),
    reconciles_with_load_runs(raw := 'raw_erp.mara'),
    source_is_fresh(raw := 'raw_erp.mara', level := 'warn', blocking := false),
    source_is_fresh(raw := 'raw_erp.mara', level := 'error')
  )
);

-- Material master (SAP MARA): spare parts (ERSA) and operating supplies (HIBE).
-- Grain: one row per material (key: MANDT, MATNR), the latest version loaded into raw_erp.mara; a
-- key the ERP deleted after that load (recorded in raw_erp.mara__deleted) is left out.
-- Every SAP column as stored, each followed by a readable lower-case one:
--   DATS 'YYYYMMDD' -> DATE, SAP's no-date '00000000' -> NULL: ERSDA, LAEDA
--   numbers without leading zeros (SAP's ALPHA display; a value with letters is only trimmed), all
--     zeros or blank -> NULL: MATNR
--   codes and texts trimmed, SAP's blank ' ' -> NULL: MTART, MATKL, MEINS, GEWEI
--   flags -> BOOL: LVORM
--   unchanged: MANDT (the SAP client) and the QUAN/CURR decimals BRGEW, NTGEW
-- Units are SAP's internal ones (ST = piece). LVORM 'X' becomes is_marked_for_deletion.
SELECT
  MANDT,
  MANDT AS sap_client,
  MATNR,
  NULLIF(REGEXP_REPLACE(TRIM(MATNR), r'^0+([0-9]*)$', r'\1'), '') AS material_number,
  ERSDA,
  SAFE_CAST(NULLIF(ERSDA, '00000000') AS DATE FORMAT 'YYYYMMDD') AS created_on,
  LAEDA,
  SAFE_CAST(NULLIF(LAEDA, '00000000') AS DATE FORMAT 'YYYYMMDD') AS changed_on,
  MTART,
  NULLIF(TRIM(MTART), '') AS material_type,
  MATKL,
  NULLIF(TRIM(MATKL), '') AS material_group,
  MEINS,
  NULLIF(TRIM(MEINS), '') AS base_unit,
  BRGEW,
  BRGEW AS gross_weight,
  NTGEW,
  NTGEW AS net_weight,
  GEWEI,
  NULLIF(TRIM(GEWEI), '') AS weight_unit,
  LVORM,
  LVORM = 'X' AS is_marked_for_deletion,
  _run_id AS loaded_run_id,
  _loaded_at AS loaded_at_warehouse
FROM raw_erp.mara AS t
WHERE NOT EXISTS (
  SELECT 1
  FROM raw_erp.mara__deleted AS d
  WHERE d.MANDT = t.MANDT AND d.MATNR = t.MATNR
    AND d._deleted_at > t._loaded_at
)
QUALIFY ROW_NUMBER() OVER (PARTITION BY MANDT, MATNR ORDER BY _loaded_at DESC) = 1
