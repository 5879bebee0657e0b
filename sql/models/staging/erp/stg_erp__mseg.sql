MODEL (
  name staging.stg_erp__mseg,
  kind VIEW,
  depends_on (staging.stg_erp__mkpf),  -- the models its reference checks read
  grain (MANDT, MBLNR, MJAHR, ZEILE),
  audits (
    not_null(columns := (MANDT, MBLNR, MJAHR, ZEILE)),
    unique_combination_of_columns(columns := (MANDT, MBLNR, MJAHR, ZEILE)),
    -- a warning, not a stop: tables read by change-date windows (ending at the start of today)
    -- trail the ones read whole each run, so a reference to today's new object is filled by the next run
    reference_exists(key := CONCAT(MANDT, '|', MBLNR, '|', MJAHR), to := staging.stg_erp__mkpf, to_key := CONCAT(MANDT, '|', MBLNR, '|', MJAHR), blocking := false),
    reconciles_with_load_runs(raw := 'raw_erp.mseg'),
    source_is_fresh(raw := 'raw_erp.mseg', level := 'warn', blocking := false),
    source_is_fresh(raw := 'raw_erp.mseg', level := 'error')
  )
);

-- Material document items (SAP MSEG): goods movements, the biggest table.
-- Grain: one row per material document item (key: MANDT, MBLNR, MJAHR, ZEILE), the latest version
-- loaded into raw_erp.mseg; a key the ERP deleted after that load (recorded in
-- raw_erp.mseg__deleted) is left out.
-- Every SAP column as stored, each followed by a readable lower-case one:
--   DATS 'YYYYMMDD' -> DATE, SAP's no-date '00000000' -> NULL: CPUDT_MKPF
--   TIMS 'HHMMSS' -> TIME, NULL when its date is '00000000': CPUTM_MKPF
--   numbers without leading zeros (SAP's ALPHA display; a value with letters is only trimmed), all
--     zeros or blank -> NULL: MBLNR, ZEILE, MATNR, EBELN, EBELP, AUFNR, KOSTL
--   years -> INT64, '0000' or blank -> NULL: MJAHR
--   codes and texts trimmed, SAP's blank ' ' -> NULL: BWART, WERKS, LGORT, CHARG, SHKZG, WAERS,
--     MEINS, ERFME, SGTXT
--   unchanged: MANDT (the SAP client) and the QUAN/CURR decimals DMBTR, MENGE, ERFMG
-- SHKZG S (debit: stock in) keeps quantity and amount positive, H (credit: stock out, e.g. a 261
-- goods issue to an order) makes quantity_signed and amount_signed negative, so a sum is the stock
-- change. Unreferenced EBELP '00000' becomes NULL like the blank EBELN/AUFNR/KOSTL. SAP never
-- updates a material document: it reverses it with a new one (262 reverses 261).
SELECT
  MANDT,
  MANDT AS sap_client,
  MBLNR,
  NULLIF(REGEXP_REPLACE(TRIM(MBLNR), r'^0+([0-9]*)$', r'\1'), '') AS material_document_number,
  MJAHR,
  SAFE_CAST(NULLIF(TRIM(MJAHR), '0000') AS INT64) AS material_document_year,
  ZEILE,
  NULLIF(REGEXP_REPLACE(TRIM(ZEILE), r'^0+([0-9]*)$', r'\1'), '') AS material_document_item,
  BWART,
  NULLIF(TRIM(BWART), '') AS movement_type,
  MATNR,
  NULLIF(REGEXP_REPLACE(TRIM(MATNR), r'^0+([0-9]*)$', r'\1'), '') AS material_number,
  WERKS,
  NULLIF(TRIM(WERKS), '') AS plant,
  LGORT,
  NULLIF(TRIM(LGORT), '') AS storage_location,
  CHARG,
  NULLIF(TRIM(CHARG), '') AS batch,
  SHKZG,
  NULLIF(TRIM(SHKZG), '') AS debit_credit,
  WAERS,
  NULLIF(TRIM(WAERS), '') AS currency,
  DMBTR,
  DMBTR AS amount_local_currency,
  CASE SHKZG WHEN 'H' THEN -DMBTR WHEN 'S' THEN DMBTR END AS amount_signed,
  MENGE,
  MENGE AS quantity,
  CASE SHKZG WHEN 'H' THEN -MENGE WHEN 'S' THEN MENGE END AS quantity_signed,
  MEINS,
  NULLIF(TRIM(MEINS), '') AS base_unit,
  ERFMG,
  ERFMG AS quantity_in_entry_unit,
  ERFME,
  NULLIF(TRIM(ERFME), '') AS entry_unit,
  EBELN,
  NULLIF(REGEXP_REPLACE(TRIM(EBELN), r'^0+([0-9]*)$', r'\1'), '') AS purchase_order_number,
  EBELP,
  NULLIF(REGEXP_REPLACE(TRIM(EBELP), r'^0+([0-9]*)$', r'\1'), '') AS purchase_order_item,
  AUFNR,
  NULLIF(REGEXP_REPLACE(TRIM(AUFNR), r'^0+([0-9]*)$', r'\1'), '') AS order_number,
  KOSTL,
  NULLIF(REGEXP_REPLACE(TRIM(KOSTL), r'^0+([0-9]*)$', r'\1'), '') AS cost_center,
  SGTXT,
  NULLIF(TRIM(SGTXT), '') AS item_text,
  CPUDT_MKPF,
  SAFE_CAST(NULLIF(CPUDT_MKPF, '00000000') AS DATE FORMAT 'YYYYMMDD') AS entered_on,
  CPUTM_MKPF,
  IF(CPUDT_MKPF = '00000000', NULL, SAFE_CAST(REGEXP_REPLACE(CPUTM_MKPF, r'^(..)(..)(..)$', r'\1:\2:\3') AS TIME)) AS entered_at_time,
  _run_id AS loaded_run_id,
  _loaded_at AS loaded_at_warehouse
FROM raw_erp.mseg AS t
WHERE NOT EXISTS (
  SELECT 1
  FROM raw_erp.mseg__deleted AS d
  WHERE d.MANDT = t.MANDT AND d.MBLNR = t.MBLNR AND d.MJAHR = t.MJAHR AND d.ZEILE = t.ZEILE
    AND d._deleted_at > t._loaded_at
)
QUALIFY ROW_NUMBER() OVER (PARTITION BY MANDT, MBLNR, MJAHR, ZEILE ORDER BY _loaded_at DESC) = 1
