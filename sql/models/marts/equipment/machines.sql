MODEL (
  name marts.machines,
  kind FULL,
  grain (machine_id, valid_from),
  audits (
    not_null(columns := (machine_id, valid_from, valid_to, machine_class, equipment_number)),
    unique_combination_of_columns(columns := (machine_id, valid_from)),
    -- one fleet number, one machine: two SAP equipment records with the same TIDNR would both be current
    unique_combination_of_columns(columns := (machine_id), condition := is_current),
    forall(criteria := (valid_from <= valid_to))
  )
);

-- The mine's machines (SAP client 100) by fleet number, one row per machine and period of its
-- installation (EQUZ time segment): where it worked (pit) from valid_from to valid_to, both included.
-- A machine is an EQUI record with a fleet number (TIDNR) that is never installed under another
-- equipment (EQUZ.HEQUI); an engine ('HT-0001-ENG', under its truck) is a component, not a machine.
-- Periods: an EQUZ segment is valid from DATAB to DATBI; a segment that a later one (by DATAB, then
-- EQLFN) starts within ends the day before it; of two segments starting the same day, the last wins.
-- A machine without any segment has one period, 0001-01-01 .. 9999-12-31, without a pit.
-- pit: the location (ILOA.STORT) of the segment's location assignment: PIT1, PIT2, PLANT, WORKSHOP.
-- is_current: the latest period of the machine's equipment record.
WITH equipment AS (
  SELECT MANDT, EQUNR, equipment_number, technical_id AS machine_id, object_type AS machine_class,
    manufacturer, model_number, started_up_on
  FROM staging.stg_erp__equi
  WHERE MANDT = '100' AND technical_id IS NOT NULL
),

components AS (
  SELECT DISTINCT MANDT, EQUNR
  FROM staging.stg_erp__equz
  WHERE MANDT = '100' AND superior_equipment_number IS NOT NULL
),

segments AS (
  SELECT
    z.MANDT,
    z.EQUNR,
    z.valid_from,
    -- ends the day before the next segment starts (when that is earlier than its own end)
    -- (CAST: DuckDB's date minus an interval is a timestamp)
    LEAST(z.valid_to, COALESCE(CAST(DATE_SUB(LEAD(z.valid_from) OVER (
      PARTITION BY z.MANDT, z.EQUNR ORDER BY z.valid_from, z.segment_number), INTERVAL 1 DAY) AS DATE), z.valid_to))
      AS valid_to,
    l.functional_location,
    l.location AS pit
  FROM staging.stg_erp__equz AS z
  LEFT JOIN staging.stg_erp__iloa AS l ON l.MANDT = z.MANDT AND l.ILOAN = z.ILOAN
  WHERE z.MANDT = '100'
)

SELECT
  e.machine_id,
  COALESCE(s.valid_from, DATE '0001-01-01') AS valid_from,
  COALESCE(s.valid_to, DATE '9999-12-31') AS valid_to,
  ROW_NUMBER() OVER (PARTITION BY e.MANDT, e.EQUNR ORDER BY s.valid_from DESC) = 1 AS is_current,
  e.machine_class,
  e.manufacturer,
  e.model_number,
  s.pit,
  s.functional_location,
  e.equipment_number,
  e.started_up_on
FROM equipment AS e
LEFT JOIN segments AS s ON s.MANDT = e.MANDT AND s.EQUNR = e.EQUNR
WHERE NOT EXISTS (SELECT 1 FROM components AS c WHERE c.MANDT = e.MANDT AND c.EQUNR = e.EQUNR)
  AND (s.EQUNR IS NULL OR s.valid_from <= s.valid_to)
