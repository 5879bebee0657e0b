MODEL (
  name staging.stg_erp__iloa,
  kind VIEW,
  grain (MANDT, ILOAN),
  audits (
    not_null(columns := (MANDT, ILOAN)),
    unique_combination_of_columns(columns := (MANDT, ILOAN)),
    reconciles_with_load_runs(raw := 'raw_erp.iloa'),
    source_is_fresh(raw := 'raw_erp.iloa', level := 'warn', blocking := false),
    source_is_fresh(raw := 'raw_erp.iloa', level := 'error')
  )
);

-- Location and account assignment of technical objects, orders and notifications (SAP ILOA).
-- Grain: one row per location assignment (key: MANDT, ILOAN), the latest version loaded into
-- raw_erp.iloa; a key the ERP deleted after that load (recorded in raw_erp.iloa__deleted) is left
-- out.
-- Every SAP column as stored, each followed by a readable lower-case one:
--   numbers without leading zeros (SAP's ALPHA display; a value with letters is only trimmed), all
--     zeros or blank -> NULL: ILOAN, KOSTL
--   codes and texts trimmed, SAP's blank ' ' -> NULL: TPLNR, SWERK, STORT, BUKRS, KOKRS
--   unchanged: MANDT (the SAP client)
SELECT
  MANDT,
  MANDT AS sap_client,
  ILOAN,
  NULLIF(REGEXP_REPLACE(TRIM(ILOAN), r'^0+([0-9]*)$', r'\1'), '') AS location_assignment,
  TPLNR,
  NULLIF(TRIM(TPLNR), '') AS functional_location,
  SWERK,
  NULLIF(TRIM(SWERK), '') AS maintenance_plant,
  STORT,
  NULLIF(TRIM(STORT), '') AS location,
  BUKRS,
  NULLIF(TRIM(BUKRS), '') AS company_code,
  KOKRS,
  NULLIF(TRIM(KOKRS), '') AS controlling_area,
  KOSTL,
  NULLIF(REGEXP_REPLACE(TRIM(KOSTL), r'^0+([0-9]*)$', r'\1'), '') AS cost_center,
  _run_id AS loaded_run_id,
  _loaded_at AS loaded_at_warehouse
FROM raw_erp.iloa AS t
WHERE NOT EXISTS (
  SELECT 1
  FROM raw_erp.iloa__deleted AS d
  WHERE d.MANDT = t.MANDT AND d.ILOAN = t.ILOAN
    AND d._deleted_at > t._loaded_at
)
QUALIFY ROW_NUMBER() OVER (PARTITION BY MANDT, ILOAN ORDER BY _loaded_at DESC) = 1
