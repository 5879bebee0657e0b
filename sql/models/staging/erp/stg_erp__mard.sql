MODEL (
  name staging.stg_erp__mard,
  kind VIEW,
  grain (MANDT, MATNR, WERKS, LGORT),
  audits (
    not_null(columns := (MANDT, MATNR, WERKS, LGORT)),
    unique_combination_of_columns(columns := (MANDT, MATNR, WERKS, LGORT)),
    reconciles_with_load_runs(raw := 'raw_erp.mard'),
    source_is_fresh(raw := 'raw_erp.mard', level := 'warn', blocking := false),
    source_is_fresh(raw := 'raw_erp.mard', level := 'error')
  )
);

-- Storage location stock (SAP MARD): what a material has in each plant and storage location.
-- Grain: one row per material, plant and storage location (key: MANDT, MATNR, WERKS, LGORT), the
-- latest version loaded into raw_erp.mard; a key the ERP deleted after that load (recorded in
-- raw_erp.mard__deleted) is left out.
-- Every SAP column as stored, each followed by a readable lower-case one:
--   DATS 'YYYYMMDD' -> DATE, SAP's no-date '00000000' -> NULL: ERSDA
--   numbers without leading zeros (SAP's ALPHA display; a value with letters is only trimmed), all
--     zeros or blank -> NULL: MATNR
--   codes and texts trimmed, SAP's blank ' ' -> NULL: WERKS, LGORT
--   flags -> BOOL: LVORM
--   unchanged: MANDT (the SAP client) and the QUAN/CURR decimals LABST, INSME, SPEME
-- Stock quantities are in the material's base unit (stg_erp__mara.base_unit).
SELECT
  MANDT,
  MANDT AS sap_client,
  MATNR,
  NULLIF(REGEXP_REPLACE(TRIM(MATNR), r'^0+([0-9]*)$', r'\1'), '') AS material_number,
  WERKS,
  NULLIF(TRIM(WERKS), '') AS plant,
  LGORT,
  NULLIF(TRIM(LGORT), '') AS storage_location,
  LVORM,
  LVORM = 'X' AS is_marked_for_deletion,
  ERSDA,
  SAFE_CAST(NULLIF(ERSDA, '00000000') AS DATE FORMAT 'YYYYMMDD') AS created_on,
  LABST,
  LABST AS unrestricted_stock,
  INSME,
  INSME AS quality_inspection_stock,
  SPEME,
  SPEME AS blocked_stock,
  _run_id AS loaded_run_id,
  _loaded_at AS loaded_at_warehouse
FROM raw_erp.mard AS t
WHERE NOT EXISTS (
  SELECT 1
  FROM raw_erp.mard__deleted AS d
  WHERE d.MANDT = t.MANDT AND d.MATNR = t.MATNR AND d.WERKS = t.WERKS AND d.LGORT = t.LGORT
    AND d._deleted_at > t._loaded_at
)
QUALIFY ROW_NUMBER() OVER (PARTITION BY MANDT, MATNR, WERKS, LGORT ORDER BY _loaded_at DESC) = 1
