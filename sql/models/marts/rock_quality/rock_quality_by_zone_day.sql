MODEL (
  name marts.rock_quality_by_zone_day,
  kind FULL,
  depends_on (marts.mine_zones),  -- the model its reference check reads
  grain (zone, drilled_on),
  audits (
    not_null(columns := (zone, pit, drilled_on, holes_sampled, sample_count, sampled_length_m)),
    unique_combination_of_columns(columns := (zone, drilled_on)),
    reference_exists(key := zone, to := marts.mine_zones, to_key := zone),
    forall(criteria := (
      holes_sampled > 0, sample_count >= holes_sampled, sampled_length_m > 0, rqd_pct BETWEEN 0 AND 100,
      ucs_mpa >= 0, point_load_is50_mpa >= 0, density_g_cm3 > 0, cu_pct >= 0, au_g_t >= 0, mo_ppm >= 0,
      cu_equivalent_pct >= 0
    ))
  )
);

-- Rock quality per zone and day (key: zone, drilled_on): the lab's intervals (marts.rock_quality_samples)
-- of the holes drilled in the zone that UTC day (drilled_on, the UTC day of the hole's drilled_at),
-- whenever the lab reported them. Only days with sampled holes have a row. Measurements: length-weighted
-- means over the intervals, each over the intervals that have it (SUM(value * length) / SUM(length of
-- the intervals with a value)). Samples of a tag the production app does not know have no zone and no
-- day: they are in marts.rock_quality_by_drill_hole and marts.rock_quality_samples (is_known_hole =
-- FALSE), not here.
@DEF(measures, [rqd_pct, ucs_mpa, point_load_is50_mpa, density_g_cm3, cu_pct, au_g_t, mo_ppm, cu_equivalent_pct]);

SELECT
  zone,
  pit,
  drilled_on,
  COUNT(DISTINCT drill_hole_id) AS holes_sampled,
  COUNT(*) AS sample_count,
  SUM(interval_length_m) AS sampled_length_m,
  @EACH(@measures, m -> SUM(CAST(m AS FLOAT64) * length_m) / NULLIF(SUM(IF(m IS NULL, NULL, length_m)), 0) AS m)
FROM marts.rock_quality_samples
WHERE zone IS NOT NULL
GROUP BY zone, pit, drilled_on
