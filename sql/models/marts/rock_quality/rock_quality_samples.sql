MODEL (
  name marts.rock_quality_samples,
  kind FULL,
  grain sample_code,
  audits (
    not_null(columns := (sample_code, drill_hole_id, is_known_hole, interval_length_m, length_m)),
    unique_combination_of_columns(columns := (sample_code)),
    forall(criteria := (length_m > 0))
  )
);

-- The lab's samples joined to their holes and blasts (key: sample_code): each sample of
-- staging.stg_vendor__rock_quality_samples (its latest analysis) with where its hole is, from
-- marts.rock_quality_by_drill_hole: hole_id and is_known_hole, zone, pit, drilled_on (UTC day the hole
-- was drilled), blast_id (the earliest blast that fired it). length_m is interval_length_m as a float:
-- the weight of the length-weighted means of the blast and zone marts. A sample whose tag the production
-- app does not know has is_known_hole = FALSE and no zone, day or blast.
SELECT
  s.sample_code,
  s.drill_hole_id,
  h.hole_id,
  h.is_known_hole,
  h.zone,
  h.pit,
  h.drilled_on,
  h.blast_id,
  s.depth_from_m,
  s.depth_to_m,
  s.interval_length_m,
  CAST(s.interval_length_m AS FLOAT64) AS length_m,
  s.rock_type,
  s.rqd_pct,
  s.ucs_mpa,
  s.point_load_is50_mpa,
  s.density_g_cm3,
  s.cu_pct,
  s.au_g_t,
  s.mo_ppm,
  s.cu_equivalent_pct,
  s.qa_flags,
  s.reported_at
FROM staging.stg_vendor__rock_quality_samples AS s
JOIN marts.rock_quality_by_drill_hole AS h ON h.drill_hole_id = s.drill_hole_id
