MODEL (
  name staging.stg_erp__ekko,
  kind VIEW,
  grain (MANDT, EBELN),
  audits (
    not_null(columns := (MANDT, EBELN)),
    unique_combination_of_columns(columns := (MANDT, EBELN)),
    reconciles_with_load_runs(raw := 'raw_erp.ekko'),
    source_is_fresh(raw := 'raw_erp.ekko', level := 'warn', blocking := false),
    source_is_fresh(raw := 'raw_erp.ekko', level := 'error')
  )
);

-- Purchase order header (SAP EKKO).
-- Grain: one row per purchase order (key: MANDT, EBELN), the latest version loaded into
-- raw_erp.ekko; a key the ERP deleted after that load (recorded in raw_erp.ekko__deleted) is left
-- out.
-- Every SAP column as stored, each followed by a readable lower-case one:
--   DATS 'YYYYMMDD' -> DATE, SAP's no-date '00000000' -> NULL: AEDAT, BEDAT
--   numbers without leading zeros (SAP's ALPHA display; a value with letters is only trimmed), all
--     zeros or blank -> NULL: EBELN, LIFNR
--   codes and texts trimmed, SAP's blank ' ' -> NULL: BUKRS, BSTYP, BSART, ERNAM, EKORG, EKGRP,
--     WAERS
--   flags -> BOOL: LOEKZ
--   unchanged: MANDT (the SAP client)
-- EKKO-AEDAT is the creation date (SAP labels it "Created on"), hence created_on. LOEKZ 'L' (SAP's
-- purchasing deletion indicator; the document stays) becomes is_deleted.
SELECT
  MANDT,
  MANDT AS sap_client,
  EBELN,
  NULLIF(REGEXP_REPLACE(TRIM(EBELN), r'^0+([0-9]*)$', r'\1'), '') AS purchase_order_number,
  BUKRS,
  NULLIF(TRIM(BUKRS), '') AS company_code,
  BSTYP,
  NULLIF(TRIM(BSTYP), '') AS purchasing_document_category,
  BSART,
  NULLIF(TRIM(BSART), '') AS purchasing_document_type,
  LOEKZ,
  LOEKZ = 'L' AS is_deleted,
  AEDAT,
  SAFE_CAST(NULLIF(AEDAT, '00000000') AS DATE FORMAT 'YYYYMMDD') AS created_on,
  ERNAM,
  NULLIF(TRIM(ERNAM), '') AS created_by,
  LIFNR,
  NULLIF(REGEXP_REPLACE(TRIM(LIFNR), r'^0+([0-9]*)$', r'\1'), '') AS vendor_number,
  EKORG,
  NULLIF(TRIM(EKORG), '') AS purchasing_organization,
  EKGRP,
  NULLIF(TRIM(EKGRP), '') AS purchasing_group,
  WAERS,
  NULLIF(TRIM(WAERS), '') AS currency,
  BEDAT,
  SAFE_CAST(NULLIF(BEDAT, '00000000') AS DATE FORMAT 'YYYYMMDD') AS document_date,
  _run_id AS loaded_run_id,
  _loaded_at AS loaded_at_warehouse
FROM raw_erp.ekko AS t
WHERE NOT EXISTS (
  SELECT 1
  FROM raw_erp.ekko__deleted AS d
  WHERE d.MANDT = t.MANDT AND d.EBELN = t.EBELN
    AND d._deleted_at > t._loaded_at
)
QUALIFY ROW_NUMBER() OVER (PARTITION BY MANDT, EBELN ORDER BY _loaded_at DESC) = 1
