MODEL (
  name staging.stg_erp__zmine_shiftlog,
  kind VIEW,
  grain (MANDT, LOGID),
  audits (
    not_null(columns := (MANDT, LOGID)),
    unique_combination_of_columns(columns := (MANDT, LOGID)),
    reconciles_with_load_runs(raw := 'raw_erp.zmine_shiftlog'),
    source_is_fresh(raw := 'raw_erp.zmine_shiftlog', level := 'warn', blocking := false),
    source_is_fresh(raw := 'raw_erp.zmine_shiftlog', level := 'error')
  )
);

-- The mine's shift log (customer table ZMINE_SHIFTLOG, namespace /MINE/).
-- Grain: one row per log entry (key: MANDT, LOGID), the latest version loaded into
-- raw_erp.zmine_shiftlog; a key the ERP deleted after that load (recorded in
-- raw_erp.zmine_shiftlog__deleted) is left out.
-- Every SAP column as stored, each followed by a readable lower-case one:
--   DATS 'YYYYMMDD' -> DATE, SAP's no-date '00000000' -> NULL: ERDAT, AEDAT
--   TIMS 'HHMMSS' -> TIME, NULL when its date is '00000000': ERZET
--   numbers without leading zeros (SAP's ALPHA display; a value with letters is only trimmed), all
--     zeros or blank -> NULL: LOGID
--   codes and texts trimmed, SAP's blank ' ' -> NULL: _MINE_SHIFT, _MINE_CREW, TEXT
--   unchanged: MANDT (the SAP client)
-- SAP's /MINE/SHIFT and /MINE/CREW land as _MINE_SHIFT and _MINE_CREW (BigQuery allows no '/' in a
-- column name; the source name is in the column's description). Shift D day, N night; crew A..D.
SELECT
  MANDT,
  MANDT AS sap_client,
  LOGID,
  NULLIF(REGEXP_REPLACE(TRIM(LOGID), r'^0+([0-9]*)$', r'\1'), '') AS log_id,
  _MINE_SHIFT,
  NULLIF(TRIM(_MINE_SHIFT), '') AS shift,
  _MINE_CREW,
  NULLIF(TRIM(_MINE_CREW), '') AS crew,
  ERDAT,
  SAFE_CAST(NULLIF(ERDAT, '00000000') AS DATE FORMAT 'YYYYMMDD') AS created_on,
  ERZET,
  IF(ERDAT = '00000000', NULL, SAFE_CAST(REGEXP_REPLACE(ERZET, r'^(..)(..)(..)$', r'\1:\2:\3') AS TIME)) AS created_at_time,
  AEDAT,
  SAFE_CAST(NULLIF(AEDAT, '00000000') AS DATE FORMAT 'YYYYMMDD') AS changed_on,
  TEXT,
  NULLIF(TRIM(TEXT), '') AS log_text,
  _run_id AS loaded_run_id,
  _loaded_at AS loaded_at_warehouse
FROM raw_erp.zmine_shiftlog AS t
WHERE NOT EXISTS (
  SELECT 1
  FROM raw_erp.zmine_shiftlog__deleted AS d
  WHERE d.MANDT = t.MANDT AND d.LOGID = t.LOGID
    AND d._deleted_at > t._loaded_at
)
QUALIFY ROW_NUMBER() OVER (PARTITION BY MANDT, LOGID ORDER BY _loaded_at DESC) = 1
