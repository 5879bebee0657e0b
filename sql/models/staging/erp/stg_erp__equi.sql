MODEL (
  name staging.stg_erp__equi,
  kind VIEW,
  grain (MANDT, EQUNR),
  audits (
    not_null(columns := (MANDT, EQUNR)),
    unique_combination_of_columns(columns := (MANDT, EQUNR)),
    reconciles_with_load_runs(raw := 'raw_erp.equi'),
    source_is_fresh(raw := 'raw_erp.equi', level := 'warn', blocking := false),
    source_is_fresh(raw := 'raw_erp.equi', level := 'error')
  )
);

-- Equipment master (SAP EQUI): the mine's machines and their components.
-- Grain: one row per equipment (key: MANDT, EQUNR), the latest version loaded into raw_erp.equi; a
-- key the ERP deleted after that load (recorded in raw_erp.equi__deleted) is left out.
-- Every SAP column as stored, each followed by a readable lower-case one:
--   DATS 'YYYYMMDD' -> DATE, SAP's no-date '00000000' -> NULL: ERDAT, AEDAT, INBDT
--   numbers without leading zeros (SAP's ALPHA display; a value with letters is only trimmed), all
--     zeros or blank -> NULL: EQUNR
--   years -> INT64, '0000' or blank -> NULL: BAUJJ
--   codes and texts trimmed, SAP's blank ' ' -> NULL: ERNAM, AENAM, EQTYP, EQART, HERST, TYPBZ,
--     SERGE, WAERS, TIDNR, OBJNR
--   unchanged: MANDT (the SAP client) and the QUAN/CURR decimals ANSWT
-- TIDNR is the fleet tag (HT-0042) the production systems use. BAUJJ (CHAR 4) becomes an INT64
-- year.
SELECT
  MANDT,
  MANDT AS sap_client,
  EQUNR,
  NULLIF(REGEXP_REPLACE(TRIM(EQUNR), r'^0+([0-9]*)$', r'\1'), '') AS equipment_number,
  ERDAT,
  SAFE_CAST(NULLIF(ERDAT, '00000000') AS DATE FORMAT 'YYYYMMDD') AS created_on,
  ERNAM,
  NULLIF(TRIM(ERNAM), '') AS created_by,
  AEDAT,
  SAFE_CAST(NULLIF(AEDAT, '00000000') AS DATE FORMAT 'YYYYMMDD') AS changed_on,
  AENAM,
  NULLIF(TRIM(AENAM), '') AS changed_by,
  EQTYP,
  NULLIF(TRIM(EQTYP), '') AS equipment_category,
  EQART,
  NULLIF(TRIM(EQART), '') AS object_type,
  HERST,
  NULLIF(TRIM(HERST), '') AS manufacturer,
  TYPBZ,
  NULLIF(TRIM(TYPBZ), '') AS model_number,
  SERGE,
  NULLIF(TRIM(SERGE), '') AS serial_number,
  BAUJJ,
  SAFE_CAST(NULLIF(TRIM(BAUJJ), '0000') AS INT64) AS construction_year,
  INBDT,
  SAFE_CAST(NULLIF(INBDT, '00000000') AS DATE FORMAT 'YYYYMMDD') AS started_up_on,
  ANSWT,
  ANSWT AS acquisition_value,
  WAERS,
  NULLIF(TRIM(WAERS), '') AS currency,
  TIDNR,
  NULLIF(TRIM(TIDNR), '') AS technical_id,
  OBJNR,
  NULLIF(TRIM(OBJNR), '') AS object_number,
  _run_id AS loaded_run_id,
  _loaded_at AS loaded_at_warehouse
FROM raw_erp.equi AS t
WHERE NOT EXISTS (
  SELECT 1
  FROM raw_erp.equi__deleted AS d
  WHERE d.MANDT = t.MANDT AND d.EQUNR = t.EQUNR
    AND d._deleted_at > t._loaded_at
)
QUALIFY ROW_NUMBER() OVER (PARTITION BY MANDT, EQUNR ORDER BY _loaded_at DESC) = 1
