MODEL (
  name staging.stg_erp__iflot,
  kind VIEW,
  grain (MANDT, TPLNR),
  audits (
    not_null(columns := (MANDT, TPLNR)),
    unique_combination_of_columns(columns := (MANDT, TPLNR)),
    reconciles_with_load_runs(raw := 'raw_erp.iflot'),
    source_is_fresh(raw := 'raw_erp.iflot', level := 'warn', blocking := false),
    source_is_fresh(raw := 'raw_erp.iflot', level := 'error')
  )
);

-- Functional locations (SAP IFLOT): the mine's technical structure, MINE-PIT1-HAUL.
-- Grain: one row per functional location (key: MANDT, TPLNR), the latest version loaded into
-- raw_erp.iflot; a key the ERP deleted after that load (recorded in raw_erp.iflot__deleted) is left
-- out.
-- Every SAP column as stored, each followed by a readable lower-case one:
--   DATS 'YYYYMMDD' -> DATE, SAP's no-date '00000000' -> NULL: ERDAT, AEDAT
--   numbers without leading zeros (SAP's ALPHA display; a value with letters is only trimmed), all
--     zeros or blank -> NULL: ILOAN
--   codes and texts trimmed, SAP's blank ' ' -> NULL: TPLNR, FLTYP, TPLMA, ERNAM, AENAM, IWERK,
--     OBJNR
--   unchanged: MANDT (the SAP client)
-- Functional locations are labels, not numbers: trimmed, never stripped of zeros.
SELECT
  MANDT,
  MANDT AS sap_client,
  TPLNR,
  NULLIF(TRIM(TPLNR), '') AS functional_location,
  FLTYP,
  NULLIF(TRIM(FLTYP), '') AS functional_location_category,
  TPLMA,
  NULLIF(TRIM(TPLMA), '') AS superior_functional_location,
  ERDAT,
  SAFE_CAST(NULLIF(ERDAT, '00000000') AS DATE FORMAT 'YYYYMMDD') AS created_on,
  ERNAM,
  NULLIF(TRIM(ERNAM), '') AS created_by,
  AEDAT,
  SAFE_CAST(NULLIF(AEDAT, '00000000') AS DATE FORMAT 'YYYYMMDD') AS changed_on,
  AENAM,
  NULLIF(TRIM(AENAM), '') AS changed_by,
  IWERK,
  NULLIF(TRIM(IWERK), '') AS planning_plant,
  ILOAN,
  NULLIF(REGEXP_REPLACE(TRIM(ILOAN), r'^0+([0-9]*)$', r'\1'), '') AS location_assignment,
  OBJNR,
  NULLIF(TRIM(OBJNR), '') AS object_number,
  _run_id AS loaded_run_id,
  _loaded_at AS loaded_at_warehouse
FROM raw_erp.iflot AS t
WHERE NOT EXISTS (
  SELECT 1
  FROM raw_erp.iflot__deleted AS d
  WHERE d.MANDT = t.MANDT AND d.TPLNR = t.TPLNR
    AND d._deleted_at > t._loaded_at
)
QUALIFY ROW_NUMBER() OVER (PARTITION BY MANDT, TPLNR ORDER BY _loaded_at DESC) = 1
