MODEL (
  name staging.stg_production__crusher_throughput,
  kind VIEW,
  grain (crusher_id, measured_at),
  audits (
    not_null(columns := (crusher_id, measured_at)),
    unique_combination_of_columns(columns := (crusher_id, measured_at)),
    reconciles_with_load_runs(raw := 'raw_production.crusher_throughput'),
    source_is_fresh(raw := 'raw_production.crusher_throughput', level := 'warn', blocking := false),
    source_is_fresh(raw := 'raw_production.crusher_throughput', level := 'error')
  )
);

-- One row per crusher and measurement time (key: crusher_id, measured_at), latest version.
-- css_mm is an unconstrained numeric: BIGNUMERIC in BigQuery, exact text in DuckDB.
SELECT
  crusher_id,
  measured_at,
  tonnes_per_hour AS throughput_t_h,
  power_kw,
  css_mm AS closed_side_setting_mm,
  feed_p80_mm,
  updated_at,
  _run_id AS loaded_run_id,
  _loaded_at AS loaded_at_warehouse
FROM raw_production.crusher_throughput
WHERE TRUE
QUALIFY ROW_NUMBER() OVER (PARTITION BY crusher_id, measured_at ORDER BY updated_at DESC, _loaded_at DESC) = 1
