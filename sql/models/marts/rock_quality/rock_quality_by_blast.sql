MODEL (
  name marts.rock_quality_by_blast,
  kind FULL,
  depends_on (marts.mine_zones),  -- the model its reference check reads
  grain blast_id,
  audits (
    not_null(columns := (blast_id, holes_listed, holes_known, holes_sampled, sample_count, sampled_length_m)),
    unique_combination_of_columns(columns := (blast_id)),
    reference_exists(key := zone, to := marts.mine_zones, to_key := zone),
    forall(criteria := (
      holes_sampled <= holes_listed, holes_known <= holes_listed, sample_count >= holes_sampled,
      sampled_length_m >= 0, rqd_pct BETWEEN 0 AND 100, ucs_mpa >= 0, point_load_is50_mpa >= 0,
      density_g_cm3 > 0, cu_pct >= 0, au_g_t >= 0, mo_ppm >= 0, cu_equivalent_pct >= 0
    )),
    -- the production app can record a blast before the load that brings its holes' rows: warn
    forall(criteria := (holes_known = holes_listed), blocking := false)
  )
);

-- Rock quality per blast (key: blast_id): every blast of staging.stg_production__blasts, with the holes
-- it fired (its hole_ids) as marts.rock_quality_by_drill_hole places them. holes_listed counts distinct
-- hole ids, holes_known those the production app has a row for, holes_sampled those with lab samples
-- (a hole two blasts list counts for the earliest). zone: the zone of most of its known holes (ties: the
-- first by name); zone_count: how many zones its holes lie in. Measurements: length-weighted means over
-- every interval of its holes (marts.rock_quality_samples), each over the intervals that have that
-- measurement (not a mean of hole means: a hole sampled over more length weighs more). A blast with no
-- sampled hole has sample_count 0 and NULL means.
@DEF(measures, [rqd_pct, ucs_mpa, point_load_is50_mpa, density_g_cm3, cu_pct, au_g_t, mo_ppm, cu_equivalent_pct]);

WITH holes AS (
  SELECT
    blast_id,
    COUNTIF(is_known_hole) AS holes_known,
    COUNTIF(sample_count > 0) AS holes_sampled
  FROM marts.rock_quality_by_drill_hole
  WHERE blast_id IS NOT NULL
  GROUP BY blast_id
),

zones AS (
  SELECT
    blast_id,
    zone,
    pit,
    COUNT(*) OVER (PARTITION BY blast_id) AS zone_count
  FROM marts.rock_quality_by_drill_hole
  WHERE blast_id IS NOT NULL AND zone IS NOT NULL
  GROUP BY blast_id, zone, pit
  QUALIFY ROW_NUMBER() OVER (PARTITION BY blast_id ORDER BY COUNT(*) DESC, zone) = 1
),

lab AS (
  SELECT
    blast_id,
    COUNT(*) AS sample_count,
    SUM(interval_length_m) AS sampled_length_m,
    @EACH(@measures, m -> SUM(CAST(m AS FLOAT64) * length_m) / NULLIF(SUM(IF(m IS NULL, NULL, length_m)), 0) AS m)
  FROM marts.rock_quality_samples
  WHERE blast_id IS NOT NULL
  GROUP BY blast_id
)

SELECT
  b.blast_id,
  b.blast_pattern,
  b.fired_at,
  DATE(b.fired_at) AS fired_on,
  z.zone,
  z.pit,
  COALESCE(z.zone_count, 0) AS zone_count,
  b.hole_count,
  (SELECT COUNT(DISTINCT id) FROM UNNEST(b.hole_ids) AS id) AS holes_listed,
  COALESCE(h.holes_known, 0) AS holes_known,
  COALESCE(h.holes_sampled, 0) AS holes_sampled,
  COALESCE(l.sample_count, 0) AS sample_count,
  COALESCE(l.sampled_length_m, 0) AS sampled_length_m,
  @EACH(@measures, m -> l.m AS m)
FROM staging.stg_production__blasts AS b
LEFT JOIN holes AS h ON h.blast_id = b.blast_id
LEFT JOIN zones AS z ON z.blast_id = b.blast_id
LEFT JOIN lab AS l ON l.blast_id = b.blast_id
