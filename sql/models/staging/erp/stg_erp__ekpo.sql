MODEL (
  name staging.stg_erp__ekpo,
  kind VIEW,
  depends_on (staging.stg_erp__ekko),  -- the models its reference checks read
  grain (MANDT, EBELN, EBELP),
  audits (
    not_null(columns := (MANDT, EBELN, EBELP)),
    unique_combination_of_columns(columns := (MANDT, EBELN, EBELP)),
    -- a warning, not a stop: tables read by change-date windows (ending at the start of today)
    -- trail the ones read whole each run, so a reference to today's new object is filled by the next run
    reference_exists(key := CONCAT(MANDT, '|', EBELN), to := staging.stg_erp__ekko, to_key := CONCAT(MANDT, '|', EBELN), blocking := false),
    reconciles_with_load_runs(raw := 'raw_erp.ekpo'),
    source_is_fresh(raw := 'raw_erp.ekpo', level := 'warn', blocking := false),
    source_is_fresh(raw := 'raw_erp.ekpo', level := 'error')
  )
);

-- Purchase order items (SAP EKPO); their currency is the header's (stg_erp__ekko.currency).
-- Grain: one row per purchase order item (key: MANDT, EBELN, EBELP), the latest version loaded into
-- raw_erp.ekpo; a key the ERP deleted after that load (recorded in raw_erp.ekpo__deleted) is left
-- out.
-- Every SAP column as stored, each followed by a readable lower-case one:
--   DATS 'YYYYMMDD' -> DATE, SAP's no-date '00000000' -> NULL: AEDAT
--   numbers without leading zeros (SAP's ALPHA display; a value with letters is only trimmed), all
--     zeros or blank -> NULL: EBELN, EBELP, MATNR
--   codes and texts trimmed, SAP's blank ' ' -> NULL: TXZ01, WERKS, LGORT, MATKL, MEINS
--   flags -> BOOL: LOEKZ
--   unchanged: MANDT (the SAP client) and the QUAN/CURR decimals MENGE, NETPR, PEINH, NETWR
-- LOEKZ 'L' (deleted item; the row stays) becomes is_deleted, 'S' (blocked) is_blocked. net_price
-- is per price_unit units of order_unit.
SELECT
  MANDT,
  MANDT AS sap_client,
  EBELN,
  NULLIF(REGEXP_REPLACE(TRIM(EBELN), r'^0+([0-9]*)$', r'\1'), '') AS purchase_order_number,
  EBELP,
  NULLIF(REGEXP_REPLACE(TRIM(EBELP), r'^0+([0-9]*)$', r'\1'), '') AS purchase_order_item,
  LOEKZ,
  LOEKZ = 'L' AS is_deleted,
  LOEKZ = 'S' AS is_blocked,
  AEDAT,
  SAFE_CAST(NULLIF(AEDAT, '00000000') AS DATE FORMAT 'YYYYMMDD') AS changed_on,
  TXZ01,
  NULLIF(TRIM(TXZ01), '') AS item_text,
  MATNR,
  NULLIF(REGEXP_REPLACE(TRIM(MATNR), r'^0+([0-9]*)$', r'\1'), '') AS material_number,
  WERKS,
  NULLIF(TRIM(WERKS), '') AS plant,
  LGORT,
  NULLIF(TRIM(LGORT), '') AS storage_location,
  MATKL,
  NULLIF(TRIM(MATKL), '') AS material_group,
  MENGE,
  MENGE AS quantity,
  MEINS,
  NULLIF(TRIM(MEINS), '') AS order_unit,
  NETPR,
  NETPR AS net_price,
  PEINH,
  PEINH AS price_unit,
  NETWR,
  NETWR AS net_order_value,
  _run_id AS loaded_run_id,
  _loaded_at AS loaded_at_warehouse
FROM raw_erp.ekpo AS t
WHERE NOT EXISTS (
  SELECT 1
  FROM raw_erp.ekpo__deleted AS d
  WHERE d.MANDT = t.MANDT AND d.EBELN = t.EBELN AND d.EBELP = t.EBELP
    AND d._deleted_at > t._loaded_at
)
QUALIFY ROW_NUMBER() OVER (PARTITION BY MANDT, EBELN, EBELP ORDER BY _loaded_at DESC) = 1
