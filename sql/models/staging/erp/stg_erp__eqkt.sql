MODEL (
  name staging.stg_erp__eqkt,
  kind VIEW,
  grain (MANDT, EQUNR, SPRAS),
  audits (
    not_null(columns := (MANDT, EQUNR, SPRAS)),
    unique_combination_of_columns(columns := (MANDT, EQUNR, SPRAS)),
    reconciles_with_load_runs(raw := 'raw_erp.eqkt'),
    source_is_fresh(raw := 'raw_erp.eqkt', level := 'warn', blocking := false),
    source_is_fresh(raw := 'raw_erp.eqkt', level := 'error')
  )
);

-- Equipment short texts (SAP EQKT), one per language.
-- Grain: one row per equipment and language (key: MANDT, EQUNR, SPRAS), the latest version loaded
-- into raw_erp.eqkt; a key the ERP deleted after that load (recorded in raw_erp.eqkt__deleted) is
-- left out.
-- Every SAP column as stored, each followed by a readable lower-case one:
--   numbers without leading zeros (SAP's ALPHA display; a value with letters is only trimmed), all
--     zeros or blank -> NULL: EQUNR
--   codes and texts trimmed, SAP's blank ' ' -> NULL: SPRAS, EQKTX
--   unchanged: MANDT (the SAP client)
-- SPRAS is SAP's one-letter language key (E English, S Spanish).
SELECT
  MANDT,
  MANDT AS sap_client,
  EQUNR,
  NULLIF(REGEXP_REPLACE(TRIM(EQUNR), r'^0+([0-9]*)$', r'\1'), '') AS equipment_number,
  SPRAS,
  NULLIF(TRIM(SPRAS), '') AS language_key,
  EQKTX,
  NULLIF(TRIM(EQKTX), '') AS equipment_description,
  _run_id AS loaded_run_id,
  _loaded_at AS loaded_at_warehouse
FROM raw_erp.eqkt AS t
WHERE NOT EXISTS (
  SELECT 1
  FROM raw_erp.eqkt__deleted AS d
  WHERE d.MANDT = t.MANDT AND d.EQUNR = t.EQUNR AND d.SPRAS = t.SPRAS
    AND d._deleted_at > t._loaded_at
)
QUALIFY ROW_NUMBER() OVER (PARTITION BY MANDT, EQUNR, SPRAS ORDER BY _loaded_at DESC) = 1
