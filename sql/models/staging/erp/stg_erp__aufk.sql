MODEL (
  name staging.stg_erp__aufk,
  kind VIEW,
  grain (MANDT, AUFNR),
  audits (
    not_null(columns := (MANDT, AUFNR)),
    unique_combination_of_columns(columns := (MANDT, AUFNR)),
    reconciles_with_load_runs(raw := 'raw_erp.aufk'),
    source_is_fresh(raw := 'raw_erp.aufk', level := 'warn', blocking := false),
    source_is_fresh(raw := 'raw_erp.aufk', level := 'error')
  )
);

-- Order master (SAP AUFK): every order; maintenance orders have order category 30.
-- Grain: one row per order (key: MANDT, AUFNR), the latest version loaded into raw_erp.aufk; a key
-- the ERP deleted after that load (recorded in raw_erp.aufk__deleted) is left out.
-- Every SAP column as stored, each followed by a readable lower-case one:
--   DATS 'YYYYMMDD' -> DATE, SAP's no-date '00000000' -> NULL: ERDAT, AEDAT
--   numbers without leading zeros (SAP's ALPHA display; a value with letters is only trimmed), all
--     zeros or blank -> NULL: AUFNR, AUTYP, KOSTV
--   codes and texts trimmed, SAP's blank ' ' -> NULL: AUART, ERNAM, KTEXT, WERKS, OBJNR
--   flags -> BOOL: LOEKZ
--   unchanged: MANDT (the SAP client)
-- LOEKZ 'X' (SAP's deletion flag: the order still exists) becomes is_marked_for_deletion.
SELECT
  MANDT,
  MANDT AS sap_client,
  AUFNR,
  NULLIF(REGEXP_REPLACE(TRIM(AUFNR), r'^0+([0-9]*)$', r'\1'), '') AS order_number,
  AUART,
  NULLIF(TRIM(AUART), '') AS order_type,
  AUTYP,
  NULLIF(REGEXP_REPLACE(TRIM(AUTYP), r'^0+([0-9]*)$', r'\1'), '') AS order_category,
  ERNAM,
  NULLIF(TRIM(ERNAM), '') AS created_by,
  ERDAT,
  SAFE_CAST(NULLIF(ERDAT, '00000000') AS DATE FORMAT 'YYYYMMDD') AS created_on,
  AEDAT,
  SAFE_CAST(NULLIF(AEDAT, '00000000') AS DATE FORMAT 'YYYYMMDD') AS changed_on,
  KTEXT,
  NULLIF(TRIM(KTEXT), '') AS order_description,
  WERKS,
  NULLIF(TRIM(WERKS), '') AS plant,
  OBJNR,
  NULLIF(TRIM(OBJNR), '') AS object_number,
  KOSTV,
  NULLIF(REGEXP_REPLACE(TRIM(KOSTV), r'^0+([0-9]*)$', r'\1'), '') AS responsible_cost_center,
  LOEKZ,
  LOEKZ = 'X' AS is_marked_for_deletion,
  _run_id AS loaded_run_id,
  _loaded_at AS loaded_at_warehouse
FROM raw_erp.aufk AS t
WHERE NOT EXISTS (
  SELECT 1
  FROM raw_erp.aufk__deleted AS d
  WHERE d.MANDT = t.MANDT AND d.AUFNR = t.AUFNR
    AND d._deleted_at > t._loaded_at
)
QUALIFY ROW_NUMBER() OVER (PARTITION BY MANDT, AUFNR ORDER BY _loaded_at DESC) = 1
