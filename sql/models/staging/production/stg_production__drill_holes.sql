MODEL (
  name staging.stg_production__drill_holes,
  kind VIEW,
  grain hole_id,
  audits (
    not_null(columns := (hole_id)),
    unique_combination_of_columns(columns := (hole_id)),
    reconciles_with_load_runs(raw := 'raw_production.drill_holes'),
    source_is_fresh(raw := 'raw_production.drill_holes', level := 'warn', blocking := false),
    source_is_fresh(raw := 'raw_production.drill_holes', level := 'error')
  )
);

-- One row per drill hole (key: hole_id), latest version. "BenchLevel" gets a readable name.
SELECT
  hole_id,
  pattern AS blast_pattern,
  `BenchLevel` AS bench_level_m,
  easting AS easting_m,
  northing AS northing_m,
  elevation AS elevation_m,
  depth_m,
  diameter_mm,
  drilled_at,
  rig_id,
  penetration_m_h,
  water_encountered,
  collar_photo,
  updated_at,
  _run_id AS loaded_run_id,
  _loaded_at AS loaded_at_warehouse
FROM raw_production.drill_holes
WHERE TRUE
QUALIFY ROW_NUMBER() OVER (PARTITION BY hole_id ORDER BY updated_at DESC, _loaded_at DESC) = 1
