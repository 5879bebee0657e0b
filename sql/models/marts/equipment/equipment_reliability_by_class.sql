MODEL (
  name marts.equipment_reliability_by_class,
  kind FULL,
  grain (machine_class, month),
  audits (
    not_null(columns := (machine_class, month, machines, calendar_h, failures)),
    unique_combination_of_columns(columns := (machine_class, month)),
    forall(criteria := (machines > 0, downtime_h <= calendar_h, closed_failures <= failures))
  )
);

-- MTBF, MTTR and availability per machine class and month (key: machine_class, month), the ERP's
-- classes (EQUI.EQART: HAULTRUCK, SHOVEL, ...; UNKNOWN for machines the ERP does not know): the
-- machines' figures of marts.equipment_reliability added up, then divided, so that every machine's
-- hours count, those without a failure too.
--   mtbf_h = (sum of calendar_h - sum of downtime_h) / sum of failures; NULL without a failure
--   mttr_h = sum of repair_h / sum of closed_failures; NULL without a closed failure
--   availability_pct = 100 * sum of available_h / (24 * sum of status_days); NULL without status records
SELECT
  machine_class,
  month,
  COUNT(*) AS machines,
  SUM(calendar_h) AS calendar_h,
  SUM(failures) AS failures,
  SUM(open_failures) AS open_failures,
  SUM(closed_failures) AS closed_failures,
  SUM(repair_h) AS repair_h,
  SUM(downtime_h) AS downtime_h,
  IF(SUM(failures) = 0, NULL, (SUM(calendar_h) - SUM(downtime_h)) / SUM(failures)) AS mtbf_h,
  IF(SUM(closed_failures) = 0, NULL, SUM(repair_h) / SUM(closed_failures)) AS mttr_h,
  SUM(status_days) AS status_days,
  SUM(available_h) AS available_h,
  IF(SUM(status_days) = 0, NULL, 100 * SUM(available_h) / (24 * SUM(status_days))) AS availability_pct
FROM marts.equipment_reliability
GROUP BY machine_class, month
