MODEL (
  name marts.rock_quality_by_zone_month,
  kind FULL,
  depends_on (marts.mine_zones),  -- the model its reference check reads
  grain (zone, month),
  audits (
    not_null(columns := (zone, pit, month, days_sampled, holes_sampled, sample_count, sampled_length_m)),
    unique_combination_of_columns(columns := (zone, month)),
    reference_exists(key := zone, to := marts.mine_zones, to_key := zone),
    forall(criteria := (
      EXTRACT(DAY FROM month) = 1, days_sampled > 0, holes_sampled >= days_sampled,
      sample_count >= holes_sampled, sampled_length_m > 0, rqd_pct BETWEEN 0 AND 100, ucs_mpa >= 0,
      point_load_is50_mpa >= 0, density_g_cm3 > 0, cu_pct >= 0, au_g_t >= 0, mo_ppm >= 0, cu_equivalent_pct >= 0
    ))
  )
);

-- Rock quality per zone and month (key: zone, month: the first day of the UTC month the holes were
-- drilled): as marts.rock_quality_by_zone_day, over a month; days_sampled counts the days with sampled
-- holes. Measurements: length-weighted means over the month's intervals (not a mean of its days).
@DEF(measures, [rqd_pct, ucs_mpa, point_load_is50_mpa, density_g_cm3, cu_pct, au_g_t, mo_ppm, cu_equivalent_pct]);

SELECT
  zone,
  pit,
  CAST(DATE_TRUNC(drilled_on, MONTH) AS DATE) AS month,
  COUNT(DISTINCT drilled_on) AS days_sampled,
  COUNT(DISTINCT drill_hole_id) AS holes_sampled,
  COUNT(*) AS sample_count,
  SUM(interval_length_m) AS sampled_length_m,
  @EACH(@measures, m -> SUM(CAST(m AS FLOAT64) * length_m) / NULLIF(SUM(IF(m IS NULL, NULL, length_m)), 0) AS m)
FROM marts.rock_quality_samples
WHERE zone IS NOT NULL
GROUP BY zone, pit, CAST(DATE_TRUNC(drilled_on, MONTH) AS DATE)
