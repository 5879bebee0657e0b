MODEL (
  name staging.stg_erp__makt,
  kind VIEW,
  grain (MANDT, MATNR, SPRAS),
  audits (
    not_null(columns := (MANDT, MATNR, SPRAS)),
    unique_combination_of_columns(columns := (MANDT, MATNR, SPRAS)),
    reconciles_with_load_runs(raw := 'raw_erp.makt'),
    source_is_fresh(raw := 'raw_erp.makt', level := 'warn', blocking := false),
    source_is_fresh(raw := 'raw_erp.makt', level := 'error')
  )
);

-- Material descriptions (SAP MAKT), one per language.
-- Grain: one row per material and language (key: MANDT, MATNR, SPRAS), the latest version loaded
-- into raw_erp.makt; a key the ERP deleted after that load (recorded in raw_erp.makt__deleted) is
-- left out.
-- Every SAP column as stored, each followed by a readable lower-case one:
--   numbers without leading zeros (SAP's ALPHA display; a value with letters is only trimmed), all
--     zeros or blank -> NULL: MATNR
--   codes and texts trimmed, SAP's blank ' ' -> NULL: SPRAS, MAKTX, MAKTG
--   unchanged: MANDT (the SAP client)
-- SPRAS is SAP's one-letter language key (E English, S Spanish).
SELECT
  MANDT,
  MANDT AS sap_client,
  MATNR,
  NULLIF(REGEXP_REPLACE(TRIM(MATNR), r'^0+([0-9]*)$', r'\1'), '') AS material_number,
  SPRAS,
  NULLIF(TRIM(SPRAS), '') AS language_key,
  MAKTX,
  NULLIF(TRIM(MAKTX), '') AS material_description,
  MAKTG,
  NULLIF(TRIM(MAKTG), '') AS material_description_upper,
  _run_id AS loaded_run_id,
  _loaded_at AS loaded_at_warehouse
FROM raw_erp.makt AS t
WHERE NOT EXISTS (
  SELECT 1
  FROM raw_erp.makt__deleted AS d
  WHERE d.MANDT = t.MANDT AND d.MATNR = t.MATNR AND d.SPRAS = t.SPRAS
    AND d._deleted_at > t._loaded_at
)
QUALIFY ROW_NUMBER() OVER (PARTITION BY MANDT, MATNR, SPRAS ORDER BY _loaded_at DESC) = 1
