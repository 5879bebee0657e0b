MODEL (
  name staging.stg_erp__equz,
  kind VIEW,
  grain (MANDT, EQUNR, DATBI, EQLFN),
  audits (
    not_null(columns := (MANDT, EQUNR, DATBI, EQLFN)),
    unique_combination_of_columns(columns := (MANDT, EQUNR, DATBI, EQLFN)),
    reconciles_with_load_runs(raw := 'raw_erp.equz'),
    source_is_fresh(raw := 'raw_erp.equz', level := 'warn', blocking := false),
    source_is_fresh(raw := 'raw_erp.equz', level := 'error')
  )
);

-- Equipment time segments (SAP EQUZ): where an equipment is installed, and under which superior
-- equipment.
-- Grain: one row per equipment time segment (key: MANDT, EQUNR, DATBI, EQLFN), the latest version
-- loaded into raw_erp.equz; a key the ERP deleted after that load (recorded in
-- raw_erp.equz__deleted) is left out.
-- Every SAP column as stored, each followed by a readable lower-case one:
--   DATS 'YYYYMMDD' -> DATE, SAP's no-date '00000000' -> NULL: DATBI, DATAB, ERDAT, AEDAT
--   numbers without leading zeros (SAP's ALPHA display; a value with letters is only trimmed), all
--     zeros or blank -> NULL: EQUNR, EQLFN, ILOAN, HEQUI
--   codes and texts trimmed, SAP's blank ' ' -> NULL: IWERK
--   unchanged: MANDT (the SAP client)
-- SAP's open end '99991231' stays DATE 9999-12-31; is_current_segment marks it.
SELECT
  MANDT,
  MANDT AS sap_client,
  EQUNR,
  NULLIF(REGEXP_REPLACE(TRIM(EQUNR), r'^0+([0-9]*)$', r'\1'), '') AS equipment_number,
  DATBI,
  SAFE_CAST(NULLIF(DATBI, '00000000') AS DATE FORMAT 'YYYYMMDD') AS valid_to,
  EQLFN,
  NULLIF(REGEXP_REPLACE(TRIM(EQLFN), r'^0+([0-9]*)$', r'\1'), '') AS segment_number,
  DATAB,
  SAFE_CAST(NULLIF(DATAB, '00000000') AS DATE FORMAT 'YYYYMMDD') AS valid_from,
  ERDAT,
  SAFE_CAST(NULLIF(ERDAT, '00000000') AS DATE FORMAT 'YYYYMMDD') AS created_on,
  AEDAT,
  SAFE_CAST(NULLIF(AEDAT, '00000000') AS DATE FORMAT 'YYYYMMDD') AS changed_on,
  IWERK,
  NULLIF(TRIM(IWERK), '') AS planning_plant,
  ILOAN,
  NULLIF(REGEXP_REPLACE(TRIM(ILOAN), r'^0+([0-9]*)$', r'\1'), '') AS location_assignment,
  HEQUI,
  NULLIF(REGEXP_REPLACE(TRIM(HEQUI), r'^0+([0-9]*)$', r'\1'), '') AS superior_equipment_number,
  DATBI = '99991231' AS is_current_segment,
  _run_id AS loaded_run_id,
  _loaded_at AS loaded_at_warehouse
FROM raw_erp.equz AS t
WHERE NOT EXISTS (
  SELECT 1
  FROM raw_erp.equz__deleted AS d
  WHERE d.MANDT = t.MANDT AND d.EQUNR = t.EQUNR AND d.DATBI = t.DATBI AND d.EQLFN = t.EQLFN
    AND d._deleted_at > t._loaded_at
)
QUALIFY ROW_NUMBER() OVER (PARTITION BY MANDT, EQUNR, DATBI, EQLFN ORDER BY _loaded_at DESC) = 1
