AUDIT (name reconciles_with_load_runs);
-- The raw table `raw` (e.g. 'raw_production.truck_loads') holds exactly what ops.load_runs says was
-- committed into it: no row of a run that was never committed (a half-loaded run), no run with
-- more rows than it loaded, and every row of the latest committed run. Older runs may have fewer
-- rows than they loaded: a later run of the same window, or a full refresh, replaced them.
WITH in_raw AS (
  SELECT _run_id AS run_id, COUNT(*) AS rows_in_raw
  FROM @SQL(@raw)
  GROUP BY _run_id
), committed AS (
  SELECT run_id, rows_loaded, ROW_NUMBER() OVER (ORDER BY ended_at DESC, run_id DESC) AS recency
  FROM ops.load_runs
  WHERE target_table = @raw AND status = 'succeeded'
)
SELECT
  COALESCE(in_raw.run_id, committed.run_id) AS run_id,
  in_raw.rows_in_raw,
  committed.rows_loaded,
  CASE
    WHEN committed.run_id IS NULL THEN 'rows of a run ops.load_runs does not record as committed'
    WHEN in_raw.rows_in_raw > committed.rows_loaded THEN 'more rows than the run loaded'
    ELSE 'rows of the latest committed run are missing'
  END AS problem
FROM in_raw
FULL OUTER JOIN committed ON in_raw.run_id = committed.run_id
WHERE committed.run_id IS NULL
  OR in_raw.rows_in_raw > committed.rows_loaded
  OR (committed.recency = 1 AND COALESCE(in_raw.rows_in_raw, 0) <> committed.rows_loaded)
