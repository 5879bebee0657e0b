MODEL (
  name staging.stg_production__blasts,
  kind VIEW,
  grain blast_id,
  audits (
    not_null(columns := (blast_id)),
    unique_combination_of_columns(columns := (blast_id)),
    reconciles_with_load_runs(raw := 'raw_production.blasts'),
    source_is_fresh(raw := 'raw_production.blasts', level := 'warn', blocking := false),
    source_is_fresh(raw := 'raw_production.blasts', level := 'error')
  )
);

-- One row per blast (key: blast_id), latest version. The reserved word "order" is renamed.
SELECT
  blast_id,
  pattern AS blast_pattern,
  fired_at,
  fire_window AS planned_fire_time,
  explosive_kg,
  hole_count,
  `order` AS firing_order,
  max_ppv_mm_s,
  hole_ids,
  tags,
  notes,
  updated_at,
  _run_id AS loaded_run_id,
  _loaded_at AS loaded_at_warehouse
FROM raw_production.blasts
WHERE TRUE
QUALIFY ROW_NUMBER() OVER (PARTITION BY blast_id ORDER BY updated_at DESC, _loaded_at DESC) = 1
