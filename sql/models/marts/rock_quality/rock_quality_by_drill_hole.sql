MODEL (
  name marts.rock_quality_by_drill_hole,
  kind FULL,
  grain drill_hole_id,
  audits (
    not_null(columns := (drill_hole_id, is_known_hole, sample_count, sampled_length_m)),
    unique_combination_of_columns(columns := (drill_hole_id)),
    forall(criteria := (
      sample_count >= 0, sampled_length_m >= 0, rqd_pct BETWEEN 0 AND 100, ucs_mpa >= 0,
      point_load_is50_mpa >= 0, density_g_cm3 > 0, cu_pct >= 0, au_g_t >= 0, mo_ppm >= 0, cu_equivalent_pct >= 0
    )),
    -- intervals that overlap or have no length would weigh some core twice or divide by nothing
    forall(criteria := (overlapping_sample_count = 0, invalid_interval_count = 0)),
    -- a sample below the hole's bottom names the wrong hole: its zone and blast would be wrong
    forall(criteria := (sampled_to_m <= hole_depth_m)),
    -- a production hole outside every zone of marts.mine_zones would be missing from the zone marts
    forall(criteria := (hole_id IS NULL OR zone IS NOT NULL)),
    -- a lab file may arrive before the production load that brings its hole: warn, and join it on
    -- the build after that load (this table is rebuilt whole)
    forall(criteria := (is_known_hole), blocking := false)
  )
);

-- Rock quality per drill hole (key: drill_hole_id, the mine's hole tag: the production app's hole_id as
-- text, as the lab writes it). One row for every hole the production app knows
-- (staging.stg_production__drill_holes) and every tag the lab reported samples for
-- (staging.stg_vendor__rock_quality_samples): a tag the production app does not know (yet) keeps its
-- samples here with is_known_hole = FALSE and no zone or blast; a hole with no samples yet has
-- sample_count 0 and NULL measurements.
-- Where: zone and pit from marts.mine_zones (the box that holds the collar); blast_id and fired_at from
-- the earliest blast whose hole_ids list the hole (blasts_listing_hole counts them all).
-- Measurements: length-weighted means over the hole's intervals, each over the intervals that have
-- that measurement (SUM(value * length) / SUM(length of intervals with a value)); QA flags are counted,
-- not left out (a re-assay replaces its sample in staging). main_rock_type: the rock type logged over
-- the greatest length (ties: the first in alphabetical order).
@DEF(measures, [rqd_pct, ucs_mpa, point_load_is50_mpa, density_g_cm3, cu_pct, au_g_t, mo_ppm, cu_equivalent_pct]);

WITH samples AS (
  SELECT
    *,
    CAST(interval_length_m AS FLOAT64) AS length_m,
    COALESCE(depth_from_m < MAX(depth_to_m) OVER (
      PARTITION BY drill_hole_id ORDER BY depth_from_m, depth_to_m, sample_code
      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
    ), FALSE) AS overlaps_one_above
  FROM staging.stg_vendor__rock_quality_samples
),

lab AS (
  SELECT
    drill_hole_id,
    COUNT(*) AS sample_count,
    SUM(interval_length_m) AS sampled_length_m,
    MIN(depth_from_m) AS sampled_from_m,
    MAX(depth_to_m) AS sampled_to_m,
    @EACH(@measures, m -> SUM(CAST(m AS FLOAT64) * length_m) / NULLIF(SUM(IF(m IS NULL, NULL, length_m)), 0) AS m),
    COUNTIF(ARRAY_LENGTH(qa_flags) > 0) AS qa_flagged_sample_count,
    COUNTIF(overlaps_one_above) AS overlapping_sample_count,
    COUNTIF(depth_from_m < 0 OR depth_to_m <= depth_from_m) AS invalid_interval_count,
    MIN(reported_at) AS first_reported_at,
    MAX(reported_at) AS last_reported_at
  FROM samples
  GROUP BY drill_hole_id
),

main_rock AS (
  SELECT drill_hole_id, rock_type
  FROM samples
  GROUP BY drill_hole_id, rock_type
  QUALIFY ROW_NUMBER() OVER (PARTITION BY drill_hole_id ORDER BY SUM(length_m) DESC, rock_type) = 1
),

holes AS (
  SELECT
    CAST(h.hole_id AS STRING) AS drill_hole_id,
    h.hole_id,
    z.zone,
    z.pit,
    h.blast_pattern,
    h.bench_level_m,
    h.easting_m,
    h.northing_m,
    h.depth_m,
    h.drilled_at
  FROM staging.stg_production__drill_holes AS h
  LEFT JOIN marts.mine_zones AS z
    ON h.easting_m >= z.easting_min_m AND h.easting_m < z.easting_max_m
    AND h.northing_m >= z.northing_min_m AND h.northing_m < z.northing_max_m
),

fired AS (
  SELECT
    CAST(hole_id AS STRING) AS drill_hole_id,
    b.blast_id,
    b.fired_at,
    COUNT(*) OVER (PARTITION BY hole_id) AS blasts_listing_hole
  FROM staging.stg_production__blasts AS b, UNNEST(b.hole_ids) AS hole_id
  WHERE TRUE
  QUALIFY ROW_NUMBER() OVER (PARTITION BY hole_id ORDER BY b.fired_at, b.blast_id) = 1
)

SELECT
  COALESCE(h.drill_hole_id, l.drill_hole_id) AS drill_hole_id,
  h.hole_id,
  h.hole_id IS NOT NULL AS is_known_hole,
  h.zone,
  h.pit,
  h.blast_pattern,
  h.bench_level_m,
  h.easting_m,
  h.northing_m,
  h.depth_m AS hole_depth_m,
  h.drilled_at,
  DATE(h.drilled_at) AS drilled_on,
  f.blast_id,
  f.fired_at,
  COALESCE(f.blasts_listing_hole, 0) AS blasts_listing_hole,
  COALESCE(l.sample_count, 0) AS sample_count,
  COALESCE(l.sampled_length_m, 0) AS sampled_length_m,
  l.sampled_from_m,
  l.sampled_to_m,
  r.rock_type AS main_rock_type,
  @EACH(@measures, m -> l.m AS m),
  COALESCE(l.qa_flagged_sample_count, 0) AS qa_flagged_sample_count,
  COALESCE(l.overlapping_sample_count, 0) AS overlapping_sample_count,
  COALESCE(l.invalid_interval_count, 0) AS invalid_interval_count,
  l.first_reported_at,
  l.last_reported_at
FROM holes AS h
FULL OUTER JOIN lab AS l ON l.drill_hole_id = h.drill_hole_id
LEFT JOIN main_rock AS r ON r.drill_hole_id = l.drill_hole_id
LEFT JOIN fired AS f ON f.drill_hole_id = COALESCE(h.drill_hole_id, l.drill_hole_id)
