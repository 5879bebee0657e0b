MODEL (
  name staging.stg_erp__afih,
  kind VIEW,
  depends_on (staging.stg_erp__equi),  -- the models its reference checks read
  grain (MANDT, AUFNR),
  audits (
    not_null(columns := (MANDT, AUFNR)),
    unique_combination_of_columns(columns := (MANDT, AUFNR)),
    -- a warning, not a stop: tables read by change-date windows (ending at the start of today)
    -- trail the ones read whole each run, so a reference to today's new object is filled by the next run
    reference_exists(key := IF(equipment_number IS NULL, NULL, CONCAT(MANDT, '|', EQUNR)), to := staging.stg_erp__equi, to_key := CONCAT(MANDT, '|', EQUNR), blocking := false),
    reconciles_with_load_runs(raw := 'raw_erp.afih'),
    source_is_fresh(raw := 'raw_erp.afih', level := 'warn', blocking := false),
    source_is_fresh(raw := 'raw_erp.afih', level := 'error')
  )
);

-- Maintenance order header (SAP AFIH): equipment, location, notification and phase of a PM order.
-- Grain: one row per maintenance order (key: MANDT, AUFNR), the latest version loaded into
-- raw_erp.afih; a key the ERP deleted after that load (recorded in raw_erp.afih__deleted) is left
-- out.
-- Every SAP column as stored, each followed by a readable lower-case one:
--   numbers without leading zeros (SAP's ALPHA display; a value with letters is only trimmed), all
--     zeros or blank -> NULL: AUFNR, EQUNR, ILOAN, QMNUM
--   codes and texts trimmed, SAP's blank ' ' -> NULL: PRIOK, IWERK, IPHAS, ILART
--   unchanged: MANDT (the SAP client)
-- PRIOK (1 very high .. 4 low) and IPHAS (0 open, 2 released, 3 technically completed, 4 deleted, 6
-- closed) are codes: trimmed, '0' kept. The functional location is in ILOA, via ILOAN.
SELECT
  MANDT,
  MANDT AS sap_client,
  AUFNR,
  NULLIF(REGEXP_REPLACE(TRIM(AUFNR), r'^0+([0-9]*)$', r'\1'), '') AS order_number,
  PRIOK,
  NULLIF(TRIM(PRIOK), '') AS priority,
  EQUNR,
  NULLIF(REGEXP_REPLACE(TRIM(EQUNR), r'^0+([0-9]*)$', r'\1'), '') AS equipment_number,
  ILOAN,
  NULLIF(REGEXP_REPLACE(TRIM(ILOAN), r'^0+([0-9]*)$', r'\1'), '') AS location_assignment,
  IWERK,
  NULLIF(TRIM(IWERK), '') AS planning_plant,
  QMNUM,
  NULLIF(REGEXP_REPLACE(TRIM(QMNUM), r'^0+([0-9]*)$', r'\1'), '') AS notification_number,
  IPHAS,
  NULLIF(TRIM(IPHAS), '') AS order_phase,
  ILART,
  NULLIF(TRIM(ILART), '') AS maintenance_activity_type,
  _run_id AS loaded_run_id,
  _loaded_at AS loaded_at_warehouse
FROM raw_erp.afih AS t
WHERE NOT EXISTS (
  SELECT 1
  FROM raw_erp.afih__deleted AS d
  WHERE d.MANDT = t.MANDT AND d.AUFNR = t.AUFNR
    AND d._deleted_at > t._loaded_at
)
QUALIFY ROW_NUMBER() OVER (PARTITION BY MANDT, AUFNR ORDER BY _loaded_at DESC) = 1
