MODEL (
  name staging.stg_vendor__rock_quality_samples,
  kind VIEW,
  grain sample_code,
  audits (
    not_null(columns := (sample_code)),
    unique_combination_of_columns(columns := (sample_code)),
    reconciles_with_load_runs(raw := 'raw_vendor.rock_quality_samples'),
    source_is_fresh(raw := 'raw_vendor.rock_quality_samples', level := 'warn', blocking := false),
    source_is_fresh(raw := 'raw_vendor.rock_quality_samples', level := 'error')
  )
);

-- Rock-quality samples: strength, density and assays of drill-core intervals from the lab's Avro files.
-- Grain: one row per sample (key: sample_code, the mine's tag of one core interval), its latest version
-- from raw_vendor.rock_quality_samples. Raw keeps every row of every file content loaded: a file the
-- lab re-issued under the same name (a new version in ops.loaded_files) and a sample analysed again
-- (same sample_code, a new sample_id: the lab's id of one analysis) both add rows.
-- Dedup: rows of a file content that a later version of the same file replaced
-- (ops.loaded_files.replaces_sha256) are left out, so a sample the lab dropped or re-tagged in a
-- re-issue disappears; of the rest the latest analysis wins (analysed_at desc, reported_at desc), then
-- the latest loaded file content (_loaded_at desc), then _source_file desc and sample_id desc as a
-- deterministic tie-break: a late delivery of an older analysis does not hide a newer re-assay, and
-- the result does not depend on how files were grouped into runs. versions_loaded counts every raw
-- row of the sample.
-- Renames: sample_id -> analysis_id; from_m, to_m -> depth_from_m, depth_to_m; lab.code, .name,
--   .accreditation -> lab_code, lab_name, lab_accreditation; method.code, .name, .instrument ->
--   method_code, method_name, method_instrument; _source_file, _source_sha256 -> source_file,
--   source_sha256; _run_id -> loaded_run_id; _loaded_at -> loaded_at_warehouse.
-- Readable: rock_type 'DIORITE_PORPHYRY' -> 'diorite porphyry'. Measurements and assays unchanged.
-- Added: interval_length_m (depth_to_m - depth_from_m); from qa_flags (kept, the lab's codes)
--   is_duplicate (DUPLICATE), is_reassay (REASSAY), has_failed_standard (STANDARD_FAILED), is_blank
--   (BLANK); from repeat_measurements (kept) repeat_count and per test (UCS, IS50) the count and the
--   mean value; turnaround_days from received_on to the UTC day of reported_at.
-- Any other raw column passes through unchanged (SELECT * EXCEPT): the optional fields a later
-- contract version adds (v2: ag_g_t, moisture_pct, weathering) appear once a file with them is loaded.
WITH versions AS (
  SELECT
    *,
    COUNT(*) OVER (PARTITION BY sample_code) AS versions_loaded
  FROM raw_vendor.rock_quality_samples
),

latest AS (
  SELECT *
  FROM versions AS v
  WHERE NOT EXISTS (
    SELECT 1
    FROM ops.loaded_files AS f
    WHERE f.target_table = 'raw_vendor.rock_quality_samples' AND f.replaces_sha256 = v._source_sha256
  )
  QUALIFY ROW_NUMBER() OVER (
    PARTITION BY sample_code
    ORDER BY analysed_at DESC, reported_at DESC, _loaded_at DESC, _source_file DESC, sample_id DESC
  ) = 1
)

SELECT
  s.sample_code,
  s.sample_id AS analysis_id,
  s.drill_hole_id,
  s.from_m AS depth_from_m,
  s.to_m AS depth_to_m,
  s.to_m - s.from_m AS interval_length_m,
  LOWER(REPLACE(s.rock_type, '_', ' ')) AS rock_type,
  s.rqd_pct,
  s.ucs_mpa,
  s.point_load_is50_mpa,
  s.density_g_cm3,
  s.cu_pct,
  s.au_g_t,
  s.mo_ppm,
  s.cu_equivalent_pct,
  s.qa_flags,
  EXISTS (SELECT 1 FROM UNNEST(s.qa_flags) AS flag WHERE UPPER(flag) = 'DUPLICATE') AS is_duplicate,
  EXISTS (SELECT 1 FROM UNNEST(s.qa_flags) AS flag WHERE UPPER(flag) = 'REASSAY') AS is_reassay,
  EXISTS (SELECT 1 FROM UNNEST(s.qa_flags) AS flag WHERE UPPER(flag) = 'STANDARD_FAILED') AS has_failed_standard,
  EXISTS (SELECT 1 FROM UNNEST(s.qa_flags) AS flag WHERE UPPER(flag) = 'BLANK') AS is_blank,
  s.repeat_measurements,
  (SELECT COUNT(*) FROM UNNEST(s.repeat_measurements) AS m) AS repeat_count,
  (SELECT COUNT(*) FROM UNNEST(s.repeat_measurements) AS m WHERE m.test = 'UCS') AS ucs_repeat_count,
  (SELECT AVG(m.value_mpa) FROM UNNEST(s.repeat_measurements) AS m WHERE m.test = 'UCS') AS ucs_repeat_mean_mpa,
  (SELECT COUNT(*) FROM UNNEST(s.repeat_measurements) AS m WHERE m.test = 'IS50') AS is50_repeat_count,
  (SELECT AVG(m.value_mpa) FROM UNNEST(s.repeat_measurements) AS m WHERE m.test = 'IS50') AS is50_repeat_mean_mpa,
  s.lab.code AS lab_code,
  s.lab.name AS lab_name,
  s.lab.accreditation AS lab_accreditation,
  s.method.code AS method_code,
  s.method.name AS method_name,
  s.method.instrument AS method_instrument,
  s.received_on,
  s.analysed_at,
  s.reported_at,
  DATE_DIFF(DATE(DATETIME(s.reported_at, 'UTC')), s.received_on, DAY) AS turnaround_days,
  s.* EXCEPT (
    sample_code, sample_id, drill_hole_id, from_m, to_m, rock_type, rqd_pct, ucs_mpa, point_load_is50_mpa,
    density_g_cm3, cu_pct, au_g_t, mo_ppm, cu_equivalent_pct, qa_flags, repeat_measurements, lab, method,
    received_on, analysed_at, reported_at, versions_loaded, _source_file, _source_sha256, _run_id, _loaded_at
  ),
  s.versions_loaded,
  s._source_file AS source_file,
  s._source_sha256 AS source_sha256,
  s._run_id AS loaded_run_id,
  s._loaded_at AS loaded_at_warehouse
FROM latest AS s
